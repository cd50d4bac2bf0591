"""The API front door (API Gateway HTTP API, payload format 2.0): start a draw, read one, list winners.

    POST /draws        {"winners": N}  -> 202, {"draw_id": "Lottery-<uuid>"}, Location: /draws/<id>
    GET  /draws/{id}                   -> 200 status, winners, announcement, error; 404 if unknown
    GET  /winners?limit=&next=         -> 200 winners newest first, one page, and the next page's token
"""

import base64
import binascii
import json
import re
import uuid

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from .common import InvalidInput, client, int_setting, plain, setting, table, winners_count
from .payloads import execution_arn, outcome

PAGE_DEFAULT, PAGE_MAX = 20, 100
# A page token is the newest-first index's LastEvaluatedKey: the table's key and the index's.
PAGE_KEY = ("employee_id", "lottery", "drawn_at")
DRAW_ID = re.compile(r"Lottery-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class NotFound(Exception):
    """No such route or draw."""


def respond(status: int, body: dict, headers: dict | None = None) -> dict:
    return {"statusCode": status, "headers": {"Content-Type": "application/json", **(headers or {})},
            "body": json.dumps(body)}


def _json_body(event):
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8", "replace")
    try:
        return json.loads(raw)
    except ValueError:
        raise InvalidInput('the body must be JSON such as {"winners": 2}') from None


def start_draw(event) -> dict:
    # Checked here, before anything starts, and again by Input Lottery Winners.
    count = winners_count(_json_body(event), "winners", int_setting("MAX_WINNERS"))
    draw_id = f"Lottery-{uuid.uuid4()}"
    client("stepfunctions").start_execution(
        stateMachineArn=setting("STATE_MACHINE_ARN"), name=draw_id, input=json.dumps({"input": count}))
    return respond(202, {"draw_id": draw_id, "status": "RUNNING", "winners": count}, {"Location": f"/draws/{draw_id}"})


def get_draw(event) -> dict:
    draw_id = (event.get("pathParameters") or {}).get("id", "")
    if not DRAW_ID.fullmatch(draw_id):
        raise NotFound(f"no draw {draw_id!r}: draw ids look like Lottery-<uuid>")
    sfn = client("stepfunctions")
    try:
        execution = sfn.describe_execution(executionArn=execution_arn(setting("STATE_MACHINE_ARN"), draw_id))
    except sfn.exceptions.ExecutionDoesNotExist:
        raise NotFound(f"no draw {draw_id}") from None
    winners, announcement = outcome(execution)
    return respond(200, {
        "draw_id": draw_id,
        "status": execution["status"],
        "started_at": execution["startDate"].isoformat(),
        "winners": winners,
        "announcement": announcement,
        "error": execution.get("error"),
        "cause": execution.get("cause"),
    })


def _page_token(key: dict | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(plain(key)).encode()).decode() if key else None


def _start_key(token: str, lottery: str) -> dict:
    """The key a page token of this lottery's listing stands for, or InvalidInput: a forged or
    foreign token is the caller's mistake, never a 500."""
    bad = InvalidInput("next must be a token from this API's previous page of winners")
    try:
        key = json.loads(base64.urlsafe_b64decode(token))
    except (ValueError, binascii.Error, RecursionError):  # not base64, not UTF-8, not JSON, nested too deep
        raise bad from None
    if not (isinstance(key, dict) and sorted(key) == sorted(PAGE_KEY)
            and all(isinstance(v, str) and v for v in key.values()) and key["lottery"] == lottery):
        raise bad
    return key


def list_winners(event) -> dict:
    params = event.get("queryStringParameters") or {}
    try:
        limit = int(params.get("limit", PAGE_DEFAULT))
    except ValueError:
        raise InvalidInput(f"limit must be a whole number from 1 to {PAGE_MAX}, not {params['limit']!r}") from None
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidInput(f"limit must be a whole number from 1 to {PAGE_MAX}, not {limit}")
    lottery = setting("LOTTERY_NAME")
    query = {
        "IndexName": setting("WINNERS_BY_TIME_INDEX"),
        "KeyConditionExpression": Key("lottery").eq(lottery),
        "ScanIndexForward": False,  # newest first
        "Limit": limit,
    }
    if params.get("next"):
        query["ExclusiveStartKey"] = _start_key(params["next"], lottery)
    try:
        page = table("WINNERS_TABLE").query(**query)
    except ClientError as error:
        # Only the start key is the caller's: DynamoDB refusing it (a key longer than its limits,
        # say) is a bad token. Without one, a ValidationException is this function's bug: a 500.
        if "ExclusiveStartKey" not in query or error.response["Error"]["Code"] != "ValidationException":
            raise
        message = error.response["Error"].get("Message", "")
        raise InvalidInput(f"next is not a key DynamoDB accepts: {message}") from None
    return respond(200, {
        "winners": [{k: w.get(k) for k in ("employee_id", "employee_name", "draw_id", "drawn_at")} for w in page["Items"]],
        "next": _page_token(page.get("LastEvaluatedKey")),
    })


ROUTES = {"POST /draws": start_draw, "GET /draws/{id}": get_draw, "GET /winners": list_winners}


def handler(event, context):
    try:
        route = ROUTES.get(event.get("routeKey"))
        if route is None:
            raise NotFound(f"no route {event.get('routeKey')}")
        return route(event)
    except InvalidInput as error:
        return respond(400, {"error": "InvalidInput", "message": str(error)})
    except NotFound as error:
        return respond(404, {"error": "NotFound", "message": str(error)})
