"""End to end through the offline runtime: the real stack program, deployed into moto, drawn."""

import io
import json
import subprocess
import sys
import zipfile

import boto3
import pytest
from botocore.exceptions import ClientError

from cli import commands as cli
from conftest import ROOT, saved_items
from handlers.common import plain
from twin.stack import OfflineStack

SEED_IDS = {f"{i:03d}" for i in range(1, 11)}


@pytest.fixture
def dev(tmp_path):
    with OfflineStack("dev", tmp_path) as stack:
        yield stack


@pytest.fixture
def role(dev):
    """A role the stack's moto knows, for the functions and state machines a test makes itself."""
    return dev.sfn.describe_state_machine(stateMachineArn=dev.outputs["state_machine_arn"])["roleArn"]


def test_five_draws_exhaust_the_seed_pool_and_the_sixth_fails_cleanly(dev):
    seen = []
    for _ in range(5):
        result = dev.draw({"input": 2})
        assert result["status"] == "SUCCEEDED", result
        assert len({w["employee_id"] for w in result["winners"]}) == 2
        seen += [w["employee_id"] for w in result["winners"]]
        names = [w["employee_name"] for w in result["winners"]]
        assert all(n in result["message"] for n in names)
        assert [t["state"] for t in result["transitions"]] == [
            "Input Lottery Winners", "Random Select Winners", "Validate Winners",
            "Is Winner In Past Draw", "Record In Dynamodb", "Send SNS", "Record Announcement"]
        assert result["lambda_invocations"] == 4
    assert sorted(seen) == sorted(SEED_IDS)
    assert len(dev.announcements()) == 5
    last = dev.draw({"input": 2})
    assert (last["status"], last["error"], last["winners"]) == ("FAILED", "NotEnoughEligibleEmployees", [])
    assert "only 0" in last["cause"]
    assert len(dev.announcements()) == 5  # no notice without a record


def test_the_global_region_stack_draws_too(tmp_path):
    with OfflineStack("us", tmp_path) as us:
        assert us.outputs["state_machine_arn"].startswith("arn:aws:states:us-east-1:")
        result = us.draw({"input": 3})
    assert result["status"] == "SUCCEEDED" and len(result["winners"]) == 3


def test_a_setting_the_component_forgets_makes_the_offline_draw_fail(tmp_path, monkeypatch):
    import dataclasses

    from components import functions

    forgetful = dataclasses.replace(functions.RANDOM_SELECT_WINNERS, settings=tuple(
        n for n in functions.RANDOM_SELECT_WINNERS.settings if n != "MAX_ATTEMPTS"))
    monkeypatch.setattr(functions, "DRAW_FUNCTIONS", tuple(
        forgetful if spec is functions.RANDOM_SELECT_WINNERS else spec for spec in functions.DRAW_FUNCTIONS))
    with OfflineStack("us", tmp_path) as broken:
        result = broken.draw({"input": 1})
    assert (result["status"], result["error"]) == ("FAILED", "LotteryError")
    assert "MAX_ATTEMPTS" in result["cause"]


def lottery(*args, state_dir):
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args, "--state-dir", str(state_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.slow  # three cold `lottery` processes and three deployments: 15-27 s
def test_cli_winners_persist_across_processes(tmp_path, capsys):
    code, out, _ = lottery("draw", "--json", state_dir=tmp_path)
    first = json.loads(out)
    assert code == 0 and set(first) == {
        "status", "execution", "winners", "message", "transitions", "lambda_invocations", "duration_ms", "error", "cause"}
    code, out, _ = lottery("draw", "--winners", "8", "--json", state_dir=tmp_path)
    second = json.loads(out)
    assert code == 0
    ids = [w["employee_id"] for w in first["winners"] + second["winners"]]
    assert sorted(ids) == sorted(SEED_IDS)
    code, out, err = lottery("draw", state_dir=tmp_path)
    assert code == 1 and "NotEnoughEligibleEmployees" in err and "Traceback" not in err
    # The listings read the same state in this process.
    assert cli.main(["winners", "--json", "--state-dir", str(tmp_path)]) == 0
    assert sorted(w["employee_id"] for w in json.loads(capsys.readouterr().out)) == sorted(SEED_IDS)
    assert cli.main(["draws", "--json", "--state-dir", str(tmp_path)]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["draw_id"] for r in records] == [second["execution"].rsplit(":", 1)[1], first["execution"].rsplit(":", 1)[1]]
    assert [(r["pool_size"], r["eligible"], len(r["winners"])) for r in records] == [(10, 8, 8), (10, 10, 2)]
    assert all(r["started_at"] and r["recorded_at"] and r["announced_at"] for r in records)
    assert cli.main(["graph", "--execution", first["execution"].rsplit(":", 1)[1], "--state-dir", str(tmp_path)]) == 0
    assert "class Input_Lottery_Winners,Random_Select_Winners,Validate_Winners," in capsys.readouterr().out
    assert cli.main(["reset", "--state-dir", str(tmp_path)]) == 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name, content", [
    ("dev.sqlite", b"{not a database"), ("dev.sqlite", b"SQLite format 3\x00" + bytes(84)), ("dev.json", b"{not json")])
def test_cli_refuses_a_bad_state_file_readably(tmp_path, capsys, name, content):
    (tmp_path / name).write_bytes(content)
    assert cli.main(["draw", "--state-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "StateError" in err and "lottery reset" in err and "Traceback" not in err
    assert (tmp_path / name).read_bytes() == content


def test_cli_refuses_an_unknown_stack_readably(tmp_path, capsys):
    assert cli.main(["draw", "--stack", "nope", "--state-dir", str(tmp_path)]) == 2
    assert "StackConfigError: no such file" in capsys.readouterr().err


def test_the_state_file_holds_every_item_the_tables_hold(dev):
    dev.draw({"input": 3})
    saved = saved_items(dev.state_path)
    for export in ("employee_table", "winners_table", "draws_table"):
        def key(item):
            return str(item.get("draw_id") or (item.get("roster"), item.get("lottery_serial"), item["employee_id"]))
        items = sorted(plain(dev.table(export).scan()["Items"]), key=key)
        assert sorted(saved[export], key=key) == items
    assert len(saved["winners_table"]) == 3 and len(saved["employee_table"]) == 10


def test_each_state_machine_runs_its_own_definition(dev, role):
    with pytest.raises(ClientError, match="ASLParserException"):
        dev.sfn.create_state_machine(name="broken", roleArn=role, definition='{"StartAt": "Nowhere", "States": {}')
    for answer in ("one", "two"):
        definition = json.dumps({"StartAt": "Answer", "States": {"Answer": {"Type": "Pass", "Result": {"answer": answer}, "End": True}}})
        machine = dev.sfn.create_state_machine(name=f"answer-{answer}", roleArn=role, definition=definition)["stateMachineArn"]
        execution = dev.sfn.start_execution(stateMachineArn=machine)["executionArn"]
        assert dev.wait(execution)["status"] == "SUCCEEDED"
        assert json.loads(dev.sfn.describe_execution(executionArn=execution)["output"]) == {"answer": answer}


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_sees_progress_while_the_stack_deploys_and_the_draw_runs(tmp_path, monkeypatch, capsys):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main(["draw", "--state-dir", str(tmp_path)]) == 0
    shown = terminal.getvalue()
    assert shown.startswith("Deploying stack dev offline") and "\rDrawing 2" in shown
    assert shown.endswith("\r") and shown.rsplit("\r", 2)[-2].strip() == ""  # wiped before the winners print
    assert "Winners:" in capsys.readouterr().out


def test_each_function_and_each_configuration_runs_in_an_environment_of_its_own(dev, role):
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as zf:
        zf.writestr("setting.py", "import os\nVALUE = os.environ['VALUE']  # read once, at import\n"
                                  "def handler(event, context):\n    return VALUE\n")
    functions = boto3.client("lambda", region_name=dev.region)

    def answer(name):
        return json.loads(functions.invoke(FunctionName=name)["Payload"].read())

    for name, value in (("first", "a"), ("second", "b")):
        functions.create_function(FunctionName=name, Role=role, Runtime="python3.12", Handler="setting.handler",
                                  Code={"ZipFile": code.getvalue()}, Environment={"Variables": {"VALUE": value}})
    assert (answer("first"), answer("second"), answer("first")) == ("a", "b", "a")
    functions.update_function_configuration(FunctionName="first", Environment={"Variables": {"VALUE": "c"}})
    assert (answer("first"), answer("second")) == ("c", "b")


@pytest.mark.slow  # four commands, each deploying the stack offline: about 10 s
def test_the_commands_commit_draw_export_and_verify(tmp_path, capsys):
    state = ["--state-dir", str(tmp_path)]
    with pytest.raises(SystemExit):  # refused before anything is deployed
        cli.main(["draw", "--commitment", "Lottery-3f1c2b6e-0000-4000-8000-000000000000", *state])
    assert "--commitment and --public-value go together" in capsys.readouterr().err
    assert cli.main(["commit", "--winners", "2", "--public", "the audience's number", "--json", *state]) == 0
    commitment = json.loads(capsys.readouterr().out)
    assert cli.main(["draw", "--commitment", commitment["draw_id"], "--public-value", "17", *state]) == 0
    drawn = capsys.readouterr().out
    assert cli.main(["verify", *state]) == 0
    report = capsys.readouterr().out
    assert "public value '17' (the audience's number), committed in record 2" in report
    assert all(w in report for w in drawn.split("Winners:")[1].split("Announcement")[0].split())
    assert cli.main(["export", "--out", str(tmp_path / "bundle.json"), *state]) == 0
    bundle = json.loads((tmp_path / "bundle.json").read_text())
    bundle["records"][-1]["winners"].reverse()
    (tmp_path / "changed.json").write_text(json.dumps(bundle))
    capsys.readouterr()
    assert cli.main(["verify", str(tmp_path / "changed.json")]) == 1
    assert capsys.readouterr().err.startswith("Mismatch: record 3 (draw of ")
    assert cli.main(["verify", str(tmp_path / "nothing.json")]) == 2
