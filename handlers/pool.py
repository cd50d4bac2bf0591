"""The draw pool: one item in the Draws table holding how many can still win (`eligible`), the
roster's size, and which draw may change them now (`holder`, until `lease_until`).

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
    """Another draw is between selection and record; the state machine retries with backoff."""


def acquire(draws_table, draw_id: str) -> dict:
    """Hold the pool for `draw_id` and return it; PoolBusy if another draw holds it."""
    now = int(time.time())
    try:
        return draws_table.update_item(
            Key=POOL_KEY,
            UpdateExpression="SET holder = :me, lease_until = :until",
            ConditionExpression="attribute_exists(eligible) AND "
                                "(attribute_not_exists(holder) OR holder = :me OR lease_until < :now)",
            ExpressionAttributeValues={":me": draw_id, ":until": now + LEASE_SECONDS, ":now": now},
            ReturnValues="ALL_NEW",
        )["Attributes"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    holder = draws_table.get_item(Key=POOL_KEY, ConsistentRead=True).get("Item")
    if holder is None:  # no roster imported yet: nobody can win
        return {"eligible": 0, "pool_size": 0}
    raise PoolBusy(f"draw {holder.get('holder')} is drawing; waiting for it to record")

