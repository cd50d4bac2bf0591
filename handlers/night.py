"""A draw night (年会抽奖): prizes drawn tier by tier, who is present, who is excluded, and the
checks a tier's draw or an absent winner's redraw makes (docs/VERIFY.md: the `night`, `checkin`
and `exclude` records).

The night lives on the pool item (pool.py): its definition (`night`), each prize's draws still to
make (`remaining`) and how many checked in (`present`). Opening a night, a check-in and an
exclusion each change the pool in one transaction with their Ledger record, as a draw does, so a
verifier replays the pool exactly; each is O(1): the employee is found by the Employee table's
employee_id index and swapped across the pool's line, never by scanning the roster.

- A night that requires presence starts with nobody able to win (the line at 0); a check-in moves
  the employee to just inside the line (position E+1, then E grows by one) unless they won before
  or are excluded from this night.
- An exclusion moves an employee who can win to the line (position E, then E shrinks by one), and
  a later check-in leaves them out.
- Importing a roster ends the night: the new roster's pool is everyone who never won.
"""

import csv
import io
import re
import secrets
import time

from boto3.dynamodb.conditions import Key

from . import batches, ledger
from .common import POOL_KEY, InvalidInput, LotteryError, client, plain, setting, table, typed

SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
NAME_MAX, PRIZES_MAX, COUNT_MAX, EXCLUDED_MAX = 100, 20, 1000, 200
MISSES = 3  # an id the index does not find is looked up this many times: the index may lag a swap or an import


class NoNight(InvalidInput):
    """No draw night is open: open one first (`lottery night open`)."""


class NotOnRoster(InvalidInput):
    """The employee_id is not on the live roster."""


class NightBusy(LotteryError):
    """Draws or other check-ins kept changing the pool; nothing was written."""


def _text(value, what: str, limit: int = NAME_MAX) -> str:
    if not (isinstance(value, str) and value.strip() and len(value) <= limit):
        raise InvalidInput(f"{what} must be text of 1 to {limit} characters, not {value!r}")
    return value


def _slug(value, what: str) -> str:
    if not (isinstance(value, str) and SLUG.fullmatch(value)):
        raise InvalidInput(f"{what} must be 1 to 40 letters, digits, - or _ (starting with a letter or digit), not {value!r}")
    return value


def employee_id(value) -> str:
    return _text(value, "employee_id")


def parse(definition) -> tuple[dict, list[str]]:
    """A night file's definition, checked: the night (id, name, presence, prizes in drawing order)
    and the employee_ids it excludes; InvalidInput naming what is wrong."""
    if not isinstance(definition, dict):
        raise InvalidInput('a night is a JSON object such as {"id": "party", "name": "…", "prizes": [{"id": "first",'
                           ' "name": "…", "count": 1}]}')
    if unknown := sorted(definition.keys() - {"id", "name", "presence", "prizes", "exclude"}):
        raise InvalidInput(f"a night has no field {unknown[0]!r} (id, name, presence, prizes, exclude)")
    presence = definition.get("presence", True)
    if type(presence) is not bool:
        raise InvalidInput(f"presence must be true (only who checked in can win) or false, not {presence!r}")
    prizes = definition.get("prizes")
    if not (isinstance(prizes, list) and 1 <= len(prizes) <= PRIZES_MAX):
        raise InvalidInput(f"prizes must be a list of 1 to {PRIZES_MAX} tiers, in the order they are drawn")
    tiers = []
    for i, prize in enumerate(prizes, 1):
        if not (isinstance(prize, dict) and prize.keys() == {"id", "name", "count"}):
            raise InvalidInput(f"prize {i} must have exactly id, name and count")
        count = prize["count"]
        if type(count) is not int or not 1 <= count <= COUNT_MAX:
            raise InvalidInput(f"prize {i}'s count must be a whole number from 1 to {COUNT_MAX}, not {count!r}")
        tiers.append({"id": _slug(prize["id"], f"prize {i}'s id"), "name": _text(prize["name"], f"prize {i}'s name"),
                      "count": count})
    if len({t["id"] for t in tiers}) != len(tiers):
        raise InvalidInput("two prizes have the same id")
    excluded = definition.get("exclude", [])
    if not isinstance(excluded, list):
        raise InvalidInput("exclude must be a list of employee_ids")
    night = {"id": _slug(definition.get("id"), "the night's id"), "name": _text(definition.get("name"), "the night's name"),
             "presence": presence, "prizes": tiers}
    return night, [employee_id(e) for e in excluded]


def tier(pool: dict, request: dict, winners_table) -> dict:
    """The fields a draw's commitment adds for a night (night, prize, and forfeit for a redraw),
    checked against the pool item and, for a redraw, the Winners table; {} for a draw outside any prize."""
    if "prize" not in request and "redraw" not in request:
        return {}
    if "prize" in request and "redraw" in request:
        raise InvalidInput("a redraw draws the prize its absent winner won: give redraw or prize, not both")
    night = opened(pool)
    if "redraw" in request:
        redraw = request["redraw"]
        if not (isinstance(redraw, dict) and redraw.keys() == {"draw_id", "employee_id"}):
            raise InvalidInput('redraw must be {"draw_id": "<the draw they won>", "employee_id": "<the absent winner>"}')
        found = winners_table.get_item(Key={"employee_id": employee_id(redraw["employee_id"])}, ConsistentRead=True)
        winner = found.get("Item")
        if not winner or winner.get("draw_id") != redraw["draw_id"] or winner.get("night") != night["id"]:
            raise InvalidInput(f"{redraw['employee_id']} is no winner of draw {redraw['draw_id']} on this night")
        if winner.get("forfeited_by"):
            raise InvalidInput(f"{redraw['employee_id']} forfeited already, for draw {winner['forfeited_by']}")
        return {"night": night["id"], "prize": winner["prize"],
                "forfeit": {"draw_id": redraw["draw_id"], "employee_id": redraw["employee_id"]}}
    prize = _slug(request["prize"], "prize")
    if prize not in {t["id"] for t in night["prizes"]}:
        raise InvalidInput(f"the night {night['id']} has no prize {prize!r}")
    return {"night": night["id"], "prize": prize}


def read_pool() -> dict:
    """The pool item, strongly consistent, as plain values ({} on a new stack)."""
    return plain(table("DRAWS_TABLE").get_item(Key=POOL_KEY, ConsistentRead=True).get("Item") or {})


def opened(pool: dict) -> dict:
    """The pool's open night, or NoNight."""
    if not pool.get("night"):
        raise NoNight("no draw night is open: open one first (`lottery night open`)")
    return pool["night"]


def masked(name: str) -> str:
    """A name as a check-in answers it: enough for someone to see they typed their own id (张*伟,
    A***e B***n), not a roster for whoever holds the night's code to read out id by id."""
    def word(w: str) -> str:
        if len(w) < 3:
            return w[:1] + "*" * (len(w) - 1)
        return w[0] + "*" * (len(w) - 2) + w[-1]
    return " ".join(word(w) for w in name.split(" "))


def remaining(pool: dict, prize: str) -> int:
    return int(pool.get("remaining", {}).get(prize, 0))


class Night:
    """A night's changes to the pool (open, check in, exclude), each with its Ledger record."""

    def __init__(self):
        self.dynamodb = client("dynamodb")
        self.draws, self.ledger = setting("DRAWS_TABLE"), setting("LEDGER_TABLE")
        self.employee, self.winners = table("EMPLOYEE_TABLE"), table("WINNERS_TABLE")

    def open(self, night: dict, excluded: list[str] | tuple = ()) -> dict:
        """Open `night` and exclude `excluded` (parse's): a `night` record, then an `exclude` record
        each; the pool item after. Every excluded id is found on the roster before anything is
        written. Opening the open night again as it was is a no-op; any other night whose id was
        used before is refused (check-ins and prize counts belong to one night)."""
        pool = read_pool()
        if not pool.get("roster_root"):
            raise InvalidInput("import a roster before opening a night (`lottery import`)")
        if (pool.get("night") or {}).get("id") == night["id"] and all(
                pool["night"].get(k) == night[k] for k in ("name", "presence", "prizes")):
            return pool
        if night["id"] in pool.get("nights", ()):
            raise InvalidInput(f"night id {night['id']!r} was used before: give this night an id of its own")
        if len(excluded) > EXCLUDED_MAX:
            raise InvalidInput(f"exclude at most {EXCLUDED_MAX} employees when opening a night, not {len(excluded)}:"
                               " exclude the rest with `lottery night exclude`")
        for employee in excluded:
            try:
                self._find(pool, employee)
            except _Moved:  # there, and moved since the index saw them
                pass

        def change(pool: dict):
            body = {"kind": "night", "at": ledger.now(), "night": night["id"], "name": night["name"],
                    "presence": night["presence"], "prizes": night["prizes"],
                    "eligible": 0 if night["presence"] else int(pool["eligible"])}
            values = {":night": {**night, "opened_at": body["at"], "checkin_code": secrets.token_urlsafe(6)},
                      ":remaining": {t["id"]: t["count"] for t in night["prizes"]}, ":zero": 0,
                      ":id": night["id"], ":ids": {night["id"]}}
            sets = ["night = :night", "remaining = :remaining", "present = :zero"]
            if night["presence"]:
                sets.append("eligible = :zero")  # nobody can win until they check in
            return body, sets, values, [], "NOT contains(nights, :id)", "ADD nights :ids"
        self._change(change)
        for employee in excluded:
            self.exclude(employee)
        return read_pool()

    def check_in(self, employee: str, code: str | None) -> dict:
        """Mark `employee` present at the open night (its check-in code, if `code` is given, must
        match); {employee_id, employee_name, already}."""
        answer: dict = {}

        def change(pool: dict):
            if (found := self._unmarked(pool, employee, "present_in", answer, code)) is None:
                return None
            night, item = found
            eligible, serial = int(pool["eligible"]), int(item["lottery_serial"])
            moved = {**item, "present_in": night["id"]}
            enters = (night["presence"] and serial > eligible and item.get("excluded_in") != night["id"]
                      and "Item" not in self.winners.get_item(Key={"employee_id": employee}, ConsistentRead=True))
            checks = [{"ConditionCheck": {"TableName": self.winners.name, "Key": typed({"employee_id": employee}),
                                          "ConditionExpression": "attribute_not_exists(employee_id)"}}] if enters else []
            body = {"kind": "checkin", "at": ledger.now(), "night": night["id"], "employee_id": employee,
                    "eligible": eligible + 1 if enters else eligible}
            sets = ["present = present + :one", *(["eligible = :after"] if enters else [])]
            values = {":one": 1, ":after": eligible + 1}
            return body, sets, values, checks + self._swap(pool, moved, eligible + 1 if enters else serial)
        self._change(change)
        return answer

    def exclude(self, employee: str) -> dict:
        """Exclude `employee` from the open night: out of the pool if they could win; {employee_id,
        employee_name, already}."""
        answer: dict = {}

        def change(pool: dict):
            if (found := self._unmarked(pool, employee, "excluded_in", answer)) is None:
                return None
            night, item = found
            eligible, serial = int(pool["eligible"]), int(item["lottery_serial"])
            leaves = serial <= eligible
            body = {"kind": "exclude", "at": ledger.now(), "night": night["id"], "employee_id": employee,
                    "eligible": eligible - 1 if leaves else eligible}
            sets = ["eligible = :after"] if leaves else []
            return body, sets, {":after": eligible - 1}, self._swap(
                pool, {**item, "excluded_in": night["id"]}, eligible if leaves else serial)
        self._change(change)
        return answer

    def _unmarked(self, pool: dict, employee: str, mark: str, answer: dict, code: str | None = None) -> tuple[dict, dict] | None:
        """The open night and `employee`'s item, or None if `mark` says they were marked for it
        already; `answer` says who and whether. A check-in's code is checked first: a caller
        without it learns nothing of the roster."""
        night = opened(pool)
        if code is not None and code != night["checkin_code"]:
            raise InvalidInput("that check-in code is not this night's: scan the QR code on the screen again")
        item = self._find(pool, employee)
        answer.update(employee_id=employee, employee_name=masked(item["employee_name"]), already=item.get(mark) == night["id"])
        return None if answer["already"] else (night, item)

    def _find(self, pool: dict, employee: str) -> dict:
        """The live roster's item of `employee`. The index is eventually consistent: an id it does not
        find is asked for again (MISSES times) before NotOnRoster, and the item it names is read
        again, strongly (_Moved if someone else is there now), and checked by the transaction."""
        roster = pool.get("roster", "")
        for attempt in range(MISSES):
            keys = self.employee.query(IndexName=setting("EMPLOYEE_BY_ID_INDEX"),
                                       KeyConditionExpression=Key("employee_id").eq(employee) & Key("roster").eq(roster))["Items"]
            if keys:
                break
            if attempt < MISSES - 1:
                batches.backoff(attempt)
        else:
            raise NotOnRoster(f"{employee} is not on the live roster")
        item = self.employee.get_item(Key={"roster": roster, "lottery_serial": keys[0]["lottery_serial"]},
                                      ConsistentRead=True).get("Item")
        if item is None:
            raise NotOnRoster(f"{employee} is not on the live roster")
        if item["employee_id"] != employee:
            raise _Moved()
        return plain(item)

    def _swap(self, pool: dict, moved: dict, to: int) -> list[dict]:
        """Puts that move `moved` (an item, changed) to serial `to` and whoever is there to its place."""
        roster, serial = pool["roster"], int(moved["lottery_serial"])
        places = [(to, moved, moved["employee_id"])]
        if to != serial:
            there = plain(self.employee.get_item(Key={"roster": roster, "lottery_serial": to}, ConsistentRead=True)["Item"])
            places = [(to, moved, there["employee_id"]), (serial, there, moved["employee_id"])]
        return [{"Put": {
            "TableName": self.employee.name, "Item": typed({**item, "roster": roster, "lottery_serial": at}),
            # Each place still holds whom was read there: a draw or another check-in moved nobody meanwhile.
            "ConditionExpression": "employee_id = :was", "ExpressionAttributeValues": typed({":was": was}),
        }} for at, item, was in places]

    def _change(self, change) -> None:
        """Apply `change(pool)` -> (record body, the pool's SET clauses, their values, other actions[,
        a condition and a clause more for the pool]), or None for no change, in one transaction with
        the record; read and tried again while draws or other changes get there first.

        Night changes are put in one order by the pool's night_changed (the last one's record
        number): each is conditional on it being what was read, so two changes made from one
        reading (a double tap, a check-in racing an exclusion) cannot both be written."""
        for attempt in range(batches.TRIES * 2):
            pool = read_pool()
            try:
                changed = change(pool)
            except _Moved:
                batches.backoff(min(attempt, 5))
                continue
            if changed is None:
                return
            body, sets, values, actions, *more = changed
            extra_condition, clause = more or ("", "")
            last = int(pool.get("night_changed", 0))
            condition = " AND ".join(filter(None, (
                "roster = :roster AND eligible = :before",
                # Not while a draw holds the pool: the places it read must stay put until it records.
                "(attribute_not_exists(holder) OR lease_until < :now)",
                "night_changed = :changed" if last else "attribute_not_exists(night_changed)",
                extra_condition)))
            values = {**values, ":roster": pool["roster"], ":before": int(pool["eligible"]), ":now": int(time.time()),
                      ":changed": last}

            def actions_for(record: dict, sets=sets, values=values, actions=actions, condition=condition, clause=clause):
                # night_changed: the record's number, which a draw committed to a public value before it
                # finds and refuses (random_select_winners.py): its pool was fixed when it committed.
                # A dead draw's lapsed lease goes: it can record nothing once the places moved.
                expression = f"SET {', '.join([*sets, 'night_changed = :seq'])} {clause} REMOVE holder, lease_until"
                used = set(re.findall(r":\w+", f"{expression} {condition}"))  # DynamoDB refuses unused values
                return [{"Update": {
                    "TableName": self.draws, "Key": typed(POOL_KEY), "UpdateExpression": expression,
                    "ConditionExpression": condition,
                    "ExpressionAttributeValues": typed({k: v for k, v in {**values, ":seq": record["seq"]}.items() if k in used}),
                }}, *actions]
            try:
                ledger.write_with_record(self.dynamodb, self.ledger, body, actions_for)
                return
            except self.dynamodb.exceptions.TransactionCanceledException:
                batches.backoff(min(attempt, 5))
        raise NightBusy("draws or other check-ins kept changing the pool; nothing was written: try again")


class _Moved(Exception):
    """The index named a place another change has moved someone else into since: read again."""


def state(pool: dict, winners: list[dict], names: list[str]) -> dict:
    """What GET /night shows: the open night (or None), each prize's draws left, the counts, the
    night's winners in the order drawn, and names for the big screen to cycle through."""
    night = pool.get("night")
    mine = sorted((w for w in winners if night and w.get("night") == night["id"]),
                  key=lambda w: (w["drawn_at"], w.get("ledger_seq", 0), w["employee_id"]))
    return {
        # The check-in code is the organiser's: GET /night/code (signed), never this public answer.
        "night": {k: v for k, v in night.items() if k != "checkin_code"} if night else None,
        "remaining": pool.get("remaining", {}) if night else {},
        "eligible": int(pool.get("eligible", 0)),
        "present": int(pool.get("present", 0)) if night else 0,
        "winners": [{"employee_id": w["employee_id"], "employee_name": w["employee_name"], "prize": w["prize"],
                     "draw_id": w["draw_id"], "drawn_at": w["drawn_at"], "forfeited_by": w.get("forfeited_by"),
                     "replaces": w.get("replaces")} for w in mine],
        "names": names,
    }


COLUMNS = ("prize", "prize_name", "employee_id", "employee_name", "status", "replaces", "draw_id", "drawn_at")


def csv_text(table: list[list[str]]) -> str:
    """The results (rows') as CSV: what the API's and the command's CSV exports hold."""
    out = io.StringIO()
    csv.writer(out).writerows(table)
    return out.getvalue()


def rows(shown: dict) -> list[list[str]]:
    """The night's results as a table (a header, then one row a winner, by prize in drawing order):
    what the CSV and XLSX exports hold."""
    night = shown["night"] or {"prizes": []}
    order = {p["id"]: i for i, p in enumerate(night["prizes"])}
    names = {p["id"]: p["name"] for p in night["prizes"]}
    ranked = sorted(shown["winners"], key=lambda w: order.get(w["prize"], len(order)))  # stable: drawing order within a prize
    return [list(COLUMNS)] + [
        [w["prize"], inert(names.get(w["prize"], "")), inert(w["employee_id"]), inert(w["employee_name"]),
         "forfeited" if w["forfeited_by"] else "won", inert(w["replaces"] or ""), w["draw_id"], w["drawn_at"]] for w in ranked]


def inert(text: str) -> str:
    """Text a spreadsheet shows as text: a name that starts like a formula (=, +, -, @) gets a
    leading apostrophe, as OWASP advises against CSV injection."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
