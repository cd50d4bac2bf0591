"""Through the `lottery` command: bad draws and bad rosters are refused by name; the state file is kept."""

import shutil
import socket

import pytest

from cli import commands as cli
from conftest import saved_items


def run(capsys, *args):
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A state directory after one good draw, made once."""
    path = tmp_path_factory.mktemp("seeded")
    assert cli.main(["draw", "--state-dir", str(path)]) == 0
    return path / "dev.sqlite"


@pytest.fixture
def state_dir(tmp_path, seeded):
    (tmp_path / "state").mkdir()
    shutil.copy(seeded, tmp_path / "state" / "dev.sqlite")
    return tmp_path / "state"


@pytest.mark.parametrize("winners, error", [
    ("0", "InvalidInput"), ("-1", "InvalidInput"), ("11", "InvalidInput"),
    ("99999999999999999999", "InvalidInput"), ("9", "NotEnoughEligibleEmployees"),
])
def test_the_cli_reports_bad_draws_by_name_and_keeps_the_state(capsys, state_dir, winners, error):
    before = saved_items(state_dir / "dev.sqlite")
    code, out, err = run(capsys, "draw", "--winners", winners, "--state-dir", str(state_dir))
    assert code == 1 and err.startswith(f"Draw failed: {error}: ")
    assert saved_items(state_dir / "dev.sqlite") == before


def test_the_cli_refuses_a_winners_count_that_is_not_a_number(capsys, state_dir):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["draw", "--winners", "two", "--state-dir", str(state_dir)])
    assert exit_.value.code == 2 and "invalid int value: 'two'" in capsys.readouterr().err


@pytest.mark.parametrize("roster, message", [
    ("001,Rose\n001,Tracy\n", "line 2: employee_id 001 repeats line 1"),          # duplicate ids
    ("001,Rose\n002,\n", "line 2: employee_name is missing"),                    # missing names
    ("employee_id,employee_name,lottery_serial\n001,Rose,one\n", "is not a whole number"),  # non-numeric serial
    ("", "the roster has no employees"),                                          # empty file
    ("\n\n", "the roster has no employees"),
    ("001;Rose\n002;Tracy\n", "line 1: expected"),                               # wrong delimiter
    ("001\tRose\n", "line 1: expected"),
    ('{"Lottery-Employee": "nope"}', "batch-write file"),
])
def test_the_cli_refuses_a_bad_roster_by_line_and_keeps_the_state(capsys, state_dir, tmp_path, roster, message):
    before = saved_items(state_dir / "dev.sqlite")
    path = tmp_path / "roster.csv"
    path.write_text(roster)
    code, _, err = run(capsys, "import", str(path), "--state-dir", str(state_dir))
    assert code == 2 and err.startswith("InvalidRoster: ") and message in err
    assert saved_items(state_dir / "dev.sqlite") == before


def test_the_cli_refuses_a_roster_it_cannot_read(capsys, state_dir, tmp_path):
    binary = tmp_path / "roster.xlsx"
    binary.write_bytes(b"\xff\xfe\x00PK")
    code, _, err = run(capsys, "import", str(binary), "--state-dir", str(state_dir))
    assert code == 2 and "cannot read" in err
    code, _, err = run(capsys, "import", str(tmp_path / "missing.csv"), "--state-dir", str(state_dir))
    assert code == 2 and "cannot read" in err


@pytest.mark.parametrize("args, error", [
    (["--aws-port", "4566"], "--aws-port is the port of --aws's endpoint: give --aws too"),
    (["--aws", "--target", "aws"], "--aws serves the offline stack as an AWS endpoint; with --target aws, AWS is the endpoint"),
    (["--aws", "--aws-port", "65536"], "argument --aws-port: '65536' is not a port: 0 (any free one) to 65535"),
    (["--port", "-1"], "argument --port: '-1' is not a port: 0 (any free one) to 65535"),
])
def test_serve_refuses_aws_endpoint_options_that_do_not_go_together(capsys, tmp_path, args, error):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", *args, "--state-dir", str(tmp_path)])
    assert exit_.value.code == 2 and error in capsys.readouterr().err and not any(tmp_path.iterdir())


def test_serve_says_which_port_is_taken_and_keeps_the_state(capsys, state_dir):
    before = saved_items(state_dir / "dev.sqlite")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run(capsys, "serve", "--port", "0", "--aws", "--aws-port", str(port), "--state-dir", str(state_dir))
    assert code == 2 and err.startswith(f"PortTaken: cannot listen on port {port}: Address already in use")
    assert saved_items(state_dir / "dev.sqlite") == before and not (state_dir / "dev.aws.env").exists()
