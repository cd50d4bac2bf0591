"""LotteryWorkflow: the seed's whole serverless lottery as one Pulumi component."""

import json
from typing import Optional, Sequence, TypedDict

import pulumi
import pulumi_aws as aws

from . import policies
from .definition import render
from .sources import source_dir

SERIAL_INDEX = "lottery_serial-index"
WINNERS_BY_TIME_INDEX = "lottery-drawn_at-index"  # newest winners first, without a scan
# TransactWriteItems takes 100 actions; a draw of k winners needs at most 3k+2.
WINNERS_LIMIT = 32
LAMBDA_SERVICE = "lambda.amazonaws.com"
STATES_SERVICE = "states.amazonaws.com"

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
    """Settings of one lottery. Every key is optional."""

    name_prefix: pulumi.Input[str]
    """Start of every physical name (tables, topic, functions, roles, state machine). Defaults to
    `<component name>-<stack>`, so two stacks or two lotteries can share an account."""

    max_winners: int
    """Most winners one draw may ask for (1 to 32; default 10)."""

    max_attempts: int
    """Selections one draw may make when concurrent draws take its picks (default 3)."""

    notification_emails: Sequence[pulumi.Input[str]]
    """Email addresses subscribed to the announcements; secrets are welcome. Each must confirm."""

    log_retention_days: int
    """Days the functions' and state machine's logs are kept (default 14)."""

    protect_winners: bool
    """Turn on deletion protection for the Winners table and keep it when the stack is destroyed
    (default true): the winners are the lottery's record."""

    state_machine_logging: str
    """Execution log level sent to CloudWatch Logs: OFF, ERROR (default), FATAL or ALL."""

    tracing: bool
    """Trace the state machine and functions with X-Ray (default false)."""

    state_machine_type: str
    """STANDARD (default) or EXPRESS."""

    lambda_runtime: str
    """Python runtime of the functions (default python3.12)."""

    tags: pulumi.Input[dict[str, str]]
    """Tags on every resource that takes them."""

    api: bool
    """Serve POST /draws, GET /draws/{id} and GET /winners over an API Gateway HTTP API (default true)."""

    api_authorization: str
    """AWS_IAM (default: callers sign with SigV4) or NONE, an explicit choice for a public demo
    (in the China regions an unauthenticated API needs an ICP licence)."""

    api_throttle_rate: float
    """Steady requests per second the API accepts (default 5)."""

    api_throttle_burst: int
    """Requests the API accepts in a burst (default 10)."""

    roster_upload: bool
    """A private bucket where uploading a `.csv` roster imports it (default true)."""

    roster_admin_emails: Sequence[pulumi.Input[str]]
    """Email addresses told when an uploaded roster is rejected."""

    winner_events: bool
    """Publish one WinnerDrawn event per recorded winner on an EventBridge bus, with an example
    rule delivering them to an SQS queue (default true)."""

    announcement_queue: bool
    """Also deliver the SNS announcements to an SQS queue (default false)."""


class LotteryWorkflow(pulumi.ComponentResource):
    """Employee, Winners and Draws tables, the Notification topic, the four functions with a role
    each, and the Lottery state machine that draws, records and then announces winners; by default
    also an HTTP API in front of it, a roster bucket whose uploads import themselves, and
    WinnerDrawn events on an EventBridge bus, with a dead-letter queue for what fails."""

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
    """Physical name of each function, by the seed's name (InputWinners, RandomSelectWinners, ...)."""
    api_url: pulumi.Output[str]
    """Base URL of the HTTP API (empty when `api` is false)."""
    api_id: pulumi.Output[str]
    """Id of the HTTP API (empty when `api` is false)."""
    roster_bucket: pulumi.Output[str]
    """Bucket where an uploaded `.csv` roster imports itself (empty when `roster_upload` is false)."""
    event_bus_name: pulumi.Output[str]
    """EventBridge bus carrying WinnerDrawn events (empty when `winner_events` is false)."""
    winner_events_queue_url: pulumi.Output[str]
    """SQS queue the example rule delivers WinnerDrawn events to (empty when `winner_events` is false)."""
    dead_letter_queue_url: pulumi.Output[str]
    """Where failed imports and event deliveries land (empty when both features are off)."""
    announcement_queue_url: pulumi.Output[str]
    """SQS queue subscribed to the announcements (empty unless `announcement_queue`)."""

    def __init__(self, name: str, args: LotteryWorkflowArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("lottery:index:LotteryWorkflow", name, {}, opts)
        _check(args)
        self._name, self._args = name, args
        self._prefix = pulumi.Output.from_input(args.get("name_prefix") or f"{name}-{pulumi.get_stack()}")
        self._tags = args.get("tags")
        self._retention = args.get("log_retention_days", 14)
        self._tracing = args.get("tracing", False)
        self._code = pulumi.AssetArchive({
            f"handlers/{path.name}": pulumi.FileAsset(str(path)) for path in sorted(source_dir("handlers").glob("*.py"))
        })
        winner_events = args.get("winner_events", True)
        roster_upload = args.get("roster_upload", True)

        employee, winners, draws = self._tables(stream=winner_events)
        topic = aws.sns.Topic(f"{name}-notification", name=self._physical("Notification"), display_name="Lottery",
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
            "LOTTERY_NAME": self._prefix,
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
        self.function_names = pulumi.Output.all(**{fn: f.name for fn, f in functions.items()})
        none = pulumi.Output.from_input("")
        self.api_url = self.api_id = self.roster_bucket = self.event_bus_name = none
        self.winner_events_queue_url = self.dead_letter_queue_url = self.announcement_queue_url = none
        dead_letters = self._dead_letters() if roster_upload or winner_events else None
        if dead_letters:
            self.dead_letter_queue_url = dead_letters.url
        if roster_upload:
            self.roster_bucket = self._roster_upload(dead_letters)
        if winner_events:
            self.event_bus_name, self.winner_events_queue_url = self._winner_events(winners, dead_letters)
        if args.get("announcement_queue", False):
            self.announcement_queue_url = self._announcement_queue(topic)
        if args.get("api", True):
            self.api_url, self.api_id = self._api(machine, winners)
        self.register_outputs({
            "state_machine_arn": self.state_machine_arn,
            "state_machine_name": self.state_machine_name,
            "employee_table_name": self.employee_table_name,
            "winners_table_name": self.winners_table_name,
            "draws_table_name": self.draws_table_name,
            "notification_topic_arn": self.notification_topic_arn,
            "function_names": self.function_names,
            "api_url": self.api_url,
            "api_id": self.api_id,
            "roster_bucket": self.roster_bucket,
            "event_bus_name": self.event_bus_name,
            "winner_events_queue_url": self.winner_events_queue_url,
            "dead_letter_queue_url": self.dead_letter_queue_url,
            "announcement_queue_url": self.announcement_queue_url,
        })

    def _opts(self, **kwargs) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **kwargs)

    def _physical(self, suffix: str) -> pulumi.Output[str]:
        return self._prefix.apply(lambda p: f"{p}-{suffix}")

    def _subscribe_emails(self, topic: aws.sns.Topic, slug: str, emails) -> None:
        for i, email in enumerate(emails or []):
            aws.sns.TopicSubscription(f"{self._name}-{slug}-{i}", topic=topic.arn, protocol="email", endpoint=email,
                                      opts=self._opts())

    def _tables(self, stream: bool):
        """Employee, Winners and Draws: on-demand, point-in-time recovery, encrypted."""
        def table(suffix: str, key: str, opts=None, **kwargs) -> aws.dynamodb.Table:
            return aws.dynamodb.Table(
                f"{self._name}-{suffix.lower()}", name=self._physical(suffix), billing_mode="PAY_PER_REQUEST",
                hash_key=key, point_in_time_recovery={"enabled": True}, server_side_encryption={"enabled": True},
                tags=self._tags, opts=pulumi.ResourceOptions.merge(self._opts(), opts), **kwargs,
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
        winners = table(
            "Winners", "employee_id",
            pulumi.ResourceOptions(retain_on_delete=protect),
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
        function_name = self._physical(fn)
        logs = aws.cloudwatch.LogGroup(
            f"{slug}-logs", name=function_name.apply(lambda n: f"/aws/lambda/{n}"),
            retention_in_days=self._retention, tags=self._tags, opts=self._opts(),
        )
        role = aws.iam.Role(
            f"{slug}-role", name=function_name,
            assume_role_policy=json.dumps(policies.assume_role(LAMBDA_SERVICE)), tags=self._tags, opts=self._opts(),
        )
        policy = aws.iam.RolePolicy(
            f"{slug}-policy", role=role.id,
            policy=pulumi.Output.all(logs.arn, arns).apply(lambda a: json.dumps(policies.function_policy(fn, a[0], a[1]))),
            opts=self._opts(),
        )
        return aws.lambda_.Function(
            slug,
            name=function_name,
            role=role.arn,
            runtime=self._args.get("lambda_runtime", "python3.12"),
            handler=f"handlers.{module}.handler",
            code=self._code,
            timeout=timeout,
            memory_size=memory,
            environment={"variables": {k: self._settings[k] for k in needs}},
            logging_config={"log_format": "Text", "log_group": logs.name},
            tracing_config={"mode": "Active" if self._tracing else "PassThrough"},
            tags=self._tags,
            # The role's policy must exist before the first invocation can log.
            opts=self._opts(depends_on=[policy, logs]),
        )

    def _state_machine(self, functions: dict, topic: aws.sns.Topic, draws: aws.dynamodb.Table) -> aws.sfn.StateMachine:
        """The Lottery state machine, its role, and its log group when logging is on."""
        name, log_level = self._name, self._args.get("state_machine_logging", "ERROR")
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self)).partition
        state_machine_name = self._physical("Lottery")
        role = aws.iam.Role(
            f"{name}-state-machine-role", name=self._physical("StateMachine"),
            assume_role_policy=json.dumps(policies.assume_role(STATES_SERVICE)), tags=self._tags, opts=self._opts(),
        )
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
                name=state_machine_name.apply(lambda n: f"/aws/vendedlogs/states/{n}"),
                retention_in_days=self._retention, tags=self._tags, opts=self._opts(),
            )
            logging_configuration = {
                "level": log_level,
                "include_execution_data": True,
                "log_destination": logs.arn.apply(lambda a: f"{a}:*"),
            }
        definition = pulumi.Output.all(
            partition, topic.arn, draws.name, *[f.arn for f in functions.values()]
        ).apply(lambda a: render({
            "Partition": a[0],
            "NotificationTopicArn": a[1],
            "DrawsTable": a[2],
            **{f"{fn}Arn": arn for fn, arn in zip(FUNCTIONS, a[3:])},
        }))
        return aws.sfn.StateMachine(
            f"{name}-state-machine",
            name=state_machine_name,
            role_arn=role.arn,
            definition=definition,
            type=self._args.get("state_machine_type", "STANDARD"),
            logging_configuration=logging_configuration,
            tracing_configuration={"enabled": self._tracing},
            tags=self._tags,
            opts=self._opts(depends_on=[policy]),
        )

    def _dead_letters(self) -> aws.sqs.Queue:
        """Where failed imports and event deliveries end, with an alarm on its first message."""
        queue = aws.sqs.Queue(
            f"{self._name}-dead-letters", name=self._physical("DeadLetters"),
            message_retention_seconds=14 * 24 * 3600, sqs_managed_sse_enabled=True, tags=self._tags, opts=self._opts(),
        )
        aws.cloudwatch.MetricAlarm(
            f"{self._name}-dead-letters-alarm", name=self._physical("DeadLetters-not-empty"),
            alarm_description="A roster import or a WinnerDrawn delivery failed: its record is in the dead-letter queue",
            namespace="AWS/SQS", metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": queue.name}, statistic="Maximum", period=60, evaluation_periods=1,
            threshold=0, comparison_operator="GreaterThanThreshold", treat_missing_data="notBreaching",
            tags=self._tags, opts=self._opts(),
        )
        return queue

    def _on_failure(self, fn: str, handler: aws.lambda_.Function, dead_letters: aws.sqs.Queue) -> None:
        """Asynchronous invocations that keep failing go to the dead-letter queue."""
        aws.lambda_.FunctionEventInvokeConfig(
            f"{self._name}-{fn.lower()}-on-failure", function_name=handler.name, maximum_retry_attempts=2,
            destination_config={"on_failure": {"destination": dead_letters.arn}}, opts=self._opts(),
        )

    def _roster_upload(self, dead_letters: aws.sqs.Queue) -> pulumi.Output[str]:
        """Seed 004: a private bucket whose .csv uploads import themselves, or are rejected by line."""
        name = self._name
        rejections = aws.sns.Topic(
            f"{name}-roster-rejections", name=self._physical("RosterRejections"), display_name="Lottery roster",
            tags=self._tags, opts=self._opts(),
        )
        self._subscribe_emails(rejections, "roster-admin", self._args.get("roster_admin_emails"))
        bucket = aws.s3.Bucket(
            f"{name}-roster", bucket_prefix=self._prefix.apply(lambda p: f"{p.lower()}-roster-"),
            force_destroy=False, tags=self._tags, opts=self._opts(),
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
        self._on_failure("ImportRoster", importer, dead_letters)
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        allow_s3 = aws.lambda_.Permission(
            f"{name}-roster-permission", action="lambda:InvokeFunction", function=importer.name,
            principal="s3.amazonaws.com", source_arn=bucket.arn, source_account=account, opts=self._opts(),
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
        bus = aws.cloudwatch.EventBus(f"{name}-events", name=self._physical("Events"), tags=self._tags, opts=self._opts())
        self._settings["EVENT_BUS_NAME"] = bus.name
        publisher = self._function("PublishWinnerEvents", *EVENTS_FUNCTION, pulumi.Output.all(
            winners_table=winners.arn, event_bus=bus.arn, dead_letters=dead_letters.arn,
        ))
        self._on_failure("PublishWinnerEvents", publisher, dead_letters)
        aws.lambda_.EventSourceMapping(
            f"{name}-winners-stream", event_source_arn=winners.stream_arn, function_name=publisher.arn,
            starting_position="LATEST", batch_size=10, maximum_retry_attempts=3, bisect_batch_on_function_error=True,
            destination_config={"on_failure": {"destination_arn": dead_letters.arn}}, opts=self._opts(),
        )
        consumer = aws.sqs.Queue(
            f"{name}-winner-events-queue", name=self._physical("WinnerEvents"), sqs_managed_sse_enabled=True,
            tags=self._tags, opts=self._opts(),
        )
        rule = aws.cloudwatch.EventRule(
            f"{name}-winner-drawn", name=self._physical("WinnerDrawn"), event_bus_name=bus.name,
            description="Every WinnerDrawn event, to the example consumer queue",
            event_pattern=json.dumps({"source": ["lottery"], "detail-type": ["WinnerDrawn"]}),
            tags=self._tags, opts=self._opts(),
        )
        aws.cloudwatch.EventTarget(
            f"{name}-winner-drawn-to-queue", rule=rule.name, event_bus_name=bus.name, arn=consumer.arn, opts=self._opts(),
        )
        self._allow_into_queue(f"{name}-winner-events-queue-policy", consumer, "events.amazonaws.com", rule.arn)
        return bus.name, consumer.url

    def _announcement_queue(self, topic: aws.sns.Topic) -> pulumi.Output[str]:
        """An SQS queue subscribed to the announcements."""
        name = self._name
        queue = aws.sqs.Queue(
            f"{name}-announcements-queue", name=self._physical("Announcements"), sqs_managed_sse_enabled=True,
            tags=self._tags, opts=self._opts(),
        )
        self._allow_into_queue(f"{name}-announcements-queue-policy", queue, "sns.amazonaws.com", topic.arn)
        aws.sns.TopicSubscription(
            f"{name}-announcements-to-queue", topic=topic.arn, protocol="sqs", endpoint=queue.arn,
            raw_message_delivery=True, opts=self._opts(),
        )
        return queue.url

    def _allow_into_queue(self, resource_name: str, queue: aws.sqs.Queue, service: str, source_arn) -> None:
        aws.sqs.QueuePolicy(
            resource_name, queue_url=queue.url,
            policy=pulumi.Output.all(queue.arn, source_arn).apply(
                lambda a: json.dumps(policies.queue_policy(a[0], service, a[1]))),
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
            f"{name}-api", name=self._physical("Api"), protocol_type="HTTP",
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
            f"{name}-api-access-logs", name=self._physical("Api").apply(lambda n: f"/aws/apigateway/{n}"),
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
            principal="apigateway.amazonaws.com",
            # This API only, any stage, method and route.
            source_arn=api.execution_arn.apply(lambda a: f"{a}/*/*"), opts=self._opts(),
        )
        return stage.invoke_url, api.id


def _check(args: LotteryWorkflowArgs) -> None:
    """Refuse settings that would deploy a broken lottery, before anything is created."""
    max_winners = args.get("max_winners", 10)
    if not 1 <= max_winners <= WINNERS_LIMIT:
        raise ValueError(f"max_winners must be from 1 to {WINNERS_LIMIT}, not {max_winners}")
    if args.get("api_authorization", "AWS_IAM") not in API_AUTHORIZATIONS:
        raise ValueError(f"api_authorization must be AWS_IAM or NONE, not {args['api_authorization']}")
    if args.get("state_machine_logging", "ERROR") not in ("OFF", "ERROR", "FATAL", "ALL"):
        raise ValueError(f"state_machine_logging must be OFF, ERROR, FATAL or ALL, not {args['state_machine_logging']}")
