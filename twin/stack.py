"""OfflineStack: deploy a lottery stack into moto, run draws on it, keep its data in a state dir."""

import contextlib
import gc
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import boto3
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import Table
from moto.sns.models import sns_backends
from moto.stepfunctions.parser.models import stepfunctions_parser_backends

from . import changes, notifications, seams, state
from .lottery import TABLES, Lottery
from .mocks import MotoMocks
from .program import PROJECT_DIR, SAMPLE_ROSTER, read_config, run_program


class OfflineStack(Lottery):
    """A stack "deployed" into moto in this process. Use as a context manager."""

    poll_max_s = 0.001  # a look at moto's execution, not a DescribeExecution (see _ended)

    def __init__(self, stack: str = "dev", state_dir: Path | None = None, project_dir: Path = PROJECT_DIR):
        self.stack, self.project_dir = stack, project_dir
        self.state_path = state.state_file(state_dir, stack) if state_dir else None
        self.region = read_config(project_dir, stack)[1].get("aws:region", "us-east-1")
        # moto's default Lambda backend: its _invoke_lambda is where seams.py hooks the Lambda runner.
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})

    def __enter__(self):
        # moto's interpreter logs each failed state at ERROR; a failed draw is reported by us.
        logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
        seams.install()  # before moto starts: it reads its URL table then
        try:
            self._mock.start()
            try:
                self.mocks = MotoMocks(self.region)
                super().__init__(run_program(self.project_dir, self.stack, self.mocks), self.region)
                self._arns = [table.table_arn for table in self.tables().values()]
                changes.forget(self._arns)  # the tables are new: whatever was noted was another session's
                if not (self.state_path and self._load(self.state_path)):
                    # Not saved yet: with no state file, the next run imports the same sample again.
                    self.import_roster(SAMPLE_ROSTER.read_text(), save=False)
            except BaseException:
                self._mock.stop()
                raise
        except BaseException:
            seams.uninstall()
            raise
        return self

    def __exit__(self, *exc):
        try:
            changes.forget(self._arns)
            self._mock.stop()
        finally:
            seams.uninstall()

    def _ended(self, execution_arn: str) -> dict | None:
        # moto's own record of the execution costs nothing to read; each DescribeExecution through
        # boto3 would take the GIL from the running draw.
        execution = stepfunctions_parser_backends[DEFAULT_ACCOUNT_ID][self.region].describe_execution(execution_arn)
        return None if execution.status == "RUNNING" else super()._ended(execution_arn)

    def tables(self) -> dict[str, Table]:
        """moto's own tables, by stack export (looked up each time: a table deleted and made again,
        as the cost benchmark does, is a new object)."""
        backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][self.region]
        return {key: backend.get_table(self.outputs[key]) for key in TABLES}

    def saved(self) -> None:
        if self.state_path:
            save_tables(self.state_path, self.tables())

    def _load(self, path: Path) -> bool:
        return load_tables(path, self.tables())

    def write_all(self, table, requests: list[dict]) -> int:
        """An import's writes, done in moto's own table (as DynamoDB's BatchWriteItem does them,
        through the twin's lock and change notes): through boto3, botocore and moto turning each
        25-item call into a request and back cost 0.76 ms an employee here, 76 s for 100,000. An
        upload to the roster bucket runs the import function's own BatchWriteItem calls."""
        backend, serialize = dynamodb_backends[DEFAULT_ACCOUNT_ID][self.region], TypeSerializer().serialize
        with _collector_paused():
            for request in requests:
                if "PutRequest" in request:
                    backend.put_item(table.name, {k: serialize(v) for k, v in request["PutRequest"]["Item"].items()})
                else:
                    backend.delete_item(table.name, {k: serialize(v) for k, v in request["DeleteRequest"]["Key"].items()})
        return len(requests)

    def read_roster(self, table, generation: str) -> list[dict]:
        """A generation read from moto's own table: through boto3, moto serialising each item cost
        0.8 ms an employee, 80 s for 100,000."""
        items = self.tables()["employee_table"].items.get(DynamoType({"S": generation}), {})
        return sorted(({"employee_id": i.attrs["employee_id"].value, "employee_name": i.attrs["employee_name"].value}
                       for i in list(items.values())), key=lambda e: e["employee_id"])

    def busy(self) -> bool:
        """Whether a draw runs, or an S3 notification invoked in the background (the endpoint's) has
        not ended: a save now could keep half of what it writes."""
        if notifications.pending():
            return True
        try:
            running = self.sfn.list_executions(stateMachineArn=self.outputs["state_machine_arn"], statusFilter="RUNNING")
        except ClientError:  # a client deleted the state machine: nothing of it runs
            return False
        return bool(running["executions"])

    @staticmethod
    def notifying_in_background():
        """S3 notifications caused inside this block invoke their function in a thread of their own, as on AWS."""
        return notifications.in_background()

    def _sent(self, topic_arn: str) -> list[str]:
        topic = sns_backends[DEFAULT_ACCOUNT_ID][self.region].topics.get(topic_arn)  # a client may delete it
        return [n[1] for n in topic.sent_notifications] if topic else []

    def announcements(self) -> list[str]:
        """Every message published on the Notification topic, oldest first."""
        return self._sent(self.outputs["notification_topic_arn"])

    def roster_notices(self) -> list[str]:
        """Every roster notice (a rejection, or an acceptance with its counts), oldest first."""
        importer = boto3.client("lambda", region_name=self.region).get_function_configuration(
            FunctionName=self.outputs["function_names"]["ImportRoster"])
        return self._sent(importer["Environment"]["Variables"]["ROSTER_NOTICES_TOPIC_ARN"])


def save_tables(path: Path, tables: dict[str, Table]) -> None:
    """Save moto's `tables` (by stack export) at `path`: the items that changed since the last save
    (changes.py), or every item at the first. Read from moto's own tables: a save after every draw
    would otherwise Scan each table through boto3."""
    arns = [table.table_arn for table in tables.values()]
    if not path.exists():
        changes.forget(arns)
        state.create(path, ((key, changes.item_key(item.hash_key, item.range_key), _json(item))
                            for key, table in tables.items() for item in _items(table)))
        return
    taken = changes.take(arns)
    try:
        if rows := [(key, changes.item_key(*at), _json(table.get_item(*at)))
                    for key, table in tables.items() for at in taken.get(table.table_arn, ())]:
            state.save(path, rows)
    except BaseException:
        changes.give_back(taken)  # the next save writes them
        raise


def load_tables(path: Path, tables: dict[str, Table]) -> bool:
    """Put the items saved at `path` into moto's `tables` (by stack export, freshly made); False when
    there is no state yet. Loading is not a write: the items are placed where moto's put_item puts
    them, with none of a write's checks (made when each was first written), stream records or notes."""
    keys = {key: (table.hash_key_attr, table.range_key_attr) for key, table in tables.items()}
    with _collector_paused():
        return state.load(path, keys, lambda key, attrs: _place(tables[key], attrs))


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The garbage collector off while a table's worth of items is made: they live as long as the
    session, and a collection while they are made (a few, over a heap that grows by a million
    objects) would be seconds of looking at them for nothing."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _items(table: Table) -> list[Item]:
    """Every item of a moto table: items[hash], or items[hash][range] with a range key. list()
    copies in one step under the GIL, so a draw in another thread cannot change what is read."""
    if table.range_key_attr is None:
        return list(table.items.values())  # type: ignore[arg-type]  # moto types items for a range key
    return [item for by_range in list(table.items.values()) for item in list(by_range.values())]


def _json(item: Item | None) -> str | None:
    return None if item is None else state.item_json(item.to_json()["Attributes"])


def _place(table: Table, attrs: dict) -> None:
    hash_key = DynamoType(attrs[table.hash_key_attr])
    if table.range_key_attr is None:
        table.items[hash_key] = _item(hash_key, None, attrs)  # type: ignore[assignment]  # as moto's put_item
    else:
        range_key = DynamoType(attrs[table.range_key_attr])
        table.items[hash_key][range_key] = _item(hash_key, range_key, attrs)


def _item(hash_key: DynamoType, range_key: DynamoType | None, attrs: dict) -> Item:
    """Item(hash_key, range_key, attrs), less the size check its attributes' LimitedSizeDict makes at
    each attribute it is given (over all the attributes before it: two thirds of a load's time).
    moto's own Item.__deepcopy__ skips it the same way, for an item that passed it when first written."""
    item = cast(Item, Item.__new__(Item))
    item.hash_key, item.range_key = hash_key, range_key
    item.attrs = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.update(item.attrs, {name: DynamoType(value) for name, value in attrs.items()})
    return item
