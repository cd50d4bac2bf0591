"""Run Lambda functions offline: moto's one seam for every invocation, fed the deployed zip.

moto would start a Docker container here. Instead the function's own zip is unpacked once,
imported under a package name of its own for each function and configuration (so it is the
deployed code that runs, not the checkout's, and no module state outlives an environment), and
its handler is called with the function's environment variables. Every path arrives here: Step
Functions tasks, direct invokes, S3 notifications and DynamoDB stream batches (whose failures
delivery.py retries and dead-letters as AWS would).
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

_unpacked: dict[str, str] = {}  # code digest: the folder its zip is unpacked in
_workdir = tempfile.TemporaryDirectory(prefix="lottery-lambdas-")
# os.environ is the process's: one invocation at a time, as one function instance would.
_lock = threading.RLock()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _package_of(function: LambdaFunction) -> str:
    """A top-level package holding the function's code, one per function and configuration.

    As on Lambda, where each function has execution environments of its own and a new
    configuration starts new ones, module-level state (a setting read at import, a cached
    client) is neither shared between functions nor kept across a configuration change.
    """
    code = _digest(function.code_bytes)
    if code not in _unpacked:
        _unpacked[code] = os.path.join(_workdir.name, code)
        zipfile.ZipFile(io.BytesIO(function.code_bytes)).extractall(_unpacked[code])
    configuration = json.dumps([function.function_arn, function.handler, function.environment_vars, code], sort_keys=True)
    name = f"_lottery_lambda_{_digest(configuration.encode())}"
    if name not in sys.modules:
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [_unpacked[code]]
        sys.modules[name] = importlib.util.module_from_spec(spec)
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
                handler = getattr(importlib.import_module(f"{_package_of(function)}.{module_name}"), attribute)
                # plain(): Decimals as the Lambda runtime's marshaller writes them (1, not 1.0).
                return json.dumps(plain(handler(payload, None))), False, ""
            except Exception as error:  # noqa: BLE001 - every handler error is the function's answer
                body = {"errorType": type(error).__name__, "errorMessage": str(error)}
                return json.dumps(body), True, traceback.format_exc()

    return delivery.deliver(function, payload, invoke)


def install() -> None:
    LambdaFunction._invoke_lambda = lambda self, event=None: run(self, event)
