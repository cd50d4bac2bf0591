"""The API function against moto: every status code, validated before anything starts."""

import base64
import json

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import REGION, draw, load_roster
from handlers import api
from twin.faults import Fault, inject


@pytest.fixture
def machine(aws, monkeypatch):
    """A state machine to start (moto keeps it RUNNING: this tests the API, not the workflow)."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    arn = sfn.create_state_machine(
        name="t-Lottery", roleArn="arn:aws:iam::123456789012:role/t",
        definition=json.dumps({"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}}),
    )["stateMachineArn"]
    monkeypatch.setenv("STATE_MACHINE_ARN", arn)
    return sfn, arn


def call(route_key, body=None, path=None, query=None, base64_body=False):
    event = {"version": "2.0", "routeKey": route_key, "pathParameters": path, "queryStringParameters": query,
             "body": base64.b64encode(body.encode()).decode() if base64_body else body, "isBase64Encoded": base64_body}
    answer = api.handler(event, None)
    return answer["statusCode"], answer["headers"], json.loads(answer["body"])


def executions(sfn, arn):
    return sfn.list_executions(stateMachineArn=arn)["executions"]


def test_post_draws_starts_an_execution_and_says_where_to_poll(machine):
    sfn, arn = machine
    status, headers, body = call("POST /draws", '{"winners": 2}')
    assert status == 202 and body["status"] == "RUNNING" and body["winners"] == 2
    assert headers["Location"] == f"/draws/{body['draw_id']}"
    assert api.DRAW_ID.fullmatch(body["draw_id"])
    (started,) = executions(sfn, arn)
    assert started["name"] == body["draw_id"]
    assert json.loads(sfn.describe_execution(executionArn=started["executionArn"])["input"]) == {"input": 2}


def test_a_base64_body_is_read_as_api_gateway_sends_it(machine):
    assert call("POST /draws", '{"winners": 1}', base64_body=True)[0] == 202


@pytest.mark.parametrize("body", [
    None, "", "not json", "[]", "2", '{"winners": 0}', '{"winners": -1}', '{"winners": 1.5}', '{"winners": "2"}',
    '{"winners": true}', '{"winners": null}', '{"winners": 11}', '{"count": 2}',
])
def test_a_bad_body_is_400_with_the_named_error_and_starts_nothing(machine, body):
    sfn, arn = machine
    status, _, answer = call("POST /draws", body)
    assert (status, answer["error"]) == (400, "InvalidInput") and answer["message"]
    assert executions(sfn, arn) == []


def test_get_draw_reports_a_known_draw(machine):
    _, _, started = call("POST /draws", '{"winners": 2}')
    status, _, body = call("GET /draws/{id}", path={"id": started["draw_id"]})
    assert status == 200 and body["draw_id"] == started["draw_id"] and body["status"] in ("RUNNING", "SUCCEEDED")
    assert set(body) == {"draw_id", "status", "started_at", "winners", "announcement", "error", "cause", "commitment",
                         "record"}


@pytest.mark.parametrize("draw_id", ["Lottery-3f1c2b6e-0000-4000-8000-000000000000", "nope", "../etc", ""])
def test_an_unknown_draw_is_404(machine, draw_id):
    status, _, body = call("GET /draws/{id}", path={"id": draw_id})
    assert (status, body["error"]) == (404, "NotFound")


def test_an_unknown_route_is_404(machine):
    assert call("DELETE /draws/{id}", path={"id": "x"})[0] == 404


def test_winners_are_listed_newest_first_one_page_at_a_time(aws):
    load_roster(aws)
    for n in range(3):
        draw(f"d{n}", 2)
    status, _, first = call("GET /winners", query={"limit": "4"})
    assert status == 200 and len(first["winners"]) == 4 and first["next"]
    _, _, rest = call("GET /winners", query={"limit": "4", "next": first["next"]})
    listed = first["winners"] + rest["winners"]
    assert len(listed) == 6 and rest["next"] is None
    times = [w["drawn_at"] for w in listed]
    assert times == sorted(times, reverse=True)
    assert [w["draw_id"] for w in listed[:2]] == ["d2", "d2"]


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"next": "%%%"}])
def test_bad_paging_is_400(aws, query):
    status, _, body = call("GET /winners", query=query)
    assert (status, body["error"]) == (400, "InvalidInput")


def token(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


KEY = {"employee_id": "001", "lottery": "t", "drawn_at": "2024-01-01T00:00:00.000+00:00"}  # LOTTERY_NAME is t


@pytest.mark.parametrize("next_token", [
    token([]), token(None), token(5), token("001"), token({"x": 1}),
    token({"employee_id": "001", "lottery": "t"}),  # a key attribute missing
    token({**KEY, "draw_id": "d0"}),  # one too many
    token({**KEY, "employee_id": 1}), token({**KEY, "drawn_at": None}), token({**KEY, "employee_id": {"S": "001"}}),
    token({**KEY, "employee_id": ""}),
    token({**KEY, "lottery": "other"}),  # a page of another lottery's listing
    base64.urlsafe_b64encode(b"[" * 100_000).decode(),  # JSON nested past the parser's depth
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),  # not UTF-8
], ids=["list", "null", "number", "string", "other-keys", "missing-key", "extra-key", "number-value",
        "null-value", "typed-value", "empty-value", "other-lottery", "deep", "not-utf8"])
def test_a_forged_page_token_is_400_and_reads_nothing(aws, next_token):
    recorded(aws)
    with inject(Fault("dynamodb", "Query", "InternalServerError")) as (query,):  # any read would be a 500
        status, _, body = call("GET /winners", query={"next": next_token})
    assert (status, body["error"], query.failed) == (400, "InvalidInput", 0)
    assert "next" in body["message"]


def test_a_start_key_dynamodb_refuses_is_400(aws):
    """Well formed, but beyond DynamoDB's limits (a partition key over 2,048 bytes): DynamoDB
    answers ValidationException (moto does not check, so it is injected as DynamoDB sends it)."""
    recorded(aws)
    with inject(Fault("dynamodb", "Query", "ValidationException", 400, times=1)) as (refused,):
        status, _, body = call("GET /winners", query={"next": token({**KEY, "employee_id": "e" * 3000})})
    assert (status, body["error"], refused.failed) == (400, "InvalidInput", 1)


def test_a_validation_exception_without_a_token_stays_a_server_error(aws):
    """Without a token every query parameter is this function's own: DynamoDB refusing it is a bug."""
    with inject(Fault("dynamodb", "Query", "ValidationException", 400, times=1)):
        with pytest.raises(ClientError):
            call("GET /winners", query={"limit": "4"})


def test_a_token_this_api_made_is_accepted(aws):
    recorded(aws)
    _, _, first = call("GET /winners", query={"limit": "1"})
    assert sorted(json.loads(base64.urlsafe_b64decode(first["next"]))) == sorted(KEY)
    status, _, rest = call("GET /winners", query={"limit": "1", "next": first["next"]})
    assert status == 200 and len(rest["winners"]) == 1 and rest["winners"] != first["winners"]


def recorded(ddb) -> None:
    """A roster and one recorded draw of two: a listing with something to page through."""
    load_roster(ddb)
    draw("d0", 2)
