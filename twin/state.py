"""Local state that survives between runs: the lottery's tables, saved atomically as JSON."""

import json
import os
import tempfile
from decimal import Decimal
from pathlib import Path

from .lottery import TABLES
from .siblings import plain


class StateError(Exception):
    """The state directory cannot be read or written."""


def state_file(state_dir: Path, stack: str) -> Path:
    return state_dir / f"{stack}.json"


def save(path: Path, snapshot: dict[str, list[dict]]) -> None:
    """Write every table's items (by stack export) to `path`; a crash mid-write leaves the previous file whole
    (and a `.<stack>.json.tmp-*` beside it, which the next writer removes: see `remove_leftovers`)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=_temporary_prefix(path), delete=False) as out:
            json.dump(plain(snapshot), out, indent=1, sort_keys=True, default=sorted)
            out.flush()
            os.fsync(out.fileno())
        os.replace(out.name, path)
    except OSError as error:
        raise StateError(f"cannot write the state file {path}: {error}") from None


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}.tmp-"


def remove_leftovers(path: Path) -> None:
    """Remove the half-written copies of `path` a killed writer left; only the holder of its lock may call this."""
    for leftover in path.parent.glob(_temporary_prefix(path) + "*"):
        leftover.unlink(missing_ok=True)


def load(path: Path, dynamodb, outputs: dict) -> bool:
    """Put the saved items back into the freshly deployed tables; False when there is no state yet."""
    if not path.exists():
        return False
    try:
        snapshot = json.loads(path.read_text(), parse_float=Decimal)
        for key in TABLES:
            with dynamodb.Table(outputs[key]).batch_writer() as batch:
                for item in snapshot[key]:
                    batch.put_item(Item=item)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise StateError(f"the state file {path} is unreadable ({error}); `lottery reset` starts afresh") from None
    return True


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
