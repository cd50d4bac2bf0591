"""Input Lottery Winners: check the request, then commit to the draw before anything is drawn.

A draw started with `{"input": N}` is committed here and drawn at once, with no public value
(operator randomness only); `{"input": N, "prize": "<id>"}` draws a prize of the open draw night,
`{"input": 1, "redraw": {"draw_id": …, "employee_id": …}}` an absent winner's replacement (night.py).
A draw committed beforehand (`lottery commit`, by Commit Draw) is the execution named after its
draw id, started with `{"public_value": "<the value>"}` once it is known: here its seed is read
back and passed on (commitments.py says why only here).
"""

from . import night
from .commitments import commit, committed, read, text
from .common import CustomError, InvalidInput, int_setting, table, winners_count
from .payloads import Request, Started


def parse_request(request, max_winners: int) -> int:
    """The number of winners asked for, or a named error saying what is wrong."""
    if isinstance(request, dict) and "exception" in request:
        raise CustomError("An error occurred!!")  # the seed's way to take the Failed path
    return winners_count(request, "input", max_winners)


def handler(event: Started, context) -> Request:
    max_winners = int_setting("MAX_WINNERS")
    draw, request = event["draw"], event.get("request")
    if isinstance(request, dict) and "public_value" in request:
        value = text(request, "public_value", "the public value")
        found = read(draw["id"])[1]
        if found is None:
            raise InvalidInput(f"no commitment {draw['id']}: commit first (`lottery commit`), then draw with its id")
        record, seed = committed(found, reveal=True)
        if record["public"] is None:
            raise InvalidInput(f"draw {draw['id']} was committed with no public value: start it without one")
        if "input" in request and parse_request(request, max_winners) != record["winners"]:
            raise InvalidInput(f"draw {draw['id']} was committed to {record['winners']} winners, not {request['input']}")
    else:
        value = None
        record, seed = commit(draw["id"], parse_request(request, max_winners), None, reveal=True,
                              tier=lambda pool: night.tier(pool, request, table("WINNERS_TABLE")))
        if record["public"] is not None:
            raise InvalidInput(f"draw {draw['id']} was committed to a public value ({record['public']}): give it as public_value")
    assert seed is not None  # revealed: asked for
    return {"draw": draw, "num_of_winners": record["winners"], "attempt": 0,
            "commitment": record, "seed": seed, "public_value": value}
