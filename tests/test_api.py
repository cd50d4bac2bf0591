"""The API function against moto: every status code, validated before anything starts."""

import base64
import json

import boto3
import pytest

from conftest import REGION, load_roster
from handlers import api, random_select_winners, record_winners, validate_winners


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
    assert set(body) == {"draw_id", "status", "started_at", "winners", "announcement", "error", "cause"}


@pytest.mark.parametrize("draw_id", ["Lottery-3f1c2b6e-0000-4000-8000-000000000000", "nope", "../etc", ""])
def test_an_unknown_draw_is_404(machine, draw_id):
    status, _, body = call("GET /draws/{id}", path={"id": draw_id})
    assert (status, body["error"]) == (404, "NotFound")


def test_an_unknown_route_is_404(machine):
    assert call("DELETE /draws/{id}", path={"id": "x"})[0] == 404


def test_winners_are_listed_newest_first_one_page_at_a_time(aws):
    load_roster(aws)
    for n in range(3):
        event = {"draw": {"id": f"d{n}", "started_at": "t"}, "num_of_winners": 2, "attempt": 0}
        record_winners.handler(validate_winners.handler(random_select_winners.handler(event, None), None), None)
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
