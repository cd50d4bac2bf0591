"""The README's "Follow the tutorial offline", run as written: `bin/lottery serve --aws` in one
terminal, the AWS CLI in another, in a copy of the checkout that shares this one's .venv."""

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from conftest import until

ROOT = Path(__file__).resolve().parents[1]
NOT_COPIED = shutil.ignore_patterns(".git", ".venv", ".lottery", "__pycache__", "node_modules", ".pytest_cache", "*.egg-info")


def tutorial() -> list[str]:
    """The section's code blocks, in order: the server, the client's steps, after the server
    stopped, and the aside on batch-write-item."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Follow the tutorial offline\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, re.S)


def bash(script: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {"HOME": str(cwd)})


@pytest.mark.slow  # a `lottery serve --aws` process, and a dozen AWS CLI commands
def test_the_readme_tutorial_runs_as_written(tmp_path):
    serve, steps, after, aside = tutorial()
    assert serve.strip() == "bin/lottery serve --aws" and after.strip() == "bin/lottery winners"
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT, checkout, ignore=NOT_COPIED, symlinks=True)
    (checkout / ".venv").symlink_to(ROOT / ".venv")
    # As written, but on free ports: 8080 and 4566 may be taken on this machine. The client reads the port from the env file.
    server = subprocess.Popen(["bash", "-c", serve.strip() + " --port 0 --aws-port 0"], cwd=checkout, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as a terminal's job has it
    try:
        env_file = checkout / ".lottery" / "dev.aws.env"
        until(lambda: env_file.exists() or server.poll() is not None, "lottery serve --aws started", timeout_s=240)
        assert server.poll() is None, "lottery serve --aws did not start"
        ran = bash(steps, checkout)
        assert ran.returncode == 0, ran.stderr
        lines = ran.stdout.strip().splitlines()
        assert '"AttributeName": "lottery_serial",' in ran.stdout and "SUCCEEDED" in lines
        drawn = [line.split("\t") for line in lines[lines.index("SUCCEEDED") + 1:]]
        assert len(drawn) == 2 and all(len(w) == 2 for w in drawn)

        refused = bash(". .venv/bin/activate\n. .lottery/dev.aws.env\n" + aside, checkout)
        assert refused.returncode != 0 and "(ValidationException) when calling the BatchWriteItem operation" in refused.stderr
    finally:
        os.killpg(server.pid, signal.SIGINT)  # Ctrl-C
        try:
            printed = server.communicate(timeout=120)[0]
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            raise
    assert server.returncode == 0 and not env_file.exists()
    (announced,) = re.findall(r"^Notification: Congrats! \[(.*)\] You have been selected as the Lucky Champ!$", printed, re.M)
    assert sorted(announced.split(", ")) == sorted(name for _, name in drawn)

    listed = bash(after, checkout)
    assert listed.returncode == 0, listed.stderr
    assert sorted(line.split("  ")[:2] for line in listed.stdout.splitlines()) == sorted(drawn)  # saved when it stopped
