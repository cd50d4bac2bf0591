"""Random Select Winners: the draw's winners, by selection algorithm v1 (docs/VERIFY.md), in O(k) reads.

The live roster generation (named in the Draws table's pool item, see pool.py) holds every
employee at a lottery serial, its Employee table key; those who can still win hold 1..E. The draw
seed, from the revealed server seed and the draw's public inputs, gives k positions; step i swaps
the employee at position i's pick with the one at E-i, who wins (a partial Fisher-Yates shuffle
stored in the table). The positions depend on the seed and E alone, so the at most 2k employees
the swaps touch are read in one request. Record In Dynamodb writes the swaps and the new E in one
transaction, conditional on nothing having changed since this read.
"""

from . import batches, night, pool
from .common import LotteryError, NotEnoughEligibleEmployees, TooManyAttempts, int_setting, plain, table
from .payloads import Request, Selected, Selection
from .verifiable import draw_inputs, draw_seed, picks, shuffle


class RosterIncomplete(LotteryError):
    """The live roster generation lacks a serial the pool counts: its items were changed by hand."""


class WinnerInPool(LotteryError):
    """Validate Winners found a selected employee among the winners: the live pool holds a past winner
    (its items were changed by hand), and the draw's seed would pick them again."""


class RosterReplaced(LotteryError):
    """A roster imported after the draw's commitment is live: the draw is not from the roster it committed to."""


class NightChanged(LotteryError):
    """The draw night the draw committed to is no longer the open one (another was opened, or a roster imported)."""


class PrizeDrawn(LotteryError):
    """The prize has fewer draws left than the draw committed to: another draw of it recorded first."""


class PoolChanged(LotteryError):
    """A check-in, exclusion or night changed the pool after the draw committed to a public value:
    whoever knew the seed and the value could have steered it, so the draw does not take place."""


class Positions(dict):
    """position -> the position whose employee is there now; unmoved positions are not stored."""

    def __missing__(self, position: int) -> int:
        return position


def plan(seed: bytes, eligible: int, count: int) -> tuple[list[int], Positions]:
    """The serials of the `count` winners in the pool as it was, and where the draw's swaps leave
    everyone they touch."""
    if count > eligible:
        raise NotEnoughEligibleEmployees(f"{count} winners asked for, but only {eligible} employees have never won")
    order = Positions()
    winners = shuffle(order, eligible, picks(seed, eligible, count))
    return winners, order


def handler(event: Request, context) -> Selected:
    if event.get("status") == 1:  # sent back by Is Winner In Past Draw
        raise WinnerInPool("a selected employee is recorded as a winner yet is in the live pool: import the roster again")
    draw_id, attempt = event["draw"]["id"], event["attempt"] + 1
    if attempt > int_setting("MAX_ATTEMPTS"):
        raise TooManyAttempts(f"gave up after {attempt - 1} attempts lost to concurrent draws")
    # A failure from here on is recorded, and lets go of the pool, in the state machine's Record Failure.
    held = pool.acquire(table("DRAWS_TABLE"), draw_id)
    return {**event, "attempt": attempt, "selection": select(held, event)}


def select(held: dict, event: Request) -> Selection:
    """The winners and the changed places of the draw `event` from the pool item `held`."""
    eligible, roster, commitment = int(held["eligible"]), held["roster"], event["commitment"]
    if not roster:  # a new stack, or one upgraded from before roster generations
        raise NotEnoughEligibleEmployees("no roster has been imported yet: import one (`lottery import`, or an upload)")
    if held.get("roster_root") != commitment["roster"]:
        raise RosterReplaced(f"the roster the draw committed to ({commitment['roster'][:12]}…) was replaced before it drew")
    if commitment["public"] is not None and int(held.get("night_changed", 0)) > commitment["seq"]:
        raise PoolChanged(f"the pool changed in Ledger record {held['night_changed']}, after the draw committed to a"
                          f" public value in record {commitment['seq']}: commit again")
    if "night" in commitment:
        if (held.get("night") or {}).get("id") != commitment["night"]:
            raise NightChanged(f"the draw night {commitment['night']} the draw committed to is no longer open")
        if "forfeit" not in commitment and commitment["winners"] > night.remaining(held, commitment["prize"]):
            raise PrizeDrawn(f"prize {commitment['prize']} has {night.remaining(held, commitment['prize'])} left to draw,"
                             f" not {commitment['winners']}")
    seed = draw_seed(event["seed"], draw_inputs(event["draw"]["id"], commitment["seq"], commitment["roster"],
                                                commitment["winners"], event["public_value"]))
    chosen, order = plan(seed, eligible, commitment["winners"])
    wanted = sorted(order)
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
        "places": [{"serial": s, "employee": at[order[s]], "was": at[s]["employee_id"]} for s in wanted if order[s] != s],
    }
