"""Record In Dynamodb: one conditional transaction records the winners, the draw, its Ledger record
and the new pool.

Every condition guards against a concurrent draw or import: the pool still has the roster and size
that were read and is still held by this draw (pool.py), the draw is still only committed, each
winner was never recorded, and each place the swaps change still holds who was read there. If any
fails, nothing is written and the workflow selects again. A retry of this task after a write that
did succeed finds its own draw recorded and reports success, so a winner is never drawn twice for
one draw.
"""

from . import ledger
from .common import POOL_KEY, DrawConflict, LotteryError, client, setting, typed, untyped
from .payloads import Recorded, Validated


class AlreadyForfeited(LotteryError):
    """The absent winner a redraw replaces was replaced by another redraw first."""


def draw_record(event: Validated, recorded_at: str) -> dict:
    """The body of the draw's Ledger record: what a verifier needs to recompute it."""
    selection, commitment = event["selection"], event["commitment"]
    return {
        "kind": "draw", "draw_id": event["draw"]["id"], "at": recorded_at, "started_at": event["draw"]["started_at"],
        "commitment": commitment["seq"], "roster": commitment["roster"], "eligible": selection["eligible"],
        "public_value": event["public_value"], "seed": event["seed"],
        "winners": [{"employee_id": w["employee_id"], "employee_name": w["employee_name"]} for w in selection["winners"]],
    }


def transaction(event: Validated, record: dict, tables: dict, lottery: str) -> list[dict]:
    """The TransactWriteItems actions of one draw beside its Ledger record's two (3k+2 at most for
    k winners; 3 for a redraw, which draws one)."""
    draw, selection, commitment = event["draw"], event["selection"], event["commitment"]
    winners, eligible, roster = selection["winners"], selection["eligible"], selection["roster"]
    values = {":roster": roster, ":before": eligible, ":after": eligible - len(winners), ":me": draw["id"]}
    update, condition, names = "SET eligible = :after", "roster = :roster AND eligible = :before AND holder = :me", {}
    if "night" in commitment:  # a prize of the night still open; a tier's draw uses up its draws
        condition += " AND night.id = :night"
        values[":night"] = commitment["night"]
        if "forfeit" not in commitment:
            update += ", remaining.#prize = remaining.#prize - :k"
            condition += " AND remaining.#prize >= :k"
            names["#prize"], values[":k"] = commitment["prize"], len(winners)
    actions = [
        {"Update": {
            "TableName": tables["draws"], "Key": typed(POOL_KEY),
            # Records and lets go of the pool, if this draw still holds it (see pool.py).
            "UpdateExpression": f"{update} REMOVE holder, lease_until", "ConditionExpression": condition,
            **({"ExpressionAttributeNames": names} if names else {}), "ExpressionAttributeValues": typed(values),
        }},
        {"Update": {
            "TableName": tables["draws"], "Key": typed({"draw_id": draw["id"]}),
            "UpdateExpression": "SET #status = :drawn, started_at = :started, recorded_at = :at, roster = :roster,"
                                " pool_size = :size, eligible = :eligible, winners = :winners, #record = :record",
            "ConditionExpression": "#status = :committed",
            "ExpressionAttributeNames": {"#status": "status", "#record": "record"},
            "ExpressionAttributeValues": typed({
                ":drawn": "drawn", ":committed": "committed", ":started": draw["started_at"], ":at": record["at"],
                ":roster": roster, ":size": selection["pool_size"], ":eligible": eligible,
                ":winners": record["winners"], ":record": record}),
        }},
    ]
    forfeit = commitment.get("forfeit")
    if forfeit:  # the absent winner forfeits, once: kept, never deleted, and linked to the redraw
        actions.append({"Update": {
            "TableName": tables["winners"], "Key": typed({"employee_id": forfeit["employee_id"]}),
            "UpdateExpression": "SET forfeited_by = :me",
            "ConditionExpression": "draw_id = :won AND attribute_not_exists(forfeited_by)",
            "ExpressionAttributeValues": typed({":me": draw["id"], ":won": forfeit["draw_id"]}),
        }})
    prize: dict[str, str] = {k: commitment[k] for k in ("night", "prize") if k in commitment}  # type: ignore[literal-required]
    if forfeit:
        prize["replaces"] = forfeit["employee_id"]
    for w in record["winners"]:
        actions.append({"Put": {
            "TableName": tables["winners"],
            "Item": typed({
                **w, "draw_id": draw["id"], "drawn_at": record["at"], "ledger_seq": record["seq"], **prize,
                "lottery": lottery,  # the partition of the newest-first index the API reads
            }),
            "ConditionExpression": "attribute_not_exists(employee_id)",
        }})
    for place in selection["places"]:
        # Each Put only if its place still holds whom Random Select read there.
        actions.append({"Put": {
            "TableName": tables["employee"],
            "Item": typed({**place["employee"], "roster": roster, "lottery_serial": place["serial"]}),
            "ConditionExpression": "employee_id = :was",
            "ExpressionAttributeValues": typed({":was": place["was"]}),
        }})
    return actions


def handler(event: Validated, context) -> Recorded:
    dynamodb_client = client("dynamodb")
    tables = {"employee": setting("EMPLOYEE_TABLE"), "winners": setting("WINNERS_TABLE"), "draws": setting("DRAWS_TABLE")}
    body = draw_record(event, ledger.now())
    try:
        record = ledger.write_with_record(dynamodb_client, setting("LEDGER_TABLE"), body,
                                          lambda record: transaction(event, record, tables, setting("LOTTERY_NAME")))
    except dynamodb_client.exceptions.TransactionCanceledException as error:
        recorded = dynamodb_client.get_item(
            TableName=tables["draws"], Key=typed({"draw_id": event["draw"]["id"]}), ConsistentRead=True
        ).get("Item")
        if recorded is None or recorded["status"]["S"] != "drawn":
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            if "forfeit" in event["commitment"] and reasons[2:3] == ["ConditionalCheckFailed"]:
                forfeit = event["commitment"]["forfeit"]
                raise AlreadyForfeited(f"{forfeit['employee_id']} forfeited already: another redraw replaced them") from None
            raise DrawConflict(f"another draw changed the pool first ({', '.join(map(str, reasons))})") from None
        return {**event, "recorded_at": recorded["recorded_at"]["S"], "record": untyped(recorded)["record"]}
    return {**event, "recorded_at": record["at"], "record": record}
