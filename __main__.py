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

pulumi.export("state_machine_arn", lottery.state_machine_arn)
pulumi.export("employee_table", lottery.employee_table_name)
pulumi.export("winners_table", lottery.winners_table_name)
pulumi.export("draws_table", lottery.draws_table_name)
pulumi.export("notification_topic_arn", lottery.notification_topic_arn)
pulumi.export("function_names", lottery.function_names)
pulumi.export("api_url", lottery.api_url)
pulumi.export("api_id", lottery.api_id)
pulumi.export("roster_bucket", lottery.roster_bucket)
pulumi.export("event_bus_name", lottery.event_bus_name)
pulumi.export("winner_events_queue_url", lottery.winner_events_queue_url)
pulumi.export("dead_letter_queue_url", lottery.dead_letter_queue_url)
pulumi.export("announcement_queue_url", lottery.announcement_queue_url)
