"""`pip install` gives `lottery`: the wheel, built from this checkout and installed into a fresh
venv, draws offline with no checkout anywhere near, serves `--target aws`, and still lets a
Pulumi project it runs in bring its own stack program and config.

The venv reaches the dependencies through a .pth file naming this interpreter's site-packages
(installing them again would take minutes); the project's own code comes only from the wheel:
no PYTHONPATH, an empty working directory, and the checkout's top-level names must not import.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow

LEFT_OUT = ("tests", "benchmarks", "examples", "docs", ".git", ".venv", ".lottery", "build", "*.egg-info",
            "__pycache__", ".pytest_cache", ".ruff_cache")


def run(*command, cwd, env=None, timeout=180):
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the venv's bin folder, an environment without the checkout) once the wheel is installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"  # a copy, so the build's own folders stay out of the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*LEFT_OUT))
    venv = tmp / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin"  # no pulumi CLI, no other venv
    code, out, err = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp / "dist"),
                         str(source), cwd=tmp, env=env)
    assert code == 0, err
    (wheel,) = (tmp / "dist").glob("lottery_workflow-*.whl")
    assert run(sys.executable, "-m", "venv", "--without-pip", str(venv), cwd=tmp, env=env)[0] == 0
    python = venv / "bin" / "python"
    site = run(str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp, env=env)[1]
    with open(os.path.join(site.strip(), "dependencies.pth"), "w") as pth:
        pth.write(sysconfig.get_path("purelib") + "\n")
    # --ignore-installed: the dependencies' folder may hold this project's editable install
    code, out, err = run(sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                         "--no-index", "--ignore-installed", str(wheel), cwd=tmp, env=env)
    assert code == 0, err
    return venv / "bin", env, tmp


def test_the_wheel_declares_what_the_command_needs_and_holds_only_its_own_code(installed):
    bin_dir, env, tmp = installed
    code, out, err = run(sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "check", cwd=tmp, env=env)
    assert code == 0, out + err  # boto3, moto, PyYAML, Pulumi: declared, and there
    probe = ("import importlib.util, json, lottery_workflow, lottery_workflow.cli, lottery_workflow.twin; "
             "print(json.dumps([lottery_workflow.__file__, "
             "[n for n in ('components', 'handlers', 'twin', 'cli') if importlib.util.find_spec(n)]]))")
    code, out, err = run(str(bin_dir / "python"), "-c", probe, cwd=tmp, env=env)
    assert code == 0, err
    where, leaked = json.loads(out)
    assert where.startswith(str(tmp / "venv")), where
    assert leaked == []


def test_lottery_draw_runs_offline_with_no_checkout(installed, tmp_path):
    bin_dir, env, _ = installed
    code, out, err = run(str(bin_dir / "lottery"), "draw", "--json", cwd=tmp_path, env=env)
    assert code == 0, err
    result = json.loads(out)
    assert result["status"] == "SUCCEEDED" and len(result["winners"]) == 2
    # The stack shipped in the wheel: the checkout's dev stack, in Ningxia.
    assert result["execution"].startswith("arn:aws-cn:states:cn-northwest-1:"), result["execution"]
    assert (tmp_path / ".lottery" / "dev.sqlite").is_file()
    code, out, err = run(str(bin_dir / "lottery"), "winners", cwd=tmp_path, env=env)
    assert code == 0 and len(out.splitlines()) == 2, out + err


def test_lottery_draw_target_aws_works_with_no_checkout(installed, tmp_path):
    bin_dir, env, _ = installed
    code, out, err = run(str(bin_dir / "lottery"), "draw", "--target", "aws", "--help", cwd=tmp_path, env=env)
    assert code == 0, err
    assert "--state-machine-arn" in out
    code, out, err = run(str(bin_dir / "lottery"), "draw", "--target", "aws", cwd=tmp_path, env=env)
    assert code == 2 and "TargetError" in err and "--state-machine-arn" in err, err  # no pulumi CLI here


def test_a_pulumi_project_it_runs_in_brings_its_own_stack(installed, tmp_path):
    bin_dir, env, _ = installed
    project = tmp_path / "project"
    (project / "deep").mkdir(parents=True)
    shutil.copy(ROOT / "__main__.py", project)
    shutil.copy(ROOT / "Pulumi.yaml", project)
    (project / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n  lottery:maxWinners: 3\n")
    code, out, err = run(str(bin_dir / "lottery"), "draw", "--json", cwd=project / "deep", env=env)
    assert code == 0, err
    assert json.loads(out)["execution"].startswith("arn:aws:states:us-east-1:"), out
    code, out, err = run(str(bin_dir / "lottery"), "draw", "--winners", "4", "--json", cwd=project, env=env)
    assert code == 1 and json.loads(out)["error"] == "InvalidInput", out + err  # its maxWinners, not the shipped 10
