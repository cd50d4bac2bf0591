"""The Ledger table: every roster import, draw commitment, draw and failed draw, in order, each
record holding the hash of the one before and a sequence number one higher (docs/VERIFY.md).
A record that was written and then deleted shows as a gap or a broken link.

Item 0 is the head: the last record's sequence number and hash. A record is appended in a
transaction with the writes it records (the draw's winners, the import's switch), conditional on
the head not having moved since it was read, so two writers never take the same number.
"""

from datetime import UTC, datetime

from . import batches
from .common import LotteryError, plain, scan_all, typed
from .verifiable import GENESIS, record_hash

HEAD_KEY = {"seq": 0}

class LedgerBusy(LotteryError):
    """Other records kept taking the next sequence number; nothing was written."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def head(dynamodb_client, ledger: str) -> tuple[int, str]:
    """The last record's sequence number and hash (0 and the genesis hash before the first)."""
    return head_of(dynamodb_client.get_item(TableName=ledger, Key=typed(HEAD_KEY), ConsistentRead=True).get("Item"))


def head_of(item: dict | None) -> tuple[int, str]:
    """The head (typed item 0, or None before the first record) as a sequence number and hash."""
    return (int(item["last"]["N"]), item["hash"]["S"]) if item else (0, GENESIS)


def append(ledger: str, at: tuple[int, str], body: dict) -> tuple[dict, list[dict]]:
    """The record after head `at` holding `body`, and the two TransactWriteItems actions that
    append it: the head moves on only if it is still `at`."""
    last, prev = at
    record = {**body, "seq": last + 1, "prev": prev}
    record["hash"] = record_hash(record)
    moved = "attribute_not_exists(#last)" if last == 0 else "#last = :last"
    return record, [
        {"Update": {
            "TableName": ledger, "Key": typed(HEAD_KEY),
            "UpdateExpression": "SET #last = :next, #hash = :hash",
            "ConditionExpression": moved,
            "ExpressionAttributeNames": {"#last": "last", "#hash": "hash"},
            "ExpressionAttributeValues": typed({":next": last + 1, ":hash": record["hash"],
                                                **({":last": last} if last else {})}),
        }},
        {"Put": {"TableName": ledger, "Item": typed(record), "ConditionExpression": "attribute_not_exists(seq)"}},
    ]


def head_moved(error, first: int) -> bool:
    """Whether a cancelled transaction whose ledger actions are `first` and the one after failed
    only because another writer took the number or wrote at the same moment: worth trying again."""
    reasons = [r.get("Code") or "None" for r in error.response.get("CancellationReasons", [])]
    ours, others = reasons[first:first + 2], reasons[:first] + reasons[first + 2:]
    return (any(code != "None" for code in reasons)
            and all(code in ("None", "ConditionalCheckFailed", "TransactionConflict") for code in ours)
            and all(code in ("None", "TransactionConflict") for code in others))


def records(ledger_table) -> list[dict]:
    """Every record, in order (a scan: only export and verify read the whole ledger)."""
    return sorted((plain(r) for r in scan_all(ledger_table, ConsistentRead=True) if int(r["seq"]) > 0),
                  key=lambda r: r["seq"])


def write_with_record(dynamodb_client, ledger: str, body: dict, actions_for, at: tuple[int, str] | None = None) -> dict:
    """Append a record holding `body` in one transaction with the writes it records,
    `actions_for(record)`; the record. The first try appends after head `at` if the caller read
    it already. Tries again while other records take the number; any other cancellation is raised
    for the caller to read (its actions come first)."""
    for attempt in range(batches.TRIES):
        record, appending = append(ledger, at or head(dynamodb_client, ledger), body)
        at = None
        actions = actions_for(record)
        try:
            dynamodb_client.transact_write_items(TransactItems=actions + appending)
            return record
        except dynamodb_client.exceptions.TransactionCanceledException as error:
            if not head_moved(error, len(actions)):
                raise
        batches.backoff(attempt)
    raise LedgerBusy(f"other records took the ledger's next number {batches.TRIES} times running; nothing was written")
