"""The stack program and LotteryWorkflow under Pulumi mocks, for a China and a global stack."""

import json
import subprocess
import sys

import pytest
from parliament import analyze_policy_string

from conftest import ROOT
from offline.program import run_program
from pulumi_mocks import RecordingMocks

STACKS = {"dev": ("cn-northwest-1", "aws-cn"), "us": ("us-east-1", "aws")}
FUNCTIONS = ("InputWinners", "RandomSelectWinners", "ValidateWinners", "RecordWinners")
ROUTES = {"POST /draws", "GET /draws/{id}", "GET /winners"}


@pytest.fixture(params=sorted(STACKS))
def deployed(request):
    """Runs __main__.py with Pulumi.<stack>.yaml under fresh mocks; (stack, mocks, exports)."""
    region, _ = STACKS[request.param]
    mocks = RecordingMocks(region)
    exports = run_program(ROOT, request.param, mocks)
    return request.param, mocks, exports


def built(args, region="us-east-1") -> RecordingMocks:
    """The resources one LotteryWorkflow("x", args) registers under fresh mocks."""
    import pulumi
    from components import LotteryWorkflow

    mocks = RecordingMocks(region)
    pulumi.runtime.set_mocks(mocks, project="p", stack="s", preview=False)

    @pulumi.runtime.test
    def build():
        return LotteryWorkflow("x", args).state_machine_arn

    build()
    return mocks


def arn_strings(value):
    if isinstance(value, str):
        yield from ([value] if value.startswith("arn:") else [])
    elif isinstance(value, dict):
        for v in value.values():
            yield from arn_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from arn_strings(v)


def policy_of(mocks, role_suffix):
    role = mocks.one("aws:iam/role:Role", role_suffix)
    (policy,) = [p for p in mocks.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == role.inputs["name"]]
    return json.loads(policy.inputs["policy"])


def statements(policy):
    return {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}


def test_inventory(deployed):
    stack, mocks, _ = deployed
    counts = {}
    for r in mocks.resources:
        counts[r.typ] = counts.get(r.typ, 0) + 1
    assert counts == {
        "lottery:index:LotteryWorkflow": 1,
        "aws:dynamodb/table:Table": 3,
        "aws:sns/topic:Topic": 2,  # announcements, roster rejections
        "aws:cloudwatch/logGroup:LogGroup": 9,  # seven functions, the state machine, the API's access log
        "aws:iam/role:Role": 8,
        "aws:iam/rolePolicy:RolePolicy": 8,
        "aws:lambda/function:Function": 7,
        "aws:sfn/stateMachine:StateMachine": 1,
        "aws:apigatewayv2/api:Api": 1,
        "aws:apigatewayv2/integration:Integration": 1,
        "aws:apigatewayv2/route:Route": 3,
        "aws:apigatewayv2/stage:Stage": 1,
        "aws:lambda/permission:Permission": 2,  # API Gateway and S3 may invoke
        "aws:s3/bucket:Bucket": 1,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
        "aws:s3/bucketVersioning:BucketVersioning": 1,
        "aws:s3/bucketNotification:BucketNotification": 1,
        "aws:sqs/queue:Queue": 2,  # dead letters, the example consumer
        "aws:sqs/queuePolicy:QueuePolicy": 1,
        "aws:cloudwatch/eventBus:EventBus": 1,
        "aws:cloudwatch/eventRule:EventRule": 1,
        "aws:cloudwatch/eventTarget:EventTarget": 1,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 1,
        "aws:lambda/eventSourceMapping:EventSourceMapping": 1,
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 2,
    }
    names = [r.inputs["name"] for r in mocks.resources if "name" in r.inputs and r.typ != "aws:apigatewayv2/stage:Stage"]
    names.append(mocks.of_type("aws:s3/bucket:Bucket")[0].inputs["bucketPrefix"])
    assert all(n.startswith(f"lottery-{stack}-") or f"/lottery-{stack}-" in n for n in names)


def test_every_arn_is_in_the_stack_partition(deployed):
    stack, mocks, exports = deployed
    region, partition = STACKS[stack]
    arns = list(arn_strings(exports)) + [a for r in mocks.resources for a in arn_strings(r.inputs)]
    arns += [a for r in mocks.of_type("aws:iam/rolePolicy:RolePolicy") for a in arn_strings(json.loads(r.inputs["policy"]))]
    arns += list(arn_strings(json.loads(mocks.of_type("aws:sfn/stateMachine:StateMachine")[0].inputs["definition"])))
    assert len(arns) > 25
    assert all(a.startswith(f"arn:{partition}:") for a in arns), [a for a in arns if not a.startswith(f"arn:{partition}:")]
    assert all(region in a or ":iam::" in a or ":states:::" in a or ":s3:::" in a for a in arns)
    assert not [a for a in arns if a.count("*") and not a.endswith(("*", ":*"))]


def test_tables(deployed):
    _, mocks, _ = deployed
    employee = mocks.one("aws:dynamodb/table:Table", "-Employee").inputs
    assert employee["hashKey"] == "employee_id"
    assert employee["globalSecondaryIndexes"] == [{
        "name": "lottery_serial-index", "projectionType": "ALL",
        "keySchemas": [{"attributeName": "lottery_serial", "keyType": "HASH"}],
    }]
    for table in mocks.of_type("aws:dynamodb/table:Table"):
        i = table.inputs
        assert (i["billingMode"], i["pointInTimeRecovery"], i["serverSideEncryption"]) == (
            "PAY_PER_REQUEST", {"enabled": True}, {"enabled": True})
    winners = mocks.one("aws:dynamodb/table:Table", "-Winners").inputs
    assert winners["hashKey"] == "employee_id"
    assert winners["globalSecondaryIndexes"] == [{
        "name": "lottery-drawn_at-index", "projectionType": "ALL",
        "keySchemas": [{"attributeName": "lottery", "keyType": "HASH"}, {"attributeName": "drawn_at", "keyType": "RANGE"}],
    }]


def test_winners_protection_follows_config(deployed):
    stack, mocks, _ = deployed
    winners = mocks.one("aws:dynamodb/table:Table", "-Winners").inputs
    assert winners["deletionProtectionEnabled"] is (stack == "us")  # Pulumi.us.yaml protects, dev does not


def test_functions_get_exactly_the_settings_their_handlers_read(deployed):
    stack, mocks, exports = deployed
    tables = {t.inputs["name"].rsplit("-", 1)[1]: t.inputs["name"] for t in mocks.of_type("aws:dynamodb/table:Table")}
    expected = {
        "InputWinners": {"MAX_WINNERS": "10"},
        "RandomSelectWinners": {"DRAWS_TABLE": tables["Draws"], "EMPLOYEE_TABLE": tables["Employee"],
                                "EMPLOYEE_SERIAL_INDEX": "lottery_serial-index", "MAX_ATTEMPTS": "3"},
        "ValidateWinners": {"WINNERS_TABLE": tables["Winners"]},
        "RecordWinners": {"DRAWS_TABLE": tables["Draws"], "EMPLOYEE_TABLE": tables["Employee"],
                          "WINNERS_TABLE": tables["Winners"], "LOTTERY_NAME": f"lottery-{stack}"},
    }
    for fn in FUNCTIONS:
        f = mocks.one("aws:lambda/function:Function", f"-{fn}").inputs
        assert f["environment"] == {"variables": expected[fn]}
        assert f["runtime"] >= "python3.12" and f["handler"].startswith("handlers.")
        assert sorted(f["code"].assets) == sorted(
            f"handlers/{p.name}" for p in (ROOT / "handlers").glob("*.py"))
        assert f["loggingConfig"]["logGroup"] == f"/aws/lambda/{f['name']}"
    api = mocks.one("aws:lambda/function:Function", "-Api").inputs
    assert api["handler"] == "handlers.api.handler"
    assert api["environment"]["variables"] == {
        "STATE_MACHINE_ARN": exports["state_machine_arn"], "WINNERS_TABLE": tables["Winners"],
        "WINNERS_BY_TIME_INDEX": "lottery-drawn_at-index", "LOTTERY_NAME": f"lottery-{stack}", "MAX_WINNERS": "10"}


def test_api_routes_are_iam_authorised_and_reach_the_api_function(deployed):
    stack, mocks, exports = deployed
    region, p = STACKS[stack]
    routes = mocks.of_type("aws:apigatewayv2/route:Route")
    assert {r.inputs["routeKey"] for r in routes} == ROUTES
    assert {r.inputs["authorizationType"] for r in routes} == {"AWS_IAM"}
    assert {r.inputs["target"] for r in routes} == {"integrations/int123"}
    (integration,) = mocks.of_type("aws:apigatewayv2/integration:Integration")
    assert integration.inputs["integrationUri"] == f"arn:{p}:lambda:{region}:123456789012:function:lottery-{stack}-Api"
    assert (integration.inputs["integrationType"], integration.inputs["payloadFormatVersion"]) == ("AWS_PROXY", "2.0")
    (permission,) = [x for x in mocks.of_type("aws:lambda/permission:Permission") if x.inputs["principal"] != "s3.amazonaws.com"]
    assert permission.inputs["sourceArn"] == f"arn:{p}:execute-api:{region}:123456789012:a1b2c3/*/*"
    assert permission.inputs["principal"] == "apigateway.amazonaws.com"
    (stage,) = mocks.of_type("aws:apigatewayv2/stage:Stage")
    assert stage.inputs["defaultRouteSettings"] == {"throttlingRateLimit": 5, "throttlingBurstLimit": 10}
    assert stage.inputs["accessLogSettings"]["destinationArn"].endswith(f":log-group:/aws/apigateway/lottery-{stack}-Api")
    assert exports["api_url"].startswith("https://a1b2c3.execute-api.")


def test_exact_api_policy(deployed):
    stack, mocks, exports = deployed
    region, p = STACKS[stack]
    machine = exports["state_machine_arn"]
    assert statements(policy_of(mocks, "-Api")) == {
        "WriteOwnLogs": (["logs:CreateLogStream", "logs:PutLogEvents"],
                         [f"arn:{p}:logs:{region}:123456789012:log-group:/aws/lambda/lottery-{stack}-Api:log-stream:*"]),
        "StartDraws": (["states:StartExecution"], [machine]),
        "ReadDraws": (["states:DescribeExecution"], [machine.replace(":stateMachine:", ":execution:") + ":*",
                                                     machine.replace(":stateMachine:", ":express:") + ":*:*"]),
        "ListWinners": (["dynamodb:Query"], [f"arn:{p}:dynamodb:{region}:123456789012:table/lottery-{stack}-Winners/index/lottery-drawn_at-index"]),
    }


@pytest.mark.parametrize("args, routes", [({"api": False}, 0), ({"api_authorization": "NONE"}, 3)])
def test_api_switches(args, routes):
    mocks = built(args, "cn-northwest-1")
    found = mocks.of_type("aws:apigatewayv2/route:Route")
    assert len(found) == routes
    assert all(r.inputs["authorizationType"] == "NONE" for r in found)
    assert any(x.inputs["principal"] == "apigateway.amazonaws.com" for x in mocks.of_type("aws:lambda/permission:Permission")) == bool(routes)


def test_roster_upload_resources(deployed):
    stack, mocks, exports = deployed
    region, p = STACKS[stack]
    bucket = mocks.of_type("aws:s3/bucket:Bucket")[0]
    assert bucket.inputs["bucketPrefix"] == f"lottery-{stack}-roster-" and exports["roster_bucket"].startswith("lottery-")
    block = mocks.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0].inputs
    assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    encryption = mocks.of_type("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0]
    assert encryption.inputs["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    assert mocks.of_type("aws:s3/bucketVersioning:BucketVersioning")[0].inputs["versioningConfiguration"] == {"status": "Enabled"}
    (notification,) = mocks.of_type("aws:s3/bucketNotification:BucketNotification")[0].inputs["lambdaFunctions"]
    assert notification == {"lambdaFunctionArn": f"arn:{p}:lambda:{region}:123456789012:function:lottery-{stack}-ImportRoster",
                            "events": ["s3:ObjectCreated:*"], "filterSuffix": ".csv"}
    s3_permission = [x for x in mocks.of_type("aws:lambda/permission:Permission") if x.inputs["principal"] == "s3.amazonaws.com"][0]
    assert (s3_permission.inputs["sourceArn"], s3_permission.inputs["sourceAccount"]) == (
        f"arn:{p}:s3:::{exports['roster_bucket']}", "123456789012")


def test_winner_events_resources(deployed):
    stack, mocks, exports = deployed
    region, p = STACKS[stack]
    winners = mocks.one("aws:dynamodb/table:Table", "-Winners").inputs
    assert (winners["streamEnabled"], winners["streamViewType"]) == (True, "NEW_IMAGE")
    dlq = f"arn:{p}:sqs:{region}:123456789012:lottery-{stack}-DeadLetters"
    (mapping,) = mocks.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
    assert mapping.inputs["eventSourceArn"].startswith(f"arn:{p}:dynamodb:{region}:123456789012:table/lottery-{stack}-Winners/stream/")
    assert mapping.inputs["functionName"].endswith(f":function:lottery-{stack}-PublishWinnerEvents")
    assert mapping.inputs["destinationConfig"] == {"onFailure": {"destinationArn": dlq}}
    assert (mapping.inputs["maximumRetryAttempts"], mapping.inputs["bisectBatchOnFunctionError"]) == (3, True)
    for config in mocks.of_type("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"):
        assert config.inputs["destinationConfig"] == {"onFailure": {"destination": dlq}}
    rule = mocks.of_type("aws:cloudwatch/eventRule:EventRule")[0].inputs
    assert json.loads(rule["eventPattern"]) == {"source": ["lottery"], "detail-type": ["WinnerDrawn"]}
    assert rule["eventBusName"] == exports["event_bus_name"] == f"lottery-{stack}-Events"
    target = mocks.of_type("aws:cloudwatch/eventTarget:EventTarget")[0].inputs
    assert target["arn"] == f"arn:{p}:sqs:{region}:123456789012:lottery-{stack}-WinnerEvents"
    queue_policy = json.loads(mocks.of_type("aws:sqs/queuePolicy:QueuePolicy")[0].inputs["policy"])["Statement"][0]
    assert queue_policy["Principal"] == {"Service": "events.amazonaws.com"}
    assert queue_policy["Condition"] == {"ArnEquals": {"aws:SourceArn": f"arn:{p}:events:{region}:123456789012:rule/lottery-{stack}-Events/lottery-{stack}-WinnerDrawn"}}
    alarm = mocks.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")[0].inputs
    assert (alarm["metricName"], alarm["dimensions"], alarm["threshold"]) == (
        "ApproximateNumberOfMessagesVisible", {"QueueName": f"lottery-{stack}-DeadLetters"}, 0)


def test_exact_import_and_events_policies(deployed):
    stack, mocks, exports = deployed
    region, p = STACKS[stack]
    table = f"arn:{p}:dynamodb:{region}:123456789012:table/lottery-{stack}"
    dlq = f"arn:{p}:sqs:{region}:123456789012:lottery-{stack}-DeadLetters"
    logs = f"arn:{p}:logs:{region}:123456789012:log-group:/aws/lambda/lottery-{stack}"
    assert statements(policy_of(mocks, "-ImportRoster")) == {
        "WriteOwnLogs": (["logs:CreateLogStream", "logs:PutLogEvents"], [f"{logs}-ImportRoster:log-stream:*"]),
        "ReadUploadedRosters": (["s3:GetObject", "s3:GetObjectVersion"], [f"arn:{p}:s3:::{exports['roster_bucket']}/*"]),
        "ReadRosterAndWinners": (["dynamodb:Scan"], [f"{table}-Employee", f"{table}-Winners"]),
        "ReplaceRoster": (["dynamodb:BatchWriteItem"], [f"{table}-Employee"]),
        "OpenPool": (["dynamodb:PutItem"], [f"{table}-Draws"]),
        "RejectRosters": (["sns:Publish"], [f"arn:{p}:sns:{region}:123456789012:lottery-{stack}-RosterRejections"]),
        "SendFailures": (["sqs:SendMessage"], [dlq]),
    }
    assert statements(policy_of(mocks, "-PublishWinnerEvents")) == {
        "ReadWinnersStream": (["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                              [f"{table}-Winners/stream/*"]),
        "WriteOwnLogs": (["logs:CreateLogStream", "logs:PutLogEvents"], [f"{logs}-PublishWinnerEvents:log-stream:*"]),
        "FindWinnersStream": (["dynamodb:ListStreams"], ["*"]),
        "PublishWinnerEvents": (["events:PutEvents"], [f"arn:{p}:events:{region}:123456789012:event-bus/lottery-{stack}-Events"]),
        "SendFailures": (["sqs:SendMessage"], [dlq]),
    }


def test_log_retention_from_config(deployed):
    _, mocks, _ = deployed
    assert {g.inputs["retentionInDays"] for g in mocks.of_type("aws:cloudwatch/logGroup:LogGroup")} == {14}


@pytest.mark.parametrize("args, absent", [
    ({"roster_upload": False}, ["aws:s3/bucket:Bucket", "aws:s3/bucketNotification:BucketNotification"]),
    ({"winner_events": False}, ["aws:cloudwatch/eventBus:EventBus", "aws:lambda/eventSourceMapping:EventSourceMapping"]),
    ({"roster_upload": False, "winner_events": False}, ["aws:sqs/queue:Queue", "aws:cloudwatch/metricAlarm:MetricAlarm"]),
])
def test_feature_switches(args, absent):
    mocks = built(args)
    assert all(not mocks.of_type(t) for t in absent)
    winners = mocks.one("aws:dynamodb/table:Table", "-Winners").inputs
    assert bool(winners.get("streamEnabled")) == args.get("winner_events", True)


def test_announcements_can_also_go_to_a_queue():
    mocks = built({"announcement_queue": True})
    (subscription,) = [x for x in mocks.of_type("aws:sns/topicSubscription:TopicSubscription") if x.inputs["protocol"] == "sqs"]
    assert subscription.inputs["endpoint"].endswith(":x-s-Announcements") and subscription.inputs["rawMessageDelivery"] is True


def test_exact_function_policies(deployed):
    stack, mocks, _ = deployed
    region, p = STACKS[stack]
    table = f"arn:{p}:dynamodb:{region}:123456789012:table/lottery-{stack}"
    logs = f"arn:{p}:logs:{region}:123456789012:log-group:/aws/lambda/lottery-{stack}"
    expected = {
        "InputWinners": {},
        "RandomSelectWinners": {
            "HoldPool": (["dynamodb:GetItem", "dynamodb:UpdateItem"], [f"{table}-Draws"]),
            "FindEmployeeBySerial": (["dynamodb:Query"], [f"{table}-Employee/index/lottery_serial-index"]),
        },
        "ValidateWinners": {"ReadPastWinners": (["dynamodb:BatchGetItem"], [f"{table}-Winners"])},
        "RecordWinners": {
            "RecordDrawAndPool": (["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [f"{table}-Draws"]),
            "RecordWinners": (["dynamodb:PutItem"], [f"{table}-Winners"]),
            "MoveSerials": (["dynamodb:UpdateItem"], [f"{table}-Employee"]),
        },
    }
    for fn in FUNCTIONS:
        policy = policy_of(mocks, f"-{fn}")
        assert statements(policy) == {
            "WriteOwnLogs": (["logs:CreateLogStream", "logs:PutLogEvents"], [f"{logs}-{fn}:log-stream:*"]),
            **expected[fn],
        }
        role = mocks.one("aws:iam/role:Role", f"-{fn}").inputs
        assert json.loads(role["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_exact_state_machine_policy(deployed):
    stack, mocks, exports = deployed
    region, p = STACKS[stack]
    got = statements(policy_of(mocks, "-StateMachine"))
    assert got["InvokeLotteryFunctions"] == (
        ["lambda:InvokeFunction"],
        sorted(f"arn:{p}:lambda:{region}:123456789012:function:{n}" for n in exports["function_names"].values()))
    assert got["AnnounceWinners"] == (["sns:Publish"], [exports["notification_topic_arn"]])
    assert got["RecordAnnouncement"] == (
        ["dynamodb:UpdateItem"], [f"arn:{p}:dynamodb:{region}:123456789012:table/{exports['draws_table']}"])
    # Both stacks log; only the us stack traces (Pulumi.us.yaml).
    assert set(got) == {"InvokeLotteryFunctions", "AnnounceWinners", "RecordAnnouncement", "DeliverExecutionLogs"} | (
        {"SendTraces"} if stack == "us" else set())
    assert all("*" not in a for actions, _ in got.values() for a in actions)


def test_no_policy_has_parliament_findings(deployed):
    _, mocks, _ = deployed
    for policy in mocks.of_type("aws:iam/rolePolicy:RolePolicy"):
        findings = analyze_policy_string(policy.inputs["policy"]).findings
        assert findings == [], (policy.name, [(f.issue, f.detail) for f in findings])


def test_definition_names_this_stacks_resources_and_passes_statelint(deployed, tmp_path):
    stack, mocks, exports = deployed
    _, p = STACKS[stack]
    machine = mocks.of_type("aws:sfn/stateMachine:StateMachine")[0].inputs
    definition = json.loads(machine["definition"])
    states = definition["States"]
    functions = {fn: f"arn:{p}:lambda:{STACKS[stack][0]}:123456789012:function:{n}" for fn, n in exports["function_names"].items()}
    for state, fn in (("Input Lottery Winners", "InputWinners"), ("Random Select Winners", "RandomSelectWinners"),
                      ("Validate Winners", "ValidateWinners"), ("Record In Dynamodb", "RecordWinners")):
        assert states[state]["Resource"] == f"arn:{p}:states:::lambda:invoke"
        assert states[state]["Parameters"]["FunctionName"] == functions[fn]
    assert states["Send SNS"]["Resource"] == f"arn:{p}:states:::sns:publish"
    assert states["Send SNS"]["Parameters"]["TopicArn"] == exports["notification_topic_arn"]
    assert states["Record Announcement"]["Resource"] == f"arn:{p}:states:::dynamodb:updateItem"
    assert states["Record Announcement"]["Parameters"]["TableName"] == exports["draws_table"]
    assert machine["type"] == "STANDARD" and machine["roleArn"].endswith(f"role/lottery-{stack}-StateMachine")
    assert machine["loggingConfiguration"]["logDestination"].endswith(":*")
    assert machine["tracingConfiguration"] == {"enabled": stack == "us"}
    path = tmp_path / "definition.json"
    path.write_text(machine["definition"])
    linted = subprocess.run([sys.executable, "-m", "statelint", str(path)], capture_output=True, text=True)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_workflow_rules_in_the_definition(deployed):
    _, mocks, _ = deployed
    states = json.loads(mocks.of_type("aws:sfn/stateMachine:StateMachine")[0].inputs["definition"])["States"]
    assert set(states) >= {"Input Lottery Winners", "Random Select Winners", "Validate Winners",
                           "Is Winner In Past Draw", "Record In Dynamodb", "Send SNS", "Failed"}
    assert "Default" in states["Is Winner In Past Draw"]
    for name, s in states.items():
        for catch in s.get("Catch", []):
            assert "ResultPath" in catch, name
        if s["Type"] == "Task" and s["Resource"].endswith(":states:::lambda:invoke"):
            assert "Lambda.ServiceException" in s["Retry"][0]["ErrorEquals"], name
    # The announcement comes after the record, and is retried only on errors that mean "not sent".
    assert states["Record In Dynamodb"]["Next"] == "Send SNS"
    assert states["Send SNS"]["Next"] == "Record Announcement"
    assert states["Send SNS"]["Retry"][0]["ErrorEquals"] == ["SNS.ThrottledException", "SNS.KMSThrottlingException"]


def test_emails_become_secret_subscriptions():
    import pulumi

    mocks = built({"notification_emails": [pulumi.Output.secret("a@example.com"), "b@example.com"]})
    subs = mocks.of_type("aws:sns/topicSubscription:TopicSubscription")
    secret_marker = "4dabf18193072939515e22adb298388d"  # Pulumi's wire sign of a secret value
    secret, plain = (s.inputs["endpoint"] for s in subs)
    assert plain == "b@example.com"
    assert secret[secret_marker] and secret["value"] == "a@example.com"
    assert {s.inputs["protocol"] for s in subs} == {"email"}


@pytest.mark.parametrize("args, message", [
    ({"max_winners": 33}, "max_winners"), ({"max_winners": 0}, "max_winners"),
    ({"state_machine_logging": "DEBUG"}, "state_machine_logging"),
    ({"api_authorization": "COGNITO"}, "api_authorization"),
])
def test_bad_args_are_refused(args, message):
    import pulumi
    from components import LotteryWorkflow

    pulumi.runtime.set_mocks(RecordingMocks("us-east-1"), project="p", stack="s", preview=False)
    with pytest.raises(ValueError, match=message):
        LotteryWorkflow("x", args)
