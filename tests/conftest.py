"""Fixtures: moto tables shaped as the component makes them, and the handlers' environment."""

import contextlib
import json
import sqlite3
import sys
import time
from pathlib import Path

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer
from moto import mock_aws

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handlers import input_winners, random_select_winners, record_winners, validate_winners  # noqa: E402
from handlers.common import plain  # noqa: E402
from handlers.roster import parse_roster, write_roster  # noqa: E402

REGION = "cn-northwest-1"
SAMPLE = ROOT / "data" / "request-items.json"


@pytest.fixture
def aws(monkeypatch):
    """moto with the Employee, Winners, Draws, Ledger and Seeds tables, and the environment the component sets."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    settings = {
        "EMPLOYEE_TABLE": "t-Employee",
        "WINNERS_TABLE": "t-Winners", "DRAWS_TABLE": "t-Draws", "MAX_WINNERS": "10", "MAX_ATTEMPTS": "3",
        "LEDGER_TABLE": "t-Ledger", "SEEDS_TABLE": "t-Seeds",
        "LOTTERY_NAME": "t", "WINNERS_BY_TIME_INDEX": "lottery-drawn_at-index", "EMPLOYEE_BY_ID_INDEX": "employee_id-index",
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(
            TableName="t-Employee", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "roster", "AttributeType": "S"},
                                  {"AttributeName": "lottery_serial", "AttributeType": "N"},
                                  {"AttributeName": "employee_id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "roster", "KeyType": "HASH"}, {"AttributeName": "lottery_serial", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[{"IndexName": "employee_id-index",
                                     "KeySchema": [{"AttributeName": "employee_id", "KeyType": "HASH"},
                                                   {"AttributeName": "roster", "KeyType": "RANGE"}],
                                     "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        )
        client.create_table(
            TableName="t-Winners", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("employee_id", "lottery", "drawn_at")],
            KeySchema=[{"AttributeName": "employee_id", "KeyType": "HASH"}],
            GlobalSecondaryIndexes=[{"IndexName": "lottery-drawn_at-index",
                                     "KeySchema": [{"AttributeName": "lottery", "KeyType": "HASH"},
                                                   {"AttributeName": "drawn_at", "KeyType": "RANGE"}],
                                     "Projection": {"ProjectionType": "ALL"}}],
        )
        for name, key, kind in (("t-Draws", "draw_id", "S"), ("t-Ledger", "seq", "N"), ("t-Seeds", "draw_id", "S")):
            client.create_table(
                TableName=name, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": key, "AttributeType": kind}],
                KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            )
        yield boto3.resource("dynamodb", region_name=REGION)


def tables(ddb):
    """Employee, Winners, Draws and Ledger: what an import reads and writes."""
    return ddb.Table("t-Employee"), ddb.Table("t-Winners"), ddb.Table("t-Draws"), ddb.Table("t-Ledger")


def committed(draw_id: str, count: int, started_at: str = "2026-01-01T00:00:00+00:00") -> dict:
    """What Input Lottery Winners passes on for a draw of `count` (committed, not yet drawn)."""
    return input_winners.handler({"request": {"input": count}, "draw": {"id": draw_id, "started_at": started_at}}, None)


def draw(draw_id: str, count: int) -> dict:
    """One whole draw through the handlers, as the state machine runs them when nothing fails."""
    validated = validate_winners.handler(random_select_winners.handler(committed(draw_id, count), None), None)
    assert validated["status"] == 0
    return record_winners.handler(validated, None)


def load_roster(ddb, text=None):
    return write_roster(parse_roster(SAMPLE.read_text() if text is None else text), *tables(ddb))


def scan(table) -> list[dict]:
    return table.scan()["Items"]


def live_roster(employee_table, draws_table) -> list[dict]:
    """The Employee items of the generation the pool names, in employee_id order."""
    live = draws_table.get_item(Key={"draw_id": "#pool"})["Item"]["roster"]
    return sorted((e for e in scan(employee_table) if e["roster"] == live), key=lambda e: e["employee_id"])


def pool_serials(ddb) -> list[int]:
    """The serials of the live roster's employees who never won, after checking the live roster
    holds every one of its employees at exactly one serial of 1..N."""
    employee, winners, draws, _ = tables(ddb)
    items = live_roster(employee, draws)
    assert sorted(int(e["lottery_serial"]) for e in items) == list(range(1, len(items) + 1))
    assert len({e["employee_id"] for e in items}) == len(items)
    won = {w["employee_id"] for w in scan(winners)}
    return sorted(int(e["lottery_serial"]) for e in items if e["employee_id"] not in won)


def saved_items(path: Path) -> dict[str, list[dict]]:
    """A state file's items by table export, as plain values, in key order: what the next command
    loads (opened as it opens it, so a killed save's journal is rolled back first)."""
    items: dict[str, list[dict]] = {t: [] for t in ("employee_table", "winners_table", "draws_table", "ledger_table",
                                                    "seeds_table")}
    deserialize = TypeDeserializer().deserialize
    with contextlib.closing(sqlite3.connect(path)) as db:
        for export, item in db.execute("SELECT tbl, item FROM items ORDER BY tbl, key"):
            items[export].append(plain({name: deserialize(value) for name, value in json.loads(item).items()}))
    return items


def until(condition, what: str, timeout_s: float = 120):
    """condition()'s first true value, looked for every 50 ms; a failed test naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not (found := condition()):
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)
    return found
