"""The API front door (API Gateway HTTP API, payload format 2.0): commit to a draw, start one, read
one and its proof, list winners.

    POST /commitments  {"winners": N, "public": "<what will be mixed in>"[, "prize": "<id>"]}
                                       -> 201, the commit record; Location: /draws/<id>
    POST /draws        {"winners": N}  -> 202, {"draw_id": "Lottery-<uuid>"}, Location: /draws/<id>
                       {"commitment": "<draw id>", "public_value": "<the value>"}: draw a committed draw
    GET  /draws/{id}                   -> 200 status, winners, announcement, error, commitment and
                                          Ledger record; 404 if unknown
    GET  /draws/{id}/proof?employee=   -> 200 the Ledger bundle up to the draw (`lottery verify` reads it),
                                          with its rosters, or one employee's inclusion proofs
    GET  /winners?limit=&next=         -> 200 winners newest first, one page, and the next page's token

A draw night (night.py):
    GET  /night                        -> 200 the open night, prizes left, counts, its winners in order
    POST /night        {"id", "name", "presence", "prizes": [{"id", "name", "count"}], "exclude": [...]}
                                       -> 201 opens it
    GET  /night/code                   -> 200 the open night's check-in code (the organiser's: never a public route)
    POST /night/checkin {"employee_id", "code"} -> 200 checked in (the code is the one the QR code holds), the name masked
    POST /night/exclude {"employee_id"} -> 200 out of the night's draws
    GET  /night/results?format=csv     -> 200 the results as CSV (as JSON rows without format)
    POST /draws        {"prize": "<id>"[, "winners": N]} -> 202 draws a prize (what it has left, at most MAX_WINNERS)
                       {"redraw": {"draw_id", "employee_id"}} -> 202 draws one in place of an absent winner
    GET  /, GET /qrcode.js             -> the draw night's page (handlers/web/)
"""

import base64
import binascii
import json
import uuid
from pathlib import Path

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from . import batches, night, proofs
from .commit_draw import CommitRefused
from .commit_draw import invoke as invoke_commit
from .commitments import text
from .common import DRAW_ID, InvalidInput, client, int_setting, plain, query_all, setting, table, winners_count
from .payloads import execution_arn, outcome

PAGE_DEFAULT, PAGE_MAX = 20, 100
NAMES_SHOWN = 60  # names the big screen cycles through while a draw runs
WEB = Path(__file__).parent / "web"
# A page token is the newest-first index's LastEvaluatedKey: the table's key and the index's.
PAGE_KEY = ("employee_id", "lottery", "drawn_at")


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
    body = _json_body(event)
    if isinstance(body, dict) and ("prize" in body or "redraw" in body):
        if "commitment" in body or "public_value" in body:
            raise InvalidInput("a committed draw is drawn by its commitment and public value alone: its prize was committed")
        # Checked as Input Lottery Winners checks it, so that a redraw of someone who cannot forfeit is a 400.
        pool = night.read_pool()
        night.tier(pool, body, table("WINNERS_TABLE"))
        count = 1 if "redraw" in body else _prize_count(body, pool)
        draw_id = f"Lottery-{uuid.uuid4()}"
        execution_input: dict = {"input": count, **{k: body[k] for k in ("prize", "redraw") if k in body}}
    elif isinstance(body, dict) and "commitment" in body:
        draw_id = _draw_id(body["commitment"])
        # Checked as the workflow checks it: a start it would refuse would use up the draw's id.
        execution_input = {"public_value": text(body, "public_value", "the value the commitment named")}
        committed = _draw_item(draw_id)
        if committed is None or committed.get("status") != "committed":
            raise NotFound(f"no commitment {draw_id} waiting to be drawn")
        count = committed["commitment"]["winners"]
    else:
        # Checked here, before anything starts, and again by Input Lottery Winners.
        count = winners_count(body, "winners", int_setting("MAX_WINNERS"))
        draw_id, execution_input = f"Lottery-{uuid.uuid4()}", {"input": count}
    sfn = client("stepfunctions")
    try:
        sfn.start_execution(stateMachineArn=setting("STATE_MACHINE_ARN"), name=draw_id, input=json.dumps(execution_input))
    except sfn.exceptions.ExecutionAlreadyExists:
        raise InvalidInput(f"draw {draw_id} was started already") from None
    return respond(202, {"draw_id": draw_id, "status": "RUNNING", "winners": count}, {"Location": f"/draws/{draw_id}"})


def _prize_count(body: dict, pool: dict) -> int:
    """A prize's draw from `pool`: `winners` if given, else as many as the prize has left, up to
    MAX_WINNERS (a prize of more is drawn again until none are left)."""
    left = night.remaining(pool, body["prize"])
    if left < 1:
        raise InvalidInput(f"prize {body['prize']!r} has nothing left to draw on the open night")
    if "winners" in body:
        count = winners_count(body, "winners", int_setting("MAX_WINNERS"))
        if count > left:
            raise InvalidInput(f"prize {body['prize']!r} has {left} left to draw, not {count}")
        return count
    return min(left, int_setting("MAX_WINNERS"))


def commit_draw(event) -> dict:
    body = _json_body(event)
    if isinstance(body, dict) and body.get("prize") is not None:  # a draw night's prize, drawn with a public value
        pool = night.read_pool()
        night.tier(pool, {"prize": body["prize"]}, None)
        count = _prize_count(body, pool)
    else:
        count = winners_count(body, "winners", int_setting("MAX_WINNERS"))
    public = text(body, "public", "what will be mixed in, which nobody knows yet")
    # Commit Draw commits: it may write server seeds, and nobody may read one through it.
    try:
        record = invoke_commit(client("lambda"), setting("COMMIT_DRAW_FUNCTION"), count, public, body.get("prize"))
    except CommitRefused as error:
        if error.error_type in ("InvalidInput", "NoNight", "NotEnoughEligibleEmployees", "RosterNotRecorded"):
            raise InvalidInput(str(error)) from None
        raise RuntimeError(f"Commit Draw failed: {error}") from None
    return respond(201, record, {"Location": f"/draws/{record['draw_id']}"})


def _draw_id(value) -> str:
    if not (isinstance(value, str) and DRAW_ID.fullmatch(value)):
        raise NotFound(f"no draw {value!r}: draw ids look like Lottery-<uuid>")
    return value


def _draw_item(draw_id: str) -> dict | None:
    item = table("DRAWS_TABLE").get_item(Key={"draw_id": draw_id}, ConsistentRead=True).get("Item")
    return plain(item) if item else None


def get_draw(event) -> dict:
    draw_id = _draw_id((event.get("pathParameters") or {}).get("id", ""))
    sfn, item = client("stepfunctions"), _draw_item(draw_id) or {}
    try:
        execution = sfn.describe_execution(executionArn=execution_arn(setting("STATE_MACHINE_ARN"), draw_id))
    except sfn.exceptions.ExecutionDoesNotExist:
        if item.get("status") != "committed":
            raise NotFound(f"no draw {draw_id}") from None
        execution = {"status": "COMMITTED"}  # committed, waiting for its public value
    winners, announcement = outcome(execution)
    return respond(200, {
        "draw_id": draw_id,
        "status": execution["status"],
        "started_at": execution["startDate"].isoformat() if "startDate" in execution else None,
        "winners": winners,
        "announcement": announcement,
        "error": execution.get("error"),
        "cause": execution.get("cause"),
        "commitment": item.get("commitment"),
        "record": item.get("record"),
    })


def get_proof(event) -> dict:
    draw_id = _draw_id((event.get("pathParameters") or {}).get("id", ""))
    employee = (event.get("queryStringParameters") or {}).get("employee") or None
    # The winners from before the Ledger, read through the newest-first index this function already may query.
    winners = query_all(table("WINNERS_TABLE"), IndexName=setting("WINNERS_BY_TIME_INDEX"),
                        KeyConditionExpression=Key("lottery").eq(setting("LOTTERY_NAME")))
    try:
        found = proofs.bundle(table("LEDGER_TABLE"), table("EMPLOYEE_TABLE"), proofs.prior_winners(winners),
                              employee=employee, draw_id=draw_id)
    except proofs.NoSuchDraw as error:
        raise NotFound(str(error)) from None
    return respond(200, found)


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
        "winners": [{**{k: w.get(k) for k in ("employee_id", "employee_name", "draw_id", "drawn_at")},
                     **{k: w[k] for k in ("night", "prize", "forfeited_by", "replaces") if k in w}} for w in page["Items"]],
        "next": _page_token(page.get("LastEvaluatedKey")),
    })


def get_night(event) -> dict:
    return respond(200, _night_state())


def _night_state() -> dict:
    """What GET /night answers (night.state)."""
    pool = night.read_pool()
    winners = []
    if pool.get("night"):
        winners = query_all(table("WINNERS_TABLE"), IndexName=setting("WINNERS_BY_TIME_INDEX"),
                            KeyConditionExpression=Key("lottery").eq(setting("LOTTERY_NAME")),
                            FilterExpression=Attr("night").eq(pool["night"]["id"]))
    # Names for the big screen to cycle while a draw runs: some who can win now, one BatchGetItem.
    shown = range(1, min(int(pool.get("eligible", 0)), NAMES_SHOWN) + 1)
    names = [e["employee_name"] for e in batches.get_all(
        table("EMPLOYEE_TABLE"), [{"roster": pool["roster"], "lottery_serial": s} for s in shown],
        ProjectionExpression="employee_name")] if pool.get("roster") else []
    return night.state(pool, plain(winners), names)


def open_night(event) -> dict:
    night.Night().open(*night.parse(_json_body(event)))
    return respond(201, _night_state(), {"Location": "/night"})


def checkin_code(event) -> dict:
    found = night.opened(night.read_pool())
    return respond(200, {"night": found["id"], "checkin_code": found["checkin_code"]})


def check_in(event) -> dict:
    body = _json_body(event)
    if not isinstance(body, dict):
        raise InvalidInput('expected {"employee_id": "…", "code": "<the code the QR code holds>"}')
    code = body.get("code")
    if not isinstance(code, str):
        raise InvalidInput("code (the check-in code the QR code on the screen holds) is missing")
    return respond(200, night.Night().check_in(night.employee_id(body.get("employee_id")), code))


def exclude(event) -> dict:
    body = _json_body(event)
    return respond(200, night.Night().exclude(night.employee_id(body.get("employee_id") if isinstance(body, dict) else None)))


def results(event) -> dict:
    shown = _night_state()
    if (event.get("queryStringParameters") or {}).get("format") == "csv":
        name = shown["night"]["id"] if shown["night"] else "night"
        return {"statusCode": 200, "body": night.csv_text(night.rows(shown)), "headers": {
            "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{name}-results.csv"'}}
    return respond(200, {"rows": night.rows(shown)})


def page(name: str, content_type: str):
    def serve(event) -> dict:
        return {"statusCode": 200, "headers": {"Content-Type": content_type, "Cache-Control": "no-cache"},
                "body": (WEB / name).read_text(encoding="utf-8")}
    return serve


ROUTES = {"POST /commitments": commit_draw, "POST /draws": start_draw, "GET /draws/{id}": get_draw,
          "GET /draws/{id}/proof": get_proof, "GET /winners": list_winners,
          "GET /night": get_night, "POST /night": open_night, "POST /night/checkin": check_in,
          "POST /night/exclude": exclude, "GET /night/results": results, "GET /night/code": checkin_code,
          "GET /": page("night.html", "text/html; charset=utf-8"), "GET /qrcode.js": page("qrcode.js", "text/javascript")}


# What phones may call without signing (public_screen on AWS, other machines on `lottery serve --host`).
SCREEN_ROUTES = ("GET /", "GET /qrcode.js", "GET /night", "POST /night/checkin")


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
    except night.NightBusy as error:
        return respond(503, {"error": "NightBusy", "message": str(error)}, {"Retry-After": "1"})
