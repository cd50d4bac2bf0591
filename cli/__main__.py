"""`lottery`, the console script, and `python -m cli` (bin/lottery): one command, then out."""

import gc
import os
import sys


def run() -> None:
    # A one-shot command makes about a million long-lived objects (moto's and pulumi_aws's models)
    # while it starts, and the collector would rescan them all, again and again, for nothing. It is
    # off until the stack is deployed; then they are frozen out of its sight and it is on again.
    gc.disable()
    from .siblings import seams

    seams.skip_batch_backend()  # before the twin imports moto's Step Functions: see there
    from .commands import main  # imported with the collector off

    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is saved by now; skip the interpreter's teardown of moto's and Pulumi's modules,
    # which would only free memory the process is about to give back anyway.
    os._exit(code)


if __name__ == "__main__":
    run()
