"""Input Lottery Winners: check the request, then commit to the draw before anything is drawn.

The commitment is a Ledger record (ledger.py) naming the draw, the live roster's hash, the number
of winners, the SHA-256 of a new secret server seed, and the public value that will be mixed in,
if any. The seed itself goes to the Seeds table, which only this function reads and writes: the
API and the people who read the Draws and Ledger tables see it only once the draw reveals it.

A draw is committed in one of two ways:
- `{"input": N}` commits and draws at once, with no public value (operator randomness only);
- invoked directly with `{"commit": {"input": N, "public": "<what will be mixed in>"}}`, this
  function only commits (`lottery commit`); the draw is then the execution named after the
  commitment's draw id, started with `{"public_value": "<the value>"}` once it is known.
"""

import secrets
import uuid
from typing import cast

from . import batches, ledger
from .common import (
    POOL_KEY,
    CustomError,
    InvalidInput,
    LotteryError,
    NotEnoughEligibleEmployees,
    client,
    int_setting,
    setting,
    winners_count,
)
from .ledger import typed, untyped
from .payloads import Commitment, Committed, Request, Started
from .verifiable import seed_hash

PUBLIC_MAX = 200  # characters of a public value or of its description


class RosterNotRecorded(LotteryError):
    """The live roster was imported before draws were recorded in the Ledger (0.3 and earlier)."""


def parse_request(request, max_winners: int) -> int:
    """The number of winners asked for, or a named error saying what is wrong."""
    if isinstance(request, dict) and "exception" in request:
        raise CustomError("An error occurred!!")  # the seed's way to take the Failed path
    return winners_count(request, "input", max_winners)


def _text(request: dict, key: str, what: str) -> str:
    value = request[key]
    if not (isinstance(value, str) and value.strip() and len(value) <= PUBLIC_MAX):
        raise InvalidInput(f'"{key}" ({what}) must be text of 1 to {PUBLIC_MAX} characters, not {value!r}')
    return value


def commit(draw_id: str, count: int, public: str | None) -> tuple[Commitment, str]:
    """Record the commitment of draw `draw_id` and keep its new seed; the commit record and the
    seed. Called again for the same draw (a retry), it returns what the first call recorded."""
    dynamodb, draws, seeds = client("dynamodb"), setting("DRAWS_TABLE"), setting("SEEDS_TABLE")
    seed = secrets.token_hex(32)
    for attempt in range(batches.TRIES):
        pool, draw, at = _read(draw_id)
        if draw is not None:
            return _committed(draw)
        if not pool.get("roster"):
            raise NotEnoughEligibleEmployees("no roster has been imported yet: import one (`lottery import`, or an upload)")
        if not pool.get("roster_root"):
            raise RosterNotRecorded("the live roster was imported before draws were verifiable (0.4): import it again")
        if count > pool["eligible"]:
            raise NotEnoughEligibleEmployees(f"{count} winners asked for, but only {pool['eligible']} employees have never won")
        body = {"kind": "commit", "draw_id": draw_id, "at": ledger.now(), "roster": pool["roster_root"], "winners": count,
                "seed_hash": seed_hash(seed), "public": public}
        try:
            record = ledger.write_with_record(dynamodb, setting("LEDGER_TABLE"), body, lambda record: [
                {"Put": {"TableName": draws, "ConditionExpression": "attribute_not_exists(draw_id)",
                         "Item": typed({"draw_id": draw_id, "status": "committed", "commitment": record})}},
                {"Put": {"TableName": seeds, "Item": typed({"draw_id": draw_id, "seed": seed})}},
                # The commitment names the live roster: an import switching in meanwhile cancels it.
                {"ConditionCheck": {"TableName": draws, "Key": typed(POOL_KEY), "ConditionExpression": "roster_root = :root",
                                    "ExpressionAttributeValues": typed({":root": record["roster"]})}},
            ], at=at)
            return cast(Commitment, record), seed
        except dynamodb.exceptions.TransactionCanceledException:
            batches.backoff(attempt)  # committed meanwhile by a retry of this call, or the roster was replaced: look again
    raise ledger.LedgerBusy(f"the roster or the ledger changed {batches.TRIES} times running while draw {draw_id} committed")


def _read(draw_id: str) -> tuple[dict, dict | None, tuple[int, str]]:
    """The pool, the draw's item if it was committed, and the Ledger's head: one strongly consistent request."""
    draws, ledger_table = setting("DRAWS_TABLE"), setting("LEDGER_TABLE")
    wanted = {draws: {"Keys": [typed(POOL_KEY), typed({"draw_id": draw_id})], "ConsistentRead": True},
              ledger_table: {"Keys": [typed(ledger.HEAD_KEY)], "ConsistentRead": True}}
    found: list[tuple[str, dict]] = []
    for attempt in range(batches.TRIES):
        answer = client("dynamodb").batch_get_item(RequestItems=wanted)
        found += [(name, item) for name, items in answer["Responses"].items() for item in items]
        if not (wanted := answer.get("UnprocessedKeys")):
            break
        batches.backoff(attempt)
    else:
        raise batches.Unprocessed(f"DynamoDB left the pool or the Ledger's head unread after {batches.TRIES} tries")
    items = {item.get("draw_id", {}).get("S", "#head"): item for _, item in found}
    return untyped(items.get(POOL_KEY["draw_id"], {})), items.get(draw_id), ledger.head_of(items.get("#head"))


def _committed(item: dict) -> tuple[Commitment, str]:
    """The commit record and seed of a committed draw (its Draws item), or InvalidInput if it was drawn or failed."""
    draw = untyped(item)
    if draw.get("status") != "committed":
        raise InvalidInput(f"draw {draw['draw_id']} was {draw.get('status', 'drawn')} already")
    seed = client("dynamodb").get_item(TableName=setting("SEEDS_TABLE"), Key=typed({"draw_id": draw["draw_id"]}),
                                       ConsistentRead=True)["Item"]
    return cast(Commitment, draw["commitment"]), seed["seed"]["S"]


def handler(event: dict, context) -> Request | Committed:
    if "commit" in event:  # `lottery commit`: commit only, the draw comes later
        return commit_only(event["commit"], event.get("draw_id") or f"Lottery-{uuid.uuid4()}")
    return start(cast(Started, event))


def commit_only(request, draw_id: str) -> Committed:
    count = parse_request(request, int_setting("MAX_WINNERS"))
    if "public" not in request:
        raise InvalidInput('"public" (what will be mixed in, which nobody knows yet) is missing')
    record, _ = commit(draw_id, count, _text(request, "public", "what will be mixed in"))
    return {"commitment": record}


def start(event: Started) -> Request:
    """A draw's execution starts: commit now, or take up the commitment made for it."""
    max_winners = int_setting("MAX_WINNERS")
    draw, request = event["draw"], event.get("request")
    if isinstance(request, dict) and "public_value" in request:
        value = _text(request, "public_value", "the public value")
        committed = _read(draw["id"])[1]
        if committed is None:
            raise InvalidInput(f"no commitment {draw['id']}: commit first (`lottery commit`), then draw with its id")
        record, seed = _committed(committed)
        if record["public"] is None:
            raise InvalidInput(f"draw {draw['id']} was committed with no public value: start it without one")
        if "input" in request and parse_request(request, max_winners) != record["winners"]:
            raise InvalidInput(f"draw {draw['id']} was committed to {record['winners']} winners, not {request['input']}")
    else:
        value = None
        record, seed = commit(draw["id"], parse_request(request, max_winners), None)
        if record["public"] is not None:
            raise InvalidInput(f"draw {draw['id']} was committed to a public value ({record['public']}): give it as public_value")
    return {"draw": draw, "num_of_winners": record["winners"], "attempt": 0,
            "commitment": record, "seed": seed, "public_value": value}
