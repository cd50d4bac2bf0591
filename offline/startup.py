"""Cut what a cold `lottery draw` spends on moto modules it never uses.

moto's ASL interpreter imports `moto.batch.utils` for one enum (the Batch task integration).
Importing it runs `moto/batch/__init__.py`, which loads moto's whole Batch and EC2 models
(their region and instance-type tables): 0.6-0.8 s, a quarter of a cold draw. The lottery runs
no Batch tasks, so `moto.batch` is registered as a bare package: its submodules import as
usual, and its backend is never loaded.
"""

import importlib.util
import sys


def skip_batch_backend() -> None:
    if "moto.batch" in sys.modules:
        return
    spec = importlib.util.find_spec("moto.batch")
    if spec is not None and spec.submodule_search_locations:
        sys.modules["moto.batch"] = importlib.util.module_from_spec(spec)
