"""Record In Dynamodb: one conditional transaction records the winners, the draw and the new pool.

Every condition guards against a concurrent draw or import: the pool still has the roster and size
that were read and is still held by this draw (pool.py), each winner was never recorded, and each
pair of places that swap still holds who was read there. If any fails, nothing is written and the
workflow selects again. A retry of this task after a write that did succeed finds its own draw record and
reports success, so a winner is never drawn twice for one draw.
"""

from datetime import UTC, datetime

from boto3.dynamodb.types import TypeSerializer

from .common import POOL_KEY, DrawConflict, client, setting
from .payloads import Draw, Recorded, Selection, Validated

_serialize = TypeSerializer().serialize


def _item(values: dict) -> dict:
    return {k: _serialize(v) for k, v in values.items()}


def transaction(draw: Draw, selection: Selection, recorded_at: str, tables: dict, lottery: str) -> list[dict]:
    """The TransactWriteItems actions for one draw (3k+2 at most for k winners)."""
    winners, eligible, roster = selection["winners"], selection["eligible"], selection["roster"]
    actions = [
        {"Update": {
            "TableName": tables["draws"], "Key": _item(POOL_KEY),
            # Records and lets go of the pool, if this draw still holds it (see pool.py).
            "UpdateExpression": "SET eligible = :after REMOVE holder, lease_until",
            "ConditionExpression": "roster = :roster AND eligible = :before AND holder = :me",
            "ExpressionAttributeValues": _item({":roster": roster, ":before": eligible, ":after": eligible - len(winners),
                                                ":me": draw["id"]}),
        }},
        {"Put": {
            "TableName": tables["draws"],
            "Item": _item({
                "draw_id": draw["id"], "started_at": draw["started_at"], "recorded_at": recorded_at,
                "roster": roster, "pool_size": selection["pool_size"], "eligible": eligible,
                "winners": [{"employee_id": w["employee_id"], "employee_name": w["employee_name"]} for w in winners],
            }),
            "ConditionExpression": "attribute_not_exists(draw_id)",
        }},
    ]
    for w in winners:
        actions.append({"Put": {
            "TableName": tables["winners"],
            "Item": _item({
                "employee_id": w["employee_id"], "employee_name": w["employee_name"],
                "draw_id": draw["id"], "drawn_at": recorded_at,
                "lottery": lottery,  # the partition of the newest-first index the API reads
            }),
            "ConditionExpression": "attribute_not_exists(employee_id)",
        }})
    by_serial = {w["lottery_serial"]: w for w in winners}
    for move in selection["moves"]:
        mover, winner = move["employee"], by_serial[move["to"]]
        # The two swap places: each Put only if its place still holds whom Random Select read there.
        for who, serial, was in ((mover, move["to"], winner), (winner, move["from"], mover)):
            actions.append({"Put": {
                "TableName": tables["employee"],
                "Item": _item({**who, "roster": roster, "lottery_serial": serial}),
                "ConditionExpression": "employee_id = :was",
                "ExpressionAttributeValues": _item({":was": was["employee_id"]}),
            }})
    return actions


def handler(event: Validated, context) -> Recorded:
    dynamodb_client = client("dynamodb")
    tables = {
        "employee": setting("EMPLOYEE_TABLE"),
        "winners": setting("WINNERS_TABLE"),
        "draws": setting("DRAWS_TABLE"),
    }
    draw = event["draw"]
    recorded_at = datetime.now(UTC).isoformat(timespec="milliseconds")
    try:
        dynamodb_client.transact_write_items(
            TransactItems=transaction(draw, event["selection"], recorded_at, tables, setting("LOTTERY_NAME"))
        )
    except dynamodb_client.exceptions.TransactionCanceledException as error:
        recorded = dynamodb_client.get_item(
            TableName=tables["draws"], Key=_item({"draw_id": draw["id"]}), ConsistentRead=True
        ).get("Item")
        if recorded is None:
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            raise DrawConflict(f"another draw changed the pool first ({', '.join(map(str, reasons))})") from None
        recorded_at = recorded["recorded_at"]["S"]
    return {**event, "recorded_at": recorded_at}
