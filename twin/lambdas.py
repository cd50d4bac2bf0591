"""Run Lambda functions offline: moto's one seam for every invocation (seams.py hooks `run` there),
fed the deployed zip.

moto would start a Docker container here. Instead the function's own zip is unpacked once,
imported under a package name of its own for each function and configuration (so it is the
deployed code that runs, not the checkout's, and no module state outlives an environment), and
its handler is called with the function's environment variables. Every path arrives here: Step
Functions tasks, direct invokes, S3 notifications and DynamoDB stream batches (whose failures
delivery.py retries and dead-letters as AWS would).

Two things a Lambda execution environment has to itself are given to each invocation here:
- its environment variables, seen only by the thread running the handler (os.environ answers each
  thread for itself, see Environ): moto's Step Functions threads keep reading the process's
  environment while a handler runs (botocore looks for proxy settings whenever it makes a client);
- the twin's clock (retries.clock): the handler modules' `time` runs 1/SCALE faster, as the state
  machine's Retry waits do, so a lease the handlers keep (pool.py) lasts as many retries offline
  as on AWS.
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
import time
import traceback
import zipfile
from typing import TYPE_CHECKING

from . import delivery, retries
from .siblings import plain

if TYPE_CHECKING:
    from moto.awslambda.models import LambdaFunction

_PREFIX = "_lottery_lambda_"  # of the packages the functions' code is imported as
_unpacked: dict[str, str] = {}  # code digest: the folder its zip is unpacked in
_clocked: set[str] = set()  # handler modules looked at by _clock()
_modules_seen = 0  # len(sys.modules) at _clock()'s last look
_workdir: tempfile.TemporaryDirectory | None = None  # made at the first unpack, removed when the process ends
# One invocation at a time (module state, imports); re-entered when a handler's write invokes a
# stream's function in the same thread.
invocation_lock = threading.RLock()
_invocation = threading.local()  # .environ: the variables of the invocation this thread runs


class Environ(os._Environ):
    """os.environ, but in a thread running a handler, that invocation's own variables.

    The runner used to swap the process's environment for the function's and back (clear, then
    update). A Step Functions thread iterating it meanwhile (urllib's proxy lookup, whenever
    botocore makes a client) found a key gone and failed its task with States.Runtime
    ("'AWS_REGION'"): a draw lost, or worse, a draw dead while holding the pool. Now the process's
    environment is never changed by an invocation, and an invocation's changes stay its own.
    seams.py makes it os.environ's class for a session; outside an invocation it is os._Environ.
    """

    def _own(self) -> dict[str, str] | None:
        return getattr(_invocation, "environ", None)

    def __getitem__(self, key):
        own = self._own()
        return super().__getitem__(key) if own is None else own[key]

    def __setitem__(self, key, value):
        own = self._own()
        if own is None:
            super().__setitem__(key, value)
        else:
            own[str(key)] = str(value)

    def __delitem__(self, key):
        own = self._own()
        if own is None:
            super().__delitem__(key)
        else:
            del own[key]

    def __iter__(self):
        own = self._own()
        return super().__iter__() if own is None else iter(list(own))

    def __len__(self):
        own = self._own()
        return super().__len__() if own is None else len(own)

    def __repr__(self):
        own = self._own()
        return super().__repr__() if own is None else f"environ({own!r})"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _package_of(function: "LambdaFunction") -> str:
    """A top-level package holding the function's code, one per function and configuration.

    As on Lambda, where each function has execution environments of its own and a new
    configuration starts new ones, module-level state (a setting read at import, a cached
    client) is neither shared between functions nor kept across a configuration change.
    """
    global _workdir
    code = _digest(function.code_bytes)
    if code not in _unpacked:
        _workdir = _workdir or tempfile.TemporaryDirectory(prefix="lottery-lambdas-")
        _unpacked[code] = os.path.join(_workdir.name, code)
        zipfile.ZipFile(io.BytesIO(function.code_bytes)).extractall(_unpacked[code])
    configuration = json.dumps([function.function_arn, function.handler, function.environment_vars, code], sort_keys=True)
    name = f"{_PREFIX}{_digest(configuration.encode())}"
    if name not in sys.modules:
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [_unpacked[code]]
        sys.modules[name] = importlib.util.module_from_spec(spec)
    return name


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    """The function's variables over the process's, for this thread only (nested: the inner function's)."""
    outer = getattr(_invocation, "environ", None)
    _invocation.environ = None
    _invocation.environ = {**os.environ, **values}  # the process's: this thread has no view of its own yet
    try:
        yield
    finally:
        _invocation.environ = outer


def _clock() -> None:
    """Give the handler modules imported since the last look that use `time` the twin's clock."""
    global _modules_seen
    if len(sys.modules) == _modules_seen:  # nothing imported since: the usual invocation
        return
    for name, module in list(sys.modules.items()):
        if name.startswith(_PREFIX) and name not in _clocked:
            if getattr(module, "time", None) is time:
                module.time = retries.clock  # type: ignore[attr-defined]  # the handler module's own `import time`
            _clocked.add(name)
    _modules_seen = len(sys.modules)


def run(function: "LambdaFunction", event) -> tuple[str, bool, str]:
    """Invoke `function` with `event`; answer as moto's `_invoke_lambda` does."""
    payload = json.loads(event) if isinstance(event, (str, bytes)) and event else (event or {})
    module_name, _, attribute = str(function.handler).rpartition(".")
    env = {
        "AWS_REGION": function.region,
        "AWS_DEFAULT_REGION": function.region,
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        **{k: str(v) for k, v in function.environment_vars.items()},
    }

    def invoke(payload):
        with invocation_lock, _environment(env):
            try:
                handler = getattr(importlib.import_module(f"{_package_of(function)}.{module_name}"), attribute)
                _clock()
                # plain(): Decimals as the Lambda runtime's marshaller writes them (1, not 1.0).
                return json.dumps(plain(handler(payload, None))), False, ""
            except Exception as error:  # noqa: BLE001 - every handler error is the function's answer
                body = {"errorType": type(error).__name__, "errorMessage": str(error)}
                return json.dumps(body), True, traceback.format_exc()

    return delivery.deliver(function, payload, invoke)


def invoke_lambda(self: "LambdaFunction", event=None) -> tuple[str, bool, str]:
    """moto's LambdaFunction._invoke_lambda, as the twin answers it (seams.py puts it there)."""
    return run(self, event)
