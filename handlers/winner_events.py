"""Publish Winner Events: each winner recorded becomes one WinnerDrawn event on the lottery's bus
(seed 003's stream fan-out). Delivery is at least once: a consumer can drop repeats by `event_id`."""

import json

from .common import LotteryError, client, setting, untyped

SOURCE = "lottery"
DETAIL_TYPE = "WinnerDrawn"


class WinnerEventsFailed(LotteryError):
    """EventBridge refused some events; the stream batch is retried, then sent to the dead-letter queue."""


def events_for(records: list[dict], bus: str) -> list[dict]:
    """PutEvents entries for the Winners items a stream batch inserted."""
    entries = []
    for record in records:
        if record.get("eventName") != "INSERT":
            continue
        winner = untyped(record["dynamodb"]["NewImage"])
        # ledger_seq: the draw's record in the Ledger, which holds its commitment's number and its seed.
        detail = {k: winner.get(k) for k in ("draw_id", "employee_id", "employee_name", "drawn_at", "lottery", "ledger_seq")}
        detail["event_id"] = f"{winner['draw_id']}/{winner['employee_id']}"
        entries.append({"EventBusName": bus, "Source": SOURCE, "DetailType": DETAIL_TYPE, "Detail": json.dumps(detail)})
    return entries


def handler(event, context):
    entries = events_for(event["Records"], setting("EVENT_BUS_NAME"))
    for start in range(0, len(entries), 10):  # PutEvents takes ten entries a call
        answer = client("events").put_events(Entries=entries[start:start + 10])
        if answer.get("FailedEntryCount"):
            errors = {e.get("ErrorCode") for e in answer["Entries"] if e.get("ErrorCode")}
            raise WinnerEventsFailed(f"{answer['FailedEntryCount']} WinnerDrawn events refused: {', '.join(sorted(errors))}")
    return {"published": len(entries)}
