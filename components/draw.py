"""The core draw: the Employee, Winners and Draws tables, the Ledger and Seeds tables that make draws
verifiable, the Notification topic, the seed's four functions with Record Failure, the Lottery
state machine that runs them, and Commit Draw, which commits to a draw ahead of it."""

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from . import functions, policies
from .definition import render
from .scope import Scope

WINNERS_BY_TIME_INDEX = "lottery-drawn_at-index"  # newest winners first, without a scan
EMPLOYEE_BY_ID_INDEX = "employee_id-index"  # an employee's place in the pool, for a draw night's check-in


@dataclass
class Draw:
    """What the core draw made, for the features built around it."""

    employee: aws.dynamodb.Table
    winners: aws.dynamodb.Table
    draws: aws.dynamodb.Table
    ledger: aws.dynamodb.Table
    seeds: aws.dynamodb.Table
    topic: aws.sns.Topic
    functions: dict[str, aws.lambda_.Function]
    machine: aws.sfn.StateMachine
    settings: dict[str, pulumi.Input[str]]
    """The settings any function may read (each takes the ones its spec names)."""
    table_arns: dict[str, pulumi.Output[str]]


def build(scope: Scope, code: functions.Code, settings: dict[str, pulumi.Input[str]], *, stream: bool,
          protect_winners: bool, winners_table_import: str | None, state_machine_logging: str,
          notification_emails) -> Draw:
    """The core draw; `settings` are the function settings that come from the component's args."""
    employee, winners, draws, ledger, seeds = _tables(scope, stream, protect_winners, winners_table_import)
    topic = aws.sns.Topic(f"{scope.name}-notification", **scope.named("Notification"), display_name="Lottery",
                          tags=scope.tags, opts=scope.opts())
    scope.subscribe_emails(topic, "email", notification_emails)
    table_arns = {
        "employee_table": employee.arn,
        "winners_table": winners.arn,
        "draws_table": draws.arn,
        "ledger_table": ledger.arn,
        "seeds_table": seeds.arn,
        "employee_by_id_index": employee.arn.apply(lambda a: f"{a}/index/{EMPLOYEE_BY_ID_INDEX}"),
    }
    settings = {
        **settings,
        "EMPLOYEE_TABLE": employee.name,
        "WINNERS_TABLE": winners.name,
        "DRAWS_TABLE": draws.name,
        "LEDGER_TABLE": ledger.name,
        "SEEDS_TABLE": seeds.name,
        "WINNERS_BY_TIME_INDEX": WINNERS_BY_TIME_INDEX,
        "EMPLOYEE_BY_ID_INDEX": EMPLOYEE_BY_ID_INDEX,
    }
    made = {spec.name: functions.build(scope, spec, code, settings, table_arns) for spec in functions.DRAW_FUNCTIONS}
    machine = _state_machine(scope, made, topic, draws, state_machine_logging)  # which may invoke these only
    made["CommitDraw"] = functions.build(scope, functions.COMMIT_DRAW, code, settings, table_arns)
    return Draw(employee, winners, draws, ledger, seeds, topic, made, machine, settings, table_arns)


def _tables(scope: Scope, stream: bool, protect: bool, adopt: str | None):
    """Employee, Winners, Draws, Ledger and Seeds: on-demand, point-in-time recovery, encrypted."""
    def table(suffix: str, key: str, opts=None, **kwargs) -> aws.dynamodb.Table:
        return aws.dynamodb.Table(
            f"{scope.name}-{suffix.lower()}", **{**scope.named(suffix), **kwargs}, billing_mode="PAY_PER_REQUEST",
            hash_key=key, point_in_time_recovery={"enabled": True}, server_side_encryption={"enabled": True},
            tags=scope.tags, opts=pulumi.ResourceOptions.merge(scope.opts(), opts),
        )

    # The seed's Employee table is keyed by employee_id with a lottery_serial-index; here each roster
    # generation keeps every employee at a serial, so a draw reads its winners by key, strongly
    # consistent, and an import writes a whole new roster beside the live one (handlers/roster.py).
    employee = table(
        "Employee", "roster",
        # A fixed name cannot be created beside the table it replaces (the key changed in 0.3).
        pulumi.ResourceOptions(delete_before_replace=scope.prefix is not None),
        range_key="lottery_serial",
        attributes=[{"name": "roster", "type": "S"}, {"name": "lottery_serial", "type": "N"},
                    {"name": "employee_id", "type": "S"}],
        # A draw night's check-in finds an employee's place in the pool by id (handlers/night.py).
        global_secondary_indexes=[{
            "name": EMPLOYEE_BY_ID_INDEX,
            "key_schemas": [{"attribute_name": "employee_id", "key_type": "HASH"},
                            {"attribute_name": "roster", "key_type": "RANGE"}],
            "projection_type": "KEYS_ONLY",
        }],
    )
    winners = table(
        "Winners", "employee_id",
        # protect: Pulumi refuses to delete or replace it; deletion protection: so does DynamoDB.
        pulumi.ResourceOptions(protect=protect, import_=adopt),
        **({"name": adopt} if adopt else {}),
        attributes=[{"name": a, "type": "S"} for a in ("employee_id", "lottery", "drawn_at")],
        global_secondary_indexes=[{
            "name": WINNERS_BY_TIME_INDEX,
            "key_schemas": [{"attribute_name": "lottery", "key_type": "HASH"},
                            {"attribute_name": "drawn_at", "key_type": "RANGE"}],
            "projection_type": "ALL",
        }],
        deletion_protection_enabled=protect,
        stream_enabled=stream,
        stream_view_type="NEW_IMAGE" if stream else None,
    )
    draws = table("Draws", "draw_id", attributes=[{"name": "draw_id", "type": "S"}])
    # Every import, commitment, draw and failure, hash-chained (handlers/ledger.py); protected as Winners is.
    ledger = table("Ledger", "seq", pulumi.ResourceOptions(protect=protect), attributes=[{"name": "seq", "type": "N"}],
                   deletion_protection_enabled=protect)
    # Each draw's secret server seed until the draw reveals it: a table of its own, so that only
    # Input Lottery Winners, which makes and reads them, is allowed to (handlers/input_winners.py).
    seeds = table("Seeds", "draw_id", attributes=[{"name": "draw_id", "type": "S"}])
    return employee, winners, draws, ledger, seeds


def _state_machine(scope: Scope, made: dict[str, aws.lambda_.Function], topic: aws.sns.Topic,
                   draws: aws.dynamodb.Table, log_level: str) -> aws.sfn.StateMachine:
    """The Lottery state machine, its role, and its log group when logging is on."""
    name = scope.name
    role = aws.iam.Role(
        f"{name}-state-machine-role",
        # Step Functions may take it only for this account's state machines in this region.
        assume_role_policy=pulumi.Output.all(scope.principal("states"), scope.account, scope.partition, scope.region).apply(
            lambda a: json.dumps(policies.assume_role(a[0], a[1], f"arn:{a[2]}:states:{a[3]}:{a[1]}:stateMachine:*"))),
        tags=scope.tags, opts=scope.opts(),
    )
    policy = aws.iam.RolePolicy(
        f"{name}-state-machine-policy", role=role.id,
        policy=pulumi.Output.all([f.arn for f in made.values()], topic.arn, draws.arn).apply(
            lambda a: json.dumps(policies.state_machine_policy(a[0], a[1], a[2], log_level != "OFF", scope.tracing))
        ),
        opts=scope.opts(),
    )
    logging_configuration: aws.sfn.StateMachineLoggingConfigurationArgsDict | None = None
    if log_level != "OFF":
        # Step Functions documents the /aws/vendedlogs/ prefix to keep log resource policies small.
        logs = scope.log_group(f"{name}-state-machine-logs", "/aws/vendedlogs/states/", "Lottery")
        logging_configuration = {
            "level": log_level,
            "include_execution_data": True,
            "log_destination": logs.arn.apply(lambda a: f"{a}:*"),
        }
    # Every placeholder of asl/: the partition, the topic, the Draws table, `<name>Arn` of each function.
    definition = pulumi.Output.all(Partition=scope.partition, NotificationTopicArn=topic.arn, DrawsTable=draws.name,
                                   **{f"{n}Arn": f.arn for n, f in made.items()}).apply(render)
    return aws.sfn.StateMachine(
        f"{name}-state-machine",
        **scope.named("Lottery"),
        role_arn=role.arn,
        definition=definition,
        # STANDARD only: GET /draws/{id} and the lottery command read draws with DescribeExecution,
        # which does not serve EXPRESS executions.
        type="STANDARD",
        logging_configuration=logging_configuration,
        tracing_configuration={"enabled": scope.tracing},
        tags=scope.tags,
        opts=scope.opts(depends_on=[policy]),
    )
