"""LotteryWorkflowArgs, the settings of one lottery, and the check that refuses bad ones."""

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import pulumi

from .api import AUTHORIZATIONS

# TransactWriteItems takes 100 actions; a draw of k winners needs at most 3k+4 (3k+2 and its Ledger record).
WINNERS_LIMIT = 32


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

    public_screen: bool
    """Let phones open the draw night's page, read its results and check in without signing:
    GET /, GET /qrcode.js, GET /night and POST /night/checkin take no authorization, every other
    route keeps api_authorization (default false; in the China regions a public endpoint needs an
    ICP licence, so it is a choice)."""

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


# CloudWatch Logs' retention values (days).
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
LAMBDA_RUNTIMES = ("python3.12", "python3.13")
LOG_LEVELS = ("OFF", "ERROR", "FATAL", "ALL")
NAME_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,31}")
_BOOLEANS = ("protect_winners", "tracing", "api", "public_screen", "roster_upload", "roster_bucket_force_destroy", "winner_events",
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


def check(settings: LotteryWorkflowArgs) -> None:
    """Refuse settings that would deploy a broken lottery, before anything is created.

    Every key with a fixed set or range is checked; a pass-through input that is an Output is
    left to AWS to check at deploy time."""
    args: Mapping[str, Any] = settings  # read by key name, including keys it should not have
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
    one_of("api_authorization", AUTHORIZATIONS)
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
