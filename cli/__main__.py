import gc
import os
import sys

# A one-shot command allocates ~1M long-lived objects (moto's and pulumi_aws's models) while it
# starts; the collector rescanning them took a third of a cold draw (0.9 s of 2.8). It is off
# until the stack is deployed; then they are frozen out of its sight and it is on again.
gc.disable()

from .commands import main  # imported with the collector off

code = main()
sys.stdout.flush()
sys.stderr.flush()
# Everything is saved by now; skip the interpreter's ~1 s teardown of moto's and Pulumi's modules.
os._exit(code)
