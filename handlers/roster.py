"""The roster import: read a whole employee file, check every line, then write the Employee table.

Accepted files: CSV with comma or pipe delimiters (employee_id, employee_name, optional
employee_entry_date, optional lottery_serial; a header row is optional), or the seed's
`request-items.json` for `aws dynamodb batch-write-item`. Serials, when given, must be dense
1..N: they fix the order of the pool. Employees who already won stay winners and get no serial.
"""

import csv
import json
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from .common import POOL_KEY, InvalidRoster, scan_all

FIELDS = ("employee_id", "employee_name", "employee_entry_date", "lottery_serial")
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
    if serials:
        employees.sort(key=lambda e: e["lottery_serial"])
    return [{k: v for k, v in e.items() if k not in ("line", "lottery_serial")} for e in employees]


def write_roster(employees: list[dict], employee_table, winners_table, draws_table) -> dict:
    """Replace the Employee table with `employees` and reopen the pool to those who never won.

    The pool is closed first, so a crash part-way leaves draws failing with
    NotEnoughEligibleEmployees, never drawing from a half-written table; importing again mends it.
    """
    won = {item["employee_id"] for item in scan_all(winners_table, ProjectionExpression="employee_id")}
    current = {item["employee_id"] for item in scan_all(employee_table, ProjectionExpression="employee_id")}
    draws_table.put_item(Item={**POOL_KEY, "eligible": 0, "pool_size": 0})
    eligible = 0
    with employee_table.batch_writer() as batch:  # resends unprocessed items itself
        for employee in employees:
            item = dict(employee)
            if employee["employee_id"] not in won:
                eligible += 1
                item["lottery_serial"] = eligible
            batch.put_item(Item=item)
        for gone in current - {e["employee_id"] for e in employees}:
            batch.delete_item(Key={"employee_id": gone})
    pool = {
        "pool_size": len(employees),
        "eligible": eligible,
        "imported_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
    }
    draws_table.put_item(Item={**POOL_KEY, **pool})
    return pool

