"""The lottery stack: read this stack's `lottery:*` config, build one LotteryWorkflow, export it."""

from collections.abc import Callable
from typing import Any, cast

import pulumi

try:  # a checkout: the component beside this program
    from components import LotteryWorkflow, LotteryWorkflowArgs
    from components.lottery_workflow import OUTPUTS
except ModuleNotFoundError as missing:  # the default stack `lottery` ships in the wheel: the installed component
    if missing.name != "components":
        raise
    from lottery_workflow import LotteryWorkflow, LotteryWorkflowArgs  # type: ignore[no-redef]
    from lottery_workflow.lottery_workflow import OUTPUTS  # type: ignore[no-redef]

config = pulumi.Config("lottery")
# Stack config key: (LotteryWorkflowArgs key, reader). Unset keys keep the component's defaults.
SETTINGS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "namePrefix": ("name_prefix", config.get),
    "maxWinners": ("max_winners", config.get_int),
    "maxAttempts": ("max_attempts", config.get_int),
    "logRetentionDays": ("log_retention_days", config.get_int),
    "protectWinners": ("protect_winners", config.get_bool),
    "winnersTableImport": ("winners_table_import", config.get),
    "stateMachineLogging": ("state_machine_logging", config.get),
    "tracing": ("tracing", config.get_bool),
    # No longer offered: read so that a stack still setting it is refused with the reason.
    "stateMachineType": ("state_machine_type", config.get),
    "lambdaRuntime": ("lambda_runtime", config.get),
    "api": ("api", config.get_bool),
    "apiAuthorization": ("api_authorization", config.get),
    "publicScreen": ("public_screen", config.get_bool),
    "apiThrottleRate": ("api_throttle_rate", config.get_float),
    "apiThrottleBurst": ("api_throttle_burst", config.get_int),
    "rosterUpload": ("roster_upload", config.get_bool),
    "rosterBucketForceDestroy": ("roster_bucket_force_destroy", config.get_bool),
    "winnerEvents": ("winner_events", config.get_bool),
    "announcementQueue": ("announcement_queue", config.get_bool),
}
args: dict[str, Any] = {}
for key, (arg, read) in SETTINGS.items():
    value = read(key)
    if value is not None:
        args[arg] = value
# Addresses are kept secret in the state whether or not they were set with --secret.
for key, arg in (("notificationEmails", "notification_emails"), ("operatorEmails", "operator_emails"),
                 ("rosterAdminEmails", "roster_admin_emails")):
    args[arg] = [pulumi.Output.secret(e) for e in config.get_object(key) or []]

lottery = LotteryWorkflow("lottery", cast(LotteryWorkflowArgs, args))

# The offline runtime and `lottery --target aws` read these output names.
for attribute, output in OUTPUTS:
    pulumi.export(output, getattr(lottery, attribute))
