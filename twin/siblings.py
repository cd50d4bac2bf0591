"""The handlers' helpers the twin shares, under the names the project has where it runs.

In a checkout the design card's folders are top-level packages (`handlers`); in the wheel,
pyproject.toml maps them into one package, `lottery_workflow` (handlers/ is
`lottery_workflow.handlers`, twin/ is `lottery_workflow.twin`), so they are reached relatively.
This is the one place in the twin that knows both; cli/siblings.py is the command's.
"""

from typing import TYPE_CHECKING

CHECKOUT = __name__.count(".") == 1  # twin.siblings; installed: lottery_workflow.twin.siblings

if TYPE_CHECKING or CHECKOUT:
    from handlers.batches import write_all
    from handlers.commit_draw import CommitRefused
    from handlers.commit_draw import invoke as invoke_commit
    from handlers.common import POOL_KEY, plain, scan_all
    from handlers.payloads import cause_message, execution_arn, outcome
    from handlers.proofs import bundle, prior_winners, roster
    from handlers.roster import SUFFIXES as ROSTER_SUFFIXES
    from handlers.roster import parse_roster, write_roster
    from handlers.validate_winners import announcement
else:
    from ..handlers.batches import write_all
    from ..handlers.commit_draw import CommitRefused
    from ..handlers.commit_draw import invoke as invoke_commit
    from ..handlers.common import POOL_KEY, plain, scan_all
    from ..handlers.payloads import cause_message, execution_arn, outcome
    from ..handlers.proofs import bundle, prior_winners, roster
    from ..handlers.roster import SUFFIXES as ROSTER_SUFFIXES
    from ..handlers.roster import parse_roster, write_roster
    from ..handlers.validate_winners import announcement

__all__ = ["CHECKOUT", "POOL_KEY", "ROSTER_SUFFIXES", "CommitRefused", "announcement", "bundle", "cause_message", "execution_arn",
           "invoke_commit", "outcome", "parse_roster", "plain", "prior_winners", "roster", "scan_all", "write_all",
           "write_roster"]
