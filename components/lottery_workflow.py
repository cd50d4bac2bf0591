"""LotteryWorkflow: the seed's whole serverless lottery as one Pulumi component."""

import json
import re
from typing import Mapping, Optional, Sequence, TypedDict

import pulumi
import pulumi_aws as aws

from . import policies
from .definition import render
from .sources import source_dir

SERIAL_INDEX = "lottery_serial-index"
WINNERS_BY_TIME_INDEX = "lottery-drawn_at-index"  # newest winners first, without a scan
# TransactWriteItems takes 100 actions; a draw of k winners needs at most 3k+2.
WINNERS_LIMIT = 32

# The seed's four functions (Lottery-<Name>), the handler module of each and the settings it reads.
FUNCTIONS = {
    "InputWinners": ("input_winners", ("MAX_WINNERS",)),
    "RandomSelectWinners": ("random_select_winners", ("DRAWS_TABLE", "EMPLOYEE_TABLE", "EMPLOYEE_SERIAL_INDEX", "MAX_ATTEMPTS")),
    "ValidateWinners": ("validate_winners", ("WINNERS_TABLE",)),
    "RecordWinners": ("record_winners", ("DRAWS_TABLE", "EMPLOYEE_TABLE", "WINNERS_TABLE", "LOTTERY_NAME")),
}
# The API's function, made once the state machine it starts exists.
API_FUNCTION = ("api", ("STATE_MACHINE_ARN", "WINNERS_TABLE", "WINNERS_BY_TIME_INDEX", "LOTTERY_NAME", "MAX_WINNERS"))
# Seeds 004 and 003: an uploaded roster imports itself; recorded winners become events.
IMPORT_FUNCTION = ("import_roster", ("EMPLOYEE_TABLE", "WINNERS_TABLE", "DRAWS_TABLE", "REJECTIONS_TOPIC_ARN"))
EVENTS_FUNCTION = ("winner_events", ("EVENT_BUS_NAME",))
ROSTER_SUFFIX = ".csv"
API_ROUTES = {"POST /draws": "start-draw", "GET /draws/{id}": "get-draw", "GET /winners": "list-winners"}
API_AUTHORIZATIONS = ("AWS_IAM", "NONE")


class LotteryWorkflowArgs(TypedDict, total=False):
    """Settings of one lottery. Every key is optional; `LotteryWorkflow` refuses unknown keys and
    values out of range with a ValueError naming the key, before it creates anything."""

    name_prefix: pulumi.Input[str]
    """Fixed physical names `<prefix>-Employee`, `<prefix>-InputWinners`, ... (letters, digits and
    hyphens, at most 32). Unset (the default), Pulumi names each resource itself with a random
    suffix, so a replacement is created before the old one is deleted and one stack name can be
    used in several regions. Roles are always named by Pulumi: IAM names are global to an account."""

    max_winners: int
    """Most winners one draw may ask for (1 to 32; default 10)."""

    max_attempts: int
    """Selections one draw may make when concurrent draws take its picks (1 to 10; default 3)."""

    notification_emails: Sequence[pulumi.Input[str]]
    """Email addresses subscribed to the announcements; secrets are welcome. Each must confirm."""

    operator_emails: Sequence[pulumi.Input[str]]
    """Email addresses subscribed to the Alarms topic, told when something lands in the dead-letter queue."""

    log_retention_days: pulumi.Input[int]
    """Days the functions', state machine's and API's logs are kept (a CloudWatch Logs retention
    value such as 7, 14, 30, 365; default 14)."""

    protect_winners: bool
    """Protect the Winners table (default true): Pulumi's `protect` and DynamoDB deletion protection
    both, so neither `pulumi destroy` nor a replacement can delete the lottery's record."""

    winners_table_import: str
    """Name of an existing Winners table to adopt instead of creating one (one kept from an earlier
    stack); Pulumi imports it on the next `pulumi up`."""

    state_machine_logging: str
    """Execution log level sent to CloudWatch Logs: OFF, ERROR (default), FATAL or ALL."""

    tracing: bool
    """Trace with X-Ray (default false): the state machine, and the functions where Lambda offers
    it (not in the China regions, where only the state machine is traced)."""

    lambda_runtime: pulumi.Input[str]
    """Python runtime of the functions: python3.12 (default) or python3.13."""

    tags: pulumi.Input[Mapping[str, str]]
    """Tags on every resource that takes them."""

    api: bool
    """Serve POST /draws, GET /draws/{id} and GET /winners over an API Gateway HTTP API (default true)."""

    api_authorization: str
    """AWS_IAM (default: callers sign with SigV4) or NONE, an explicit choice for a public demo
    (in the China regions an unauthenticated API needs an ICP licence)."""

    api_throttle_rate: pulumi.Input[float]
    """Steady requests per second the API accepts (more than 0; default 5)."""

    api_throttle_burst: pulumi.Input[int]
    """Requests the API accepts in a burst (0 or more; default 10)."""

    roster_upload: bool
    """A private bucket where uploading a `.csv` roster imports it (default true)."""

    roster_admin_emails: Sequence[pulumi.Input[str]]
    """Email addresses told when an uploaded roster is rejected."""

    roster_bucket_force_destroy: bool
    """Let `pulumi destroy` delete the roster bucket with every roster version in it (default false:
    the destroy stops at a bucket that holds uploads, which then need emptying by hand)."""

    winner_events: bool
    """Publish one WinnerDrawn event per recorded winner on an EventBridge bus, with an example
    rule delivering them to an SQS queue (default true)."""

    announcement_queue: bool
    """Also deliver the SNS announcements to an SQS queue (default false)."""


# Every output, in the order the stack exports them: (attribute, stack output name).
OUTPUTS = (
    ("state_machine_arn", "state_machine_arn"),
    ("state_machine_name", "state_machine_name"),
    ("employee_table_name", "employee_table"),
    ("winners_table_name", "winners_table"),
    ("draws_table_name", "draws_table"),
    ("notification_topic_arn", "notification_topic_arn"),
    ("function_names", "function_names"),
    ("api_url", "api_url"),
    ("api_id", "api_id"),
    ("roster_bucket", "roster_bucket"),
    ("event_bus_name", "event_bus_name"),
    ("winner_events_queue_url", "winner_events_queue_url"),
    ("dead_letter_queue_url", "dead_letter_queue_url"),
    ("alarm_topic_arn", "alarm_topic_arn"),
    ("announcement_queue_url", "announcement_queue_url"),
)


class LotteryWorkflow(pulumi.ComponentResource):
    """Employee, Winners and Draws tables, the Notification topic, the four functions with a role
    each, and the Lottery state machine that draws, records and then announces winners; by default
    also an HTTP API in front of it, a roster bucket whose uploads import themselves, and
    WinnerDrawn events on an EventBridge bus, with a dead-letter queue and an alarm for what fails."""

    state_machine_arn: pulumi.Output[str]
    """ARN of the Lottery state machine: start a draw with `{"input": N}`."""
    state_machine_name: pulumi.Output[str]
    employee_table_name: pulumi.Output[str]
    """The roster: employee_id, employee_name, employee_entry_date, lottery_serial."""
    winners_table_name: pulumi.Output[str]
    """Every winner ever drawn, with the draw that chose them."""
    draws_table_name: pulumi.Output[str]
    """One audit record per draw, and the pool's size."""
    notification_topic_arn: pulumi.Output[str]
    function_names: pulumi.Output[dict[str, str]]
    """Physical name of each function, by the seed's name (InputWinners, RandomSelectWinners, ...,
    and Api, ImportRoster, PublishWinnerEvents when their feature is on)."""
    api_url: Optional[pulumi.Output[str]]
    """Base URL of the HTTP API (none when `api` is false)."""
    api_id: Optional[pulumi.Output[str]]
    """Id of the HTTP API (none when `api` is false)."""
    roster_bucket: Optional[pulumi.Output[str]]
    """Bucket where an uploaded `.csv` roster imports itself (none when `roster_upload` is false)."""
    event_bus_name: Optional[pulumi.Output[str]]
    """EventBridge bus carrying WinnerDrawn events (none when `winner_events` is false)."""
    winner_events_queue_url: Optional[pulumi.Output[str]]
    """SQS queue the example rule delivers WinnerDrawn events to (none when `winner_events` is false)."""
    dead_letter_queue_url: Optional[pulumi.Output[str]]
    """Where failed imports and event deliveries land (none when both features are off)."""
    alarm_topic_arn: Optional[pulumi.Output[str]]
    """SNS topic the dead-letter alarm notifies (`operator_emails`; none when there is no dead-letter queue)."""
    announcement_queue_url: Optional[pulumi.Output[str]]
    """SQS queue subscribed to the announcements (none unless `announcement_queue`)."""

    def __init__(self, name: str, args: LotteryWorkflowArgs, opts: Optional[pulumi.ResourceOptions] = None):
        _check(args)  # before anything is registered
        super().__init__("lottery:index:LotteryWorkflow", name, {}, opts)
        self._name, self._args = name, args
        self._prefix = args.get("name_prefix")
        self._tags = args.get("tags")
        self._retention = args.get("log_retention_days", 14)
        self._tracing = args.get("tracing", False)
        invoke_opts = pulumi.InvokeOutputOptions(parent=self)
        self._partition = aws.get_partition_output(opts=invoke_opts).partition
        self._account = aws.get_caller_identity_output(opts=invoke_opts).account_id
        self._region = aws.get_region_output(opts=invoke_opts).region
        # X-Ray for Lambda does not exist in the China regions; the state machine is traced there.
        self._lambda_tracing = self._partition.apply(lambda p: self._tracing and p != "aws-cn")
        if self._tracing:
            self._partition.apply(lambda p: p == "aws-cn" and pulumi.log.warn(
                "tracing: X-Ray for Lambda is not available in the China regions; only the state machine is traced",
                resource=self))
        self._functions: dict[str, aws.lambda_.Function] = {}  # every function made, by its seed-style name
        self._principals: dict[str, pulumi.Output[str]] = {}
        self._code = pulumi.AssetArchive({
            f"handlers/{path.name}": pulumi.FileAsset(str(path)) for path in sorted(source_dir("handlers").glob("*.py"))
        })
        winner_events = args.get("winner_events", True)
        roster_upload = args.get("roster_upload", True)

        employee, winners, draws = self._tables(stream=winner_events)
        topic = aws.sns.Topic(f"{name}-notification", **self._named("Notification"), display_name="Lottery",
                              tags=self._tags, opts=self._opts())
        self._subscribe_emails(topic, "email", args.get("notification_emails"))
        self._table_arns = pulumi.Output.all(
            employee_table=employee.arn,
            employee_index=employee.arn.apply(lambda a: f"{a}/index/{SERIAL_INDEX}"),
            winners_table=winners.arn,
            draws_table=draws.arn,
        )
        # What each function's environment may name (each takes only the keys it reads).
        self._settings = {
            "EMPLOYEE_TABLE": employee.name,
            "EMPLOYEE_SERIAL_INDEX": SERIAL_INDEX,
            "WINNERS_TABLE": winners.name,
            "DRAWS_TABLE": draws.name,
            "MAX_WINNERS": str(args.get("max_winners", 10)),
            "MAX_ATTEMPTS": str(args.get("max_attempts", 3)),
            "LOTTERY_NAME": pulumi.Output.from_input(self._prefix or f"{name}-{pulumi.get_stack()}"),
            "WINNERS_BY_TIME_INDEX": WINNERS_BY_TIME_INDEX,
        }
        functions = {fn: self._function(fn, module, needs, self._table_arns) for fn, (module, needs) in FUNCTIONS.items()}
        machine = self._state_machine(functions, topic, draws)

        self.state_machine_arn = machine.arn
        self.state_machine_name = machine.name
        self.employee_table_name = employee.name
        self.winners_table_name = winners.name
        self.draws_table_name = draws.name
        self.notification_topic_arn = topic.arn
        self.api_url = self.api_id = self.roster_bucket = self.event_bus_name = None
        self.winner_events_queue_url = self.dead_letter_queue_url = self.alarm_topic_arn = None
        self.announcement_queue_url = None
        dead_letters = None
        if roster_upload or winner_events:
            dead_letters, alarms = self._dead_letters()
            self.dead_letter_queue_url, self.alarm_topic_arn = dead_letters.url, alarms.arn
        if roster_upload:
            self.roster_bucket = self._roster_upload(dead_letters)
        if winner_events:
            self.event_bus_name, self.winner_events_queue_url = self._winner_events(winners, dead_letters)
        if args.get("announcement_queue", False):
            self.announcement_queue_url = self._announcement_queue(topic)
        if args.get("api", True):
            self.api_url, self.api_id = self._api(machine, winners)
        self.function_names = pulumi.Output.all(**{fn: f.name for fn, f in self._functions.items()})
        self.register_outputs({attribute: getattr(self, attribute) for attribute, _ in OUTPUTS})

    def _opts(self, **kwargs) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **kwargs)

    def _named(self, suffix: str) -> dict:
        """`name=<prefix>-<suffix>` with a name prefix; nothing (Pulumi's auto-name) without one."""
        if self._prefix is None:
            return {}
        return {"name": pulumi.Output.from_input(self._prefix).apply(lambda p: f"{p}-{suffix}")}

    def _log_group_named(self, path: str, suffix: str) -> dict:
        """The log group's name under `path`: `<path><prefix>-<suffix>`, or unique from Pulumi."""
        if self._prefix is None:
            return {"name_prefix": f"{path}{self._name}-{suffix.lower()}-"}
        return {"name": pulumi.Output.from_input(self._prefix).apply(lambda p: f"{path}{p}-{suffix}")}

    def _principal(self, service: str) -> pulumi.Output[str]:
        """The service principal of `service` in this stack's partition and region (looked up once)."""
        if service not in self._principals:
            self._principals[service] = aws.get_service_principal_output(
                service_name=service, opts=pulumi.InvokeOutputOptions(parent=self)).name
        return self._principals[service]

    def _role(self, slug: str, service: str, source_arn=None) -> aws.iam.Role:
        """A role `service` may take for this account only (and `source_arn` when given)."""
        return aws.iam.Role(
            f"{slug}-role",
            assume_role_policy=pulumi.Output.all(self._principal(service), self._account, source_arn).apply(
                lambda a: json.dumps(policies.assume_role(a[0], a[1], a[2]))),
            tags=self._tags, opts=self._opts(),
        )

    def _subscribe_emails(self, topic: aws.sns.Topic, slug: str, emails) -> None:
        for i, email in enumerate(emails or []):
            aws.sns.TopicSubscription(f"{self._name}-{slug}-{i}", topic=topic.arn, protocol="email", endpoint=email,
                                      opts=self._opts())

    def _tables(self, stream: bool):
        """Employee, Winners and Draws: on-demand, point-in-time recovery, encrypted."""
        def table(suffix: str, key: str, opts=None, **kwargs) -> aws.dynamodb.Table:
            return aws.dynamodb.Table(
                f"{self._name}-{suffix.lower()}", **{**self._named(suffix), **kwargs}, billing_mode="PAY_PER_REQUEST",
                hash_key=key, point_in_time_recovery={"enabled": True}, server_side_encryption={"enabled": True},
                tags=self._tags, opts=pulumi.ResourceOptions.merge(self._opts(), opts),
            )

        employee = table(
            "Employee", "employee_id",
            attributes=[{"name": "employee_id", "type": "S"}, {"name": "lottery_serial", "type": "N"}],
            global_secondary_indexes=[{
                "name": SERIAL_INDEX,
                "key_schemas": [{"attribute_name": "lottery_serial", "key_type": "HASH"}],
                "projection_type": "ALL",
            }],
        )
        protect = self._args.get("protect_winners", True)
        adopt = self._args.get("winners_table_import")
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
        return employee, winners, draws

    def _function(self, fn: str, module: str, needs: tuple[str, ...], arns: pulumi.Output,
                  timeout: int = 30, memory: int = 256) -> aws.lambda_.Function:
        """Lottery-<fn>: its log group, its own role and policy, and the function."""
        slug = f"{self._name}-{fn.lower()}"
        logs = aws.cloudwatch.LogGroup(
            f"{slug}-logs", **self._log_group_named("/aws/lambda/", fn),
            retention_in_days=self._retention, tags=self._tags, opts=self._opts(),
        )
        role = self._role(slug, "lambda")
        policy = aws.iam.RolePolicy(
            f"{slug}-policy", role=role.id,
            policy=pulumi.Output.all(logs.arn, arns, self._lambda_tracing).apply(
                lambda a: json.dumps(policies.function_policy(fn, a[0], a[1], tracing=a[2]))),
            opts=self._opts(),
        )
        self._functions[fn] = aws.lambda_.Function(
            slug,
            **self._named(fn),
            role=role.arn,
            runtime=self._args.get("lambda_runtime", "python3.12"),
            handler=f"handlers.{module}.handler",
            code=self._code,
            timeout=timeout,
            memory_size=memory,
            environment={"variables": {k: self._settings[k] for k in needs}},
            logging_config={"log_format": "Text", "log_group": logs.name},
            tracing_config={"mode": self._lambda_tracing.apply(lambda on: "Active" if on else "PassThrough")},
            tags=self._tags,
            # Lambda checks the role at CreateFunction (X-Ray actions when traced); the function logs from its first call.
            opts=self._opts(depends_on=[policy, logs]),
        )
        return self._functions[fn]

    def _state_machine(self, functions: dict, topic: aws.sns.Topic, draws: aws.dynamodb.Table) -> aws.sfn.StateMachine:
        """The Lottery state machine, its role, and its log group when logging is on."""
        name, log_level = self._name, self._args.get("state_machine_logging", "ERROR")
        role = self._role(f"{name}-state-machine", "states", pulumi.Output.all(self._partition, self._region, self._account).apply(
            lambda a: f"arn:{a[0]}:states:{a[1]}:{a[2]}:stateMachine:*"))
        policy = aws.iam.RolePolicy(
            f"{name}-state-machine-policy", role=role.id,
            policy=pulumi.Output.all([f.arn for f in functions.values()], topic.arn, draws.arn).apply(
                lambda a: json.dumps(policies.state_machine_policy(a[0], a[1], a[2], log_level != "OFF", self._tracing))
            ),
            opts=self._opts(),
        )
        logging_configuration = None
        if log_level != "OFF":
            logs = aws.cloudwatch.LogGroup(
                f"{name}-state-machine-logs",
                # Step Functions documents the /aws/vendedlogs/ prefix to keep log resource policies small.
                **self._log_group_named("/aws/vendedlogs/states/", "Lottery"),
                retention_in_days=self._retention, tags=self._tags, opts=self._opts(),
            )
            logging_configuration = {
                "level": log_level,
                "include_execution_data": True,
                "log_destination": logs.arn.apply(lambda a: f"{a}:*"),
            }
        definition = pulumi.Output.all(
            self._partition, topic.arn, draws.name, *[f.arn for f in functions.values()]
        ).apply(lambda a: render({
            "Partition": a[0],
            "NotificationTopicArn": a[1],
            "DrawsTable": a[2],
            **{f"{fn}Arn": arn for fn, arn in zip(FUNCTIONS, a[3:])},
        }))
        return aws.sfn.StateMachine(
            f"{name}-state-machine",
            **self._named("Lottery"),
            role_arn=role.arn,
            definition=definition,
            # STANDARD only: GET /draws/{id} and the lottery command read draws with DescribeExecution,
            # which does not serve EXPRESS executions.
            type="STANDARD",
            logging_configuration=logging_configuration,
            tracing_configuration={"enabled": self._tracing},
            tags=self._tags,
            opts=self._opts(depends_on=[policy]),
        )

    def _dead_letters(self) -> tuple[aws.sqs.Queue, aws.sns.Topic]:
        """Where failed imports and event deliveries end, with an alarm on its first message that
        notifies the operators' topic."""
        queue = aws.sqs.Queue(
            f"{self._name}-dead-letters", **self._named("DeadLetters"),
            message_retention_seconds=14 * 24 * 3600, sqs_managed_sse_enabled=True, tags=self._tags, opts=self._opts(),
        )
        alarms = aws.sns.Topic(f"{self._name}-alarms", **self._named("Alarms"), display_name="Lottery alarms",
                               tags=self._tags, opts=self._opts())
        self._subscribe_emails(alarms, "operator", self._args.get("operator_emails"))
        aws.cloudwatch.MetricAlarm(
            f"{self._name}-dead-letters-alarm", **self._named("DeadLetters-not-empty"),
            alarm_description="A roster import or a WinnerDrawn delivery failed: its record is in the dead-letter queue",
            namespace="AWS/SQS", metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": queue.name}, statistic="Maximum", period=60, evaluation_periods=1,
            threshold=0, comparison_operator="GreaterThanThreshold", treat_missing_data="notBreaching",
            alarm_actions=[alarms.arn], tags=self._tags, opts=self._opts(),
        )
        return queue, alarms

    def _roster_upload(self, dead_letters: aws.sqs.Queue) -> pulumi.Output[str]:
        """Seed 004: a private bucket whose .csv uploads import themselves, or are rejected by line."""
        name = self._name
        rejections = aws.sns.Topic(
            f"{name}-roster-rejections", **self._named("RosterRejections"), display_name="Lottery roster",
            tags=self._tags, opts=self._opts(),
        )
        self._subscribe_emails(rejections, "roster-admin", self._args.get("roster_admin_emails"))
        bucket = aws.s3.Bucket(
            f"{name}-roster",
            bucket_prefix=pulumi.Output.from_input(self._prefix or name).apply(_bucket_prefix),
            force_destroy=self._args.get("roster_bucket_force_destroy", False), tags=self._tags, opts=self._opts(),
        )
        aws.s3.BucketPublicAccessBlock(
            f"{name}-roster-private", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True, opts=self._opts(),
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-roster-encryption", bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}], opts=self._opts(),
        )
        aws.s3.BucketVersioning(
            f"{name}-roster-versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"},
            opts=self._opts(),
        )
        self._settings["REJECTIONS_TOPIC_ARN"] = rejections.arn
        importer = self._function("ImportRoster", *IMPORT_FUNCTION, pulumi.Output.all(
            **{k: self._table_arns.apply(lambda t, k=k: t[k]) for k in ("employee_table", "winners_table", "draws_table")},
            roster_bucket=bucket.arn, rejections_topic=rejections.arn, dead_letters=dead_letters.arn,
        ), timeout=300, memory=512)
        # S3 invokes asynchronously: an import that keeps failing goes to the dead-letter queue.
        aws.lambda_.FunctionEventInvokeConfig(
            f"{name}-importroster-on-failure", function_name=importer.name, maximum_retry_attempts=2,
            destination_config={"on_failure": {"destination": dead_letters.arn}}, opts=self._opts(),
        )
        allow_s3 = aws.lambda_.Permission(
            f"{name}-roster-permission", action="lambda:InvokeFunction", function=importer.name,
            principal=self._principal("s3"), source_arn=bucket.arn, source_account=self._account, opts=self._opts(),
        )
        aws.s3.BucketNotification(
            f"{name}-roster-notification", bucket=bucket.id,
            lambda_functions=[{"lambda_function_arn": importer.arn, "events": ["s3:ObjectCreated:*"],
                               "filter_suffix": ROSTER_SUFFIX}],
            opts=self._opts(depends_on=[allow_s3]),
        )
        return bucket.bucket

    def _winner_events(self, winners: aws.dynamodb.Table, dead_letters: aws.sqs.Queue):
        """Seed 003: the Winners stream fans out to WinnerDrawn events; an example rule queues them."""
        name = self._name
        bus = aws.cloudwatch.EventBus(f"{name}-events", **self._named("Events"), tags=self._tags, opts=self._opts())
        self._settings["EVENT_BUS_NAME"] = bus.name
        publisher = self._function("PublishWinnerEvents", *EVENTS_FUNCTION, pulumi.Output.all(
            winners_table=winners.arn, event_bus=bus.arn, dead_letters=dead_letters.arn,
        ))
        # No event invoke config: the stream mapping invokes synchronously; its own retries and
        # on-failure destination below are what apply.
        aws.lambda_.EventSourceMapping(
            f"{name}-winners-stream", event_source_arn=winners.stream_arn, function_name=publisher.arn,
            starting_position="LATEST", batch_size=10, maximum_retry_attempts=3, bisect_batch_on_function_error=True,
            destination_config={"on_failure": {"destination_arn": dead_letters.arn}}, opts=self._opts(),
        )
        consumer = aws.sqs.Queue(
            f"{name}-winner-events-queue", **self._named("WinnerEvents"), sqs_managed_sse_enabled=True,
            tags=self._tags, opts=self._opts(),
        )
        rule = aws.cloudwatch.EventRule(
            f"{name}-winner-drawn", **self._named("WinnerDrawn"), event_bus_name=bus.name,
            description="Every WinnerDrawn event, to the example consumer queue",
            event_pattern=json.dumps({"source": ["lottery"], "detail-type": ["WinnerDrawn"]}),
            tags=self._tags, opts=self._opts(),
        )
        aws.cloudwatch.EventTarget(
            f"{name}-winner-drawn-to-queue", rule=rule.name, event_bus_name=bus.name, arn=consumer.arn, opts=self._opts(),
        )
        self._allow_into_queue(f"{name}-winner-events-queue-policy", consumer, "events", rule.arn)
        return bus.name, consumer.url

    def _announcement_queue(self, topic: aws.sns.Topic) -> pulumi.Output[str]:
        """An SQS queue subscribed to the announcements."""
        name = self._name
        queue = aws.sqs.Queue(
            f"{name}-announcements-queue", **self._named("Announcements"), sqs_managed_sse_enabled=True,
            tags=self._tags, opts=self._opts(),
        )
        self._allow_into_queue(f"{name}-announcements-queue-policy", queue, "sns", topic.arn)
        aws.sns.TopicSubscription(
            f"{name}-announcements-to-queue", topic=topic.arn, protocol="sqs", endpoint=queue.arn,
            raw_message_delivery=True, opts=self._opts(),
        )
        return queue.url

    def _allow_into_queue(self, resource_name: str, queue: aws.sqs.Queue, service: str, source_arn) -> None:
        aws.sqs.QueuePolicy(
            resource_name, queue_url=queue.url,
            policy=pulumi.Output.all(queue.arn, self._principal(service), source_arn).apply(
                lambda a: json.dumps(policies.queue_policy(a[0], a[1], a[2]))),
            opts=self._opts(),
        )

    def _api(self, machine: aws.sfn.StateMachine, winners: aws.dynamodb.Table):
        """The HTTP API: three routes to the API function, a $default stage with access logs and throttling."""
        name, args = self._name, self._args
        self._settings["STATE_MACHINE_ARN"] = machine.arn
        handler = self._function("Api", *API_FUNCTION, pulumi.Output.all(
            state_machine=machine.arn,
            winners_by_time_index=winners.arn.apply(lambda a: f"{a}/index/{WINNERS_BY_TIME_INDEX}"),
        ))
        api = aws.apigatewayv2.Api(
            f"{name}-api", **self._named("Api"), protocol_type="HTTP",
            description="Start lottery draws, read their results, list the winners", tags=self._tags, opts=self._opts(),
        )
        integration = aws.apigatewayv2.Integration(
            f"{name}-api-integration", api_id=api.id, integration_type="AWS_PROXY",
            integration_uri=handler.arn, payload_format_version="2.0", opts=self._opts(),
        )
        for route_key, slug in API_ROUTES.items():
            aws.apigatewayv2.Route(
                f"{name}-route-{slug}", api_id=api.id, route_key=route_key,
                authorization_type=args.get("api_authorization", "AWS_IAM"),
                target=integration.id.apply(lambda i: f"integrations/{i}"), opts=self._opts(),
            )
        access_logs = aws.cloudwatch.LogGroup(
            # Delivered by log delivery: a /aws/vendedlogs/ name keeps the log resource policy small.
            f"{name}-api-access-logs", **self._log_group_named("/aws/vendedlogs/apigateway/", "Api"),
            retention_in_days=self._retention, tags=self._tags, opts=self._opts(),
        )
        stage = aws.apigatewayv2.Stage(
            f"{name}-api-stage", api_id=api.id, name="$default", auto_deploy=True,
            access_log_settings={"destination_arn": access_logs.arn, "format": json.dumps({
                "requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
                "caller": "$context.identity.caller", "requestTime": "$context.requestTime",
                "routeKey": "$context.routeKey", "status": "$context.status",
                "responseLength": "$context.responseLength", "error": "$context.integrationErrorMessage",
            })},
            default_route_settings={
                "throttling_rate_limit": args.get("api_throttle_rate", 5),
                "throttling_burst_limit": args.get("api_throttle_burst", 10),
            },
            tags=self._tags, opts=self._opts(),
        )
        aws.lambda_.Permission(
            f"{name}-api-permission", action="lambda:InvokeFunction", function=handler.name,
            principal=self._principal("apigateway"),
            # This API only, any stage, method and route.
            source_arn=api.execution_arn.apply(lambda a: f"{a}/*/*"), opts=self._opts(),
        )
        return stage.invoke_url, api.id


def _bucket_prefix(prefix: str) -> str:
    """`<prefix>-roster-` as S3 takes it: lowercase letters, digits and hyphens, within the 37
    characters pulumi-aws allows a bucket prefix."""
    return re.sub(r"[^a-z0-9-]+", "-", prefix.lower())[:29].strip("-") + "-roster-"


# CloudWatch Logs' retention values (days).
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
LAMBDA_RUNTIMES = ("python3.12", "python3.13")
LOG_LEVELS = ("OFF", "ERROR", "FATAL", "ALL")
NAME_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,31}")
_BOOLEANS = ("protect_winners", "tracing", "api", "roster_upload", "roster_bucket_force_destroy", "winner_events",
             "announcement_queue")
_EMAIL_LISTS = ("notification_emails", "operator_emails", "roster_admin_emails")
# Settings that were offered once and are refused now, with the reason.
_REFUSED = {
    "state_machine_type": "the lottery runs as a STANDARD workflow: GET /draws/{id} and the lottery command read "
                          "draws with DescribeExecution, which does not serve EXPRESS executions",
}


def _plain(value) -> bool:
    """A value known now, which can be checked before anything is created (not an Output)."""
    return not isinstance(value, pulumi.Output)


def _check(args: LotteryWorkflowArgs) -> None:
    """Refuse settings that would deploy a broken lottery, before anything is created.

    Every key with a fixed set or range is checked; a pass-through input that is an Output is
    left to AWS to check at deploy time."""
    for key in args:
        if key == "state_machine_type" and args[key] == "STANDARD":
            continue  # what the lottery is anyway
        if key in _REFUSED:
            raise ValueError(f"{key} is not a setting of LotteryWorkflow any more: {_REFUSED[key]}")
        if key not in LotteryWorkflowArgs.__annotations__:
            raise ValueError(f"{key} is not a setting of LotteryWorkflow "
                             f"(settings: {', '.join(sorted(LotteryWorkflowArgs.__annotations__))})")

    def whole(key: str, low: int, high: int | None = None) -> None:
        value = args.get(key)
        if value is not None and _plain(value) and (
                type(value) is not int or value < low or (high is not None and value > high)):
            raise ValueError(f"{key} must be a whole number from {low}{f' to {high}' if high else ' up'}, not {value!r}")

    def one_of(key: str, allowed) -> None:
        value = args.get(key)
        if value is not None and _plain(value) and value not in allowed:
            raise ValueError(f"{key} must be one of {', '.join(map(str, allowed))}, not {value!r}")

    whole("max_winners", 1, WINNERS_LIMIT)
    whole("max_attempts", 1, 10)
    whole("api_throttle_burst", 0)
    one_of("log_retention_days", RETENTION_DAYS)
    one_of("lambda_runtime", LAMBDA_RUNTIMES)
    one_of("api_authorization", API_AUTHORIZATIONS)
    one_of("state_machine_logging", LOG_LEVELS)
    for key in _BOOLEANS:
        if key in args and type(args[key]) is not bool:
            raise ValueError(f"{key} must be true or false, not {args[key]!r}")
    for key in _EMAIL_LISTS:
        if key in args and (isinstance(args[key], str) or not isinstance(args[key], Sequence)):
            raise ValueError(f"{key} must be a list of email addresses, not {args[key]!r}")
    rate = args.get("api_throttle_rate")
    if rate is not None and _plain(rate) and (type(rate) not in (int, float) or not rate > 0):
        raise ValueError(f"api_throttle_rate must be a number of requests per second above 0, not {rate!r}")
    prefix = args.get("name_prefix")
    if prefix is not None and _plain(prefix) and (not isinstance(prefix, str) or not NAME_PREFIX.fullmatch(prefix)):
        raise ValueError(f"name_prefix must be 1 to 32 letters, digits and hyphens, starting with a letter or digit, not {prefix!r}")
    adopt = args.get("winners_table_import")
    if adopt is not None and (not isinstance(adopt, str) or not re.fullmatch(r"[A-Za-z0-9_.-]{3,255}", adopt)):
        raise ValueError(f"winners_table_import must be the name of an existing DynamoDB table, not {adopt!r}")
