"""The stack program and LotteryWorkflow under Pulumi mocks, for a China and a global stack."""

import json
import re
import subprocess
import sys

import pulumi
import pytest
from parliament import analyze_policy_string

from conftest import ROOT
from hooks import as_installed, import_twin_and_command
from pulumi_mocks import RecordingMocks
from twin.program import run_program
from twin.provider import AUTO_NAMED

STACKS = {"dev": ("cn-northwest-1", "aws-cn"), "us": ("us-east-1", "aws")}
FUNCTIONS = ("InputWinners", "RandomSelectWinners", "ValidateWinners", "RecordWinners", "RecordFailure")
ROUTES = {"POST /commitments", "POST /draws", "GET /draws/{id}", "GET /draws/{id}/proof", "GET /winners",
          "GET /night", "POST /night", "POST /night/checkin", "POST /night/exclude", "GET /night/results", "GET /night/code",
          "GET /", "GET /qrcode.js"}
SCREEN = {"GET /", "GET /qrcode.js", "GET /night", "POST /night/checkin"}


@pytest.fixture(autouse=True)
def moto_as_installed():
    """Every test here runs with moto, botocore and os.environ as installed, though the twin and the
    command are imported: the twin's hooks go in only for an OfflineStack's block (twin/seams.py)."""
    import_twin_and_command()
    assert all(as_installed().values()), as_installed()
    yield
    assert all(as_installed().values()), as_installed()


@pytest.fixture(params=sorted(STACKS))
def deployed(request):
    """Runs __main__.py with Pulumi.<stack>.yaml under fresh mocks; (stack, mocks, exports)."""
    region, _ = STACKS[request.param]
    mocks = RecordingMocks(region)
    exports = run_program(ROOT, request.param, mocks)
    return request.param, mocks, exports


def built(args, region="us-east-1", opts=None) -> RecordingMocks:
    """The resources one LotteryWorkflow("x", args) registers under fresh mocks."""
    from components import LotteryWorkflow

    mocks = RecordingMocks(region)
    pulumi.runtime.set_mocks(mocks, project="p", stack="s", preview=False)

    @pulumi.runtime.test
    def build():
        return LotteryWorkflow("x", args, opts).state_machine_arn

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


TABLE, FUNCTION, ROLE, LOGS = ("aws:dynamodb/table:Table", "aws:lambda/function:Function", "aws:iam/role:Role",
                               "aws:cloudwatch/logGroup:LogGroup")


def arn(mocks, token, logical_suffix):
    return mocks.state(token, logical_suffix)["arn"]


def physical(mocks, token, logical_suffix):
    return mocks.state(token, logical_suffix)["name"]


def own_logs(mocks, fn):
    """The WriteOwnLogs statement of function `fn`: its log group's streams."""
    return (["logs:CreateLogStream", "logs:PutLogEvents"], [f"{arn(mocks, LOGS, f'-{fn}-logs')}:log-stream:*"])


def policy_of(mocks, fn):
    role = mocks.states[(ROLE, mocks.one(ROLE, f"-{fn}-role").name)]
    (policy,) = [p for p in mocks.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == role["name"]]
    return json.loads(policy.inputs["policy"])


def statements(policy, traces=False):
    """Sid: (actions, resources); X-Ray's statement only if asked (test_tracing covers it)."""
    return {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"] if traces or s["Sid"] != "SendTraces"}


def test_inventory(deployed):
    stack, mocks, _ = deployed
    counts = {}
    for r in mocks.resources:
        counts[r.typ] = counts.get(r.typ, 0) + 1
    assert counts == {
        "lottery:index:LotteryWorkflow": 1,
        "aws:dynamodb/table:Table": 5,  # Employee, Winners, Draws, Ledger, Seeds
        "aws:sns/topic:Topic": 3,  # announcements, roster rejections, alarms
        "aws:cloudwatch/logGroup:LogGroup": 11,  # nine functions, the state machine, the API's access log
        "aws:iam/role:Role": 10,
        "aws:iam/rolePolicy:RolePolicy": 10,
        "aws:lambda/function:Function": 9,
        "aws:sfn/stateMachine:StateMachine": 1,
        "aws:apigatewayv2/api:Api": 1,
        "aws:apigatewayv2/integration:Integration": 1,
        "aws:apigatewayv2/route:Route": 13,
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
        # S3's asynchronous invocation of the import only: the stream mapping invokes synchronously.
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 1,
    }


def test_pulumi_names_every_resource_by_default(deployed):
    """No fixed physical name: a replacement creates before it deletes, and one stack name can
    live in two regions of one account (IAM role names are global)."""
    _, mocks, _ = deployed
    named = [r for r in mocks.resources if r.typ in AUTO_NAMED and r.inputs.get("name")]
    assert named == []
    prefixes = [g.inputs["namePrefix"] for g in mocks.of_type(LOGS)]
    assert all(p.startswith(("/aws/lambda/lottery-", "/aws/vendedlogs/states/lottery-", "/aws/vendedlogs/apigateway/lottery-"))
               for p in prefixes), prefixes
    assert len({mocks.states[(ROLE, r.name)]["name"] for r in mocks.of_type(ROLE)}) == 10


def test_a_name_prefix_gives_fixed_names_but_roles_stay_unique():
    mocks = built({"name_prefix": "party"})
    assert physical(mocks, TABLE, "-winners") == "party-Winners"
    assert physical(mocks, FUNCTION, "-inputwinners") == "party-InputWinners"
    assert mocks.one(LOGS, "-inputwinners-logs").inputs["name"] == "/aws/lambda/party-InputWinners"
    assert all("name" not in r.inputs for r in mocks.of_type(ROLE))


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
    # A roster generation per import; an employee's place in the pool is the key, and a draw reads by key
    # (strongly consistent); only a draw night's check-in finds an employee's place by id, through an index.
    assert (employee["hashKey"], employee["rangeKey"], employee.get("globalSecondaryIndexes")) == (
        "roster", "lottery_serial", [{"name": "employee_id-index", "projectionType": "KEYS_ONLY", "keySchemas": [
            {"keyType": "HASH", "attributeName": "employee_id"}, {"keyType": "RANGE", "attributeName": "roster"}]}])
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
    winners = mocks.one(TABLE, "-Winners").inputs
    assert winners["deletionProtectionEnabled"] is (stack == "us")  # Pulumi.us.yaml protects, dev does not


@pytest.mark.parametrize("args, protected", [({}, True), ({"protect_winners": False}, False)])
def test_winners_is_protected_by_pulumi_too_and_nothing_is_retained(args, protected):
    options = {}

    def seen(resource):
        options[resource.name] = resource.opts
        return None

    built(args, opts=pulumi.ResourceOptions(transformations=[seen]))
    # The Ledger is the record every draw is verified against: protected as Winners is.
    assert options["x-winners"].protect is options["x-ledger"].protect is protected
    assert not any(o.retain_on_delete for o in options.values())
    assert not any(o.protect for name, o in options.items() if name not in ("x-winners", "x-ledger"))


def test_a_kept_winners_table_can_be_adopted():
    mocks = built({"winners_table_import": "lottery-winners-0a1b2c3"})
    winners = mocks.one(TABLE, "-winners")
    assert (winners.resource_id, winners.inputs["name"]) == ("lottery-winners-0a1b2c3", "lottery-winners-0a1b2c3")


def test_functions_get_exactly_the_settings_their_handlers_read(deployed):
    stack, mocks, exports = deployed
    tables = {t: physical(mocks, TABLE, f"-{t}") for t in ("Employee", "Winners", "Draws", "Ledger", "Seeds")}
    expected = {
        "InputWinners": {"MAX_WINNERS": "10", "DRAWS_TABLE": tables["Draws"], "LEDGER_TABLE": tables["Ledger"],
                         "SEEDS_TABLE": tables["Seeds"], "WINNERS_TABLE": tables["Winners"]},
        "RandomSelectWinners": {"DRAWS_TABLE": tables["Draws"], "EMPLOYEE_TABLE": tables["Employee"], "MAX_ATTEMPTS": "3"},
        "ValidateWinners": {"WINNERS_TABLE": tables["Winners"]},
        "RecordWinners": {"DRAWS_TABLE": tables["Draws"], "EMPLOYEE_TABLE": tables["Employee"],
                          "WINNERS_TABLE": tables["Winners"], "LEDGER_TABLE": tables["Ledger"],
                          "LOTTERY_NAME": f"lottery-{stack}"},
        "RecordFailure": {"DRAWS_TABLE": tables["Draws"], "LEDGER_TABLE": tables["Ledger"]},
        "CommitDraw": {"MAX_WINNERS": "10", "DRAWS_TABLE": tables["Draws"], "LEDGER_TABLE": tables["Ledger"],
                       "SEEDS_TABLE": tables["Seeds"]},
    }
    for fn in (*FUNCTIONS, "CommitDraw"):
        f = mocks.one(FUNCTION, f"-{fn}").inputs
        assert f["environment"] == {"variables": expected[fn]}
        assert f["runtime"] == "python3.12" and f["handler"].startswith("handlers.")
        assert sorted(f["code"].assets) == sorted(  # the draw night's page too, which the Api function serves
            f"handlers/{p.relative_to(ROOT / 'handlers').as_posix()}" for pattern in ("*.py", "web/*")
            for p in (ROOT / "handlers").glob(pattern))
        assert f["loggingConfig"]["logGroup"] == physical(mocks, LOGS, f"-{fn}-logs")
    api = mocks.one(FUNCTION, "-Api").inputs
    assert api["handler"] == "handlers.api.handler"
    assert api["environment"]["variables"] == {
        "STATE_MACHINE_ARN": exports["state_machine_arn"], "WINNERS_TABLE": tables["Winners"],
        "WINNERS_BY_TIME_INDEX": "lottery-drawn_at-index", "LOTTERY_NAME": f"lottery-{stack}", "MAX_WINNERS": "10",
        "DRAWS_TABLE": tables["Draws"], "LEDGER_TABLE": tables["Ledger"], "EMPLOYEE_TABLE": tables["Employee"],
        "EMPLOYEE_BY_ID_INDEX": "employee_id-index", "COMMIT_DRAW_FUNCTION": exports["function_names"]["CommitDraw"]}


def test_api_routes_are_iam_authorised_and_reach_the_api_function(deployed):
    stack, mocks, exports = deployed
    region, p = STACKS[stack]
    routes = mocks.of_type("aws:apigatewayv2/route:Route")
    assert {r.inputs["routeKey"] for r in routes} == ROUTES
    assert {r.inputs["authorizationType"] for r in routes} == {"AWS_IAM"}
    assert {r.inputs["target"] for r in routes} == {"integrations/int123"}
    (integration,) = mocks.of_type("aws:apigatewayv2/integration:Integration")
    assert integration.inputs["integrationUri"] == arn(mocks, FUNCTION, "-api")
    assert (integration.inputs["integrationType"], integration.inputs["payloadFormatVersion"]) == ("AWS_PROXY", "2.0")
    (permission,) = [x for x in mocks.of_type("aws:lambda/permission:Permission") if x.inputs["principal"] != "s3.amazonaws.com"]
    assert permission.inputs["sourceArn"] == f"arn:{p}:execute-api:{region}:123456789012:a1b2c3/*/*"
    assert permission.inputs["principal"] == "apigateway.amazonaws.com"
    (stage,) = mocks.of_type("aws:apigatewayv2/stage:Stage")
    assert stage.inputs["defaultRouteSettings"] == {"throttlingRateLimit": 5, "throttlingBurstLimit": 10}
    # Delivered by log delivery: under /aws/vendedlogs/, as AWS advises.
    assert stage.inputs["accessLogSettings"]["destinationArn"] == arn(mocks, LOGS, "-api-access-logs")
    assert physical(mocks, LOGS, "-api-access-logs").startswith("/aws/vendedlogs/apigateway/lottery-api-")
    assert exports["api_url"].startswith("https://a1b2c3.execute-api.")


def test_exact_api_policy(deployed):
    stack, mocks, exports = deployed
    region, p = STACKS[stack]
    machine = exports["state_machine_arn"]
    assert statements(policy_of(mocks, "Api")) == {
        "WriteOwnLogs": own_logs(mocks, "Api"),
        "StartDraws": (["states:StartExecution"], [machine]),
        "ReadDraws": (["states:DescribeExecution"], [machine.replace(":stateMachine:", ":execution:") + ":*"]),
        "ListWinners": (["dynamodb:Query"], [f"{arn(mocks, TABLE, '-winners')}/index/lottery-drawn_at-index"]),
        "CommitDraws": (["lambda:InvokeFunction"], [arn(mocks, FUNCTION, "-commitdraw")]),
        "ReadCommitments": (["dynamodb:GetItem"], [arn(mocks, TABLE, "-draws")]),
        "ReadLedger": (["dynamodb:GetItem", "dynamodb:Scan"], [arn(mocks, TABLE, "-ledger")]),
        "ReadRosters": (["dynamodb:Query"], [arn(mocks, TABLE, "-employee")]),
        "ChangeNightPool": (["dynamodb:UpdateItem"], [arn(mocks, TABLE, "-draws")]),
        "SwapNightPlaces": (["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem"], [arn(mocks, TABLE, "-employee")]),
        "FindEmployees": (["dynamodb:Query"], [f"{arn(mocks, TABLE, '-employee')}/index/employee_id-index"]),
        "CheckNotWinners": (["dynamodb:ConditionCheckItem", "dynamodb:GetItem"], [arn(mocks, TABLE, "-winners")]),
        "AppendNightRecords": (["dynamodb:PutItem", "dynamodb:UpdateItem"], [arn(mocks, TABLE, "-ledger")]),
    }
    # Of the Draws table, the public-facing function may update the pool item only.
    (pool,) = [x for x in policy_of(mocks, "Api")["Statement"] if x["Sid"] == "ChangeNightPool"]
    assert pool["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["#pool"]}}


@pytest.mark.parametrize("args, public", [({"api": False}, set()), ({"api_authorization": "NONE"}, ROUTES),
                                          ({"public_screen": True}, SCREEN)])
def test_api_switches(args, public):
    mocks = built(args, "cn-northwest-1")
    found = mocks.of_type("aws:apigatewayv2/route:Route")
    assert len(found) == (len(ROUTES) if args.get("api", True) else 0)
    # publicScreen opens the page, its results and check-in to phones, and nothing else.
    assert {r.inputs["routeKey"] for r in found if r.inputs["authorizationType"] == "NONE"} == public
    assert {r.inputs["authorizationType"] for r in found if r.inputs["routeKey"] not in public} <= {"AWS_IAM"}
    permissions = mocks.of_type("aws:lambda/permission:Permission")
    assert any(x.inputs["principal"] == "apigateway.amazonaws.com" for x in permissions) == bool(found)


def test_roster_upload_resources(deployed):
    stack, mocks, exports = deployed
    region, p = STACKS[stack]
    bucket = mocks.of_type("aws:s3/bucket:Bucket")[0]
    assert bucket.inputs["bucketPrefix"] == "lottery-roster-" and exports["roster_bucket"].startswith("lottery-roster-")
    assert bucket.inputs["forceDestroy"] is False
    block = mocks.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0].inputs
    assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    encryption = mocks.of_type("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0]
    assert encryption.inputs["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    assert mocks.of_type("aws:s3/bucketVersioning:BucketVersioning")[0].inputs["versioningConfiguration"] == {"status": "Enabled"}
    notifications = mocks.of_type("aws:s3/bucketNotification:BucketNotification")[0].inputs["lambdaFunctions"]
    assert notifications == [{"lambdaFunctionArn": arn(mocks, FUNCTION, "-importroster"),
                              "events": ["s3:ObjectCreated:*"], "filterSuffix": suffix} for suffix in (".csv", ".json")]
    s3_permission = [x for x in mocks.of_type("aws:lambda/permission:Permission") if x.inputs["principal"] == "s3.amazonaws.com"][0]
    assert (s3_permission.inputs["sourceArn"], s3_permission.inputs["sourceAccount"]) == (
        f"arn:{p}:s3:::{exports['roster_bucket']}", "123456789012")


def test_winner_events_resources(deployed):
    stack, mocks, exports = deployed
    region, p = STACKS[stack]
    winners = mocks.one("aws:dynamodb/table:Table", "-Winners").inputs
    assert (winners["streamEnabled"], winners["streamViewType"]) == (True, "NEW_IMAGE")
    dlq = arn(mocks, "aws:sqs/queue:Queue", "-dead-letters")
    (mapping,) = mocks.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
    assert mapping.inputs["eventSourceArn"].startswith(f"{arn(mocks, TABLE, '-winners')}/stream/")
    assert mapping.inputs["functionName"] == arn(mocks, FUNCTION, "-publishwinnerevents")
    assert mapping.inputs["destinationConfig"] == {"onFailure": {"destinationArn": dlq}}
    assert (mapping.inputs["maximumRetryAttempts"], mapping.inputs["bisectBatchOnFunctionError"]) == (3, True)
    for config in mocks.of_type("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"):
        assert config.inputs["destinationConfig"] == {"onFailure": {"destination": dlq}}
    rule = mocks.of_type("aws:cloudwatch/eventRule:EventRule")[0].inputs
    assert json.loads(rule["eventPattern"]) == {"source": ["lottery"], "detail-type": ["WinnerDrawn"]}
    assert rule["eventBusName"] == exports["event_bus_name"] == physical(mocks, "aws:cloudwatch/eventBus:EventBus", "-events")
    target = mocks.of_type("aws:cloudwatch/eventTarget:EventTarget")[0].inputs
    assert target["arn"] == arn(mocks, "aws:sqs/queue:Queue", "-winner-events-queue")
    queue_policy = json.loads(mocks.of_type("aws:sqs/queuePolicy:QueuePolicy")[0].inputs["policy"])["Statement"][0]
    assert queue_policy["Principal"] == {"Service": "events.amazonaws.com"}
    assert queue_policy["Condition"] == {"ArnEquals": {"aws:SourceArn": arn(mocks, "aws:cloudwatch/eventRule:EventRule", "-winner-drawn")}}
    alarm = mocks.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")[0].inputs
    assert (alarm["metricName"], alarm["dimensions"], alarm["threshold"]) == (
        "ApproximateNumberOfMessagesVisible", {"QueueName": physical(mocks, "aws:sqs/queue:Queue", "-dead-letters")}, 0)
    # The alarm tells the operators' topic, whose subscribers come from config.
    assert alarm["alarmActions"] == [arn(mocks, "aws:sns/topic:Topic", "-alarms")]


def test_exact_import_and_events_policies(deployed):
    stack, mocks, exports = deployed
    region, p = STACKS[stack]
    def table(t):
        return arn(mocks, TABLE, f"-{t}")

    dlq = arn(mocks, "aws:sqs/queue:Queue", "-dead-letters")
    assert statements(policy_of(mocks, "ImportRoster")) == {
        "WriteOwnLogs": own_logs(mocks, "ImportRoster"),
        "ReadUploadedRosters": (["s3:GetObject", "s3:GetObjectVersion"], [f"arn:{p}:s3:::{exports['roster_bucket']}/*"]),
        "ReadPastWinners": (["dynamodb:Scan"], [table("Winners")]),
        "WriteRosterGenerations": (["dynamodb:BatchWriteItem"], [table("Employee")]),
        "SwitchPool": (["dynamodb:GetItem", "dynamodb:UpdateItem"], [table("Draws")]),
        "AppendLedgerRecords": (["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [table("Ledger")]),
        "NoticeRosters": (["sns:Publish"], [arn(mocks, "aws:sns/topic:Topic", "-roster-notices")]),
        "SendFailures": (["sqs:SendMessage"], [dlq]),
    }
    assert statements(policy_of(mocks, "PublishWinnerEvents")) == {
        "ReadWinnersStream": (["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                              [f"{table('Winners')}/stream/*"]),
        "WriteOwnLogs": own_logs(mocks, "PublishWinnerEvents"),
        "FindWinnersStream": (["dynamodb:ListStreams"], ["*"]),
        "PublishWinnerEvents": (["events:PutEvents"], [arn(mocks, "aws:cloudwatch/eventBus:EventBus", "-events")]),
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
    assert subscription.inputs["endpoint"] == arn(mocks, "aws:sqs/queue:Queue", "-announcements-queue")
    assert subscription.inputs["rawMessageDelivery"] is True


def test_exact_function_policies(deployed):
    stack, mocks, _ = deployed
    region, p = STACKS[stack]
    def table(t):
        return arn(mocks, TABLE, f"-{t}")

    ledger = (["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [table("Ledger")])

    def commits(seeds):
        return {"CommitDraws": (["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:PutItem"], [table("Draws")]),
                "AppendLedgerRecords": (["dynamodb:BatchGetItem", *ledger[0]], ledger[1]),
                "KeepServerSeeds": (seeds, [table("Seeds")])}

    expected = {
        # Only Input Lottery Winners, which only the state machine invokes, may read a server seed.
        "InputWinners": {**commits(["dynamodb:GetItem", "dynamodb:PutItem"]),
                         "ReadAbsentWinner": (["dynamodb:GetItem"], [table("Winners")])},
        "CommitDraw": commits(["dynamodb:PutItem"]),
        "RandomSelectWinners": {
            "HoldPool": (["dynamodb:GetItem", "dynamodb:UpdateItem"], [table("Draws")]),
            "ReadEmployeesBySerial": (["dynamodb:BatchGetItem"], [table("Employee")]),
        },
        "ValidateWinners": {"ReadPastWinners": (["dynamodb:BatchGetItem"], [table("Winners")])},
        "RecordWinners": {
            "RecordDrawAndPool": (["dynamodb:GetItem", "dynamodb:UpdateItem"], [table("Draws")]),
            "RecordWinners": (["dynamodb:PutItem", "dynamodb:UpdateItem"], [table("Winners")]),
            "SwapSerials": (["dynamodb:PutItem"], [table("Employee")]),
            "AppendLedgerRecords": ledger,
        },
        "RecordFailure": {"MarkDrawFailed": (["dynamodb:GetItem", "dynamodb:UpdateItem"], [table("Draws")]),
                          "AppendLedgerRecords": ledger},
    }
    for fn in (*FUNCTIONS, "CommitDraw"):
        assert statements(policy_of(mocks, fn)) == {"WriteOwnLogs": own_logs(mocks, fn), **expected[fn]}


def test_only_input_lottery_winners_may_read_a_server_seed(deployed):
    """Seeds stay secret until a draw reveals them: no other role (the API's, the commitment's, the
    state machine's) may read the Seeds table, however it asks."""
    _, mocks, _ = deployed
    seeds = arn(mocks, TABLE, "-seeds")
    readers = set()
    for policy in mocks.of_type("aws:iam/rolePolicy:RolePolicy"):
        for statement in json.loads(policy.inputs["policy"])["Statement"]:
            reads = {a for a in statement["Action"] if a.startswith(("dynamodb:Get", "dynamodb:BatchGet", "dynamodb:Query",
                                                                     "dynamodb:Scan", "dynamodb:*"))}
            if reads and any(r == seeds or r == "*" or r.startswith(seeds + "/") for r in statement["Resource"]):
                readers.add(policy.name)
    assert readers == {"lottery-inputwinners-policy"}


def test_exact_state_machine_policy(deployed):
    stack, mocks, exports = deployed
    region, p = STACKS[stack]
    got = statements(policy_of(mocks, "state-machine"), traces=True)
    assert got["InvokeLotteryFunctions"] == (
        ["lambda:InvokeFunction"],
        sorted(f"arn:{p}:lambda:{region}:123456789012:function:{exports['function_names'][fn]}" for fn in FUNCTIONS))
    assert got["AnnounceWinners"] == (["sns:Publish"], [exports["notification_topic_arn"]])
    assert got["RecordAnnouncement"] == (
        ["dynamodb:UpdateItem"], [f"arn:{p}:dynamodb:{region}:123456789012:table/{exports['draws_table']}"])
    # Both stacks log; only the us stack traces (Pulumi.us.yaml).
    assert set(got) == {"InvokeLotteryFunctions", "AnnounceWinners", "RecordAnnouncement", "DeliverExecutionLogs"} | (
        {"SendTraces"} if stack == "us" else set())
    assert all("*" not in a for actions, _ in got.values() for a in actions)


# parliament's action table marks both of DescribeExecution's resource types (execution, express)
# as required, where IAM takes either; the lottery's machine is STANDARD, so its executions are
# `:execution:` ARNs only, and granting the express form would grant what is never needed.
EXPRESS_ONLY = [{"action": "states:DescribeExecution", "required_format": "arn:*:states:*:*:express:*:*:*"}]


@pytest.mark.parametrize("region", ["cn-northwest-1", "us-east-1"])
@pytest.mark.parametrize("tracing", [True, False])
def test_tracing_deploys_in_both_partitions(region, tracing):
    """Lambda refuses Active tracing at CreateFunction unless the role may write traces, and
    offers no X-Ray at all in the China regions, where only the state machine is traced."""
    mocks = built({"tracing": tracing}, region)
    functions = mocks.of_type(FUNCTION)
    assert len(functions) == 9
    for f in functions:
        active = f.inputs["tracingConfig"]["mode"] == "Active"
        assert active is (tracing and region == "us-east-1"), f.name
        allowed = {a for s in policy_of(mocks, f.name.removeprefix("x-"))["Statement"] for a in s["Action"]}
        assert ("xray:PutTraceSegments" in allowed and "xray:PutTelemetryRecords" in allowed) is active, f.name
    assert mocks.of_type("aws:sfn/stateMachine:StateMachine")[0].inputs["tracingConfiguration"] == {"enabled": tracing}
    assert_policies_clean(mocks)


@pytest.mark.parametrize("region, partition", [("cn-northwest-1", "aws-cn"), ("us-east-1", "aws")])
def test_every_trust_policy_names_its_source(region, partition):
    """The confused-deputy guard: a service takes a lottery role only for this account (and the
    state machine's only for this account's state machines in this region)."""
    mocks = built({}, region)
    roles = mocks.of_type(ROLE)
    assert len(roles) == 10
    for role in roles:
        (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}, role.name
        service = statement["Principal"]["Service"]
        assert service in ("lambda.amazonaws.com", "states.amazonaws.com"), role.name
        if service == "states.amazonaws.com":
            assert statement["Condition"]["ArnLike"] == {
                "aws:SourceArn": f"arn:{partition}:states:{region}:123456789012:stateMachine:*"}


def assert_policies_clean(mocks):
    for policy in mocks.of_type("aws:iam/rolePolicy:RolePolicy"):
        findings = [f for f in analyze_policy_string(policy.inputs["policy"]).findings if f.detail != EXPRESS_ONLY]
        assert findings == [], (policy.name, [(f.issue, f.detail) for f in findings])


def test_no_policy_has_parliament_findings(deployed):
    assert_policies_clean(deployed[1])


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
    assert machine["type"] == "STANDARD" and machine["roleArn"] == arn(mocks, ROLE, "-state-machine-role")
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
            # AWS's list of Lambda service errors to retry, and throttling.
            assert set(s["Retry"][0]["ErrorEquals"]) >= {
                "Lambda.ClientExecutionTimeoutException", "Lambda.ServiceException", "Lambda.AWSLambdaException",
                "Lambda.SdkClientException", "Lambda.TooManyRequestsException"}, name
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
    ({"max_winners": 33}, "max_winners"), ({"max_winners": 0}, "max_winners"), ({"max_winners": "5"}, "max_winners"),
    ({"max_attempts": 0}, "max_attempts"), ({"max_attempts": 11}, "max_attempts"), ({"max_attempts": 2.5}, "max_attempts"),
    ({"log_retention_days": 10}, "log_retention_days"), ({"log_retention_days": "14"}, "log_retention_days"),
    ({"lambda_runtime": "python3.9"}, "lambda_runtime"), ({"lambda_runtime": "python3.7"}, "lambda_runtime"),
    ({"state_machine_logging": "DEBUG"}, "state_machine_logging"),
    ({"api_authorization": "COGNITO"}, "api_authorization"),
    ({"api_throttle_rate": 0}, "api_throttle_rate"), ({"api_throttle_rate": "fast"}, "api_throttle_rate"),
    ({"api_throttle_burst": -1}, "api_throttle_burst"),
    ({"tracing": "yes"}, "tracing"), ({"protect_winners": 1}, "protect_winners"), ({"api": None}, "api"),
    ({"roster_upload": "false"}, "roster_upload"), ({"winner_events": 0}, "winner_events"),
    ({"announcement_queue": "true"}, "announcement_queue"), ({"roster_bucket_force_destroy": 1}, "roster_bucket_force_destroy"),
    ({"notification_emails": "hr@example.com"}, "notification_emails"), ({"operator_emails": 3}, "operator_emails"),
    ({"roster_admin_emails": "a@b.c"}, "roster_admin_emails"),
    ({"name_prefix": "has space"}, "name_prefix"), ({"name_prefix": "x" * 33}, "name_prefix"), ({"name_prefix": "-x"}, "name_prefix"),
    ({"winners_table_import": "a b"}, "winners_table_import"),
    ({"state_machine_type": "EXPRESS"}, "state_machine_type.*DescribeExecution"),
    ({"max_winner": 3}, "max_winner is not a setting"),
])
def test_bad_args_are_refused_before_anything_is_created(args, message):
    from components import LotteryWorkflow

    mocks = RecordingMocks("us-east-1")
    pulumi.runtime.set_mocks(mocks, project="p", stack="s", preview=False)
    with pytest.raises(ValueError, match=message):
        LotteryWorkflow("x", args)
    assert mocks.resources == []


@pytest.mark.parametrize("args", [
    {"max_winners": 32, "max_attempts": 10, "log_retention_days": 365, "lambda_runtime": "python3.13",
     "api_throttle_rate": 0.5, "api_throttle_burst": 0, "name_prefix": "Party-2026", "operator_emails": ["ops@example.com"]},
    # Pass-through inputs may be Outputs, which AWS checks at deploy time.
    {"log_retention_days": pulumi.Output.from_input(10), "lambda_runtime": pulumi.Output.from_input("python3.12")},
])
def test_good_args_are_taken(args):
    assert built(args).of_type("aws:sfn/stateMachine:StateMachine")


@pytest.mark.parametrize("name, args", [("x", {"name_prefix": "A" * 32}), ("Team_Summer.Party" * 3, {}),
                                        ("x", {"state_machine_type": "STANDARD"})])
def test_long_or_odd_names_still_make_a_valid_bucket_prefix(name, args):
    from components import LotteryWorkflow

    mocks = RecordingMocks("us-east-1")
    pulumi.runtime.set_mocks(mocks, project="p", stack="s", preview=False)
    pulumi.runtime.test(lambda: LotteryWorkflow(name, args).state_machine_arn)()
    prefix = mocks.of_type("aws:s3/bucket:Bucket")[0].inputs["bucketPrefix"]
    assert len(prefix) <= 37 and re.fullmatch(r"[a-z0-9][a-z0-9-]*-roster-", prefix), prefix


def test_the_stack_config_reaches_every_new_setting(tmp_path):
    """Pulumi.<stack>.yaml keys as __main__.py reads them: operators told, bucket emptied on destroy,
    a kept Winners table adopted, fixed names."""
    for name in ("__main__.py", "Pulumi.yaml"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    (tmp_path / "Pulumi.ops.yaml").write_text(
        "config:\n  aws:region: cn-northwest-1\n  lottery:operatorEmails: [ops@example.com, oncall@example.com]\n"
        "  lottery:rosterBucketForceDestroy: true\n  lottery:winnersTableImport: kept-Winners\n"
        "  lottery:namePrefix: party\n  lottery:stateMachineType: STANDARD\n")
    mocks = RecordingMocks("cn-northwest-1")
    exports = run_program(tmp_path, "ops", mocks)
    alarms = arn(mocks, "aws:sns/topic:Topic", "-alarms")
    emails = sorted(s.inputs["endpoint"]["value"] for s in mocks.of_type("aws:sns/topicSubscription:TopicSubscription")
                    if s.inputs["topic"] == alarms)
    assert emails == ["oncall@example.com", "ops@example.com"]  # as secrets
    assert mocks.of_type("aws:s3/bucket:Bucket")[0].inputs["forceDestroy"] is True
    assert (mocks.one(TABLE, "-winners").resource_id, exports["winners_table"]) == ("kept-Winners", "kept-Winners")
    assert exports["employee_table"] == "party-Employee" and exports["alarm_topic_arn"] == alarms


def test_a_stack_asking_for_express_is_refused_with_the_reason(tmp_path):
    """Pulumi.<stack>.yaml with stateMachineType: EXPRESS fails before any resource, naming why."""
    for name in ("__main__.py", "Pulumi.yaml"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    (tmp_path / "Pulumi.express.yaml").write_text("config:\n  aws:region: us-east-1\n  lottery:stateMachineType: EXPRESS\n")
    mocks = RecordingMocks("us-east-1")
    with pytest.raises(Exception, match="DescribeExecution"):
        run_program(tmp_path, "express", mocks)
    assert [r.typ for r in mocks.resources] == []


def test_a_function_reading_a_setting_its_builder_does_not_give_is_refused_by_name():
    """A spec lists what its handler reads; a builder that forgets one fails before anything deploys."""
    from components import functions
    from components.scope import Scope

    mocks = RecordingMocks("us-east-1")
    pulumi.runtime.set_mocks(mocks, project="p", stack="s", preview=False)
    parent = pulumi.ComponentResource("lottery:index:Test", "t")
    scope = Scope(parent, "t", None, None, 14, False)
    code = functions.Code(pulumi.AssetArchive({}), "python3.12")
    with pytest.raises(ValueError, match=r"ValidateWinners reads \['WINNERS_TABLE'\]"):
        functions.build(scope, functions.VALIDATE_WINNERS, code, {"MAX_WINNERS": "10"}, {})
    assert [r.typ for r in mocks.resources if r.custom] == []
