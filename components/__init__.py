"""The LotteryWorkflow component, packaged for other stacks (as `lottery_workflow` once installed)."""

from .args import LotteryWorkflowArgs
from .lottery_workflow import LotteryWorkflow

__all__ = ["LotteryWorkflow", "LotteryWorkflowArgs"]
