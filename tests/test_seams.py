"""The twin's hooks into moto, botocore and os.environ are in only inside an offline session, and
put back exactly after it; importing the twin or the command changes nothing."""

import json
import os
import socket
import subprocess
import sys

import boto3
import pytest

from conftest import ROOT
from hooks import as_installed
from twin import deliveries_http, seams
from twin.faults import Fault, inject
from twin.stack import OfflineStack

# In a fresh interpreter: each hooked attribute as the libraries define it, then again after every
# module of the twin and the command is imported.
IMPORT_EVERYTHING = """
import importlib, json, os, pkgutil, sys, time
import jsonpath_ng.ext
from botocore import endpoint
from moto import backend_index
from moto.awslambda.models import LambdaFunction
from moto.core import utils
from moto.core.botocore_stubber import BotocoreStubber
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

def attributes():
    return [vars(LambdaFunction)["_invoke_lambda"], type(os.environ), vars(BotocoreStubber)["__call__"],
            retrier_decl.time, endpoint.time, vars(AmazonStateLanguageParser)["parse"],
            backend_index.backend_url_patterns, list(backend_index.backend_url_patterns), utils.create_loader,
            jsonpath_ng.ext.parse,
            *(vars(DynamoDBBackend)[name] for name in ("transact_write_items", "put_item", "update_item", "delete_item")),
            vars(Table)["put_item"], vars(Table)["delete_item"], vars(DynamoDBBackend)["update_item"]]

before = attributes()
names = []
for package in ("twin", "cli"):
    for module in pkgutil.iter_modules([package]):
        names.append(importlib.import_module(f"{package}.{module.name}").__name__)
after = attributes()
print(json.dumps({"imported": names, "same": [a is b or a == b for a, b in zip(before, after)],
                  "batch": hasattr(sys.modules.get("moto.batch"), "batch_backends")}))
"""


def test_importing_the_twin_and_the_command_hooks_nothing():
    done = subprocess.run([sys.executable, "-c", IMPORT_EVERYTHING], cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert {"twin.seams", "twin.stack", "twin.faults", "twin.lambdas", "twin.changes", "cli.commands", "cli.__main__"} <= set(
        found["imported"])
    assert all(found["same"]), found
    assert found["batch"], "moto.batch was replaced by importing the twin"


def test_the_hooks_are_in_only_while_an_offline_stack_is_open(tmp_path):
    assert all(as_installed().values()), as_installed()
    with OfflineStack("dev", tmp_path) as stack:
        assert seams.installed()
        assert not any(as_installed().values()), as_installed()
        with inject(Fault("sns", "Publish", "Throttled", 400, times=1)):  # a session inside the stack's
            assert stack.draw({"input": 1})["status"] == "SUCCEEDED"
        assert not any(as_installed().values()), "injecting faults took the stack's hooks out with it"
        with OfflineStack("us", tmp_path / "us"):  # nested, as mock_aws nests
            pass
        assert not any(as_installed().values()), "a nested stack took the outer one's hooks out with it"
        assert stack.draw({"input": 1})["status"] == "SUCCEEDED"
    assert not seams.installed()
    assert all(as_installed().values()), as_installed()


def test_faults_injected_around_plain_moto_hook_the_stubber_for_their_block_only(aws):
    with inject(Fault("dynamodb", "GetItem", "InternalServerError")):
        assert not as_installed()["BotocoreStubber.__call__"]
    assert all(as_installed().values()), as_installed()


def test_a_hook_whose_target_moved_is_refused_and_nothing_stays_hooked(monkeypatch):
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    monkeypatch.setattr(retrier_decl, "time", object())  # as if moto slept some other way
    with pytest.raises(RuntimeError, match="no longer where the offline twin hooks it"):
        seams.install()
    monkeypatch.undo()
    assert not seams.installed()
    assert all(as_installed().values()), as_installed()


def test_a_hook_around_a_method_another_hook_replaced_calls_through_it(monkeypatch):
    from moto.dynamodb.models import DynamoDBBackend

    moto_update_item, calls = vars(DynamoDBBackend)["update_item"], []

    def beneath(self, *args, **kwargs):  # as another hook of the same method, listed earlier, would be
        calls.append("beneath")
        return moto_update_item(self, *args, **kwargs)

    hooks = seams._hooks

    def with_beneath():  # just beneath the hook that notes changes, over the twin's lock
        found = hooks()
        around = next(i for i, (owner, name, hook) in enumerate(found) if name == "update_item" and isinstance(hook, seams.Around))
        return [*found[:around], (DynamoDBBackend, "update_item", beneath), *found[around:]]

    monkeypatch.setattr(seams, "_hooks", with_beneath)
    with seams.session():
        assert vars(DynamoDBBackend)["update_item"].__module__ == "twin.changes"
        with pytest.raises(Exception, match="ResourceNotFound|Requested resource not found"):
            DynamoDBBackend("us-east-1", "123456789012").update_item("nope", {}, "SET a = :a", {}, {})
    assert calls == ["beneath"]
    assert vars(DynamoDBBackend)["update_item"] is moto_update_item


def test_uninstall_without_install_is_an_error():
    with pytest.raises(RuntimeError, match="without install"):
        seams.uninstall()


def test_an_endpoint_url_in_the_environment_does_not_lead_the_twin_past_moto(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # what `. .lottery/dev.aws.env` leaves in a shell
    monkeypatch.delenv(seams.IGNORE_ENDPOINTS, raising=False)
    with OfflineStack("dev", tmp_path) as stack:  # deployed, and drawn by the handlers, in moto
        assert stack.draw({"input": 1})["status"] == "SUCCEEDED"
    assert seams.IGNORE_ENDPOINTS not in os.environ


def test_an_http_subscriber_that_never_answers_holds_a_publish_for_the_timeout_only(tmp_path, monkeypatch):
    monkeypatch.setattr(deliveries_http, "TIMEOUT_S", 0.5)
    with socket.create_server(("127.0.0.1", 0)) as silent, OfflineStack("dev", tmp_path) as stack:
        sns = boto3.client("sns", region_name=stack.region)
        topic = stack.outputs["notification_topic_arn"]
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=f"http://127.0.0.1:{silent.getsockname()[1]}/")
        assert sns.publish(TopicArn=topic, Message="hello")["MessageId"]  # answered, though the subscriber never was
        silent.settimeout(10)
        silent.accept()[0].close()  # it was delivered to
