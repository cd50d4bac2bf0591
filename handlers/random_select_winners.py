"""Random Select Winners: a uniform draw from the employees who never won, in O(k) reads.

The employees who can still win hold the lottery serials 1..E (E is kept in the Draws table's
pool item, see pool.py). Picking k distinct serials from 1..E is a uniform draw from exactly those employees.
To keep 1..E-k dense once the winners leave, survivors above E-k move into the winners' holes:
a partial Fisher-Yates shuffle stored in the table. Record In Dynamodb applies the moves and the
new E in one transaction, conditional on nothing having changed since this read.
"""

from boto3.dynamodb.conditions import Key

from . import pool
from .common import (
    DrawConflict,
    NotEnoughEligibleEmployees,
    TooManyAttempts,
    int_setting,
    plain,
    rng,
    setting,
    table,
)
from .payloads import Employee, Request, Selected, Selection


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


def employee_at(employees, index: str, serial: int) -> Employee:
    items = employees.query(
        IndexName=index, KeyConditionExpression=Key("lottery_serial").eq(serial)
    )["Items"]
    if len(items) != 1:
        # The index is eventually consistent: a draw that just committed has moved serials.
        raise DrawConflict(f"lottery serial {serial} is held by {len(items)} employees right now")
    return plain(items[0])


def handler(event: Request, context) -> Selected:
    draw_id, attempt = event["draw"]["id"], event["attempt"] + 1
    if attempt > int_setting("MAX_ATTEMPTS"):
        raise TooManyAttempts(f"gave up after {attempt - 1} attempts lost to concurrent draws")
    # A failure from here on lets go of the pool in the state machine's Release Pool.
    held = pool.acquire(table("DRAWS_TABLE"), draw_id)
    return {**event, "attempt": attempt, "selection": select(held, event["num_of_winners"])}


def select(held: dict, count: int) -> Selection:
    """Winners and moves for `count` winners from the pool item `held`."""
    eligible = int(held["eligible"])
    chosen, moves = plan(eligible, count)
    employees, index = table("EMPLOYEE_TABLE"), setting("EMPLOYEE_SERIAL_INDEX")
    return {
        "pool_size": int(held["pool_size"]),
        "eligible": eligible,
        "winners": [employee_at(employees, index, s) for s in chosen],
        "moves": [
            {"employee_id": employee_at(employees, index, src)["employee_id"], "from": src, "to": dst}
            for src, dst in moves
        ],
    }
