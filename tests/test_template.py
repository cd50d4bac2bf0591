"""`pulumi new <repository URL>` and ESC: Pulumi.yaml's template and esc/lottery-dev.yaml set only
keys the stack reads (the README's config reference), and what they set makes a stack that deploys
(the program under mocks)."""

import json
import re

import yaml

from conftest import ROOT
from pulumi_mocks import RecordingMocks
from twin import program


def referenced_keys() -> set[str]:
    """The `lottery:*` keys the README's config reference lists."""
    readme = (ROOT / "README.md").read_text()
    table = readme.split("### Config reference (`lottery:*`)", 1)[1].split("\nOutputs:", 1)[0]
    return {f"lottery:{key}" for row in table.splitlines() if row.startswith("| `")
            for key in re.findall(r"`(\w+)`", row.split("|")[1])}


def test_the_template_asks_for_the_region_and_the_emails_and_only_for_keys_the_stack_reads():
    template = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["template"]
    assert template["description"]
    keys = set(template["config"])
    assert keys == {"aws:region", "lottery:notificationEmails"}
    assert keys - {"aws:region"} <= referenced_keys()


def test_a_stack_made_from_the_template_deploys(monkeypatch):
    template = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["template"]
    defaults = {key: str(value["default"]) for key, value in template["config"].items()}
    monkeypatch.setattr(program, "read_config", lambda project_dir, stack: ("lottery", defaults))
    mocks = RecordingMocks(defaults["aws:region"])
    exports = program.run_program(ROOT, "fresh", mocks)
    assert exports["state_machine_arn"].startswith("arn:aws-cn:states:cn-northwest-1:")
    assert not mocks.of_type("aws:sns/topicSubscription:TopicSubscription")  # no addresses given yet


def esc_config(path) -> dict[str, str]:
    """An ESC environment's pulumiConfig as the stack receives it: ${path} references resolved,
    fn::secret unwrapped, structured values as JSON (as Pulumi hands config to a program)."""
    values = yaml.safe_load(path.read_text())["values"]

    def resolve(value):
        if isinstance(value, dict) and list(value) == ["fn::secret"]:
            return resolve(value["fn::secret"])
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, str) and (reference := re.fullmatch(r"\$\{([\w.]+)\}", value)):
            found = values
            for part in reference.group(1).split("."):
                found = found[part]
            return resolve(found)
        return value

    return {key: json.dumps(value) if isinstance(value, (list, dict)) else str(value).lower() if isinstance(value, bool)
            else str(value) for key, value in resolve(values["pulumiConfig"]).items()}


def test_the_esc_environment_sets_keys_the_stack_reads_and_deploys_with_the_stack_file(monkeypatch):
    environment = esc_config(ROOT / "esc" / "lottery-dev.yaml")
    assert set(environment) <= referenced_keys()
    assert "#   - lottery/dev" in (ROOT / "Pulumi.dev.yaml").read_text()  # the documented option
    project, stack_file = program.read_config(ROOT, "dev")
    assert not set(environment) & set(stack_file)  # the file's value would win: the environment sets none of them
    config = {**environment, **stack_file}  # as Pulumi merges them
    monkeypatch.setattr(program, "read_config", lambda project_dir, stack: (project, config))
    mocks = RecordingMocks(config["aws:region"])
    program.run_program(ROOT, "dev", mocks)
    assert len(mocks.of_type("aws:sns/topicSubscription:TopicSubscription")) == 2  # winners, and the operators' alarms
    stage = mocks.of_type("aws:apigatewayv2/stage:Stage")[0].inputs
    assert stage["defaultRouteSettings"]["throttlingRateLimit"] == 50
