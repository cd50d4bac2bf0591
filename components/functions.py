"""The lottery's Lambda functions, each declared once: its handler, the settings it reads, its
policy, its size. `build` makes a function's log group, role, policy and the function from it.

Adding a function is one spec here and one module in handlers/.
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from . import policies
from .policies import allow
from .scope import Scope

try:  # installed: handlers/ is inside this package (lottery_workflow.handlers)
    from .handlers.payloads import execution_arn
except ImportError:  # a checkout: handlers/ beside components/
    from handlers.payloads import execution_arn


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function of the lottery."""

    name: str
    """The seed-style name (`InputWinners`): the key in `function_names`, `<name>Arn` in asl/."""
    module: str
    """Its module in handlers/ (the handler is `handler` there)."""
    settings: tuple[str, ...]
    """The environment variables the handler reads: exactly these are set."""
    statements: Callable[[Mapping[str, str]], list[dict]]
    """Its role's statements beside its own logs and traces, from the ARNs its builder is given."""
    timeout: int = 30
    memory: int = 256


# The ledger's head and records: appending one is an Update of item 0 and a Put (handlers/ledger.py).
def _append_records(a: Mapping[str, str], *, batch: bool = False) -> dict:
    return allow("AppendLedgerRecords", [*(["dynamodb:BatchGetItem"] if batch else []), "dynamodb:GetItem",
                                         "dynamodb:PutItem", "dynamodb:UpdateItem"], [a["ledger_table"]])


def _commit(a: Mapping[str, str], seeds: list[str]) -> list[dict]:
    """A commitment: read the pool, the draw and the Ledger's head in one BatchGetItem, then one
    transaction (ConditionCheckItem: it names the roster the pool holds at that moment)."""
    return [
        allow("CommitDraws", ["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:PutItem"],
              [a["draws_table"]]),
        _append_records(a, batch=True),
        allow("KeepServerSeeds", seeds, [a["seeds_table"]]),
    ]


# The seed's four functions, in the order the state machine runs them, and Record Failure. Only
# Input Lottery Winners, which only the state machine invokes, may read a server seed.
INPUT_WINNERS = FunctionSpec(
    "InputWinners", "input_winners", ("MAX_WINNERS", "DRAWS_TABLE", "LEDGER_TABLE", "SEEDS_TABLE", "WINNERS_TABLE"),
    lambda a: [*_commit(a, ["dynamodb:GetItem", "dynamodb:PutItem"]),
               # A redraw checks the absent winner won the draw it names and did not forfeit yet.
               allow("ReadAbsentWinner", ["dynamodb:GetItem"], [a["winners_table"]])])
RANDOM_SELECT_WINNERS = FunctionSpec(
    "RandomSelectWinners", "random_select_winners",
    ("DRAWS_TABLE", "EMPLOYEE_TABLE", "MAX_ATTEMPTS"),
    lambda a: [
        allow("HoldPool", ["dynamodb:GetItem", "dynamodb:UpdateItem"], [a["draws_table"]]),
        allow("ReadEmployeesBySerial", ["dynamodb:BatchGetItem"], [a["employee_table"]]),
    ])
VALIDATE_WINNERS = FunctionSpec(
    "ValidateWinners", "validate_winners", ("WINNERS_TABLE",),
    lambda a: [allow("ReadPastWinners", ["dynamodb:BatchGetItem"], [a["winners_table"]])])
RECORD_WINNERS = FunctionSpec(
    "RecordWinners", "record_winners", ("DRAWS_TABLE", "EMPLOYEE_TABLE", "WINNERS_TABLE", "LEDGER_TABLE", "LOTTERY_NAME"),
    # TransactWriteItems is authorised action by action: Put and Update on each table.
    lambda a: [
        allow("RecordDrawAndPool", ["dynamodb:GetItem", "dynamodb:UpdateItem"], [a["draws_table"]]),
        # Update: a redraw marks the absent winner forfeited.
        allow("RecordWinners", ["dynamodb:PutItem", "dynamodb:UpdateItem"], [a["winners_table"]]),
        allow("SwapSerials", ["dynamodb:PutItem"], [a["employee_table"]]),
        _append_records(a),
    ])
RECORD_FAILURE = FunctionSpec(
    "RecordFailure", "record_failure", ("DRAWS_TABLE", "LEDGER_TABLE"),
    lambda a: [
        allow("MarkDrawFailed", ["dynamodb:GetItem", "dynamodb:UpdateItem"], [a["draws_table"]]),
        _append_records(a),
    ])
DRAW_FUNCTIONS = (INPUT_WINNERS, RANDOM_SELECT_WINNERS, VALIDATE_WINNERS, RECORD_WINNERS, RECORD_FAILURE)
# `lottery commit` and POST /commitments: writes seeds, never reads one.
COMMIT_DRAW = FunctionSpec(
    "CommitDraw", "commit_draw", ("MAX_WINNERS", "DRAWS_TABLE", "LEDGER_TABLE", "SEEDS_TABLE"),
    lambda a: _commit(a, ["dynamodb:PutItem"]))

# The optional features' functions.
API = FunctionSpec(
    "Api", "api", ("STATE_MACHINE_ARN", "WINNERS_TABLE", "WINNERS_BY_TIME_INDEX", "LOTTERY_NAME", "MAX_WINNERS",
                   "DRAWS_TABLE", "LEDGER_TABLE", "EMPLOYEE_TABLE", "EMPLOYEE_BY_ID_INDEX", "COMMIT_DRAW_FUNCTION"),
    lambda a: [
        allow("StartDraws", ["states:StartExecution"], [a["state_machine"]]),
        # Standard executions only: the component makes no Express machine.
        allow("ReadDraws", ["states:DescribeExecution"], [execution_arn(a["state_machine"], "*")]),
        allow("ListWinners", ["dynamodb:Query"], [a["winners_by_time_index"]]),
        # Commitments are made by Commit Draw, which writes server seeds and reads none.
        allow("CommitDraws", ["lambda:InvokeFunction"], [a["commit_draw"]]),
        allow("ReadCommitments", ["dynamodb:GetItem"], [a["draws_table"]]),
        # GET /draws/{id}/proof: the Ledger, and the rosters its imports committed to.
        allow("ReadLedger", ["dynamodb:GetItem", "dynamodb:Scan"], [a["ledger_table"]]),
        allow("ReadRosters", ["dynamodb:Query"], [a["employee_table"]]),
        # A draw night (handlers/night.py): open it, check in and exclude, each an Update of the pool
        # and Puts of the two places it swaps, with its Ledger record; names for the screen.
        # The pool item only: the public-facing function never updates a draw's item.
        allow("ChangeNightPool", ["dynamodb:UpdateItem"], [a["draws_table"]],
              {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["#pool"]}}),
        allow("SwapNightPlaces", ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:BatchGetItem"], [a["employee_table"]]),
        allow("FindEmployees", ["dynamodb:Query"], [a["employee_by_id_index"]]),
        allow("CheckNotWinners", ["dynamodb:GetItem", "dynamodb:ConditionCheckItem"], [a["winners_table"]]),
        allow("AppendNightRecords", ["dynamodb:PutItem", "dynamodb:UpdateItem"], [a["ledger_table"]]),
    ])
IMPORT_ROSTER = FunctionSpec(
    "ImportRoster", "import_roster", ("EMPLOYEE_TABLE", "WINNERS_TABLE", "DRAWS_TABLE", "LEDGER_TABLE",
                                      "ROSTER_NOTICES_TOPIC_ARN"),
    lambda a: [
        allow("ReadUploadedRosters", ["s3:GetObject", "s3:GetObjectVersion"], [f"{a['roster_bucket']}/*"]),
        allow("ReadPastWinners", ["dynamodb:Scan"], [a["winners_table"]]),
        # Writes the new generation and deletes the ones it replaced.
        allow("WriteRosterGenerations", ["dynamodb:BatchWriteItem"], [a["employee_table"]]),
        allow("SwitchPool", ["dynamodb:GetItem", "dynamodb:UpdateItem"], [a["draws_table"]]),
        _append_records(a),
        allow("NoticeRosters", ["sns:Publish"], [a["roster_notices_topic"]]),
        allow("SendFailures", ["sqs:SendMessage"], [a["dead_letters"]]),
    ],
    # Writing 100,000 employees and deleting the generation they replace is 8,000 BatchWriteItem
    # calls; at a new on-demand table's 4,000 writes a second that is under a minute, so 10 minutes
    # leaves room for throttling. More memory is more CPU for the writer threads (docs/SCALE.md).
    timeout=600, memory=1024)
PUBLISH_WINNER_EVENTS = FunctionSpec(
    "PublishWinnerEvents", "winner_events", ("EVENT_BUS_NAME",),
    lambda a: [
        # The Winners table's streams (a stream's own ARN ends in a timestamp that changes if the
        # stream is ever turned off and on again).
        allow("ReadWinnersStream", ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
              [f"{a['winners_table']}/stream/*"]),
        # The stream's event source mapping lists streams; ListStreams takes no resource-level permission.
        allow("FindWinnersStream", ["dynamodb:ListStreams"], ["*"]),
        allow("PublishWinnerEvents", ["events:PutEvents"], [a["event_bus"]]),
        allow("SendFailures", ["sqs:SendMessage"], [a["dead_letters"]]),
    ])


@dataclass
class Code:
    """What every function runs: the handlers/ folder as one zip, and the runtime."""

    archive: pulumi.Archive
    runtime: pulumi.Input[str]


def build(scope: Scope, spec: FunctionSpec, code: Code, settings: Mapping[str, pulumi.Input[str]],
          arns: Mapping[str, pulumi.Input[str]]) -> aws.lambda_.Function:
    """The function `spec` with its log group, its own role and its policy.

    `settings` must hold every setting the spec reads (others are ignored); `arns` what its
    statements name."""
    missing = set(spec.settings) - set(settings)
    if missing:
        raise ValueError(f"{spec.name} reads {sorted(missing)}, which its builder did not give")
    slug = f"{scope.name}-{spec.name.lower()}"
    logs = scope.log_group(f"{slug}-logs", "/aws/lambda/", spec.name)
    role = aws.iam.Role(
        f"{slug}-role",
        assume_role_policy=pulumi.Output.all(scope.principal("lambda"), scope.account).apply(
            lambda a: json.dumps(policies.assume_role(a[0], a[1]))),
        tags=scope.tags, opts=scope.opts(),
    )
    policy = aws.iam.RolePolicy(
        f"{slug}-policy", role=role.id,
        policy=pulumi.Output.all(logs.arn, pulumi.Output.all(**arns), scope.lambda_tracing).apply(
            lambda a: json.dumps(policies.function_policy(a[0], spec.statements(a[1]), tracing=a[2]))),
        opts=scope.opts(),
    )
    return aws.lambda_.Function(
        slug,
        **scope.named(spec.name),
        role=role.arn,
        runtime=code.runtime,
        handler=f"handlers.{spec.module}.handler",
        code=code.archive,
        timeout=spec.timeout,
        memory_size=spec.memory,
        environment={"variables": {k: settings[k] for k in spec.settings}},
        logging_config={"log_format": "Text", "log_group": logs.name},
        tracing_config={"mode": scope.lambda_tracing.apply(lambda on: "Active" if on else "PassThrough")},
        tags=scope.tags,
        # Lambda checks the role at CreateFunction (X-Ray actions when traced); the function logs from its first call.
        opts=scope.opts(depends_on=[policy, logs]),
    )
