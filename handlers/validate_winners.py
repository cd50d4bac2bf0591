"""Validate Winners: has anyone selected been recorded as a winner meanwhile? Also words the notice."""

from .common import dynamodb, setting
from .payloads import Selected, Validated


def announcement(names: list[str]) -> str:
    return f"Congrats! [{', '.join(names)}] You have been selected as the Lucky Champ!"


def past_winners(winners_table: str, employee_ids: list[str]) -> set[str]:
    resource = dynamodb()
    request = {
        winners_table: {
            "Keys": [{"employee_id": e} for e in employee_ids],
            "ConsistentRead": True,
            "ProjectionExpression": "employee_id",
        }
    }
    found: set[str] = set()
    for _ in range(5):
        response = resource.batch_get_item(RequestItems=request)
        found.update(i["employee_id"] for i in response["Responses"].get(winners_table, []))
        request = response.get("UnprocessedKeys")
        if not request:
            return found
    raise RuntimeError("DynamoDB left keys unprocessed after 5 tries")


def handler(event: Selected, context) -> Validated:
    winners = event["selection"]["winners"]
    taken = past_winners(setting("WINNERS_TABLE"), [w["employee_id"] for w in winners])
    return {
        **event,
        "status": 1 if taken else 0,
        "message": announcement([w["employee_name"] for w in winners]),
    }
