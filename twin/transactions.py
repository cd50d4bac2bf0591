"""DynamoDB's TransactWriteItems for moto at the cost of the items it touches, not of its tables.

moto 5.2.5's `DynamoDBBackend.transact_write_items` deep-copies the table of every action (a
table ten actions name, ten times) before it writes anything, to swap the copies back if the
transaction is cancelled: seconds per action on a table of 100,000 items, so the twin's draws,
which record their winners in one transaction of 3k+2 actions, slowed down as the roster grew.
It also writes as it checks: what it wrote before a failed condition is handed to the table's
stream, and to the stream's Lambda functions, before the tables are swapped back.

`transact_write_items` here replaces it as it stands: same signature, same exceptions, same
cancellation reasons in the same order. It works as DynamoDB describes a transaction:
1. Every action is checked, in order, against the state before the transaction: its form, its
   table and key, that no other action names its item, its condition. What moto raises while
   checking (two actions on one item, a key it refuses) is raised at the same action; a check
   that fails is that action's cancellation reason, and then nothing is written. (So an error
   only a write finds, such as an update expression moto rejects against the item, goes
   unreported when a condition failed too; moto, writing anyway, reports it.)
2. Then each action is written through moto's own put_item, update_item or delete_item, with
   their validation and size limits. Just before each write its item is copied (or noted absent),
   so an error while writing puts back exactly the items written so far, and nothing else is
   copied.
3. The tables' streams are held while the transaction writes; once every write succeeded each
   item written gets one record, from its copy to what it became, as DynamoDB writes them (moto's
   update_item writes two for an item it creates). A transaction cancelled or refused leaves
   none.

One lock (`lock`) is held for the whole transaction, and around moto's single-item writes
(`locked_writes`), which check their condition and then write: between the two another thread
could write the item, and a conditional write is atomic on DynamoDB. The Lambda function of a
table's stream runs inside the lock, in the writing thread; the twin writes stream-enabled tables
only from Lambda handlers, which hold the invocation lock first (lambdas.py), so the two locks are
always taken in that order.
"""

import contextlib
import copy
import functools
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from . import seams

with seams.needs("moto's DynamoDB backend"):
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.table import Table

lock = threading.RLock()
Reason = tuple[str, str, Any] | tuple[None, None, None]  # (Code, Message, Item) as moto's exception takes them
_PASSED: Reason = (None, None, None)


class _Action(NamedTuple):
    kind: str  # Put, Update, Delete or ConditionCheck
    op: dict[str, Any]
    table: Table
    key: dict[str, Any]
    hash_value: DynamoType
    range_value: DynamoType | None


class _Written(NamedTuple):
    table: Table
    hash_value: DynamoType
    range_value: DynamoType | None
    before: Item | None  # a copy of the item as it was, or None: there was none


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's DynamoDBBackend.transact_write_items, checking every action before writing any."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    with lock:
        actions = _checked(self, transact_items)
        written: list[_Written] = []
        with _streams_held(action.table for action in actions):
            try:
                reasons = _write(self, actions, written)
            except BaseException:
                _undo(written)
                raise
        if any(code is not None for code, _, _ in reasons):
            _undo(written)
            raise TransactionCanceledException(reasons)
        _add_stream_records(written)


def _checked(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[_Action]:
    """Each action, checked in moto's order; raises what moto raises before its writes."""
    seen: set[tuple[str, str]] = set()
    actions: list[_Action] = []
    reasons: list[Reason] = []
    for element in transact_items:
        if len(list(element.keys())) > 1:
            raise TransactWriteSingleOpException
        old_item: dict[str, Any] | None = None  # the item, for a failed condition that asks for ALL_OLD
        try:
            kind, op = next(iter(element.items()))
            if kind not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            if kind == "Put":
                attrs = op["Item"]
                table = self.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            unique = (str(table_name), str(dict(sorted(key.items()))))
            if unique in seen:
                raise MultipleTransactionsException()
            seen.add(unique)
            # moto's get_item, in its three steps: the item's copy, and putting it back, need the key values.
            table = self.get_table(table_name)
            hash_value, range_value = self.get_keys_value(table, key)
            current = table.get_item(hash_value, range_value)
            condition = op.get("ConditionExpression")
            if condition is not None:
                names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                if not get_filter_expression(condition, names, values).expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        old_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=old_item)
            actions.append(_Action(kind, op, table, key, hash_value, range_value))
            reasons.append(_PASSED)
        except MockValidationException:  # MultipleTransactionsException too: refused, not cancelled
            raise
        except ConditionalCheckFailed as failed:
            reasons.append(("ConditionalCheckFailed", str(failed.message), old_item))
        except Exception as error:  # noqa: BLE001 - as moto: any other error is the action's reason
            reasons.append((type(error).__name__, str(error), None))
    if any(code is not None for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)
    return actions


def _write(self: DynamoDBBackend, actions: list[_Action], written: list[_Written]) -> list[Reason]:
    """Write each action as moto does, noting each item's copy in `written` first; each one's reason."""
    reasons: list[Reason] = []
    for action in actions:
        op = action.op
        expression: dict[str, Any] = {
            "condition_expression": op.get("ConditionExpression"),
            "expression_attribute_names": op.get("ExpressionAttributeNames"),
            "expression_attribute_values": op.get("ExpressionAttributeValues"),
        }
        if action.kind != "ConditionCheck":
            before = action.table.get_item(action.hash_value, action.range_value)
            written.append(_Written(action.table, action.hash_value, action.range_value, copy.deepcopy(before)))
        try:
            if action.kind == "Put":
                self.put_item(op["TableName"], op["Item"], **expression)
            elif action.kind == "Delete":
                self.delete_item(op["TableName"], action.key, **expression)
            elif action.kind == "Update":
                self.update_item(op["TableName"], action.key, update_expression=op["UpdateExpression"], **expression)
            reasons.append(_PASSED)
        except MockValidationException:
            raise
        except ConditionalCheckFailed as failed:
            reasons.append(("ConditionalCheckFailed", str(failed.message), None))
        except Exception as error:  # noqa: BLE001 - as moto: the action's reason; the others are still written
            reasons.append((type(error).__name__, str(error), None))
    return reasons


def _undo(written: list[_Written]) -> None:
    """Put back each item written, as its copy says, newest first (into the table's items: the
    stream was held, so there is nothing to take back there)."""
    for table, hash_value, range_value, before in reversed(written):
        items: dict = table.items[hash_value] if range_value is not None else table.items
        key = range_value if range_value is not None else hash_value
        if before is None:
            items.pop(key, None)
        else:
            items[key] = before


class _HeldStream:
    """A table's stream shard while a transaction writes: the transaction's own records are dropped
    (it adds one per item once every write succeeded); anything else is the shard's."""

    def __init__(self, shard: Any) -> None:
        self.shard = shard
        self.thread = threading.get_ident()

    def add(self, old: Item | None, new: Item | None) -> None:
        if threading.get_ident() != self.thread:  # a write that takes no lock (moto's PartiQL)
            self.shard.add(old, new)

    def __getattr__(self, name: str) -> Any:  # a reader of the stream meanwhile: the shard itself
        return getattr(self.shard, name)


@contextlib.contextmanager
def _streams_held(tables: Iterable[Table]) -> Iterator[None]:
    held = [(table, table.stream_shard) for table in {id(t): t for t in tables}.values() if table.stream_shard is not None]
    for table, shard in held:
        table.stream_shard = _HeldStream(shard)  # type: ignore[assignment]
    try:
        yield
    finally:
        for table, shard in held:
            table.stream_shard = shard


def _add_stream_records(written: list[_Written]) -> None:
    for table, hash_value, range_value, before in written:
        after = table.get_item(hash_value, range_value)
        if table.stream_shard is not None and (before is not None or after is not None):
            table.stream_shard.add(before, after)


def _locked(write: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(write)
    def locked(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return write(self, *args, **kwargs)
    return locked


# moto's own, wrapped: this module is imported before seams.py replaces them (and checks that
# moto has each of them).
WRITES = ("put_item", "update_item", "delete_item")
locked_writes = {name: _locked(vars(DynamoDBBackend)[name]) for name in WRITES if callable(vars(DynamoDBBackend).get(name))}
