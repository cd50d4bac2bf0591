"""The offline twin of a lottery stack: the real stack program under Pulumi mocks, deployed into
moto in-process, its state machine run by moto and its functions run from the deployed zip.

Importing it changes nothing in moto, botocore or Pulumi: an OfflineStack (stack.py) puts the
twin's hooks in for its `with` block and takes them out after (seams.py)."""
