"""Run Lambda functions offline: moto's one seam for every invocation, fed the deployed zip.

moto would start a Docker container here. Instead the function's own zip is unpacked once,
imported under a package name of its own (so it is the deployed code that runs, not the
checkout's), and its handler is called with the function's environment variables. Every path
arrives here: Step Functions tasks, direct invokes, S3 notifications and DynamoDB stream batches
(whose failures delivery.py retries and dead-letters as AWS would).
"""

import contextlib
import hashlib
import importlib
import importlib.machinery
import importlib.util
import io
import json
import os
import sys
import tempfile
import threading
import traceback
import zipfile

from handlers.common import plain

from . import delivery

try:
    from moto.awslambda.models import LambdaFunction
except ImportError as error:  # pragma: no cover - a moto without this module is the wrong pin
    raise RuntimeError(f"the offline runtime needs moto's Lambda models: {error}") from None

if not hasattr(LambdaFunction, "_invoke_lambda"):
    raise RuntimeError(
        "moto's LambdaFunction._invoke_lambda has moved: the offline runtime leans on it. "
        "Install the moto version pinned in requirements.txt."
    )

_unpacked: dict[str, str] = {}
_workdir = tempfile.TemporaryDirectory(prefix="lottery-lambdas-")
# os.environ is the process's: one invocation at a time, as one function instance would.
_lock = threading.RLock()


def _package_of(code: bytes) -> str:
    """A top-level package name whose folder holds this zip's files."""
    digest = hashlib.sha256(code).hexdigest()[:16]
    name = f"_lottery_lambda_{digest}"
    if name not in _unpacked:
        root = os.path.join(_workdir.name, digest)
        zipfile.ZipFile(io.BytesIO(code)).extractall(root)
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [root]
        sys.modules[name] = importlib.util.module_from_spec(spec)
        _unpacked[name] = root
    return name


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run(function: LambdaFunction, event) -> tuple[str, bool, str]:
    """Invoke `function` with `event`; answer as moto's `_invoke_lambda` does."""
    payload = json.loads(event) if isinstance(event, (str, bytes)) and event else (event or {})
    module_name, _, attribute = function.handler.rpartition(".")
    env = {
        "AWS_REGION": function.region,
        "AWS_DEFAULT_REGION": function.region,
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        **{k: str(v) for k, v in function.environment_vars.items()},
    }

    def invoke(payload):
        with _lock, _environment(env):
            try:
                handler = getattr(importlib.import_module(f"{_package_of(function.code_bytes)}.{module_name}"), attribute)
                # plain(): Decimals as the Lambda runtime's marshaller writes them (1, not 1.0).
                return json.dumps(plain(handler(payload, None))), False, ""
            except Exception as error:  # noqa: BLE001 - every handler error is the function's answer
                body = {"errorType": type(error).__name__, "errorMessage": str(error)}
                return json.dumps(body), True, traceback.format_exc()

    return delivery.deliver(function, payload, invoke)


def install() -> None:
    LambdaFunction._invoke_lambda = lambda self, event=None: run(self, event)
