"""Local state that survives between runs: the lottery's tables in one SQLite database, `<stack>.sqlite`.

One row per item: `items(tbl, key, item)`, where tbl is the table's stack export (employee_table,
...), key the item's key values as `key_json` writes them and item the item in DynamoDB's typed
JSON, as moto holds it (`Item.to_json()`), so neither a save nor a load converts a value.

The first save writes every item into a new file, moved into place whole (`create`). Each later
save writes the items that changed since the one before (`save`, fed by changes.py), in one
transaction: a process killed mid-save leaves the previous state, which SQLite puts back from the
save's journal (`<stack>.sqlite-journal`) when the file is next opened. Readers that take no lock
(`lottery winners`) read the last committed state.

A state from before (`<stack>.json`, every item as plain JSON) is converted once, by the first
command that loads it, and then kept as `<stack>.json.migrated`, which nothing reads: the one copy
of the data as it was before the conversion, should the conversion have to be mended.

Nothing here imports moto (the command's `--target aws` never loads it): the twin's OfflineStack
turns moto's items into rows and back.
"""

import base64
import contextlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable
from decimal import Context, Decimal
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import Binary, TypeSerializer

FORMAT = 1  # the database's user_version: the layout of `items`
_SCHEMA = "CREATE TABLE items (tbl TEXT NOT NULL, key TEXT NOT NULL, item TEXT NOT NULL, PRIMARY KEY (tbl, key)) WITHOUT ROWID"
# An item a save finds unchanged (changes.py noted a write that failed its condition) stays as it
# is, and is not counted in total_changes.
_UPSERT = ("INSERT INTO items (tbl, key, item) VALUES (?, ?, ?) "
           "ON CONFLICT (tbl, key) DO UPDATE SET item = excluded.item WHERE item IS NOT excluded.item")
_NUMBERS = Context(prec=40)  # DynamoDB keeps 38 digits

Row = tuple[str, str, str | None]  # (table export, key_json, item_json); no item: deleted
Keys = dict[str, tuple[str, str | None]]  # table export: (its hash key attribute, its range key attribute)


class StateError(Exception):
    """The state directory cannot be read or written."""


def state_file(state_dir: Path, stack: str) -> Path:
    return state_dir / f"{stack}.sqlite"


def legacy_file(path: Path) -> Path:
    """The JSON state that the one at `path` replaces."""
    return path.with_suffix(".json")


def state_files(path: Path) -> list[Path]:
    """Every file of the state at `path`, for `lottery reset`: the database, the journal of a save
    that was killed (which must not outlive its database), the JSON state and its converted copy."""
    legacy = legacy_file(path)
    return [path, path.with_name(path.name + "-journal"), legacy, legacy.with_name(legacy.name + ".migrated")]


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}.tmp-"


def remove_leftovers(path: Path) -> None:
    """Remove the new databases a killed writer left half-written (`create`); only the holder of
    its lock may call this. The journal of a killed save stays: SQLite needs it."""
    for leftover in path.parent.glob(_temporary_prefix(path) + "*"):
        leftover.unlink(missing_ok=True)


def key_json(*values: dict[str, Any]) -> str:
    """An item's key values (typed: {"S": "001"}; hash key, then range key) as one canonical string,
    `[{"S":"001"}]`. Numbers are written as DynamoDB compares them: 1, 1.0 and 1E0 are one key."""
    return json.dumps([_canonical(value) for value in values], separators=(",", ":"), default=_binary)


def _canonical(value: dict[str, Any]) -> dict[str, Any]:
    ((kind, number),) = value.items()
    if kind != "N":
        return value
    normal = Decimal(number).normalize(_NUMBERS)
    return {kind: str(normal if normal else Decimal(0))}  # -0 is 0


def item_json(attrs: dict[str, Any]) -> str:
    """An item's attributes in typed JSON, written the same way each time."""
    return json.dumps(attrs, sort_keys=True, separators=(",", ":"), default=_binary)


def _binary(value: Any) -> str:
    """Binary values as DynamoDB's JSON carries them, in base64 (moto hands those inside lists and
    maps over decoded)."""
    if isinstance(value, Binary):
        value = value.value
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not a DynamoDB value")


def _connect(path: Path) -> sqlite3.Connection:
    """The database at `path`, which must exist (never a new, empty one); transactions begun explicitly."""
    return sqlite3.connect(path.absolute().as_uri() + "?mode=rw", uri=True, isolation_level=None)


def save(path: Path, rows: Iterable[Row]) -> int:
    """Write `rows` (the items that changed) into the database at `path` in one transaction; how many
    rows that changed. A process killed here leaves the previous state whole."""
    try:
        with contextlib.closing(_connect(path)) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                for export, key, item in rows:
                    if item is None:
                        db.execute("DELETE FROM items WHERE tbl = ? AND key = ?", (export, key))
                    else:
                        db.execute(_UPSERT, (export, key, item))
                db.execute("COMMIT")
            except BaseException:
                db.rollback()
                raise
            return db.total_changes
    except (sqlite3.Error, OSError) as error:
        raise StateError(f"cannot write the state file {path}: {error}") from None


def create(path: Path, rows: Iterable[Row], replace: bool = True) -> None:
    """A new database at `path` holding `rows`, written beside it and moved into place whole.
    `replace`: over whatever is there; else only if nothing is (the first conversion wins)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=_temporary_prefix(path))
        os.close(fd)
        try:
            with contextlib.closing(sqlite3.connect(name, isolation_level=None)) as db:
                db.execute("BEGIN")
                db.execute(_SCHEMA)
                db.execute(f"PRAGMA user_version = {FORMAT}")
                db.executemany("INSERT INTO items (tbl, key, item) VALUES (?, ?, ?)", rows)
                db.execute("COMMIT")
            if replace:
                os.replace(name, path)
            else:
                with contextlib.suppress(FileExistsError):
                    os.link(name, path)
        finally:
            Path(name).unlink(missing_ok=True)
    except (sqlite3.Error, OSError) as error:
        raise StateError(f"cannot write the state file {path}: {error}") from None


def load(path: Path, keys: Keys, put: Callable[[str, dict], None]) -> bool:
    """Hand each saved item to `put` (its table's export, its typed attributes); False when there is
    no state yet. `keys` is each table's key schema, for converting a JSON state from before."""
    legacy = legacy_file(path)
    if not path.exists() and legacy.exists():
        _convert(legacy, path, keys)
    if not path.exists():
        return False
    try:
        with contextlib.closing(_connect(path)) as db:
            if (found := db.execute("PRAGMA user_version").fetchone()[0]) != FORMAT:
                raise ValueError(f"format {found}, not {FORMAT}")
            for export, item in db.execute("SELECT tbl, item FROM items"):
                put(export, json.loads(item))
    except (sqlite3.Error, OSError, ValueError, KeyError, TypeError) as error:
        raise StateError(f"the state file {path} is unreadable ({error}); `lottery reset` starts afresh") from None
    return True


LEGACY_ROSTER = "00000000T000000.000000-legacy"  # older than any import's generation (roster.py)


def convert_legacy(snapshot: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """A JSON state's items (plain Python values, by table export) as this version's tables hold
    them. Its Employee items, one per employee_id with a `lottery_serial` for those who can win,
    become the roster generation "legacy": those who can win at their serials, the others after
    them in employee_id order; the pool names it. Winners and draws stay as they were; the Ledger
    starts empty, so the roster must be imported again before a draw (it has no import record)."""
    snapshot = {"ledger_table": [], "seeds_table": [], **snapshot}
    employees = snapshot["employee_table"]
    if not employees or "roster" in employees[0]:
        return snapshot
    eligible = sorted((e for e in employees if "lottery_serial" in e), key=lambda e: int(e["lottery_serial"]))
    rest = sorted((e for e in employees if "lottery_serial" not in e), key=lambda e: e["employee_id"])
    roster = [{**e, "roster": LEGACY_ROSTER, "lottery_serial": serial} for serial, e in enumerate(eligible + rest, start=1)]
    generation = {"roster": LEGACY_ROSTER, "pool_size": len(roster), "eligible": len(eligible),
                  "generations": {f"{LEGACY_ROSTER}/{len(roster)}"}}
    draws = [{**d, **generation} if d["draw_id"] == "#pool" else d for d in snapshot["draws_table"]]
    return {**snapshot, "employee_table": roster, "draws_table": draws}


def _convert(legacy: Path, path: Path, keys: Keys) -> None:
    """The JSON state at `legacy` into a new database at `path`; the JSON kept as `.json.migrated`."""
    typed = TypeSerializer().serialize
    try:
        snapshot = convert_legacy(json.loads(legacy.read_text(), parse_float=Decimal))
        rows = []
        for export, names in keys.items():
            for item in snapshot[export]:
                attrs = {name: typed(value) for name, value in item.items()}
                rows.append((export, key_json(*(attrs[name] for name in names if name)), item_json(attrs)))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise StateError(f"the state file {legacy} is unreadable ({error}); `lottery reset` starts afresh") from None
    create(path, rows, replace=False)
    with contextlib.suppress(FileNotFoundError):  # converted by another command at the same time
        legacy.replace(legacy.with_name(legacy.name + ".migrated"))


def executions_file(state_dir: Path, stack: str) -> Path:
    return state_dir / f"{stack}.executions.jsonl"


def record_execution(state_dir: Path, stack: str, result: dict) -> None:
    """Keep the path each offline draw took, for `lottery graph --execution`."""
    line = json.dumps({"execution": result["execution"], "status": result["status"],
                       "states": [t["state"] for t in result["transitions"]]})
    with executions_file(state_dir, stack).open("a+b") as out:
        if size := out.seek(0, os.SEEK_END):
            out.seek(size - 1)
            if out.read(1) != b"\n":  # a writer was killed mid-line: leave its part on a line of its own
                line = "\n" + line
        out.write((line + "\n").encode())


def find_execution(state_dir: Path, stack: str, execution: str) -> list[str]:
    """The states an offline draw entered, by its name (Lottery-<uuid>) or ARN."""
    path = executions_file(state_dir, stack)
    lines = path.read_text().splitlines() if path.exists() else []
    for line in reversed(lines):
        try:
            record = json.loads(line)
        except ValueError:  # the part a writer killed mid-line wrote, or the line being appended
            continue
        if execution in (record["execution"], record["execution"].rsplit(":", 1)[-1]):
            return record["states"]
    raise StateError(f"no offline draw {execution} in {path}")
