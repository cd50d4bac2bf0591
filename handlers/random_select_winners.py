"""Random Select Winners: a uniform draw from the employees who never won, in O(k) reads.

The live roster generation (named in the Draws table's pool item, see pool.py) holds every
employee at a lottery serial, its Employee table key; those who can still win hold 1..E. Picking k
distinct serials from 1..E is a uniform draw from exactly those employees. To keep 1..E-k dense
once the winners leave, each winner below E-k swaps places with a survivor above it: a partial
Fisher-Yates shuffle stored in the table. Record In Dynamodb applies the swaps and the new E in one
transaction, conditional on nothing having changed since this read.
"""

from . import batches, pool
from .common import LotteryError, NotEnoughEligibleEmployees, TooManyAttempts, int_setting, plain, rng, table
from .payloads import Request, Selected, Selection


class RosterIncomplete(LotteryError):
    """The live roster generation lacks a serial the pool counts: its items were changed by hand."""


def plan(eligible: int, count: int, random=None) -> tuple[list[int], list[tuple[int, int]]]:
    """Serials of `count` winners chosen uniformly from 1..eligible, and the (from, to) moves
    that refill the winners' places below eligible-count from the survivors above it."""
    if count > eligible:
        raise NotEnoughEligibleEmployees(
            f"{count} winners asked for, but only {eligible} employees have never won"
        )
    chosen = (random or rng).sample(range(1, eligible + 1), count)
    remaining = eligible - count
    holes = sorted(s for s in chosen if s <= remaining)
    taken = set(chosen)
    movers = [s for s in range(remaining + 1, eligible + 1) if s not in taken]
    return chosen, list(zip(movers, holes, strict=True))  # one survivor above for each hole below


def handler(event: Request, context) -> Selected:
    draw_id, attempt = event["draw"]["id"], event["attempt"] + 1
    if attempt > int_setting("MAX_ATTEMPTS"):
        raise TooManyAttempts(f"gave up after {attempt - 1} attempts lost to concurrent draws")
    # A failure from here on lets go of the pool in the state machine's Release Pool.
    held = pool.acquire(table("DRAWS_TABLE"), draw_id)
    return {**event, "attempt": attempt, "selection": select(held, event["num_of_winners"])}


def select(held: dict, count: int) -> Selection:
    """Winners and moves for `count` winners from the pool item `held`."""
    eligible, roster = int(held["eligible"]), held["roster"]
    if not roster:  # a new stack, or one upgraded from before roster generations
        raise NotEnoughEligibleEmployees("no roster has been imported yet: import one (`lottery import`, or an upload)")
    chosen, moves = plan(eligible, count)
    wanted = chosen + [source for source, _ in moves]
    found = batches.get_all(table("EMPLOYEE_TABLE"), [{"roster": roster, "lottery_serial": s} for s in wanted],
                            ConsistentRead=True)
    at = {int(item["lottery_serial"]): plain(item) for item in found}
    if missing := [s for s in wanted if s not in at]:
        raise RosterIncomplete(f"roster {roster} has no employee at lottery serial(s) {missing}: import the roster again")
    return {
        "roster": roster,
        "pool_size": int(held["pool_size"]),
        "eligible": eligible,
        "winners": [at[s] for s in chosen],
        "moves": [{"employee": at[source], "from": source, "to": target} for source, target in moves],
    }
