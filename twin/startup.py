"""Cut what a cold `lottery draw` spends on moto modules it never uses.

moto's ASL interpreter imports `moto.batch.utils` for one enum (the Batch task integration).
Importing it runs `moto/batch/__init__.py`, which loads moto's whole Batch and EC2 models
(their region and instance-type tables): 0.6-0.8 s, a quarter of a cold draw. The lottery runs
no Batch tasks, so `moto.batch` is registered as a bare package: its submodules import as
usual, and its backend is never loaded.

moto answers API Gateway v2 calls (`apigateway.<region>.amazonaws.com/v2/...`) through its REST
API Gateway backend, whose URL table includes the v2 paths; loading that backend imports an
OpenAPI validator (0.2-0.3 s) the HTTP API never uses. Matching `/v2/` URLs to moto's own
apigatewayv2 backend first gives the same handlers without that import.

moto reads each service's botocore model through a new botocore Loader, which lists all 439
service folders again before it reads one file (8 ms a service, 0.17 s of a cold draw). One
shared Loader lists them once, as a boto3 session's does.
"""

import functools
import importlib.util
import re
import sys


def skip_batch_backend() -> None:
    if "moto.batch" in sys.modules:
        return
    spec = importlib.util.find_spec("moto.batch")
    if spec is not None and spec.submodule_search_locations:
        sys.modules["moto.batch"] = importlib.util.module_from_spec(spec)


def route_http_apis_to_v2() -> None:
    from moto import backend_index

    patterns = backend_index.backend_url_patterns
    if patterns and patterns[0][0] == "apigatewayv2":
        return
    patterns.insert(0, ("apigatewayv2", re.compile(r"https?://apigateway\.(.+)\.amazonaws\.com/v2/")))


def share_botocore_loader() -> None:
    from moto.core import utils

    if not hasattr(utils.create_loader, "cache_info"):
        utils.create_loader = functools.cache(utils.create_loader)
