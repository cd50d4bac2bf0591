"""Input Lottery Winners: check the request before anything is read or written."""

from .common import CustomError, InvalidInput, int_setting


def parse_request(request, max_winners: int) -> int:
    """The number of winners asked for, or a named error saying what is wrong."""
    if not isinstance(request, dict):
        raise InvalidInput('the execution input must be a JSON object such as {"input": 2}')
    if "exception" in request:
        raise CustomError("An error occurred!!")
    if "input" not in request:
        raise InvalidInput('the execution input has no "input" (the number of winners)')
    count = request["input"]
    # bool is an int in Python; true is not a number of winners.
    if type(count) is not int or not 1 <= count <= max_winners:
        raise InvalidInput(f'"input" must be a whole number from 1 to {max_winners}, not {count!r}')
    return count


def handler(event, context):
    return {
        "draw": event["draw"],
        "num_of_winners": parse_request(event.get("request"), int_setting("MAX_WINNERS")),
        "attempt": 0,
    }
