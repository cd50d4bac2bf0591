"""Commit Draw: commit to a draw whose public value is not known yet (`lottery commit`,
POST /commitments); the draw is started later, with the value. This function may write server
seeds but never read one: whoever may invoke it learns nothing that would predict the draw.

    {"input": N, "public": "<what will be mixed in>", "draw_id": "Lottery-<uuid>"[, "prize": "<id>"]}
        ->  {"commitment": {...}}

With `prize`, it commits to a draw of that prize of the open draw night (night.py).

The caller names the draw, so a retried invocation finds its own commitment instead of making another.
"""

import json
import uuid

from . import night
from .commitments import commit, text
from .common import DRAW_ID, InvalidInput, int_setting, winners_count
from .payloads import Committed


def handler(event: dict, context) -> Committed:
    count = winners_count(event, "input", int_setting("MAX_WINNERS"))
    public = text(event, "public", "what will be mixed in, which nobody knows yet")
    draw_id = event.get("draw_id") or f"Lottery-{uuid.uuid4()}"
    if not (isinstance(draw_id, str) and DRAW_ID.fullmatch(draw_id)):
        raise InvalidInput(f"draw_id must look like Lottery-<uuid>, not {draw_id!r}")
    prize = {"prize": event["prize"]} if event.get("prize") is not None else {}
    record, _ = commit(draw_id, count, public, reveal=False, tier=lambda pool: night.tier(pool, prize, None))
    return {"commitment": record}


class CommitRefused(Exception):
    """Commit Draw failed; `error_type` is its error's name."""

    def __init__(self, error_type: str, message: str):
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type


def invoke(lambda_client, function: str, winners: int, public: str, prize: str | None = None) -> dict:
    """Ask the Commit Draw function `function` to commit (as the API and the command do); the
    commit record, or CommitRefused. The caller chooses the id, so a retried invocation finds
    this commitment, not a second one."""
    request = {"input": winners, "public": public, "draw_id": f"Lottery-{uuid.uuid4()}", "prize": prize}
    answer = lambda_client.invoke(FunctionName=function, Payload=json.dumps(request).encode())
    result = json.loads(answer["Payload"].read() or b"{}")
    if answer.get("FunctionError"):
        raise CommitRefused(str(result.get("errorType")), str(result.get("errorMessage")))
    return result["commitment"]
