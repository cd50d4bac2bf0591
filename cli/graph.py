"""The workflow drawn from `asl/`, as Mermaid or Graphviz, with the path of one draw highlighted."""

import itertools
import json
import re
import shutil
import subprocess
from collections.abc import Sequence

from .siblings import TEMPLATE

END = "[end]"


def edges(definition: dict) -> list[tuple[str, str, str]]:
    """(from, to, label) for every transition the definition allows, in document order."""
    found = []
    for name, state in definition["States"].items():
        for choice in state.get("Choices", []):
            test = next(k for k in choice if k not in ("Variable", "Next"))
            found.append((name, choice["Next"], f"{choice['Variable'].removeprefix('$.')} = {choice[test]}"))
        if "Default" in state:
            found.append((name, state["Default"], "Default"))
        if "Next" in state:
            found.append((name, state["Next"], ""))
        for catch in state.get("Catch", []):
            found.append((name, catch["Next"], ", ".join(catch["ErrorEquals"]).replace("States.ALL", "any error")))
        if state.get("End") or state["Type"] in ("Succeed", "Fail"):
            found.append((name, END, ""))
    return found


def _taken(path: list[str]) -> set[tuple[str, str]]:
    pairs = set(itertools.pairwise(path))
    return pairs | ({(path[-1], END)} if path else set())


def _id(name: str) -> str:
    return "done" if name == END else re.sub(r"\W", "_", name)  # "end" is a Mermaid keyword


def mermaid(definition: dict, path: Sequence[str] = ()) -> str:
    lines = ["flowchart TD", "  start((start)) --> " + _id(definition["StartAt"])]
    for name, state in definition["States"].items():
        shape = ("{", "}") if state["Type"] == "Choice" else ("[[", "]]") if state["Type"] == "Fail" else ("[", "]")
        lines.append(f'  {_id(name)}{shape[0]}"{name}"{shape[1]}')
    lines.append("  done((end))")
    taken = _taken(list(path))
    highlighted = []
    for i, (a, b, label) in enumerate(edges(definition)):
        lines.append(f"  {_id(a)} -->" + (f'|"{label}"|' if label else "") + f" {_id(b)}")
        if (a, b) in taken:
            highlighted.append(str(i + 1))  # link 0 is start --> StartAt
    if path:
        lines.append("  classDef taken fill:#ffe08a,stroke:#b8860b,stroke-width:2px")
        lines.append("  class " + ",".join(_id(s) for s in dict.fromkeys(path)) + " taken")
        lines.append(f"  linkStyle {','.join(['0', *highlighted])} stroke:#b8860b,stroke-width:3px")
    return "\n".join(lines) + "\n"


def dot(definition: dict, path: Sequence[str] = ()) -> str:
    taken, visited = _taken(list(path)), set(path)
    lines = ["digraph Lottery {", '  rankdir=TB; node [fontname="Helvetica", shape=box, style="rounded,filled", fillcolor=white];',
             '  start [shape=circle, label="start", fillcolor="#dddddd"]; done [shape=doublecircle, label="end", fillcolor="#dddddd"];',
             f'  start -> {_id(definition["StartAt"])}' + (' [color="#b8860b", penwidth=3];' if path else ";")]
    for name, state in definition["States"].items():
        shape = "diamond" if state["Type"] == "Choice" else "octagon" if state["Type"] == "Fail" else "box"
        fill = "#ffe08a" if name in visited else "white"
        lines.append(f'  {_id(name)} [label="{name}", shape={shape}, fillcolor="{fill}"];')
    for a, b, label in edges(definition):
        style = ', color="#b8860b", penwidth=3' if (a, b) in taken else ""
        lines.append(f'  {_id(a)} -> {_id(b)} [label="{label}", fontsize=10{style}];')
    return "\n".join(lines + ["}"]) + "\n"


def png(definition: dict, path: Sequence[str] = ()) -> bytes:
    binary = shutil.which("dot")
    if binary is None:
        raise RuntimeError("PNG needs Graphviz's `dot` (Debian/Ubuntu: apt-get install graphviz); --format mermaid needs nothing")
    return subprocess.run([binary, "-Tpng"], input=dot(definition, path).encode(), capture_output=True, check=True).stdout


def definition() -> dict:
    return json.loads(TEMPLATE.read_text())
