"""`--target aws`: the commands find a deployed lottery from its state machine ARN or Pulumi's outputs."""

import json
import os
import stat

import pytest

from cli import aws
from conftest import ROOT
from twin.stack import OfflineStack


def test_a_deployed_state_machine_is_enough_to_find_its_tables_and_draw(tmp_path):
    with OfflineStack("us", tmp_path) as deployed:  # stands in for the real account
        arn = deployed.outputs["state_machine_arn"]
        lottery = aws.connect("ignored", ROOT, state_machine_arn=arn)
        assert {k: lottery.outputs[k] for k in ("employee_table", "winners_table", "draws_table")} == {
            k: deployed.outputs[k] for k in ("employee_table", "winners_table", "draws_table")}
        result = lottery.draw({"input": 2})
        assert result["status"] == "SUCCEEDED"
        recorded = {w["employee_id"] for w in lottery.table("winners_table").scan()["Items"]}
        assert recorded == {w["employee_id"] for w in result["winners"]}


def test_a_state_machine_that_is_not_a_lottery_is_refused(tmp_path):
    with OfflineStack("us", tmp_path) as deployed:
        arn = deployed.outputs["state_machine_arn"].rsplit(":", 1)[0] + ":nothing-here"
        with pytest.raises(aws.TargetError, match="not a LotteryWorkflow state machine"):
            aws.connect("us", ROOT, state_machine_arn=arn)


def test_stack_outputs_come_from_the_pulumi_cli(tmp_path, monkeypatch):
    fake = tmp_path / "pulumi"
    outputs = {"state_machine_arn": "arn:aws-cn:states:cn-northwest-1:1:stateMachine:x", "employee_table": "e"}
    fake.write_text(f"#!/bin/sh\n[ \"$*\" = 'stack output --json --stack prod' ] || exit 3\necho '{json.dumps(outputs)}'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert aws.stack_outputs("prod", ROOT) == outputs
    with pytest.raises(aws.TargetError, match="pulumi stack output --stack dev failed"):
        aws.stack_outputs("dev", ROOT)


def test_without_the_pulumi_cli_the_error_says_what_to_pass(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(aws.TargetError, match="--state-machine-arn"):
        aws.stack_outputs("dev", ROOT)
