"""Every place the twin reaches into moto, botocore, Pulumi or os.environ, and the pair that puts its
hooks in and takes them out: `install()` / `uninstall()`, around an offline session
(OfflineStack's `with` block), as moto's mock_aws enables and disables its own patching.

Importing the twin changes nothing: the component tests, and anything else in the process outside
a session, see these libraries as installed. Sessions nest (a count, as mock_aws's); the last
`uninstall()` puts back exactly what the first `install()` found. Each hook first checks that
what it replaces is where the pinned versions keep it, and refuses (RuntimeError) otherwise,
rather than patch the wrong thing.

The hooks of a session; why each exists is told where its replacement lives:
- moto's Lambda: `LambdaFunction._invoke_lambda` runs the deployed zip in this process, where moto
  would start a container (lambdas.py);
- `os.environ`'s class: each invocation sees its own function's variables (lambdas.py);
- `os.environ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]`: botocore's switch that makes every client
  of the session, the handlers' too, ignore `AWS_ENDPOINT_URL` (and its per-service forms) in the
  environment, which would send them past moto to that URL: a shell that sourced what
  `lottery serve --aws` printed still runs offline commands offline;
- moto's botocore stubber: `BotocoreStubber.__call__` answers injected faults first (faults.py);
- the clocks of moto's ASL Retry and of botocore's backoff: their sleeps scaled (retries.py);
- moto's ASL parser: `AmazonStateLanguageParser.parse` keeps each definition's tree, one parse at
  a time (asl_parse.py);
- moto's S3 notifications: `_invoke_awslambda` invokes in a thread of its own inside
  `notifications.in_background()` (the endpoint's requests), as S3 does (notifications.py);
- moto's SNS: `requests` as its models module calls it, each http(s) delivery with a timeout
  (deliveries_http.py);
- moto's Step Functions: `StepFunctionsParserBackend.start_execution` names an execution started
  without a name, as AWS does (execution_names.py);
- moto's Step Functions integrations: `boto_client_for` shares one client per region and service
  (sfn_clients.py);
- moto's URL table: API Gateway v2 URLs reach moto's apigatewayv2 backend first, so the REST API
  backend (and the OpenAPI validator it imports) is never loaded for them;
- moto's botocore Loader: one shared Loader, as a boto3 session has, instead of a new one per
  service model, each listing every service folder of botocore's data again;
- jsonpath_ng's `parse`: each expression parsed once; moto's EventBridge parses its input paths
  for every event it delivers, building a new parser (a PLY grammar) each time: a third of a
  10-winner draw's time, with the winner-events fan-out on;
- moto's DynamoDB: `DynamoDBBackend.transact_write_items` checks every action, then writes and
  copies only the items it touches, where moto's copies whole tables; it and the backend's
  put_item, update_item and delete_item take one lock (transactions.py).
- moto's DynamoDB writes: `Table.put_item`, `Table.delete_item` and `DynamoDBBackend.update_item`
  note which items changed, so a save writes those only (changes.py). These wrap what is in place
  when they go in (`Around`): another hook of the same method, listed before them, stays beneath.

Outside the pair: `skip_batch_backend()` (for a whole one-shot process, see there), Pulumi's
private entry points for running a program under mocks (`reset_stack`, `run_stack`), and moto's
private record of event source mappings (`stream_mapping`).
"""

import contextlib
import functools
import importlib.util
import inspect
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

PIN = "install the versions pinned in requirements.txt"
_lock = threading.Lock()
_sessions = 0  # install() calls not yet undone
_undo: list[Callable[[], None]] = []  # what puts back each hook in place, in the order they went in
_shared_loader: Callable[[], Any] | None = None  # moto's create_loader, cached: kept across sessions
_parsed_jsonpath: Callable[[str], Any] | None = None  # jsonpath_ng.ext.parse, cached: kept across sessions


@dataclass(frozen=True)
class Around:
    """A hook made when it goes in, around what is in place then: moto's own, or an earlier hook of
    the session on the same attribute, which it calls through (two hooks of one method nest)."""

    wrap: Callable[[Any], Any]


@contextlib.contextmanager
def needs(what: str) -> Iterator[None]:
    """An import of the libraries' internals that fails is the refusal it means."""
    try:
        yield
    except ImportError as error:
        raise RuntimeError(f"the offline twin needs {what} ({error}); {PIN}") from None


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise RuntimeError(f"{what} is no longer where the offline twin hooks it; {PIN}")


def _hooks() -> list[tuple[object, str, object]]:
    """(owner, attribute, replacement) for every hook of a session, after checking each target."""
    global _shared_loader, _parsed_jsonpath
    with needs("moto's and botocore's internals"):
        import jsonpath_ng.ext as jsonpath_ext
        from botocore import endpoint
        from moto import backend_index
        from moto.awslambda.models import LambdaFunction
        from moto.core import utils as moto_utils
        from moto.core.botocore_stubber import BotocoreStubber
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.models.table import Table
        from moto.s3 import notifications as s3_notifications
        from moto.sns import models as sns_models
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
        from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
        from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
        from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    # Imported here, before anything is replaced: each keeps the original it wraps.
    from . import (
        asl_parse,
        changes,
        deliveries_http,
        execution_names,
        faults,
        lambdas,
        notifications,
        retries,
        sfn_clients,
        transactions,
    )

    _check("_invoke_lambda" in vars(LambdaFunction), "moto's LambdaFunction._invoke_lambda")
    _check(type(os.environ) is os._Environ, "os.environ (an os._Environ)")
    _check("__call__" in vars(BotocoreStubber), "moto's BotocoreStubber.__call__")
    _check(getattr(retrier_decl, "time", None) is time and getattr(endpoint, "time", None) is time,
           "the `time` that moto's ASL Retry and botocore's backoff sleep with")
    _check(isinstance(vars(AmazonStateLanguageParser).get("parse"), staticmethod)
           and isinstance(vars(Preprocessor).get("_query_language_per_scope"), list),
           "moto's ASL parser (AmazonStateLanguageParser.parse, Preprocessor._query_language_per_scope)")
    _check(getattr(sns_models, "requests", None) is deliveries_http.requests, "the `requests` moto's SNS delivers with")
    invoke = getattr(s3_notifications, "_invoke_awslambda", None)
    _check(callable(invoke) and _takes(invoke, "account_id", "event_body", "fn_arn", "region_name"),
           "moto's S3 notifications._invoke_awslambda(account_id, event_body, fn_arn, region_name)")
    start = vars(StepFunctionsParserBackend).get("start_execution")
    _check(callable(start) and _takes(start, "self", "state_machine_arn", "name"),
           "moto's StepFunctionsParserBackend.start_execution(self, state_machine_arn, name, ...)")
    _check(getattr(lambda_eval_utils, "boto_client_for", None) is sfn_clients.moto_client_for,
           "moto's Step Functions boto_client_for")
    _check(callable(getattr(moto_utils, "create_loader", None)) and isinstance(backend_index.backend_url_patterns, list),
           "moto's create_loader and backend_url_patterns")
    _check(callable(getattr(jsonpath_ext, "parse", None)), "jsonpath_ng.ext.parse")
    transact = vars(DynamoDBBackend).get("transact_write_items")
    _check(callable(transact) and list(inspect.signature(transact).parameters) == ["self", "transact_items"]
           and list(transactions.locked_writes) == list(transactions.WRITES),
           "moto's DynamoDBBackend.transact_write_items(self, transact_items), put_item, update_item and delete_item")
    writes = (vars(Table).get("put_item"), vars(Table).get("delete_item"), vars(DynamoDBBackend).get("update_item"))
    _check(writes == (changes.moto_put_item, changes.moto_delete_item, changes.moto_update_item)
           and _takes(changes.moto_put_item, "self", "item_attrs")
           and _takes(changes.moto_delete_item, "self", "hash_key", "range_key")
           and _takes(changes.moto_update_item, "self", "table_name", "key"),
           "moto's DynamoDB writes (Table.put_item, Table.delete_item, DynamoDBBackend.update_item)")

    if _shared_loader is None:
        _shared_loader = functools.cache(moto_utils.create_loader)
    if _parsed_jsonpath is None:
        _parsed_jsonpath = functools.lru_cache(maxsize=256)(jsonpath_ext.parse)
    http_apis = ("apigatewayv2", re.compile(r"https?://apigateway\.(.+)\.amazonaws\.com/v2/"))
    # Every module of moto's Step Functions that imported boto_client_for by name: the Lambda,
    # DynamoDB, SNS, ... integrations (those loaded by now: all a deployed lottery uses).
    integrations = [module for name, module in list(sys.modules.items())
                    if name.startswith("moto.stepfunctions.parser.")
                    and getattr(module, "boto_client_for", None) is sfn_clients.moto_client_for]
    return [
        (LambdaFunction, "_invoke_lambda", lambdas.invoke_lambda),
        (os.environ, "__class__", lambdas.Environ),
        (BotocoreStubber, "__call__", faults.stubber_call),
        (retrier_decl, "time", retries.scaled_time),
        (endpoint, "time", retries.scaled_time),
        (AmazonStateLanguageParser, "parse", staticmethod(asl_parse.parse)),
        (StepFunctionsParserBackend, "start_execution", Around(execution_names.around_start_execution)),
        (s3_notifications, "_invoke_awslambda", Around(notifications.around_invoke_awslambda)),
        (sns_models, "requests", deliveries_http.TimedRequests()),
        *((module, "boto_client_for", sfn_clients.client_for) for module in integrations),
        (backend_index, "backend_url_patterns", [http_apis, *backend_index.backend_url_patterns]),
        (moto_utils, "create_loader", _shared_loader),
        (jsonpath_ext, "parse", _parsed_jsonpath),
        (DynamoDBBackend, "transact_write_items", transactions.transact_write_items),
        *((DynamoDBBackend, name, write) for name, write in transactions.locked_writes.items()),
        (Table, "put_item", Around(changes.around_put_item)),
        (Table, "delete_item", Around(changes.around_delete_item)),
        (DynamoDBBackend, "update_item", Around(changes.around_update_item)),
    ]


def _takes(function: Callable, *names: str) -> bool:
    """Whether `function`'s first parameters are `names`, in that order."""
    return list(inspect.signature(function).parameters)[:len(names)] == list(names)


def _replace(owner: object, name: str, value: object) -> Callable[[], None]:
    """Set owner.name to value; return what puts back the attribute as it was (its own, or none)."""
    own = vars(owner)
    if name in own:
        was = own[name]  # as stored: a staticmethod stays one
        setattr(owner, name, value)
        return lambda: setattr(owner, name, was)
    was = getattr(owner, name)
    setattr(owner, name, value)
    if name == "__class__":  # an instance's class is never its own attribute
        return lambda: setattr(owner, name, was)
    return lambda: delattr(owner, name)


IGNORE_ENDPOINTS = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"


def _set_environ(name: str, value: str) -> Callable[[], None]:
    """Set an environment variable; return what puts back the variable as it was (or none)."""
    was = os.environ.get(name)
    os.environ[name] = value

    def put_back() -> None:
        if was is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = was

    return put_back


def install() -> None:
    """Put every hook in, unless a session has them in already; each call needs an `uninstall()`."""
    global _sessions
    with _lock:
        if _sessions == 0:
            try:
                _undo.append(_set_environ(IGNORE_ENDPOINTS, "true"))
                for owner, name, value in _hooks():
                    if isinstance(value, Around):
                        value = value.wrap(getattr(owner, name))
                    _undo.append(_replace(owner, name, value))
            except BaseException:
                _put_back()
                raise
        _sessions += 1


def uninstall() -> None:
    """End a session; the last one puts back everything the first `install()` replaced."""
    global _sessions
    with _lock:
        if _sessions == 0:
            raise RuntimeError("uninstall() without install()")
        _sessions -= 1
        if _sessions == 0:
            _put_back()


def _put_back() -> None:
    while _undo:
        _undo.pop()()


def installed() -> bool:
    """Whether a session has the hooks in."""
    return _sessions > 0


@contextlib.contextmanager
def session() -> Iterator[None]:
    """The hooks in while the block runs."""
    install()
    try:
        yield
    finally:
        uninstall()


def skip_batch_backend() -> None:
    """Register `moto.batch` as a bare package, for the rest of the process.

    moto's ASL interpreter imports `moto.batch.utils` for one enum (the Batch task integration),
    and importing it runs `moto/batch/__init__.py`, which loads moto's whole Batch and EC2 models:
    a large share of a cold `lottery draw`. The lottery runs no Batch tasks. As a bare package,
    `moto.batch`'s submodules import as usual and its backend is never loaded.

    Not part of a session, and never undone: it works only before moto's Step Functions is
    imported (so before the twin is), and whatever imported `moto.batch.utils` keeps it. Only the
    `lottery` command calls it, at its entry point, for a process that does nothing else; a test
    process (or any other) keeps moto's Batch whole.
    """
    if "moto.batch" in sys.modules:
        return
    spec = importlib.util.find_spec("moto.batch")
    if spec is not None and spec.submodule_search_locations:
        sys.modules["moto.batch"] = importlib.util.module_from_spec(spec)


def reset_stack() -> None:
    """Forget the Stack resource of the last program run in this process: the next gets its own."""
    with needs("Pulumi's runtime settings"):
        from pulumi.runtime.settings import set_root_resource
    set_root_resource(None)  # type: ignore[arg-type]  # None is what "no Stack yet" is at runtime


def run_stack(program: Callable[[], None]) -> dict:
    """Run `program` as the Pulumi engine runs a stack's (under the mocks set): inside a Stack
    resource, until every resource is registered; its exports, resolved."""
    import pulumi

    with needs("Pulumi's stack runner"):
        from pulumi.runtime.stack import run_pulumi_func
        from pulumi.runtime.sync_await import _sync_await
    exports: dict = {}

    def stack():
        program()
        root = pulumi.runtime.get_root_resource()
        return pulumi.Output.all(**root.outputs).apply(exports.update)

    _sync_await(run_pulumi_func(lambda: _sync_await(pulumi.Output.from_input(stack()).future())))
    return exports


def stream_mapping(function, source_arn: str):
    """moto's event source mapping from `source_arn` to `function` (a LambdaFunction), or None."""
    with needs("moto's Lambda backend"):
        from moto.awslambda.models import lambda_backends
    mappings: dict | None = getattr(lambda_backends[function.account_id][function.region], "_event_source_mappings", None)
    _check(isinstance(mappings, dict), "moto's record of event source mappings (_event_source_mappings)")
    return next((m for m in (mappings or {}).values()
                 if m.function_arn == function.function_arn and m.event_source_arn == source_arn), None)
