"""Validate Winners: has anyone selected been recorded as a winner meanwhile? Also words the notice."""

from . import batches
from .common import table
from .payloads import Selected, Validated


def announcement(names: list[str]) -> str:
    return f"Congrats! [{', '.join(names)}] You have been selected as the Lucky Champ!"


def past_winners(winners_table, employee_ids: list[str]) -> set[str]:
    found = batches.get_all(winners_table, [{"employee_id": e} for e in employee_ids],
                            ConsistentRead=True, ProjectionExpression="employee_id")
    return {item["employee_id"] for item in found}


def handler(event: Selected, context) -> Validated:
    winners = event["selection"]["winners"]
    taken = past_winners(table("WINNERS_TABLE"), [w["employee_id"] for w in winners])
    return {
        **event,
        "status": 1 if taken else 0,
        "message": announcement([w["employee_name"] for w in winners]),
    }
