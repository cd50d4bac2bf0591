"""The LotteryWorkflow component, packaged for other stacks (as `lottery_workflow` once installed)."""

from .lottery_workflow import LotteryWorkflow, LotteryWorkflowArgs

__all__ = ["LotteryWorkflow", "LotteryWorkflowArgs"]
