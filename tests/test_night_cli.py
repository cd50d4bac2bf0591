"""`lottery night` as an organiser types it: a night opened from a file, check-ins, a prize, an
absent winner, the results written as XLSX and CSV; bad files and ids refused by name; and the
same commands going through a `lottery serve` that holds the state."""

import csv
import json
import re
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from cli import commands as cli
from conftest import ROOT


def run(capsys, *args):
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow  # ten commands, each deploying the offline stack
def test_an_organisers_night_from_the_command_line(capsys, tmp_path):
    state = ["--state-dir", str(tmp_path / "state")]
    code, out, _ = run(capsys, "night", "open", str(ROOT / "data" / "night.json"), *state)
    assert code == 0 and "Opened party-2026 (2026 年会 · Annual party): 三等奖 Third prize x 3, then" in out
    assert "only who checks in can win (0 now)" in out
    code, out, err = run(capsys, "night", "checkin", "001", "002", "003", "004", "010", "999", *state)
    assert code == 2 and "001 R**e: checked in" in out and "999: InvalidInput: 999 is not on the live roster" in err
    code, out, _ = run(capsys, "night", "draw", "third", *state)
    assert code == 0 and "3 winner(s)" in out  # of the four present: 010 is excluded in the file
    third = re.findall(r"^  (\d{3})  ", out, re.M)
    assert len(third) == 3 and "010" not in third
    code, out, _ = run(capsys, "night", "absent", third[0], *state)
    assert code == 0 and "1 winner(s)" in out
    code, _, err = run(capsys, "night", "absent", third[0], *state)
    assert code == 2 and f"{third[0]} is no winner of the open night who could forfeit" in err
    code, out, _ = run(capsys, "night", "results", "--out", str(tmp_path / "results.xlsx"), *state)
    assert code == 0 and "Wrote 4 winner(s)" in out
    sheet = load_workbook(tmp_path / "results.xlsx").active
    header = [c.value for c in sheet[1]]
    table = [dict(zip(header, row, strict=True))
             for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert {r["employee_id"]: r["status"] for r in table}[third[0]] == "forfeited"
    assert run(capsys, "night", "results", "--out", str(tmp_path / "results.csv"), *state)[0] == 0
    with open(tmp_path / "results.csv", encoding="utf-8-sig") as written:
        assert [r["employee_id"] for r in csv.DictReader(written)] == [r["employee_id"] for r in table]
    code, _, err = run(capsys, "night", "results", "--out", str(tmp_path / "results.pdf"), *state)
    assert code == 2 and "--out must end in .csv or .xlsx" in err
    code, out, _ = run(capsys, "verify", *state)
    assert code == 0 and "who forfeits" in out


def test_bad_nights_and_commands_without_a_night_are_refused_by_name(capsys, tmp_path):
    state = ["--state-dir", str(tmp_path / "state")]
    code, _, err = run(capsys, "night", "checkin", "001", *state)
    assert code == 2 and "no draw night is open" in err
    # A night file is read and checked before anything is deployed: no state is made for it.
    (tmp_path / "bad.json").write_text(json.dumps({"id": "x", "name": "X", "prizes": [{"id": "a", "name": "A", "count": 0}]}))
    code, _, err = run(capsys, "night", "open", str(tmp_path / "bad.json"), *state)
    assert code == 2 and "InvalidInput: prize 1's count must be a whole number from 1 to 1000, not 0" in err
    code, _, err = run(capsys, "night", "open", str(tmp_path / "missing.json"), "--state-dir", str(tmp_path / "other"))
    assert code == 2 and "cannot read" in err and not (tmp_path / "other").exists()


@pytest.mark.slow  # a `lottery serve` process of its own
def test_night_commands_go_through_the_server_that_holds_the_state(tmp_path):
    state = ["--state-dir", str(tmp_path / "state")]
    lottery = [sys.executable, "-m", "cli"]
    server = subprocess.Popen([*lottery, "serve", "--port", "0", *state], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        assert "Serving stack dev" in line, line

        def night(*args):
            return subprocess.run([*lottery, "night", *args, *state], cwd=ROOT, capture_output=True, text=True, timeout=120)

        assert night("open", str(ROOT / "data" / "night.json")).returncode == 0
        assert night("checkin", "001", "002", "003").returncode == 0
        drawn = night("draw", "third")
        assert drawn.returncode == 0 and "3 winner(s)" in drawn.stdout, drawn.stderr
    finally:
        server.terminate()
        server.wait(timeout=60)
    results = subprocess.run([*lottery, "night", "results", *state], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert results.returncode == 0 and len(results.stdout.strip().splitlines()) == 4  # kept when the server stopped
