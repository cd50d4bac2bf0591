"""OfflineStack: deploy a lottery stack into moto, run draws on it, keep its data in a state dir."""

import logging
from pathlib import Path

from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from . import lambdas, retries, state
from .lottery import Lottery
from .mocks import MotoMocks
from .program import read_config, run_program

PROJECT_DIR = Path(__file__).resolve().parent.parent
SAMPLE_ROSTER = PROJECT_DIR / "data" / "request-items.json"


class OfflineStack(Lottery):
    """A stack "deployed" into moto in this process. Use as a context manager."""

    poll_max_s = 0.005  # moto runs a draw in tens of milliseconds; polling faster only takes its GIL

    def __init__(self, stack: str = "dev", state_dir: Path | None = None, project_dir: Path = PROJECT_DIR):
        self.stack, self.project_dir = stack, project_dir
        self.state_path = state.state_file(state_dir, stack) if state_dir else None
        self.region = read_config(project_dir, stack)[1].get("aws:region", "us-east-1")
        # moto's default Lambda backend: its _invoke_lambda is the seam lambdas.install() takes.
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})

    def __enter__(self):
        # moto's interpreter logs each failed state at ERROR; a failed draw is reported by us.
        logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
        self._mock.start()
        lambdas.install()
        retries.install()
        try:
            self.mocks = MotoMocks(self.region)
            super().__init__(run_program(self.project_dir, self.stack, self.mocks), self.region)
            if not (self.state_path and state.load(self.state_path, self.dynamodb, self.outputs)):
                # Not saved yet: with no state file, the next run imports the same sample again.
                self.import_roster(SAMPLE_ROSTER.read_text(), save=False)
        except BaseException:
            self._mock.stop()
            raise
        return self

    def __exit__(self, *exc):
        self._mock.stop()

    def saved(self) -> None:
        if self.state_path:
            state.save(self.state_path, self.dynamodb, self.outputs)

    def _sent(self, topic_arn: str) -> list[str]:
        return [n[1] for n in sns_backends[DEFAULT_ACCOUNT_ID][self.region].topics[topic_arn].sent_notifications]

    def announcements(self) -> list[str]:
        """Every message published on the Notification topic, oldest first."""
        return self._sent(self.outputs["notification_topic_arn"])

    def rejections(self) -> list[str]:
        """Every roster rejection notice, oldest first."""
        topics = sns_backends[DEFAULT_ACCOUNT_ID][self.region].topics
        return self._sent(next(arn for arn in topics if arn.endswith("-RosterRejections")))
