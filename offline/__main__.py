import os
import sys

from .cli import main

code = main()
sys.stdout.flush()
sys.stderr.flush()
# Everything is saved by now; skip the interpreter's ~1 s teardown of moto's and Pulumi's modules.
os._exit(code)
