"""OfflineStack: deploy a lottery stack into moto, run draws on it, keep its data in a state dir."""

import json
import logging
import time
import uuid
from pathlib import Path

import boto3
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from handlers.roster import parse_roster, write_roster

from . import lambdas, state
from .mocks import MotoMocks
from .program import read_config, run_program

PROJECT_DIR = Path(__file__).resolve().parent.parent
SAMPLE_ROSTER = PROJECT_DIR / "data" / "request-items.json"
DRAW_TIMEOUT_S = 60


class OfflineStack:
    """A stack "deployed" into moto in this process. Use as a context manager."""

    def __init__(self, stack: str = "dev", state_dir: Path | None = None, project_dir: Path = PROJECT_DIR):
        self.stack, self.project_dir = stack, project_dir
        self.state_path = state.state_file(state_dir, stack) if state_dir else None
        self.region = read_config(project_dir, stack)[1].get("aws:region", "us-east-1")
        # moto's default Lambda backend: its _invoke_lambda is the seam lambdas.install() takes.
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})

    def __enter__(self):
        # moto's interpreter logs each failed state at ERROR; a failed draw is reported by us.
        logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
        self._mock.start()
        lambdas.install()
        try:
            self.mocks = MotoMocks(self.region)
            self.outputs = run_program(self.project_dir, self.stack, self.mocks)
            self.dynamodb = boto3.resource("dynamodb", region_name=self.region)
            self.sfn = boto3.client("stepfunctions", region_name=self.region)
            if not (self.state_path and state.load(self.state_path, self.dynamodb, self.outputs)):
                self.import_roster(SAMPLE_ROSTER.read_text())
        except BaseException:
            self._mock.stop()
            raise
        return self

    def __exit__(self, *exc):
        self._mock.stop()

    def table(self, export: str):
        return self.dynamodb.Table(self.outputs[export])

    def save(self) -> None:
        if self.state_path:
            state.save(self.state_path, self.dynamodb, self.outputs)

    def import_roster(self, text: str) -> dict:
        """Validate a whole roster, then replace the Employee table with it (InvalidRoster writes nothing)."""
        pool = write_roster(
            parse_roster(text), self.table("employee_table"), self.table("winners_table"), self.table("draws_table")
        )
        self.save()
        return pool

    def announcements(self) -> list[str]:
        topic = sns_backends[DEFAULT_ACCOUNT_ID][self.region].topics[self.outputs["notification_topic_arn"]]
        return [n[1] for n in topic.sent_notifications]

    def draw(self, execution_input) -> dict:
        """Start an execution named Lottery-<uuid>, wait for it and describe it as `lottery draw --json` does."""
        started = time.perf_counter()
        invoked = len(lambdas.invocations)
        arn = self.sfn.start_execution(
            stateMachineArn=self.outputs["state_machine_arn"],
            name=f"Lottery-{uuid.uuid4()}",
            input=json.dumps(execution_input),
        )["executionArn"]
        while (described := self.sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            if time.perf_counter() - started > DRAW_TIMEOUT_S:
                raise TimeoutError(f"{arn} still running after {DRAW_TIMEOUT_S} s")
            time.sleep(0.002)
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        self.save()
        return describe(described, self.history(arn), len(lambdas.invocations) - invoked, elapsed_ms)

    def history(self, execution_arn: str) -> list[dict]:
        events, kwargs = [], {}
        while True:
            page = self.sfn.get_execution_history(executionArn=execution_arn, **kwargs)
            events += page["events"]
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]


def describe(execution: dict, events: list[dict], lambda_invocations: int, duration_ms: float) -> dict:
    """One draw as the CLI reports it: status, winners, message, the states entered and the error."""
    output = json.loads(execution.get("output") or "{}")
    start = events[0]["timestamp"] if events else None
    transitions = [
        {
            "state": e["stateEnteredEventDetails"]["name"],
            "at_ms": round((e["timestamp"] - start).total_seconds() * 1000, 1),
        }
        for e in events if "stateEnteredEventDetails" in e
    ]
    error, cause = execution.get("error"), execution.get("cause")
    try:
        cause = json.loads(cause)["errorMessage"]
    except (TypeError, ValueError, KeyError):
        pass
    return {
        "status": execution["status"],
        "execution": execution["executionArn"],
        "winners": [
            {"employee_id": w["employee_id"], "employee_name": w["employee_name"]}
            for w in output.get("selection", {}).get("winners", [])
        ] if execution["status"] == "SUCCEEDED" else [],
        "message": output.get("message"),
        "transitions": transitions,
        "lambda_invocations": lambda_invocations,
        "duration_ms": duration_ms,
        "error": error,
        "cause": cause,
    }
