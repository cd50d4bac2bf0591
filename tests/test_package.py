"""The component as a package: its provider schema for other languages, and reuse from another stack."""

import json

from pulumi.provider.experimental.component import ComponentProvider

from components.lottery_workflow import OUTPUTS
from conftest import ROOT
from pulumi_mocks import RecordingMocks
from twin.program import run_program


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(word.title() for word in rest)


def test_provider_schema_has_the_args_and_outputs():
    from lottery_workflow import LotteryWorkflow  # as an installed stack imports it

    schema = json.loads(ComponentProvider([LotteryWorkflow], "lottery", None, "0.1.0").schema)
    resource = schema["resources"]["lottery:index:LotteryWorkflow"]
    assert resource["isComponent"] is True
    assert set(resource["inputProperties"]) == {
        "namePrefix", "maxWinners", "maxAttempts", "notificationEmails", "operatorEmails", "logRetentionDays",
        "protectWinners", "winnersTableImport", "stateMachineLogging", "tracing", "lambdaRuntime", "tags",
        "api", "apiAuthorization", "publicScreen", "apiThrottleRate", "apiThrottleBurst",
        "rosterUpload", "rosterAdminEmails", "rosterBucketForceDestroy", "winnerEvents", "announcementQueue"}
    assert resource["requiredInputs"] == []
    assert resource["inputProperties"]["maxWinners"]["type"] == "integer"
    assert "1 to 32" in resource["inputProperties"]["maxWinners"]["description"]
    outputs = {camel(attribute) for attribute, _ in OUTPUTS}
    assert set(resource["properties"]) == outputs
    # An output whose feature can be off is optional; the core draw's are always there.
    assert set(resource["required"]) == {
        "stateMachineArn", "stateMachineName", "employeeTableName", "winnersTableName", "drawsTableName",
        "ledgerTableName", "seedsTableName", "notificationTopicArn", "functionNames"}
    assert resource["properties"]["functionNames"]["additionalProperties"]["type"] == "string"


def test_plugin_files_are_there():
    assert "name: python" in (ROOT / "components" / "PulumiPlugin.yaml").read_text()
    assert "component_provider_host" in (ROOT / "components" / "__main__.py").read_text()


def test_example_stack_runs_two_lotteries_side_by_side():
    mocks = RecordingMocks("eu-west-1")
    exports = run_program(ROOT / "examples" / "two-lotteries", "demo", mocks)
    assert ":stateMachine:finance-summer-state-machine-" in exports["summer_state_machine"]
    assert ":stateMachine:finance-winter-state-machine-" in exports["winter_state_machine"]
    assert len(mocks.of_type("aws:sfn/stateMachine:StateMachine")) == 2
    tables = sorted(mocks.states[(t.typ, t.name)]["name"] for t in mocks.of_type("aws:dynamodb/table:Table"))
    assert len(tables) == len(set(tables)) == 10  # five each
    summer_input = mocks.one("aws:lambda/function:Function", "summer-InputWinners").inputs
    assert summer_input["environment"]["variables"]["MAX_WINNERS"] == "5"
    assert summer_input["tags"] == {"team": "finance", "season": "summer"}
    assert mocks.one("aws:dynamodb/table:Table", "winter-Winners").inputs["deletionProtectionEnabled"] is False
    assert len(mocks.of_type("aws:sns/topicSubscription:TopicSubscription")) == 1
