"""OfflineStack: deploy a lottery stack into moto, run draws on it, keep its data in a state dir."""

import logging
from pathlib import Path

import boto3
from boto3.dynamodb.types import TypeDeserializer
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.sns.models import sns_backends
from moto.stepfunctions.parser.models import stepfunctions_parser_backends

from . import seams, state
from .lottery import TABLES, Lottery
from .mocks import MotoMocks
from .program import PROJECT_DIR, SAMPLE_ROSTER, read_config, run_program


class OfflineStack(Lottery):
    """A stack "deployed" into moto in this process. Use as a context manager."""

    poll_max_s = 0.001  # a look at moto's execution, not a DescribeExecution (see _ended)

    def __init__(self, stack: str = "dev", state_dir: Path | None = None, project_dir: Path = PROJECT_DIR):
        self.stack, self.project_dir = stack, project_dir
        self.state_path = state.state_file(state_dir, stack) if state_dir else None
        self.region = read_config(project_dir, stack)[1].get("aws:region", "us-east-1")
        # moto's default Lambda backend: its _invoke_lambda is where seams.py hooks the Lambda runner.
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})

    def __enter__(self):
        # moto's interpreter logs each failed state at ERROR; a failed draw is reported by us.
        logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
        seams.install()  # before moto starts: it reads its URL table then
        try:
            self._mock.start()
            try:
                self.mocks = MotoMocks(self.region)
                super().__init__(run_program(self.project_dir, self.stack, self.mocks), self.region)
                if not (self.state_path and state.load(self.state_path, self.dynamodb, self.outputs)):
                    # Not saved yet: with no state file, the next run imports the same sample again.
                    self.import_roster(SAMPLE_ROSTER.read_text(), save=False)
            except BaseException:
                self._mock.stop()
                raise
        except BaseException:
            seams.uninstall()
            raise
        return self

    def __exit__(self, *exc):
        try:
            self._mock.stop()
        finally:
            seams.uninstall()

    def _ended(self, execution_arn: str) -> dict | None:
        # moto's own record of the execution costs nothing to read; each DescribeExecution through
        # boto3 would take the GIL from the running draw.
        execution = stepfunctions_parser_backends[DEFAULT_ACCOUNT_ID][self.region].describe_execution(execution_arn)
        return None if execution.status == "RUNNING" else super()._ended(execution_arn)

    def saved(self) -> None:
        if self.state_path:
            state.save(self.state_path, self.snapshot())

    def snapshot(self) -> dict[str, list[dict]]:
        """Every table's items, read from moto's own tables: a save after every draw would otherwise
        Scan each table through boto3 and moto's serializer."""
        backend, plain = dynamodb_backends[DEFAULT_ACCOUNT_ID][self.region], TypeDeserializer().deserialize
        # list() and dict() copy in one step under the GIL, so a draw running in another thread
        # cannot change a table or an item while it is being read.
        return {key: [{name: plain(value.to_regular_json()) for name, value in dict(item.attrs).items()}  # type: ignore[attr-defined]
                      for entry in list(backend.get_table(self.outputs[key]).items.values())
                      for item in (list(entry.values()) if isinstance(entry, dict) else [entry])] for key in TABLES}

    def _sent(self, topic_arn: str) -> list[str]:
        return [n[1] for n in sns_backends[DEFAULT_ACCOUNT_ID][self.region].topics[topic_arn].sent_notifications]

    def announcements(self) -> list[str]:
        """Every message published on the Notification topic, oldest first."""
        return self._sent(self.outputs["notification_topic_arn"])

    def roster_notices(self) -> list[str]:
        """Every roster notice (a rejection, or an acceptance with its counts), oldest first."""
        importer = boto3.client("lambda", region_name=self.region).get_function_configuration(
            FunctionName=self.outputs["function_names"]["ImportRoster"])
        return self._sent(importer["Environment"]["Variables"]["ROSTER_NOTICES_TOPIC_ARN"])
