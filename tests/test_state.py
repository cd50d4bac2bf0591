"""The offline state in SQLite: a save writes the items that changed, in one transaction that a kill
cannot split; items come back exactly; a JSON state from before is converted once; a state that
cannot be read says so."""

import contextlib
import json
import sqlite3
import subprocess
import sys

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from conftest import ROOT, saved_items
from handlers.common import plain
from twin import changes, seams, state
from twin.stack import OfflineStack, load_tables, save_tables

REGION = "us-east-1"
SCHEMAS = {"singles": [("id", "HASH", "S")], "pairs": [("roster", "HASH", "S"), ("serial", "RANGE", "N")]}
ODD = {  # one of each kind of value, as typed JSON
    "whole": {"N": "42"}, "fraction": {"N": "-7.25"}, "long": {"N": "12345678901234567890123456789012345678"},
    "tiny": {"N": "1E-130"}, "zero": {"N": "0"}, "text": {"S": 'Zoë 🎲 "quoted"\n'}, "blank": {"S": ""},
    "yes": {"BOOL": True}, "no": {"BOOL": False}, "nothing": {"NULL": True}, "bytes": {"B": b"\x00\xffraw"},
    "list": {"L": [{"N": "1"}, {"S": "two"}, {"L": []}, {"M": {"deep": {"NULL": True}, "bin": {"B": b"\x01"}}}]},
    "map": {"M": {"a": {"N": "1.5"}, "b": {"SS": ["x", "y"]}, "c": {"M": {}}}},
    "strings": {"SS": ["a", "b"]}, "numbers": {"NS": ["1", "2.5"]}, "binaries": {"BS": [b"\x01", b"\x02"]},
}


def moto_tables():
    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION]
    return {name: backend.get_table(name) for name in SCHEMAS}


def create_tables(client):
    for name, schema in SCHEMAS.items():
        with contextlib.suppress(client.exceptions.ResourceNotFoundException):
            client.delete_table(TableName=name)
        client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": a, "AttributeType": t} for a, _, t in schema],
                            KeySchema=[{"AttributeName": a, "KeyType": k} for a, k, _ in schema])
    changes.forget([table.table_arn for table in moto_tables().values()])


@pytest.fixture
def dynamodb():
    """moto with a table keyed by hash and one by hash and range (as Employee is becoming), hooks in."""
    with seams.session(), mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        create_tables(client)
        yield client


def everything(client) -> dict[str, list]:
    return {name: sorted(client.scan(TableName=name)["Items"], key=repr) for name in SCHEMAS}


def rows(path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT * FROM items ORDER BY tbl, key").fetchall()


def test_items_come_back_exactly_as_they_were_saved(dynamodb, tmp_path):
    path = tmp_path / "dev.sqlite"
    dynamodb.put_item(TableName="singles", Item={"id": {"S": "odd"}, **ODD})
    dynamodb.put_item(TableName="singles", Item={"id": {"S": "going"}})
    for roster, serial in (("r1", "1"), ("r1", "2"), ("r2", "1")):
        dynamodb.put_item(TableName="pairs", Item={"roster": {"S": roster}, "serial": {"N": serial}, **ODD})
    save_tables(path, moto_tables())  # the first save: every item
    dynamodb.update_item(TableName="singles", Key={"id": {"S": "odd"}}, UpdateExpression="SET whole = whole + :one, added = :one",
                         ExpressionAttributeValues={":one": {"N": "1"}})
    dynamodb.delete_item(TableName="singles", Key={"id": {"S": "going"}})
    dynamodb.update_item(TableName="pairs", Key={"roster": {"S": "r2"}, "serial": {"N": "1"}},
                         UpdateExpression="REMOVE #m", ExpressionAttributeNames={"#m": "map"})
    dynamodb.put_item(TableName="pairs", Item={"roster": {"S": "r2"}, "serial": {"N": "3.0"}, "new": {"BOOL": True}})
    save_tables(path, moto_tables())  # the items that changed
    saved = everything(dynamodb)
    create_tables(dynamodb)
    assert load_tables(path, moto_tables())
    assert everything(dynamodb) == saved
    found = dynamodb.query(TableName="pairs", KeyConditionExpression="roster = :r", ExpressionAttributeValues={":r": {"S": "r1"}})
    assert [i["serial"]["N"] for i in found["Items"]] == ["1", "2"]
    assert changes.take([t.table_arn for t in moto_tables().values()]) == {}  # loading is not a change


def test_a_draws_save_writes_only_the_items_it_changed(tmp_path, monkeypatch):
    written = []

    def counted(path, rows):
        changed = save(path, rows)
        written.append((len(rows), changed))
        return changed

    save = state.save
    monkeypatch.setattr(state, "save", counted)
    with OfflineStack("dev", tmp_path) as stack:
        stack.import_roster("employee_id,employee_name\n" + "\n".join(f"e{i:04d},Employee {i}" for i in range(500)))
        assert written == []  # the first save wrote a new file whole
        before = saved_items(stack.state_path)
        assert stack.draw({"input": 3})["status"] == "SUCCEEDED"
        after = saved_items(stack.state_path)
        stack.saved()  # nothing changed since: nothing to write
    differ = 0
    for export, key in (("employee_table", ("roster", "lottery_serial")), ("winners_table", ("employee_id",)),
                        ("draws_table", ("draw_id",)), ("ledger_table", ("seq",)), ("seeds_table", ("draw_id",))):
        old, new = ({tuple(item[k] for k in key): item for item in items[export]} for items in (before, after))
        differ += sum(old.get(k) != new.get(k) for k in old.keys() | new.keys())
    # Up to 6 places the swaps change, 3 winners, the draw, the pool, its seed, the Ledger's commit
    # and draw records and head: rows for those only
    assert 9 <= differ <= 15 and written == [(differ, differ)]


KILLED_MID_SAVE = """
import os, signal, sys
from pathlib import Path
from twin import state

def rows():
    yield ("singles", '[{"S":"a"}]', '{"id":{"S":"a"},"v":{"S":"changed"}}')
    yield ("singles", '[{"S":"b"}]', None)
    for n in range(4000):  # more than SQLite's page cache holds: written into the file before the commit
        yield ("singles", f'[{{"S":"new{n}"}}]', '{"v":{"S":"%s"}}' % ("x" * 2000))
    os.kill(os.getpid(), signal.SIGKILL)

state.save(Path(sys.argv[1]), rows())
"""


def test_a_save_killed_midway_leaves_the_state_before_it(tmp_path):
    path = tmp_path / "dev.sqlite"
    state.create(path, [("singles", f'[{{"S":"{k}"}}]', f'{{"id":{{"S":"{k}"}}}}') for k in "abc"])
    before = rows(path)
    killed = subprocess.run([sys.executable, "-c", KILLED_MID_SAVE, str(path)], cwd=ROOT, capture_output=True, timeout=60)
    assert killed.returncode == -9, killed.stderr
    assert path.stat().st_size > 4000 * 2000  # the killed save's pages are in the file
    assert (tmp_path / "dev.sqlite-journal").exists()  # and the journal that puts the state back
    assert rows(path) == before
    assert not (tmp_path / "dev.sqlite-journal").exists()
    assert state.save(path, [("singles", '[{"S":"b"}]', None)]) == 1 and len(rows(path)) == 2


def test_a_save_that_fails_midway_writes_nothing_and_the_next_save_writes_it_all(dynamodb, tmp_path, monkeypatch):
    path = tmp_path / "dev.sqlite"
    for key in "ab":
        dynamodb.put_item(TableName="singles", Item={"id": {"S": key}, "v": {"N": "1"}})
    save_tables(path, moto_tables())
    before = rows(path)
    for key in "ab":
        dynamodb.put_item(TableName="singles", Item={"id": {"S": key}, "v": {"N": "2"}})

    def failing(path, rows):
        def first_then_fail():
            yield rows[0]
            raise OSError(28, "No space left on device")
        return save(path, first_then_fail())

    save = state.save
    monkeypatch.setattr(state, "save", failing)
    with pytest.raises(state.StateError, match="No space left"):
        save_tables(path, moto_tables())
    assert rows(path) == before
    monkeypatch.setattr(state, "save", save)
    save_tables(path, moto_tables())
    assert [json.loads(item)["v"] for _, _, item in rows(path)] == [{"N": "2"}, {"N": "2"}]


LEGACY = {
    "employee_table": [{"employee_id": "001", "employee_name": "Ann", "lottery_serial": 1},
                       {"employee_id": "002", "employee_name": "Bo"}],
    "winners_table": [{"employee_id": "002", "employee_name": "Bo", "draw_id": "Lottery-1",
                       "drawn_at": "2026-01-01T00:00:00.000+00:00", "lottery": "lottery-dev"}],
    "draws_table": [{"draw_id": "#pool", "pool_size": 2, "eligible": 1, "imported_at": "2026-01-01T00:00:00.000+00:00"},
                    {"draw_id": "Lottery-1", "pool_size": 2, "eligible": 2, "share": 0.5,
                     "winners": [{"employee_id": "002", "employee_name": "Bo"}]}],
}


def test_a_json_state_from_before_is_converted_once_and_drawn_from(tmp_path):
    (tmp_path / "dev.json").write_text(json.dumps(LEGACY, indent=1, sort_keys=True))
    with OfflineStack("dev", tmp_path) as stack:
        # The employees become the roster generation "legacy": who can win first, past winners after.
        employees = plain(stack.table("employee_table").scan()["Items"])
        assert sorted((e["lottery_serial"], e["employee_id"], e["roster"]) for e in employees) == [
            (1, "001", state.LEGACY_ROSTER), (2, "002", state.LEGACY_ROSTER)]
        assert {k: stack.pool()[k] for k in ("roster", "pool_size", "eligible")} == {
            "roster": state.LEGACY_ROSTER, "pool_size": 2, "eligible": 1}
        assert plain(stack.table("winners_table").scan()["Items"]) == LEGACY["winners_table"]
        # The Ledger starts now: a draw needs the roster imported into it.
        refused = stack.draw({"input": 1})
        assert (refused["error"], refused["cause"]) == (
            "RosterNotRecorded", "the live roster was imported before draws were verifiable (0.4): import it again")
        stack.import_roster("employee_id,employee_name\n001,Ann\n002,Bo\n")  # removes the legacy generation
        assert {e["roster"] for e in stack.table("employee_table").scan()["Items"]} == {stack.pool()["roster"]}
        assert [w["employee_id"] for w in stack.draw({"input": 1})["winners"]] == ["001"]  # 002 won before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dev.json.migrated", "dev.sqlite"]
    assert json.loads((tmp_path / "dev.json.migrated").read_text()) == LEGACY  # kept as it was


@pytest.mark.parametrize("name, content", [
    ("dev.sqlite", b"not a database at all"), ("dev.sqlite", b""), ("dev.sqlite", "PRAGMA user_version = 2"),
    ("dev.sqlite", "INSERT INTO items VALUES ('nope', '[]', '{}')"),  # a table this stack does not have
    ("dev.json", b'{"employee_table": ['), ("dev.json", b'{"employee_table": []}'), ("dev.json", b'{"singles": [{"no key": 1}]}'),
])
def test_a_state_that_cannot_be_read_says_reset_starts_afresh(tmp_path, name, content):
    if isinstance(content, str):  # SQL, run on a good state
        state.create(tmp_path / name, [])
        with contextlib.closing(sqlite3.connect(tmp_path / name)) as db:
            db.execute(content)
            db.commit()
    else:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(state.StateError, match=r"is unreadable \(.+\); `lottery reset` starts afresh"):
        state.load(tmp_path / "dev.sqlite", {"singles": ("id", None)}, lambda export, attrs: {"singles": None}[export])
