"""Run a Pulumi stack program under mocks, with its stack's config, and return its exports."""

import asyncio
import json
import runpy
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pulumi
import yaml

from . import seams

_CODE = Path(__file__).resolve().parent.parent  # the checkout, or lottery_workflow/ in site-packages


def is_project(folder: Path) -> bool:
    """A Pulumi project with a Python program: Pulumi.yaml and __main__.py."""
    return (folder / "Pulumi.yaml").is_file() and (folder / "__main__.py").is_file()


# The stack program shipped with this code: the checkout it lies in, or, installed from the wheel,
# the checkout's __main__.py and Pulumi.*.yaml, which pyproject.toml packs as lottery_workflow/stack/.
PROJECT_DIR = _CODE if is_project(_CODE) else _CODE / "stack"
SAMPLE_ROSTER = _CODE / "data" / "request-items.json"  # data/, or lottery_workflow/data/ once installed


def project_dir(start: Path) -> Path:
    """The stack program `lottery` runs offline and whose `pulumi stack output` it reads: the nearest
    project from `start` up (a checkout, or a stack of one's own), as `pulumi` finds its project;
    else the one shipped with this code (PROJECT_DIR)."""
    start = start.resolve()
    return next((folder for folder in (start, *start.parents) if is_project(folder)), PROJECT_DIR)


class StackConfigError(Exception):
    """The project or stack files are missing or unreadable."""


def read_config(project_dir: Path, stack: str) -> tuple[str, dict[str, str]]:
    """The project's name and the stack's config as Pulumi hands it to a program (strings)."""
    try:
        project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())["name"]
        stack_file = project_dir / f"Pulumi.{stack}.yaml"
        values = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    except FileNotFoundError as error:
        raise StackConfigError(f"no such file: {error.filename}") from None
    except (yaml.YAMLError, KeyError, TypeError, AttributeError) as error:
        raise StackConfigError(f"cannot read the config of stack {stack!r} in {project_dir}: {error}") from None
    config = {}
    for key, value in values.items():
        if isinstance(value, dict) and "secure" in value:
            raise StackConfigError(f"{stack_file.name}: {key} is encrypted; the offline runtime has no Pulumi secrets provider")
        full_key = key if ":" in key else f"{project}:{key}"
        config[full_key] = value if isinstance(value, str) else json.dumps(value)
    return project, config


def run_program(project_dir: Path, stack: str, mocks: pulumi.runtime.Mocks) -> dict:
    """Run `__main__.py` of `project_dir` as stack `stack` against `mocks`; its exports, resolved."""
    project, config = read_config(project_dir, stack)
    pulumi.runtime.set_all_config(config)
    seams.reset_stack()  # a fresh Stack resource for each run in this process
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False)

    def program():
        # As `pulumi up` does: the project folder is the program's first import path.
        sys.path.insert(0, str(project_dir))
        try:
            runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")
        finally:
            sys.path.remove(str(project_dir))

    # Pulumi registers each resource from its loop's default executor. moto's calls hold the GIL,
    # so more threads than one only add switching.
    asyncio.get_event_loop().set_default_executor(ThreadPoolExecutor(1, thread_name_prefix="offline-deploy"))
    return seams.run_stack(program)
