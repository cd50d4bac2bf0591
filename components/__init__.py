"""The LotteryWorkflow component, packaged for other stacks (as `lottery_workflow` once installed)."""

from .args import LotteryWorkflowArgs
from .lottery_workflow import LotteryWorkflow

# The one version: pyproject.toml, the provider schema, the git tag v<version> and CHANGELOG.md agree (tested).
__version__ = "0.6.0"

__all__ = ["LotteryWorkflow", "LotteryWorkflowArgs", "__version__"]
