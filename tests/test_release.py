"""One version everywhere a consumer reads one: pyproject.toml (the wheel), the component
package (`lottery_workflow.__version__`), the provider schema `pulumi package add` generates an SDK
from, CHANGELOG.md, and the git tag v<version> that `pulumi package add <url>/components@v<version>`
pins."""

import json
import re
import subprocess
import tomllib

from pulumi.provider.experimental.component import ComponentProvider

import components
from conftest import ROOT


def test_the_wheel_the_package_the_schema_and_the_changelog_say_one_version():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert components.__version__ == version
    schema = json.loads(ComponentProvider([components.LotteryWorkflow], "lottery", None, components.__version__).schema)
    assert schema["version"] == version
    assert "version=package.__version__" in (ROOT / "components" / "__main__.py").read_text()  # what the engine runs
    assert f"\nversion: {version}\n" in (ROOT / "policy" / "PulumiPolicy.yaml").read_text()  # the policy pack's
    entries = re.findall(r"^## (\d+\.\d+\.\d+) — \d{4}-\d{2}-\d{2}$", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert entries[0] == version and entries == sorted(entries, key=lambda v: tuple(map(int, v.split("."))), reverse=True)


def test_every_release_tag_is_in_the_changelog_and_carries_its_version():
    tags = subprocess.run(["git", "tag", "--list", "v*"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    changelog = (ROOT / "CHANGELOG.md").read_text()
    # From 0.5.0 on, every version in the changelog is a tag (a clone without tags checks nothing here).
    tagged_from = tuple(map(int, re.search(r"tagged from (\d+\.\d+\.\d+)", changelog).group(1).split(".")))
    listed = re.findall(r"^## (\d+\.\d+\.\d+) — ", changelog, re.M)
    if tags:
        assert {f"v{v}" for v in listed if tuple(map(int, v.split("."))) >= tagged_from} <= set(tags)
    for tag in tags:
        assert f"## {tag[1:]} — " in changelog, tag
        tagged = subprocess.run(["git", "show", f"{tag}:pyproject.toml"], cwd=ROOT, capture_output=True, text=True, check=True)
        assert tomllib.loads(tagged.stdout)["project"]["version"] == tag[1:], tag


def test_the_plugin_installs_and_runs_in_the_venv_pulumi_makes():
    plugin = (ROOT / "components" / "PulumiPlugin.yaml").read_text()
    assert re.search(r"runtime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: venv\n", plugin)
    requirements = (ROOT / "components" / "requirements.txt").read_text().split()
    pinned = dict(line.split("==") for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line)
    assert {r.split("==")[0] for r in requirements} == {"pulumi", "pulumi-aws"}
    assert all(pinned[name] == version for name, version in (r.split("==") for r in requirements))


def _schema() -> dict:
    return json.loads(ComponentProvider([components.LotteryWorkflow], "lottery", None, components.__version__).schema)


JSON_TYPES = {"integer": int, "number": (int, float), "boolean": bool, "string": str, "array": list, "object": dict}


def test_the_yaml_consumer_uses_what_the_generated_schema_has():
    import yaml

    resource_schema = _schema()["resources"]["lottery:index:LotteryWorkflow"]
    project = yaml.safe_load((ROOT / "examples" / "yaml-consumer" / "Pulumi.yaml").read_text())
    assert project["packages"]["lottery"].endswith(f"/components@{components.__version__}")
    (office,) = project["resources"].values()
    assert office["type"] == "lottery:index:LotteryWorkflow"
    for name, value in office["properties"].items():
        spec = resource_schema["inputProperties"][name]
        expected = JSON_TYPES[spec.get("type", "object" if "additionalProperties" in spec else "string")]
        assert isinstance(value, expected) and not (expected is int and isinstance(value, bool)), name
    used = {re.fullmatch(r"\$\{office\.(\w+)\}", v).group(1) for v in project["outputs"].values()}
    assert used <= set(resource_schema["properties"])


def test_the_typescript_consumer_uses_what_the_generated_schema_has():
    resource_schema = _schema()["resources"]["lottery:index:LotteryWorkflow"]
    consumer = ROOT / "examples" / "typescript-consumer"
    source = (consumer / "index.ts").read_text()
    arguments = re.findall(r"new lottery\.LotteryWorkflow\(\"\w+\", \{(.*?)\n\}\);", source, re.S)
    assert len(arguments) == 2
    given = {key for block in arguments for key in re.findall(r"^\s{4}(\w+):", block, re.M)}
    assert given and given <= set(resource_schema["inputProperties"])
    assert set(re.findall(r"= (?:party|quarterly)\.(\w+);", source)) <= set(resource_schema["properties"])
    assert f"/components@{components.__version__}" in (consumer / "Pulumi.yaml").read_text()
