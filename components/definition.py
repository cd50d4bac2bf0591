"""The state machine definition: the template in `asl/` filled in with one stack's ARNs."""

import json
import re
from pathlib import Path

from .sources import source_dir

TEMPLATE = source_dir("asl") / "lottery.asl.json"
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")  # ${Name}; JSONPath's "$$." and "$." never match


def placeholders(template: str | None = None) -> set[str]:
    return set(PLACEHOLDER.findall(template or TEMPLATE.read_text()))


def render(values: dict[str, str], template_path: Path = TEMPLATE) -> str:
    """The definition as compact JSON; every placeholder must have a value and every value a place."""
    template = template_path.read_text()
    missing, unused = placeholders(template) - set(values), set(values) - placeholders(template)
    if missing or unused:
        raise ValueError(f"{template_path.name}: no value for {sorted(missing)}, no place for {sorted(unused)}")
    return json.dumps(json.loads(PLACEHOLDER.sub(lambda m: values[m.group(1)], template)))
