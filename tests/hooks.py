"""What the twin hooks in moto, botocore and os.environ, read from those libraries themselves (not
from twin/seams.py's own record), so a test can tell whether they are as installed."""

import importlib
import os
import pkgutil
import sys
import time

import jsonpath_ng.ext as jsonpath_ext
from botocore import endpoint
from moto import backend_index
from moto.awslambda.models import LambdaFunction
from moto.core import utils as moto_utils
from moto.core.botocore_stubber import BotocoreStubber
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser


def import_twin_and_command() -> list[str]:
    """Import every module of twin/ and cli/, as a process running either would; their names."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return [importlib.import_module(f"{package}.{module.name}").__name__
            for package in ("twin", "cli") for module in pkgutil.iter_modules([os.path.join(root, package)])]


def _integrations() -> dict[str, object]:
    return {name: module.boto_client_for for name, module in list(sys.modules.items())
            if name.startswith("moto.stepfunctions.parser.") and hasattr(module, "boto_client_for")}


def as_installed() -> dict[str, bool]:
    """For each hook: is the library's attribute its own (True) or something the twin put there?"""
    return {
        "LambdaFunction._invoke_lambda": vars(LambdaFunction)["_invoke_lambda"].__module__ == "moto.awslambda.models",
        "os.environ's class": type(os.environ) is os._Environ,
        "BotocoreStubber.__call__": vars(BotocoreStubber)["__call__"].__module__ == "moto.core.botocore_stubber",
        "moto's Retry clock": retrier_decl.time is time,
        "botocore's backoff clock": endpoint.time is time,
        "AmazonStateLanguageParser.parse":
            vars(AmazonStateLanguageParser)["parse"].__func__.__module__.startswith("moto.stepfunctions."),
        "boto_client_for of Step Functions' integrations": bool(_integrations()) and all(
            f.__module__ == "moto.stepfunctions.parser.asl.utils.boto_client" for f in _integrations().values()),
        "moto's URL table": not any(p.pattern.endswith("/v2/") for _, p in backend_index.backend_url_patterns),
        "moto's create_loader": moto_utils.create_loader.__module__ == "moto.core.loaders"
                                and not hasattr(moto_utils.create_loader, "cache_info"),
        "jsonpath_ng.ext.parse": not hasattr(jsonpath_ext.parse, "cache_info"),
        "DynamoDBBackend.transact_write_items": vars(DynamoDBBackend)["transact_write_items"].__module__ == "moto.dynamodb.models",
        # The twin's wrappers keep moto's names and module (functools.wraps), and the original as __wrapped__.
        "DynamoDBBackend's put_item, update_item, delete_item": not any(
            hasattr(vars(DynamoDBBackend)[name], "__wrapped__") for name in ("put_item", "update_item", "delete_item")),
        "Table.put_item": vars(Table)["put_item"].__module__ == "moto.dynamodb.models.table",
        "Table.delete_item": vars(Table)["delete_item"].__module__ == "moto.dynamodb.models.table",
        "DynamoDBBackend.update_item": vars(DynamoDBBackend)["update_item"].__module__ == "moto.dynamodb.models",
    }
