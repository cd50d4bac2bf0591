"""Lottery: draws and records of one deployed lottery, through boto3 — offline (moto) or on AWS."""

import json
import time
import uuid
from datetime import UTC, datetime

import boto3

from .siblings import (
    POOL_KEY,
    ROSTER_SUFFIXES,
    CommitRefused,
    announcement,
    bundle,
    cause_message,
    invoke_commit,
    outcome,
    parse_roster,
    prior_winners,
    roster,
    scan_all,
    write_all,
    write_roster,
)

DRAW_TIMEOUT_S = 60
TABLES = ("employee_table", "winners_table", "draws_table", "ledger_table", "seeds_table")
ROSTER_TABLES = TABLES[:4]  # what an import reads and writes
SUBJECT = "Lottery winners"  # as Send SNS sends it


class CommitError(Exception):
    """The stack could not commit: no Commit Draw function known, or it refused (its error's name and message)."""


class NotifyError(Exception):
    """The draw cannot be announced again: not recorded, or announced already."""


class Lottery:
    """The commands' view of a stack: its outputs (stack exports) and boto3 in its region."""

    poll_max_s = 0.5  # a draw on AWS takes about a second; do not hammer DescribeExecution

    def __init__(self, outputs: dict, region: str):
        self.outputs, self.region = outputs, region
        self.dynamodb = boto3.resource("dynamodb", region_name=region)
        self.sfn = boto3.client("stepfunctions", region_name=region)
        self.sns = boto3.client("sns", region_name=region)

    def table(self, export: str):
        return self.dynamodb.Table(self.outputs[export])

    def saved(self) -> None:
        """Called after every change; the offline stack persists its tables here."""

    def import_roster(self, text: str, save: bool = True) -> dict:
        """Validate a whole roster, then make it the live roster (InvalidRoster writes nothing)."""
        return self.import_employees(parse_roster(text), save)

    def import_employees(self, employees: list[dict], save: bool = True) -> dict:
        """Make a validated roster (parse_roster's employees) the live roster."""
        pool = write_roster(employees, *(self.table(t) for t in ROSTER_TABLES), write_all=self.write_all)
        if save:
            self.saved()
        return pool

    def write_all(self, table, requests: list[dict]) -> int:
        """How an import's writes go out: BatchWriteItem, as the import function sends them."""
        return write_all(table, requests)

    def pool(self) -> dict:
        """The Draws table's pool item: size, eligible count, when the roster was imported."""
        return self.table("draws_table").get_item(Key=POOL_KEY, ConsistentRead=True).get("Item", {})

    def upload_roster(self, text: str, key: str = "roster.csv") -> None:
        """Put a roster in the stack's roster bucket; the bucket's notification imports it."""
        bucket = self.outputs.get("roster_bucket")
        if not bucket:
            raise NotifyError("this stack has no roster bucket (lottery:rosterUpload) or its outputs were not read (use --stack)")
        if not key.endswith(ROSTER_SUFFIXES):
            key += ".csv"  # only these uploads trigger the import
        boto3.client("s3", region_name=self.region).put_object(Bucket=bucket, Key=key, Body=text.encode())
        self.saved()

    def draw(self, execution_input) -> dict:
        """Start a draw, wait for it and describe it as `lottery draw --json` does."""
        return self.wait(self.start(execution_input))

    def start(self, execution_input, name: str | None = None) -> str:
        """Start an execution named `name` (a committed draw's id), or Lottery-<uuid>; its ARN."""
        return self.sfn.start_execution(
            stateMachineArn=self.outputs["state_machine_arn"],
            name=name or f"Lottery-{uuid.uuid4()}",
            input=json.dumps(execution_input),
        )["executionArn"]

    def commit(self, winners: int, public: str, prize: str | None = None) -> dict:
        """Commit to a draw of `winners` whose randomness will mix in the public value `public`
        describes (the stack's Commit Draw function); the commit record."""
        function = self.outputs.get("function_names", {}).get("CommitDraw")
        if not function:
            raise CommitError("committing needs the stack's Commit Draw function: use --stack, not --state-machine-arn")
        try:
            record = invoke_commit(boto3.client("lambda", region_name=self.region), function, winners, public, prize)
        except CommitRefused as error:
            raise CommitError(str(error)) from None
        self.saved()
        return record

    def export(self, employee: str | None = None, draw_id: str | None = None) -> dict:
        """What `lottery verify` checks: every Ledger record, with the rosters or one employee's proofs."""
        prior = prior_winners(scan_all(self.table("winners_table"), ProjectionExpression="employee_id, ledger_seq"))
        return bundle(self.table("ledger_table"), self.table("employee_table"), prior, employee=employee, draw_id=draw_id,
                      read_roster=self.read_roster)

    def read_roster(self, table, generation: str) -> list[dict]:
        """A roster generation's employees, as export reads them: a Query, page after page."""
        return roster(table, generation)

    def wait(self, execution_arn: str) -> dict:
        """Wait for an execution to end; describe it (duration counted from this call)."""
        started, delay = time.perf_counter(), 0.002
        while not (described := self._ended(execution_arn)):
            if time.perf_counter() - started > DRAW_TIMEOUT_S:
                raise TimeoutError(f"{execution_arn} still running after {DRAW_TIMEOUT_S} s")
            time.sleep(delay)
            delay = min(delay * 2, self.poll_max_s)
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        self.saved()
        return describe(described, self.history(execution_arn), elapsed_ms)

    def _ended(self, execution_arn: str) -> dict | None:
        """DescribeExecution's answer once the execution has ended; None while it runs."""
        described = self.sfn.describe_execution(executionArn=execution_arn)
        return None if described["status"] == "RUNNING" else described

    def notify(self, execution: str, again: bool = False) -> dict:
        """Announce a recorded draw's winners (Lottery-<uuid> or its ARN) without drawing again."""
        draw_id = execution.rsplit(":", 1)[-1]
        draws = self.table("draws_table")
        record = draws.get_item(Key={"draw_id": draw_id}, ConsistentRead=True).get("Item")
        if record is None or record.get("status", "drawn") != "drawn":
            raise NotifyError(f"no recorded draw {draw_id}: a draw that failed before Record In Dynamodb has no winners to announce")
        if record.get("announced_at") and not again:
            raise NotifyError(f"{draw_id} was announced at {record['announced_at']}; pass --again to send it once more")
        message = announcement([w["employee_name"] for w in record["winners"]])
        message_id = self.sns.publish(TopicArn=self.outputs["notification_topic_arn"], Subject=SUBJECT, Message=message)["MessageId"]
        draws.update_item(
            Key={"draw_id": draw_id}, UpdateExpression="SET announced_at = :at, message_id = :id",
            ExpressionAttributeValues={":at": datetime.now(UTC).isoformat(), ":id": message_id},
        )
        self.saved()
        return {"draw_id": draw_id, "message": message, "message_id": message_id}

    def history(self, execution_arn: str) -> list[dict]:
        return execution_history(self.sfn, execution_arn)


def execution_history(sfn, execution_arn: str) -> list[dict]:
    """Every event of an execution's history, page after page."""
    events: list[dict] = []
    kwargs: dict[str, str] = {}
    while True:
        page = sfn.get_execution_history(executionArn=execution_arn, **kwargs)
        events += page["events"]
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


def describe(execution: dict, events: list[dict], duration_ms: float) -> dict:
    """One draw as the CLI reports it: status, winners, message, the states entered and the error."""
    start = events[0]["timestamp"] if events else None
    transitions = [
        {
            "state": e["stateEnteredEventDetails"]["name"],
            "at_ms": round((e["timestamp"] - start).total_seconds() * 1000, 1),
        }
        for e in events if "stateEnteredEventDetails" in e
    ]
    error, cause = execution.get("error"), cause_message(execution.get("cause"))
    winners, message = outcome(execution)
    return {
        "status": execution["status"],
        "execution": execution["executionArn"],
        "winners": winners,
        "message": message,
        "transitions": transitions,
        "lambda_invocations": sum(
            e.get("taskScheduledEventDetails", {}).get("resourceType") == "lambda" for e in events),
        "duration_ms": duration_ms,
        "error": error,
        "cause": cause,
    }
