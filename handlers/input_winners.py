"""Input Lottery Winners: check the request before anything is read or written."""

from .common import CustomError, int_setting, winners_count
from .payloads import Request, Started


def parse_request(request, max_winners: int) -> int:
    """The number of winners asked for, or a named error saying what is wrong."""
    if isinstance(request, dict) and "exception" in request:
        raise CustomError("An error occurred!!")  # the seed's way to take the Failed path
    return winners_count(request, "input", max_winners)


def handler(event: Started, context) -> Request:
    return {
        "draw": event["draw"],
        "num_of_winners": parse_request(event.get("request"), int_setting("MAX_WINNERS")),
        "attempt": 0,
    }
