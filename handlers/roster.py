"""The roster import: read a whole employee file, check every line, then make it the live roster
(a new generation of the Employee table, switched in at once: `write_roster`).

Accepted files: CSV with comma or pipe delimiters (employee_id, employee_name, optional
employee_entry_date, optional lottery_serial; a header row is optional), or the seed's
`request-items.json` for `aws dynamodb batch-write-item`. Serials, when given, must be dense
1..N; the pool's order is the one docs/VERIFY.md specifies, from employee_id, so that anyone can
rebuild it. Employees who already won stay winners, placed above the pool.
"""

import csv
import json
import secrets
from datetime import UTC, datetime
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer

from . import batches, ledger, pool
from .common import POOL_KEY, SDK_CONFIG, InvalidRoster, LotteryError, plain, scan_all, typed
from .verifiable import ids_hash, initial_order, merkle_root, roster_leaves

FIELDS = ("employee_id", "employee_name", "employee_entry_date", "lottery_serial")
SUFFIXES = (".csv", ".json")  # the files parse_roster reads, by name: the roster bucket imports these uploads
_MAX_REPORTED = 5


def _rows_from_json(text: str) -> list[tuple[int, dict]]:
    try:
        document = json.loads(text)
        (requests,) = document.values()
        deserialize = TypeDeserializer().deserialize
        return [
            (n, {k: deserialize(v) for k, v in r["PutRequest"]["Item"].items()})
            for n, r in enumerate(requests, start=1)
        ]
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise InvalidRoster(
            "a JSON roster must be the seed's batch-write file: "
            '{"<table>": [{"PutRequest": {"Item": {"employee_id": {"S": "001"}, ...}}}]}'
            f" ({error})"
        ) from None


def _rows_from_csv(text: str) -> list[tuple[int, dict]]:
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        return []
    first = lines[0][1]
    delimiter = "|" if first.count("|") > first.count(",") else ","
    reader = csv.reader([line for _, line in lines], delimiter=delimiter, skipinitialspace=True)
    rows = [(n, [c.strip() for c in cells]) for (n, _), cells in zip(lines, reader, strict=True)]
    if rows[0][1][:1] == ["employee_id"]:
        header, rows = rows[0][1], rows[1:]
    else:
        header = list(FIELDS)
    parsed = []
    for n, cells in rows:
        if len(cells) < 2 or len(cells) > len(header):
            raise InvalidRoster(
                f"line {n}: expected {', '.join(header[:2])} and up to {len(header) - 2} more"
                f" fields separated by '{delimiter}', found {len(cells)} field(s)"
            )
        # Trailing fields may be left out.
        parsed.append((n, {k: v for k, v in zip(header, cells, strict=False) if v != ""}))
    return parsed


def parse_roster(text: str) -> list[dict]:
    """Employees in pool order, or InvalidRoster naming each bad line. Nothing is written here."""
    rows = _rows_from_json(text) if text.lstrip().startswith("{") else _rows_from_csv(text)
    if not rows:
        raise InvalidRoster("the roster has no employees")
    problems: list[str] = []
    seen: dict[str, int] = {}
    employees: list[dict[str, Any]] = []
    for n, row in rows:
        unknown = set(row) - set(FIELDS)
        employee_id, name = str(row.get("employee_id", "")).strip(), str(row.get("employee_name", "")).strip()
        if unknown:
            problems.append(f"line {n}: unknown field(s) {', '.join(sorted(unknown))}")
        if not employee_id:
            problems.append(f"line {n}: employee_id is missing")
        elif employee_id in seen:
            problems.append(f"line {n}: employee_id {employee_id} repeats line {seen[employee_id]}")
        else:
            seen[employee_id] = n
        if not name:
            problems.append(f"line {n}: employee_name is missing")
        try:
            (employee_id + name).encode("utf-8")  # what the roster's hash is over
        except UnicodeEncodeError:
            problems.append(f"line {n}: a lone surrogate (\\ud800 to \\udfff) is not text; it has no UTF-8 form to hash")
        employee = {"line": n, "employee_id": employee_id, "employee_name": name}
        if row.get("employee_entry_date"):
            employee["employee_entry_date"] = str(row["employee_entry_date"]).strip()
        if "lottery_serial" in row:
            try:
                employee["lottery_serial"] = int(str(row["lottery_serial"]))
            except ValueError:
                problems.append(f"line {n}: lottery_serial {row['lottery_serial']!r} is not a whole number")
        employees.append(employee)
    serials = [e["lottery_serial"] for e in employees if "lottery_serial" in e]
    if serials and sorted(serials) != list(range(1, len(employees) + 1)):
        problems.append(f"lottery_serial must number every employee 1..{len(employees)} exactly once, or no one")
    if problems:
        more = f" (and {len(problems) - _MAX_REPORTED} more)" if len(problems) > _MAX_REPORTED else ""
        raise InvalidRoster("; ".join(problems[:_MAX_REPORTED]) + more)
    return [{k: v for k, v in e.items() if k not in ("line", "lottery_serial")} for e in employees]


class RosterBusy(LotteryError):
    """Draws held the pool all the while a written roster waited to switch in."""


class RosterSuperseded(LotteryError):
    """A roster whose import started later went live first; this one was removed, not switched in."""


def write_roster(employees: list[dict], employee_table, winners_table, draws_table, ledger_table, *,
                 write_all=batches.write_all) -> dict:
    """Make `employees` the live roster; the pool item after, with how many items were written
    and how many of abandoned generations' were removed. `write_all(table, requests)` sends
    the roster's writes (BatchWriteItem; the offline twin's command passes its own).

    The new roster is written as a generation of the Employee table beside the live one, in the
    pool order docs/VERIFY.md specifies (sorted by employee_id, past winners, matched by
    employee_id, swapped out above the line); then the import holds the pool as a draw does,
    swaps out anyone who won meanwhile, and switches the pool to the new generation in one
    transaction with its Ledger record, which holds the roster's Merkle root. A failure before the
    switch leaves the live roster as it was: the pool lists every generation written and not yet
    live (`generations`, as `<id>/<size>`) from before its first write, so the next import deletes
    a half-written one. A generation that was live is kept: its draws are verified against it.

    Generation ids begin with the time the import started, and the pool only ever switches to a
    later one: of two imports at once (two uploads, or one S3 event delivered twice) the later
    goes live and the earlier, finding it live, removes its own generation (RosterSuperseded).
    """
    generation = f"{datetime.now(UTC):%Y%m%dT%H%M%S.%f}-{secrets.token_hex(4)}"
    listed = f"{generation}/{len(employees)}"
    draws_table.update_item(Key=POOL_KEY, UpdateExpression="ADD generations :g", ExpressionAttributeValues={":g": {listed}})
    by_id = {e["employee_id"]: e for e in employees}
    _, leaves = roster_leaves(employees)
    won = _winners(winners_table)
    order, eligible = initial_order(list(by_id), set(won))

    def write(places) -> int:
        return write_all(employee_table, [
            {"PutRequest": {"Item": {**by_id[order[p]], "roster": generation, "lottery_serial": p + 1}}} for p in sorted(places)])

    written = write(range(len(order)))
    holder, root = f"import-{generation}", merkle_root(leaves)
    try:
        for _ in range(batches.TRIES):
            held = _hold(draws_table, holder)
            if held.get("roster", "") > generation or listed not in held.get("generations", ()):
                raise RosterSuperseded(f"roster {held.get('roster')}, imported after this one started, is live: this"
                                       " one was removed, not switched in")
            # While the import holds the pool no draw can record: the winners read now are final.
            if (now := _winners(winners_table)).keys() & by_id.keys() != won.keys() & by_id.keys():
                before, (order, eligible) = order, initial_order(list(by_id), set(now))
                written += write(p for p, employee_id in enumerate(order) if before[p] != employee_id)
                won = now
            live = _switch(draws_table, ledger_table, holder, listed, {
                "kind": "import", "at": ledger.now(), "generation": generation, "roster": root,
                "size": len(order), "eligible": eligible,
                # Every winner no draw in the Ledger made one (they won before it began), whether in this
                # roster or not: fixed when the Ledger begins, so that nobody is excluded by hand later.
                # A count and a hash: the list itself may be longer than a record can be (400 KB).
                **_prior(e for e, in_ledger in now.items() if not in_ledger),
            })
            if live is not None:
                break
        else:
            raise RosterBusy("draws kept taking the pool back before the roster could switch in; import it again")
    except BaseException as error:
        pool.release(draws_table, holder)
        if isinstance(error, RosterSuperseded):
            _remove(employee_table, draws_table, listed, write_all)
        raise
    removed = remove_replaced(employee_table, draws_table, live, write_all)
    return {**{k: plain(live[k]) for k in ("roster", "roster_root", "pool_size", "eligible", "imported_at")},
            "written": written, "removed": removed}


def _prior(employee_ids) -> dict:
    ids = list(employee_ids)
    return {"prior_winners": len(ids), "prior_winners_hash": ids_hash(ids)}


def _switch(draws_table, ledger_table, holder: str, listed: str, body: dict) -> dict | None:
    """Switch the pool to the generation the import record `body` names, in one transaction with
    the record; the pool after, or None if the import's hold ran out (a draw took the pool, and
    may have recorded winners since) and nothing was switched."""
    # A client of its own: the resource's client takes Python values, and a transaction is typed.
    dynamodb_client = boto3.client("dynamodb", region_name=draws_table.meta.client.meta.region_name, config=SDK_CONFIG)
    try:
        ledger.write_with_record(dynamodb_client, ledger_table.name, body, lambda record: [{"Update": {
            "TableName": draws_table.name, "Key": typed(POOL_KEY),
            "UpdateExpression": "SET #roster = :roster, roster_root = :root, roster_seq = :seq, pool_size = :size,"
                                " eligible = :eligible, imported_at = :at"
                                # A new roster ends the draw night: its pool is everyone who never won.
                                " REMOVE holder, lease_until, night, remaining, present DELETE generations :listed",
            "ConditionExpression": "holder = :me",
            "ExpressionAttributeNames": {"#roster": "roster"},
            "ExpressionAttributeValues": typed({
                ":roster": record["generation"], ":root": record["roster"], ":seq": record["seq"], ":size": record["size"],
                ":eligible": record["eligible"], ":at": record["at"], ":me": holder, ":listed": {listed}}),
        }}])
    except dynamodb_client.exceptions.TransactionCanceledException as error:
        if error.response.get("CancellationReasons", [{}])[0].get("Code") != "ConditionalCheckFailed":
            raise
        return None
    return draws_table.get_item(Key=POOL_KEY, ConsistentRead=True)["Item"]


def _winners(winners_table) -> dict[str, bool]:
    """Every winner's employee_id, and whether a draw in the Ledger made them one."""
    # Consistent: a Scan may otherwise miss the winners a draw recorded just before the pool was taken.
    return {item["employee_id"]: "ledger_seq" in item for item in
            scan_all(winners_table, ConsistentRead=True, ProjectionExpression="employee_id, ledger_seq")}


def _hold(draws_table, holder: str) -> dict:
    """Hold the pool for the switch, waiting while draws hold it (each records within its lease)."""
    for attempt in range(batches.TRIES * 3):
        try:
            return pool.acquire(draws_table, holder, roster_needed=False)
        except pool.PoolBusy:
            batches.backoff(min(attempt, 6))
    raise RosterBusy("draws held the pool all the while the roster waited to switch in; import it again")


def remove_replaced(employee_table, draws_table, live: dict, write_all) -> int:
    """Delete every generation the pool `live` lists that is older than its roster (any whose
    import died or was superseded, and one a 0.3 import left live); how many items went. A later
    one may still be being written: its import deletes it, or switches it in."""
    return sum(_remove(employee_table, draws_table, listed, write_all)
               for listed in sorted(live.get("generations", ())) if listed.rsplit("/", 1)[0] < live["roster"])


def _remove(employee_table, draws_table, listed: str, write_all) -> int:
    """Delete the generation `<id>/<size>` and its listing. A generation of N employees holds
    serials 1..N (or fewer, if its import died): no Query is needed to find them."""
    generation, size = listed.rsplit("/", 1)
    removed = write_all(employee_table, [
        {"DeleteRequest": {"Key": {"roster": generation, "lottery_serial": s}}} for s in range(1, int(size) + 1)])
    draws_table.update_item(Key=POOL_KEY, UpdateExpression="DELETE generations :g", ExpressionAttributeValues={":g": {listed}})
    return removed
