"""Local state that survives between runs: the lottery's tables, saved atomically as JSON."""

import json
import os
import tempfile
from decimal import Decimal
from pathlib import Path

from handlers.common import plain

TABLES = ("employee_table", "winners_table", "draws_table")  # the stack's exports naming them


class StateError(Exception):
    """The state directory cannot be read or written."""


def _scan(table) -> list[dict]:
    items, kwargs = [], {}
    while True:
        page = table.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def state_file(state_dir: Path, stack: str) -> Path:
    return state_dir / f"{stack}.json"


def save(path: Path, dynamodb, outputs: dict) -> None:
    """Write every table's items to `path`; a crash mid-write leaves the previous file whole."""
    snapshot = {key: _scan(dynamodb.Table(outputs[key])) for key in TABLES}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".tmp-", delete=False) as out:
            json.dump(plain(snapshot), out, indent=1, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(out.name, path)
    except OSError as error:
        raise StateError(f"cannot write the state file {path}: {error}") from None


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
