"""The lottery stack: read this stack's `lottery:*` config, build one LotteryWorkflow, export it."""

import pulumi

from components import LotteryWorkflow, LotteryWorkflowArgs

config = pulumi.Config("lottery")
# Stack config key: (LotteryWorkflowArgs key, reader). Unset keys keep the component's defaults.
SETTINGS = {
    "namePrefix": ("name_prefix", config.get),
    "maxWinners": ("max_winners", config.get_int),
    "maxAttempts": ("max_attempts", config.get_int),
    "logRetentionDays": ("log_retention_days", config.get_int),
    "protectWinners": ("protect_winners", config.get_bool),
    "stateMachineLogging": ("state_machine_logging", config.get),
    "tracing": ("tracing", config.get_bool),
    "stateMachineType": ("state_machine_type", config.get),
    "lambdaRuntime": ("lambda_runtime", config.get),
    "api": ("api", config.get_bool),
    "apiAuthorization": ("api_authorization", config.get),
    "apiThrottleRate": ("api_throttle_rate", config.get_float),
    "apiThrottleBurst": ("api_throttle_burst", config.get_int),
    "rosterUpload": ("roster_upload", config.get_bool),
    "winnerEvents": ("winner_events", config.get_bool),
    "announcementQueue": ("announcement_queue", config.get_bool),
}
args = LotteryWorkflowArgs()
for key, (arg, read) in SETTINGS.items():
    value = read(key)
    if value is not None:
        args[arg] = value
# Addresses are kept secret in the state whether or not they were set with --secret.
for key, arg in (("notificationEmails", "notification_emails"), ("rosterAdminEmails", "roster_admin_emails")):
    args[arg] = [pulumi.Output.secret(e) for e in config.get_object(key) or []]

lottery = LotteryWorkflow("lottery", args)

# Stack output name: component output. The offline runtime and `lottery --target aws` read these names.
for output, attribute in {
    "state_machine_arn": "state_machine_arn",
    "employee_table": "employee_table_name",
    "winners_table": "winners_table_name",
    "draws_table": "draws_table_name",
    "notification_topic_arn": "notification_topic_arn",
    "function_names": "function_names",
    "api_url": "api_url",
    "api_id": "api_id",
    "roster_bucket": "roster_bucket",
    "event_bus_name": "event_bus_name",
    "winner_events_queue_url": "winner_events_queue_url",
    "dead_letter_queue_url": "dead_letter_queue_url",
    "announcement_queue_url": "announcement_queue_url",
}.items():
    pulumi.export(output, getattr(lottery, attribute))
