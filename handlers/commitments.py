"""A draw's commitment (docs/VERIFY.md): a Ledger record naming the draw, the live roster's hash,
the number of winners, the SHA-256 of a new secret server seed, and the public value that will be
mixed in, if any; the seed itself kept in the Seeds table.

Commit Draw (`lottery commit`, POST /commitments) commits and may only write seeds; Input Lottery
Winners, which only the state machine invokes, commits a draw that starts without one and reads
the seed back when a committed draw starts, once its public value is fixed in the execution's input.
"""

import secrets
from typing import cast

from . import batches, ledger, night
from .common import POOL_KEY, InvalidInput, LotteryError, NotEnoughEligibleEmployees, client, setting, typed, untyped
from .payloads import Commitment
from .verifiable import seed_hash

PUBLIC_MAX = 200  # characters of a public value or of its description


class RosterNotRecorded(LotteryError):
    """The live roster was imported before draws were recorded in the Ledger (0.3 and earlier)."""


def text(request: dict, key: str, what: str) -> str:
    """`request[key]`, a public value or its description, or InvalidInput: the API, the command and
    the workflow check it alike, so a start the workflow would refuse is refused before it starts
    (an execution's name, the draw id, cannot be used twice)."""
    if not isinstance(request, dict) or key not in request:
        raise InvalidInput(f'"{key}" ({what}) is missing')
    value = request[key]
    if not (isinstance(value, str) and value.strip() and len(value) <= PUBLIC_MAX):
        raise InvalidInput(f'"{key}" ({what}) must be text of 1 to {PUBLIC_MAX} characters, not {value!r}')
    return value


def commit(draw_id: str, count: int, public: str | None, *, reveal: bool, tier=lambda pool: {}) -> tuple[Commitment, str | None]:
    """Record the commitment of draw `draw_id` and keep its new seed; the commit record, and the
    seed if `reveal`. `tier(pool)` gives a night's fields (night.tier). Called again for the same
    draw (a retry), it returns what the first call recorded."""
    dynamodb, draws, seeds = client("dynamodb"), setting("DRAWS_TABLE"), setting("SEEDS_TABLE")
    seed = secrets.token_hex(32)
    for attempt in range(batches.TRIES):
        pool, draw, at = read(draw_id)
        if draw is not None:
            return committed(draw, reveal=reveal)
        if not pool.get("roster"):
            raise NotEnoughEligibleEmployees("no roster has been imported yet: import one (`lottery import`, or an upload)")
        if not pool.get("roster_root"):
            raise RosterNotRecorded("the live roster was imported before draws were verifiable (0.4): import it again")
        if count > pool["eligible"]:
            raise NotEnoughEligibleEmployees(f"{count} winners asked for, but only {pool['eligible']} employees can win")
        prize = tier(pool)
        if "forfeit" in prize and count != 1:
            raise InvalidInput(f"a redraw draws one winner in place of the absent one, not {count}")
        if "forfeit" not in prize and prize and count > night.remaining(pool, prize["prize"]):
            raise InvalidInput(f"{count} winners asked for, but prize {prize['prize']} has"
                               f" {night.remaining(pool, prize['prize'])} left to draw")
        body = {"kind": "commit", "draw_id": draw_id, "at": ledger.now(), "roster": pool["roster_root"], "winners": count,
                "seed_hash": seed_hash(seed), "public": public, **prize}
        try:
            record = ledger.write_with_record(dynamodb, setting("LEDGER_TABLE"), body, lambda record: [
                {"Put": {"TableName": draws, "ConditionExpression": "attribute_not_exists(draw_id)",
                         "Item": typed({"draw_id": draw_id, "status": "committed", "commitment": record})}},
                {"Put": {"TableName": seeds, "Item": typed({"draw_id": draw_id, "seed": seed})}},
                # The commitment names the live roster: an import switching in meanwhile cancels it.
                {"ConditionCheck": {"TableName": draws, "Key": typed(POOL_KEY), "ConditionExpression": "roster_root = :root",
                                    "ExpressionAttributeValues": typed({":root": record["roster"]})}},
            ], at=at)
            return cast(Commitment, record), seed if reveal else None
        except dynamodb.exceptions.TransactionCanceledException:
            batches.backoff(attempt)  # committed meanwhile by a retry of this call, or the roster was replaced: look again
    raise ledger.LedgerBusy(f"the roster or the ledger changed {batches.TRIES} times running while draw {draw_id} committed")


def read(draw_id: str) -> tuple[dict, dict | None, tuple[int, str]]:
    """The pool, the draw's item if it was committed, and the Ledger's head: one strongly consistent request."""
    draws, ledger_table = setting("DRAWS_TABLE"), setting("LEDGER_TABLE")
    wanted = {draws: {"Keys": [typed(POOL_KEY), typed({"draw_id": draw_id})], "ConsistentRead": True},
              ledger_table: {"Keys": [typed(ledger.HEAD_KEY)], "ConsistentRead": True}}
    found: list[dict] = []
    for attempt in range(batches.TRIES):
        answer = client("dynamodb").batch_get_item(RequestItems=wanted)
        found += [item for items in answer["Responses"].values() for item in items]
        if not (wanted := answer.get("UnprocessedKeys")):
            break
        batches.backoff(attempt)
    else:
        raise batches.Unprocessed(f"DynamoDB left the pool or the Ledger's head unread after {batches.TRIES} tries")
    items = {item.get("draw_id", {}).get("S", "#head"): item for item in found}  # the head has no draw_id
    return untyped(items.get(POOL_KEY["draw_id"], {})), items.get(draw_id), ledger.head_of(items.get("#head"))


def committed(item: dict, *, reveal: bool) -> tuple[Commitment, str | None]:
    """The commit record of a committed draw (its Draws item) and, if `reveal`, its seed;
    InvalidInput if it was drawn or failed."""
    draw = untyped(item)
    if draw.get("status") != "committed":
        raise InvalidInput(f"draw {draw['draw_id']} was {draw.get('status', 'drawn')} already")
    if not reveal:
        return cast(Commitment, draw["commitment"]), None
    seed = client("dynamodb").get_item(TableName=setting("SEEDS_TABLE"), Key=typed({"draw_id": draw["draw_id"]}),
                                       ConsistentRead=True)["Item"]
    return cast(Commitment, draw["commitment"]), seed["seed"]["S"]


