"""Where the files shipped with the component are: the Lambda code and the state machine template."""

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def source_dir(name: str) -> Path:
    """`handlers/` or `asl/`: beside this package in a checkout (the design card's top level),
    inside it once installed as `lottery_workflow` (pyproject.toml maps them there)."""
    for candidate in (_HERE / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"{name}/ is neither in {_HERE} nor beside it")
