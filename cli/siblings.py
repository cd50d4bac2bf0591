"""The twin, the handlers' helpers and the state machine template, under the names the project
has where the command runs.

In a checkout the design card's folders are top-level packages (`twin`, `handlers`,
`components`); in the wheel, pyproject.toml maps them into one package, `lottery_workflow`
(components/ is the package itself, handlers/ is `lottery_workflow.handlers`, cli/ is
`lottery_workflow.cli`), so they are reached relatively. This is the one place in the command
that knows both; twin/siblings.py is the twin's.

Nothing imported here brings in moto: the command's entry point prepares moto's import first
(seams.skip_batch_backend), and `--target aws` never needs it. OfflineStack, which does, is
imported when it is first asked for.
"""

from typing import TYPE_CHECKING

CHECKOUT = __name__.count(".") == 1  # cli.siblings; installed: lottery_workflow.cli.siblings

if TYPE_CHECKING or CHECKOUT:
    from components.definition import TEMPLATE
    from handlers import proofs, verifiable
    from handlers.api import SCREEN_ROUTES
    from handlers.commitments import text as public_text
    from handlers.common import InvalidInput, InvalidRoster, plain, scan_all
    from handlers.night import csv_text as night_csv
    from handlers.night import parse as parse_night
    from handlers.night import rows as night_rows
    from handlers.payloads import cause_message, execution_arn
    from handlers.roster import parse_roster
    from twin import seams, state
    from twin.lottery import DRAW_TIMEOUT_S, CommitError, Lottery, NotifyError
    from twin.program import StackConfigError, project_dir
    from twin.state_lock import StateBusy, StateLock, describe
else:
    from ..definition import TEMPLATE
    from ..handlers import proofs, verifiable
    from ..handlers.api import SCREEN_ROUTES
    from ..handlers.commitments import text as public_text
    from ..handlers.common import InvalidInput, InvalidRoster, plain, scan_all
    from ..handlers.night import csv_text as night_csv
    from ..handlers.night import parse as parse_night
    from ..handlers.night import rows as night_rows
    from ..handlers.payloads import cause_message, execution_arn
    from ..handlers.roster import parse_roster
    from ..twin import seams, state
    from ..twin.lottery import DRAW_TIMEOUT_S, CommitError, Lottery, NotifyError
    from ..twin.program import StackConfigError, project_dir
    from ..twin.state_lock import StateBusy, StateLock, describe

if TYPE_CHECKING:
    from twin.stack import OfflineStack


def offline_stack() -> "type[OfflineStack]":
    """The twin's OfflineStack (and with it moto), imported at first use."""
    if TYPE_CHECKING or CHECKOUT:
        from twin.stack import OfflineStack
    else:
        from ..twin.stack import OfflineStack
    return OfflineStack


__all__ = ["CHECKOUT", "DRAW_TIMEOUT_S", "SCREEN_ROUTES", "TEMPLATE", "CommitError", "InvalidInput", "InvalidRoster",
           "Lottery", "NotifyError", "StackConfigError", "StateBusy", "StateLock", "cause_message", "describe",
           "execution_arn", "night_csv", "night_rows", "offline_stack", "parse_night", "parse_roster", "plain", "project_dir", "proofs",
           "public_text", "scan_all", "seams", "state", "verifiable"]
