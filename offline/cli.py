"""The `lottery` command: run draws on the offline twin of a stack, keep their results locally."""

import argparse
import json
import sys
import threading
from pathlib import Path

from handlers.common import InvalidRoster, plain

from .program import StackConfigError
from .stack import OfflineStack
from .state import StateError, state_file

WINNERS_DEFAULT = 2  # the seed's {"input": 2}


def _progress(label: str):
    """Dots on stderr while a slow step runs, when stderr is a terminal."""
    done = threading.Event()
    if sys.stderr.isatty():
        def tick():
            sys.stderr.write(label)
            while not done.wait(0.25):
                sys.stderr.write(".")
                sys.stderr.flush()
            sys.stderr.write("\r" + " " * (len(label) + 40) + "\r")
        threading.Thread(target=tick, daemon=True).start()
    return done


def cmd_draw(stack: OfflineStack, args) -> int:
    result = stack.draw({"input": args.winners})
    if args.json:
        print(json.dumps(result, indent=2))
    elif result["status"] == "SUCCEEDED":
        print(f"Draw {result['execution'].rsplit(':', 1)[-1]}")
        print("Winners:")
        for w in result["winners"]:
            print(f"  {w['employee_id']}  {w['employee_name']}")
        print(f"Announcement: {result['message']}")
        print("Path: " + " -> ".join(f"{t['state']} ({t['at_ms']} ms)" for t in result["transitions"]))
        print(f"{len(result['transitions'])} states, {result['lambda_invocations']} Lambda invocations, {result['duration_ms']} ms")
    else:
        print(f"Draw failed: {result['error']}: {result['cause']}", file=sys.stderr)
    return 0 if result["status"] == "SUCCEEDED" else 1


def cmd_import(stack: OfflineStack, args) -> int:
    try:
        text = Path(args.file).read_text()
    except OSError as error:
        print(f"cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    pool = stack.import_roster(text)
    print(f"Imported {pool['pool_size']} employees; {pool['eligible']} can win.")
    return 0


def _listing(stack: OfflineStack, export: str, as_json: bool, columns: tuple[str, ...], sort_key: str) -> int:
    items = sorted(
        (i for i in stack.table(export).scan()["Items"] if not i[columns[0]].startswith("#")),
        key=lambda i: i.get(sort_key, ""), reverse=True,
    )
    items = plain(items)
    if as_json:
        print(json.dumps(items, indent=2))
    else:
        for item in items:
            print("  ".join(str(item.get(c, "")) for c in columns))
    return 0


def cmd_winners(stack, args) -> int:
    return _listing(stack, "winners_table", args.json, ("employee_id", "employee_name", "draw_id", "drawn_at"), "drawn_at")


def cmd_draws(stack, args) -> int:
    return _listing(stack, "draws_table", args.json, ("draw_id", "recorded_at", "pool_size", "eligible", "winners"), "recorded_at")


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--stack", default="dev", help="stack whose Pulumi.<stack>.yaml to deploy offline (default dev)")
    common.add_argument("--state-dir", default=".lottery", type=Path, help="where employees, winners and draws are kept (default .lottery)")
    top = argparse.ArgumentParser(prog="lottery", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    draw = commands.add_parser("draw", parents=[common], help="draw winners")
    draw.add_argument("--winners", type=int, default=WINNERS_DEFAULT, help=f"how many (default {WINNERS_DEFAULT})")
    draw.add_argument("--json", action="store_true", help="print one JSON object")
    draw.set_defaults(run=cmd_draw)
    imp = commands.add_parser("import", parents=[common], help="replace the employees with a roster (CSV or the seed's JSON)")
    imp.add_argument("file")
    imp.set_defaults(run=cmd_import)
    for name, run, text in (("winners", cmd_winners, "list the winners, newest first"), ("draws", cmd_draws, "list the draw records")):
        listing = commands.add_parser(name, parents=[common], help=text)
        listing.add_argument("--json", action="store_true")
        listing.set_defaults(run=run)
    reset = commands.add_parser("reset", parents=[common], help="forget this stack's employees, winners and draws")
    reset.set_defaults(run=None)
    return top


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    if args.command == "reset":
        path = state_file(args.state_dir, args.stack)
        path.unlink(missing_ok=True)
        print(f"Removed {path}; the next command starts from the sample employees.")
        return 0
    done = _progress(f"Deploying stack {args.stack} offline")
    try:
        with OfflineStack(args.stack, args.state_dir) as stack:
            done.set()
            return args.run(stack, args)
    except (StackConfigError, StateError, InvalidRoster) as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 2
    finally:
        done.set()


if __name__ == "__main__":
    sys.exit(main())
