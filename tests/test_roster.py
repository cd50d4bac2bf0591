"""The roster import: the whole file is checked first, a bad line is named, nothing is written."""

import pytest

from conftest import SAMPLE, live_roster, load_roster, scan, tables
from handlers.common import InvalidRoster
from handlers.roster import parse_roster


def test_the_seed_batch_write_file_gives_its_ten_employees_in_serial_order():
    employees = parse_roster(SAMPLE.read_text())
    assert [e["employee_name"] for e in employees] == [
        "Rose", "Tracy", "Aaron", "Bob", "Yigal", "Uber", "Oscar", "Paul", "Ember", "Gary"]
    assert employees[0] == {"employee_id": "001", "employee_name": "Rose", "employee_entry_date": "20190924"}


@pytest.mark.parametrize("text", [
    "employee_id,employee_name\n1,Ann\n2,Bo\n",
    "1|Ann|20200101\n2|Bo|20200102\n",
    "employee_id|employee_name|lottery_serial\n1|Ann|2\n2|Bo|1\n",
])
def test_csv_with_commas_or_pipes_with_or_without_header(text):
    assert {e["employee_id"] for e in parse_roster(text)} == {"1", "2"}


@pytest.mark.parametrize("text, message", [
    ("", "no employees"),
    ("employee_id,employee_name\n", "no employees"),
    ("1,Ann\n1,Bo\n", "line 2: employee_id 1 repeats line 1"),
    ("1,Ann\n2,\n", "line 2: employee_name is missing"),
    (",Ann\n", "line 1: employee_id is missing"),
    ("employee_id,employee_name,lottery_serial\n1,Ann,x\n", "line 2: lottery_serial 'x' is not a whole number"),
    ("employee_id,employee_name,lottery_serial\n1,Ann,1\n2,Bo,3\n", "1..2 exactly once"),
    ("1;Ann\n", "line 1: expected"),
    ("1,Ann,2019,1,extra\n", "line 1: expected"),
    ('{"T": [{"Put": {}}]}', "seed's batch-write file"),
    ('{"T": [{"PutRequest": {"Item": {"employee_id": {"S": "1"}, "employee_name": {"S": "\\ud800"}}}}]}',
     "line 1: a lone surrogate"),
])
def test_a_bad_roster_is_refused_naming_the_line_and_writes_nothing(aws, text, message):
    load_roster(aws)
    before = [scan(t) for t in tables(aws)]
    with pytest.raises(InvalidRoster, match=message):
        load_roster(aws, text)
    assert [scan(t) for t in tables(aws)] == before


def test_an_import_replaces_the_roster(aws):
    load_roster(aws)
    pool = load_roster(aws, "employee_id,employee_name\nx,Xi\ny,Yu\n")
    assert pool["pool_size"] == pool["eligible"] == 2
    assert [e["employee_id"] for e in live_roster(tables(aws)[0], tables(aws)[2])] == ["x", "y"]
    # The roster it replaced is kept: the Ledger's draws from it are verified against it.
    assert len(scan(tables(aws)[0])) == 12
