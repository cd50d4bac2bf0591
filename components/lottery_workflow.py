"""LotteryWorkflow: the seed's whole serverless lottery as one Pulumi component.

The core draw is built by draw.py, each optional feature by a module of its own (api.py,
roster_upload.py, winner_events.py, announcements.py, with dead_letters.py shared by two), every
function from its spec in functions.py."""

import pulumi

from . import announcements, api, dead_letters, draw, roster_upload, winner_events
from .args import LotteryWorkflowArgs, check
from .functions import Code
from .scope import Scope
from .sources import source_dir

# Every output, in the order the stack exports them: (attribute, stack output name).
OUTPUTS = (
    ("state_machine_arn", "state_machine_arn"),
    ("state_machine_name", "state_machine_name"),
    ("employee_table_name", "employee_table"),
    ("winners_table_name", "winners_table"),
    ("draws_table_name", "draws_table"),
    ("ledger_table_name", "ledger_table"),
    ("seeds_table_name", "seeds_table"),
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
    """Employee, Winners and Draws tables, the Ledger and Seeds tables of verifiable draws, the
    Notification topic, the four functions and Record Failure with a role each, and the Lottery
    state machine that commits to a draw, draws, records and then announces winners; by default
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
    """One item per draw (its commitment, then its winners or its failure), and the pool's size."""
    ledger_table_name: pulumi.Output[str]
    """Every import, commitment, draw and failure, hash-chained: what `lottery verify` checks."""
    seeds_table_name: pulumi.Output[str]
    """Each draw's secret server seed, which only Input Lottery Winners reads, until the draw reveals it."""
    notification_topic_arn: pulumi.Output[str]
    function_names: pulumi.Output[dict[str, str]]
    """Physical name of each function, by the seed's name (InputWinners, RandomSelectWinners, ...,
    and Api, ImportRoster, PublishWinnerEvents when their feature is on)."""
    api_url: pulumi.Output[str] | None
    """Base URL of the HTTP API (none when `api` is false)."""
    api_id: pulumi.Output[str] | None
    """Id of the HTTP API (none when `api` is false)."""
    roster_bucket: pulumi.Output[str] | None
    """Bucket where an uploaded `.csv` roster imports itself (none when `roster_upload` is false)."""
    event_bus_name: pulumi.Output[str] | None
    """EventBridge bus carrying WinnerDrawn events (none when `winner_events` is false)."""
    winner_events_queue_url: pulumi.Output[str] | None
    """SQS queue the example rule delivers WinnerDrawn events to (none when `winner_events` is false)."""
    dead_letter_queue_url: pulumi.Output[str] | None
    """Where failed imports and event deliveries land (none when both features are off)."""
    alarm_topic_arn: pulumi.Output[str] | None
    """SNS topic the dead-letter alarm notifies (`operator_emails`; none when there is no dead-letter queue)."""
    announcement_queue_url: pulumi.Output[str] | None
    """SQS queue subscribed to the announcements (none unless `announcement_queue`)."""

    def __init__(self, name: str, args: LotteryWorkflowArgs, opts: pulumi.ResourceOptions | None = None):
        check(args)  # before anything is registered
        super().__init__("lottery:index:LotteryWorkflow", name, {}, opts)
        scope = Scope(self, name, args.get("name_prefix"), args.get("tags"), args.get("log_retention_days", 14),
                      args.get("tracing", False))
        handlers = source_dir("handlers")
        code = Code(pulumi.AssetArchive({f"handlers/{p.relative_to(handlers).as_posix()}": pulumi.FileAsset(str(p))
                                         for pattern in ("*.py", "web/*.html", "web/*.js")
                                         for p in sorted(handlers.glob(pattern))}),
                    args.get("lambda_runtime", "python3.12"))
        core = draw.build(scope, code, {
            "MAX_WINNERS": str(args.get("max_winners", 10)),
            "MAX_ATTEMPTS": str(args.get("max_attempts", 3)),
            "LOTTERY_NAME": args.get("name_prefix") or f"{name}-{pulumi.get_stack()}",
        }, stream=args.get("winner_events", True), protect_winners=args.get("protect_winners", True),
            winners_table_import=args.get("winners_table_import"),
            state_machine_logging=args.get("state_machine_logging", "ERROR"),
            notification_emails=args.get("notification_emails"))
        functions = dict(core.functions)
        self.state_machine_arn, self.state_machine_name = core.machine.arn, core.machine.name
        self.employee_table_name, self.winners_table_name = core.employee.name, core.winners.name
        self.draws_table_name, self.notification_topic_arn = core.draws.name, core.topic.arn
        self.ledger_table_name, self.seeds_table_name = core.ledger.name, core.seeds.name
        self.api_url = self.api_id = self.roster_bucket = self.event_bus_name = None
        self.winner_events_queue_url = self.dead_letter_queue_url = self.alarm_topic_arn = None
        self.announcement_queue_url = None
        if args.get("roster_upload", True) or args.get("winner_events", True):
            queue, alarms = dead_letters.build(scope, args.get("operator_emails"))
            self.dead_letter_queue_url, self.alarm_topic_arn = queue.url, alarms.arn
        if args.get("roster_upload", True):
            self.roster_bucket, functions["ImportRoster"] = roster_upload.build(
                scope, code, core, queue, admin_emails=args.get("roster_admin_emails"),
                force_destroy=args.get("roster_bucket_force_destroy", False))
        if args.get("winner_events", True):
            self.event_bus_name, self.winner_events_queue_url, functions["PublishWinnerEvents"] = winner_events.build(
                scope, code, core, queue)
        if args.get("announcement_queue", False):
            self.announcement_queue_url = announcements.build(scope, core)
        if args.get("api", True):
            self.api_url, self.api_id, functions["Api"] = api.build(
                scope, code, core, authorization=args.get("api_authorization", "AWS_IAM"),
                public_screen=args.get("public_screen", False),
                throttle_rate=args.get("api_throttle_rate", 5), throttle_burst=args.get("api_throttle_burst", 10))
        self.function_names = pulumi.Output.all(**{fn: f.name for fn, f in functions.items()})
        self.register_outputs({attribute: getattr(self, attribute) for attribute, _ in OUTPUTS})
