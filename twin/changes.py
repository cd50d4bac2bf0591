"""Which items of moto's DynamoDB tables changed since the state was last saved, so a save writes
those items only (state.py).

moto 5.2.5 changes a table's items in three places, and every write reaches one of them:
`Table.put_item` (PutItem, a batch's puts, a transaction's Put, PartiQL, and UpdateItem creating
an item), `Table.delete_item`, and `DynamoDBBackend.update_item`, which changes an existing item in
place. seams.py wraps each (`around_*` below) for a session; the wrapper notes the table and the
item's key after the call, whether it succeeded or not: a note too many costs a save one row it
finds unchanged, a note too few would lose a write. A transaction that fails while writing puts
back the items it wrote (transactions.py), and the notes its writes left then find them as they were.
"""

import threading
from collections.abc import Callable
from typing import Any

from . import seams
from .state import key_json

with seams.needs("moto's DynamoDB tables"):
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

Key = tuple[DynamoType, DynamoType | None]  # an item's hash key, and its range key if the table has one

# moto's own, for seams.py's checks: this module is imported before seams.py replaces them.
moto_put_item, moto_delete_item = Table.put_item, Table.delete_item
moto_update_item = DynamoDBBackend.update_item

_lock = threading.Lock()
# Table ARN: the keys of its items written since the last save. moto's DynamoType compares and
# hashes as DynamoDB compares keys (1 and 1.0 are one number), as moto's own tables do.
_changed: dict[str, set[Key]] = {}


def item_key(hash_key: DynamoType, range_key: DynamoType | None) -> str:
    """The key a saved item is found by (state.key_json)."""
    return key_json(*(key.to_json() for key in (hash_key, range_key) if key is not None))


def note(table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> None:
    """Remember that `table`'s item at this key may have changed."""
    with _lock:
        _changed.setdefault(table.table_arn, set()).add((hash_key, range_key))


def take(table_arns: list[str]) -> dict[str, set[Key]]:
    """The keys noted for these tables since the last take, forgotten here; a save that fails
    gives them back (`give_back`). Writes noted from now on are the next save's."""
    with _lock:
        return {arn: _changed.pop(arn) for arn in table_arns if arn in _changed}


def give_back(taken: dict[str, set[Key]]) -> None:
    """Note again what a failed save took: the next save writes it."""
    with _lock:
        for arn, keys in taken.items():
            _changed.setdefault(arn, set()).update(keys)


def forget(table_arns: list[str]) -> None:
    """Drop the notes of these tables: they were just created, loaded or are going away."""
    take(table_arns)


def _key_of(table: Table, attrs: Any) -> Key | None:
    """The key in a request's item or Key (typed JSON), if it has one this table can read."""
    try:
        hash_key = DynamoType(attrs[table.hash_key_attr])
        return hash_key, (DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None)
    except (KeyError, TypeError, IndexError, AttributeError):
        return None  # moto refuses such a request before it changes anything


def around_put_item(under: Callable) -> Callable:
    """Table.put_item around `under` (moto's, or whatever a hook put beneath this one)."""

    def put_item(self, item_attrs, *args, **kwargs):
        try:
            item = under(self, item_attrs, *args, **kwargs)
        except BaseException:
            if key := _key_of(self, item_attrs):
                note(self, *key)
            raise
        note(self, item.hash_key, item.range_key)
        return item

    return put_item


def around_delete_item(under: Callable) -> Callable:
    """Table.delete_item around `under`."""

    def delete_item(self, hash_key, range_key, *args, **kwargs):
        try:
            return under(self, hash_key, range_key, *args, **kwargs)
        finally:
            note(self, hash_key, range_key)

    return delete_item


def around_update_item(under: Callable) -> Callable:
    """DynamoDBBackend.update_item around `under`: an update changes the item in place, where no
    Table method sees it (one that creates the item goes through Table.put_item as well)."""

    def update_item(self, table_name, key, *args, **kwargs):
        try:
            return under(self, table_name, key, *args, **kwargs)
        finally:
            try:
                table = self.get_table(table_name)
            except Exception:  # no such table: nothing was written
                table = None
            if table is not None and (found := _key_of(table, key)):
                note(table, *found)

    return update_item
