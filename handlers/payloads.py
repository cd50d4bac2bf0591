"""What passes between the states, typed: the event each handler receives and returns, and the
two readings of a finished execution that the API and the `lottery` command share.

Each state adds to what it received (Input Lottery Winners starts it), so each payload is the one
before it plus its own keys.
"""

import json
from typing import Any, NotRequired, TypedDict


class Draw(TypedDict):
    id: str
    """The execution's name, Lottery-<uuid>: the draw's id everywhere."""
    started_at: str


class Started(TypedDict):
    """What Input Lottery Winners receives: the execution input as given, and the draw."""

    request: Any
    draw: Draw


class Commitment(TypedDict):
    """A commit record of the Ledger (docs/VERIFY.md)."""

    seq: int
    prev: str
    hash: str
    kind: str
    draw_id: str
    at: str
    roster: str
    """The Merkle root of the roster the draw is from."""
    winners: int
    seed_hash: str
    public: str | None
    """What will be mixed in (its description), or None: operator randomness only."""
    night: NotRequired[str]
    """A draw night's draw: the night, the prize drawn and, for a redraw, whose place it fills."""
    prize: NotRequired[str]
    forfeit: NotRequired[dict]


class Committed(TypedDict):
    """What Input Lottery Winners returns when invoked to commit only (`lottery commit`)."""

    commitment: Commitment


class Request(TypedDict):
    """What Input Lottery Winners returns: a checked number of winners, and the draw's commitment."""

    draw: Draw
    num_of_winners: int
    attempt: int
    commitment: Commitment
    seed: str
    """The server seed (hex), revealed from here on: the public value, if any, is fixed by now."""
    public_value: str | None


class Employee(TypedDict, total=False):
    """One employee of one roster generation, at its place in the pool."""

    roster: str
    lottery_serial: int
    employee_id: str
    employee_name: str
    employee_entry_date: str


class Place(TypedDict):
    """A lottery serial whose employee the draw changes (Fisher-Yates swaps), from `was` to `employee`."""

    serial: int
    employee: Employee
    was: str
    """The employee_id there when Random Select read it."""


class Selection(TypedDict):
    roster: str
    """The roster generation drawn from."""
    pool_size: int
    eligible: int
    winners: list[Employee]
    places: list[Place]


class Selected(Request):
    """What Random Select Winners returns."""

    selection: Selection


class Validated(Selected):
    """What Validate Winners returns: 0 to record, 1 to select again; the announcement's words."""

    status: int
    message: str


class Recorded(Validated):
    """What Record In Dynamodb returns."""

    recorded_at: str
    record: dict
    """The draw's Ledger record."""


class Winner(TypedDict):
    """A winner as the API and the command show one."""

    employee_id: str
    employee_name: str


def outcome(execution: dict) -> tuple[list[Winner], str | None]:
    """The winners and the announcement of a finished execution (DescribeExecution's answer); none
    unless it succeeded."""
    if execution.get("status") != "SUCCEEDED":
        return [], None
    output = json.loads(execution.get("output") or "{}")
    winners: list[Winner] = [{"employee_id": w["employee_id"], "employee_name": w["employee_name"]}
                             for w in output.get("selection", {}).get("winners", [])]
    return winners, output.get("message")


def cause_message(cause: str | None) -> str:
    """A failed execution's cause as a person reads it: a handler's error message, not the JSON
    Lambda wraps it in; any other cause as it is."""
    try:
        return json.loads(cause or "")["errorMessage"]
    except (TypeError, ValueError, KeyError):
        return cause or ""


def execution_arn(state_machine_arn: str, name: str) -> str:
    """The ARN of the (standard) execution `name` of a state machine; `*` for all of them."""
    return f"{state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"
