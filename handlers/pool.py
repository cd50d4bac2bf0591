"""The draw pool: one item in the Draws table holding the live roster generation (`roster`), how
many of it can still win (`eligible`), its size, which draw (or import) may change them now
(`holder`, until `lease_until`), and every roster generation written and not yet deleted
(`generations`, see roster.py).

Draws take turns: the serials a draw plans with are only valid until another draw records, so a
second draw waits (PoolBusy, retried by the state machine) instead of drawing and then losing.
A draw that fails holding the pool lets go in the state machine's Release Pool; one that dies
(stopped, or its function timed out) lets go when its lease runs out.
"""

import time

from botocore.exceptions import ClientError

from .common import POOL_KEY, LotteryError

# Longer than Select, Validate and Record normally take together (about a second), well inside the
# time waiting draws keep retrying (a few minutes). A draw slower than this loses the pool and
# selects again: never a wrong result, only a slower one.
LEASE_SECONDS = 20


class PoolBusy(LotteryError):
    """Another draw (or an import's switch) holds the pool; the state machine retries with backoff."""


def acquire(draws_table, holder: str, *, roster_needed: bool = True) -> dict:
    """Hold the pool for `holder` (a draw, or an import about to switch rosters) and return it;
    PoolBusy if another holds it. A draw needs a roster: with none it gets an empty pool."""
    now = int(time.time())
    free = "(attribute_not_exists(holder) OR holder = :me OR lease_until < :now)"
    try:
        return draws_table.update_item(
            Key=POOL_KEY,
            UpdateExpression="SET holder = :me, lease_until = :until",
            ConditionExpression=f"attribute_exists(roster) AND {free}" if roster_needed else free,
            ExpressionAttributeValues={":me": holder, ":until": now + LEASE_SECONDS, ":now": now},
            ReturnValues="ALL_NEW",
        )["Attributes"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    held = draws_table.get_item(Key=POOL_KEY, ConsistentRead=True).get("Item")
    if roster_needed and (held is None or "roster" not in held):  # no roster imported yet: nobody can win
        return {"eligible": 0, "pool_size": 0, "roster": ""}
    raise PoolBusy(f"{held.get('holder')} holds the pool; waiting for it to let go")


def release(draws_table, holder: str) -> None:
    """Let go of the pool if `holder` holds it (an import that stops before its switch)."""
    try:
        draws_table.update_item(Key=POOL_KEY, UpdateExpression="REMOVE holder, lease_until",
                                ConditionExpression="holder = :me", ExpressionAttributeValues={":me": holder})
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
