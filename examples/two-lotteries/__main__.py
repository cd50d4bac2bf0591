"""A user's own stack reusing the packaged component: a summer and a winter lottery side by side.

Install the component into this stack's virtualenv first: `pip install <path to the lottery checkout>`.
"""

import pulumi
from lottery_workflow import LotteryWorkflow

config = pulumi.Config()
team = config.require("team")
organisers = config.get_object("organisers") or []

summer = LotteryWorkflow(f"{team}-summer", {
    "max_winners": config.get_int("summerPrizes") or 3,
    "notification_emails": [pulumi.Output.secret(e) for e in organisers],
    "state_machine_logging": "OFF",
    "tags": {"team": team, "season": "summer"},
})
winter = LotteryWorkflow(f"{team}-winter", {
    "max_winners": config.get_int("winterPrizes") or 1,
    "protect_winners": False,
    "tags": {"team": team, "season": "winter"},
})

pulumi.export("summer_state_machine", summer.state_machine_arn)
pulumi.export("winter_state_machine", winter.state_machine_arn)
