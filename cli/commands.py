"""The `lottery` command: draws on the offline twin of a stack (default) or on the deployed stack."""

import argparse
import contextlib
import gc
import json
import sys
import time
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from . import graph, night
from .api_client import LocalRouter, router_for
from .aws import TargetError, connect
from .progress import progress
from .report import report_commitment, report_draw
from .serve import AWS_PORT, POLL_S, NoApi, PortTaken, cmd_serve
from .serve_client import ServerGone, draw_through_server
from .siblings import (
    CommitError,
    InvalidInput,
    InvalidRoster,
    NotifyError,
    StackConfigError,
    StateBusy,
    StateLock,
    describe,
    execution_arn,
    offline_stack,
    parse_night,
    parse_roster,
    plain,
    project_dir,
    proofs,
    public_text,
    scan_all,
    state,
)
from .verify import Mismatch, verify

WINNERS_DEFAULT = 2  # the seed's {"input": 2}
# Offline, these read and write the state: each holds the stack's state lock from load to save.
# winners, draws and graph only read; a save is one SQLite transaction, so they read a complete state.
WRITERS = ("draw", "commit", "import", "notify", "serve", "reset", "night")


def cmd_draw(lottery, args) -> int:
    if args.commitment:
        with progress(f"Drawing {args.commitment} with public value {args.public_value!r}"):
            result = lottery.wait(lottery.start({"public_value": args.public_value}, name=args.commitment))
    else:
        with progress(f"Drawing {args.winners}"):
            result = lottery.draw({"input": args.winners})
    if args.target == "offline":
        state.record_execution(args.state_dir, args.stack, result)
    return report_draw(result, args.json, [
        "Path: " + " -> ".join(f"{t['state']} ({t['at_ms']} ms)" for t in result["transitions"]),
        f"{len(result['transitions'])} states, {result['lambda_invocations']} Lambda invocations, {result['duration_ms']} ms",
    ])


def cmd_import(lottery, args) -> int:
    if args.upload:  # read and checked whole before the stack was deployed (main); the bucket's import checks again
        before = lottery.pool()
        lottery.upload_roster(args.roster_text, Path(args.file).name)
        if args.target == "aws":
            print(f"Uploaded {args.file}: the bucket imports it now; the RosterNotices topic says when, or why not.")
            return 0
        pool = lottery.pool()
        if pool.get("roster") == before.get("roster"):  # offline the import ran during the upload, and changed nothing
            print(f"Not imported: {lottery.roster_notices()[-1]}", file=sys.stderr)
            return 2
    else:
        pool = lottery.import_employees(args.employees)
    print(f"Imported {pool['pool_size']} employees; {pool['eligible']} can win.")
    return 0


def _listing(lottery, export: str, as_json: bool, columns: tuple[str, ...], sort_key: str) -> int:
    items = plain(sorted(
        (i for i in scan_all(lottery.table(export)) if not i[columns[0]].startswith("#")),
        key=lambda i: i.get(sort_key, ""), reverse=True,
    ))
    if as_json:
        print(json.dumps(items, indent=2))
    else:
        for item in items:
            print("  ".join(str(item.get(c, "")) for c in columns))
    return 0


def cmd_winners(lottery, args) -> int:
    return _listing(lottery, "winners_table", args.json, ("employee_id", "employee_name", "draw_id", "drawn_at"), "drawn_at")


def cmd_draws(lottery, args) -> int:
    return _listing(lottery, "draws_table", args.json, ("draw_id", "status", "recorded_at", "pool_size", "eligible", "winners"),
                    "recorded_at")


def cmd_notify(lottery, args) -> int:
    sent = lottery.notify(args.execution, again=args.again)
    print(f"Announced {sent['draw_id']}: {sent['message']}")
    return 0


def cmd_commit(lottery, args) -> int:
    return report_commitment(lottery.commit(args.winners, args.public, args.prize), args.json)


def cmd_export(lottery, args) -> int:
    text = json.dumps(lottery.export(employee=args.employee), indent=1, ensure_ascii=False)
    if args.out:
        Path(args.out).write_text(text + "\n")
        print(f"Wrote {args.out}")
    else:
        print(text)
    return 0


def _no_repeats(pairs: list[tuple]) -> dict:
    """A JSON object whose keys are all different: a repeated key would let a bundle say two things."""
    found = dict(pairs)
    if len(found) != len(pairs):
        raise ValueError(f"a key repeats in {sorted(found)}")
    return found


def cmd_verify(lottery, args) -> int:
    if lottery is None:
        try:
            found = json.loads(Path(args.bundle).read_text(), object_pairs_hook=_no_repeats)
        except (OSError, ValueError) as error:
            print(f"cannot read {args.bundle}: {error}", file=sys.stderr)
            return 2
    else:
        found = lottery.export(employee=args.employee)
    try:
        lines = verify(found, args.employee)
    except Mismatch as error:
        print(f"Mismatch: {error}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


def cmd_night(lottery, args) -> int:
    try:
        return night.run(router_for(lottery, None, args.target), args)
    finally:
        lottery.saved()


def cmd_graph(args) -> int:
    path = []
    if args.execution:
        if args.target == "offline":
            path = state.find_execution(args.state_dir, args.stack, args.execution)
        else:
            lottery = connect(args.stack, args.project_dir, args.state_machine_arn)
            arn = args.execution
            if not arn.startswith("arn:"):
                arn = execution_arn(lottery.outputs["state_machine_arn"], arn)
            path = [e["stateEnteredEventDetails"]["name"] for e in lottery.history(arn) if "stateEnteredEventDetails" in e]
    definition = graph.definition()
    if args.format == "png":
        if not args.output:
            print("--format png needs --output FILE", file=sys.stderr)
            return 2
        Path(args.output).write_bytes(graph.png(definition, path))
        print(f"Wrote {args.output}")
        return 0
    text = graph.mermaid(definition, path) if args.format == "mermaid" else graph.dot(definition, path)
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def cmd_reset(args) -> int:
    if args.target != "offline":
        print("reset forgets offline state only; a deployed stack's tables are not touched", file=sys.stderr)
        return 2
    for path in (*state.state_files(state.state_file(args.state_dir, args.stack)), state.executions_file(args.state_dir, args.stack)):
        path.unlink(missing_ok=True)
    args.lock.release(remove=True)
    print(f"Forgot stack {args.stack}'s offline state; the next command starts from the sample employees.")
    return 0


def port(text: str) -> int:
    """A TCP port to listen on: 0 (any free one) to 65535."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: 0 (any free one) to 65535")
    return int(text)


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--stack", default="dev",
                        help="the stack (Pulumi.<stack>.yaml offline; `pulumi stack output` on aws) of the Pulumi project "
                             "in this folder or above it, else of the lottery's own")
    common.add_argument("--target", choices=("offline", "aws"), default="offline",
                        help="offline (default): the stack deployed into moto in this process; aws: the deployed stack")
    common.add_argument("--state-machine-arn", help="with --target aws: the lottery's state machine, instead of --stack")
    common.add_argument("--state-dir", default=Path(".lottery"), type=Path,
                        help="offline: where employees, winners and draws are kept (default .lottery)")
    top = argparse.ArgumentParser(prog="lottery", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    draw = commands.add_parser("draw", parents=[common], help="draw winners")
    draw.add_argument("--winners", type=int, default=WINNERS_DEFAULT, help=f"how many (default {WINNERS_DEFAULT})")
    draw.add_argument("--json", action="store_true", help="print one JSON object")
    draw.add_argument("--commitment", metavar="DRAW_ID", help="draw the committed draw DRAW_ID (`lottery commit`)")
    draw.add_argument("--public-value", help="with --commitment: the public value it committed to mix in")
    draw.set_defaults(run=cmd_draw)
    commit = commands.add_parser("commit", parents=[common],
                                 help="commit to a draw before the public value it mixes in is known; draw it later")
    commit.add_argument("--winners", type=int, default=WINNERS_DEFAULT, help=f"how many (default {WINNERS_DEFAULT})")
    commit.add_argument("--public", required=True,
                        help="what will be mixed in, which nobody knows yet (say, 'the number the audience calls')")
    commit.add_argument("--prize", help="a prize of the open draw night (`lottery night`): the draw is of that prize")
    commit.add_argument("--json", action="store_true", help="print the commit record as JSON")
    commit.set_defaults(run=cmd_commit)
    export = commands.add_parser("export", parents=[common], help="write what `lottery verify` checks: the Ledger and its rosters")
    export.add_argument("--out", help="write to this file instead of standard output")
    export.add_argument("--employee", help="one employee's inclusion proofs instead of the rosters")
    export.set_defaults(run=cmd_export)
    check = commands.add_parser("verify", parents=[common], help="recompute every draw and check the Ledger's chain")
    check.add_argument("bundle", nargs="?", help="a file from `lottery export` (default: export the stack's now)")
    check.add_argument("--employee", help="show this employee in the pool of each draw, by inclusion proofs")
    check.set_defaults(run=cmd_verify)
    imp = commands.add_parser("import", parents=[common], help="replace the employees with a roster (CSV or the seed's JSON)")
    imp.add_argument("file")
    imp.add_argument("--upload", action="store_true", help="put it in the roster bucket and let the bucket's import run")
    imp.set_defaults(run=cmd_import)
    for name, run, text in (("winners", cmd_winners, "list the winners, newest first"), ("draws", cmd_draws, "list the draw records")):
        listing = commands.add_parser(name, parents=[common], help=text)
        listing.add_argument("--json", action="store_true")
        listing.set_defaults(run=run)
    notify = commands.add_parser("notify", parents=[common], help="announce a recorded draw again, without drawing")
    notify.add_argument("--execution", required=True, help="the draw (Lottery-<uuid> or its execution ARN)")
    notify.add_argument("--again", action="store_true", help="send even if the draw was announced already")
    notify.set_defaults(run=cmd_notify)
    night.add_parser(commands, common, cmd_night)
    serve = commands.add_parser("serve", parents=[common],
                                help="serve the stack's HTTP API and the draw night's page (offline, or signing for --target aws)")
    serve.add_argument("--port", type=port, default=8080, help="port (default 8080; 0 picks a free one)")
    serve.add_argument("--phones", action="store_true",
                       help="offline: listen on every network, not only 127.0.0.1, so that phones can open the page, read"
                            " the results and check in (and nothing else: the organiser's actions stay on this machine)")
    serve.add_argument("--aws", action="store_true",
                       help="offline: also serve the stack as an AWS endpoint on 127.0.0.1 for the AWS CLI and SDKs"
                            " (it prints what to export, and writes it to <state dir>/<stack>.aws.env)")
    serve.add_argument("--aws-port", type=port, help=f"with --aws: its port (default {AWS_PORT}; 0 picks a free one)")
    serve.set_defaults(run=cmd_serve)
    drawing = commands.add_parser("graph", parents=[common], help="draw the workflow, optionally the path of one draw")
    drawing.add_argument("--format", choices=("mermaid", "dot", "png"), default="mermaid")
    drawing.add_argument("--execution", help="highlight the path of this draw (Lottery-<uuid> or its ARN)")
    drawing.add_argument("--output", help="write to this file instead of standard output")
    drawing.set_defaults(local=cmd_graph)
    reset = commands.add_parser("reset", parents=[common], help="forget this stack's offline employees, winners and draws")
    reset.set_defaults(local=cmd_reset)
    return top


def _collect_from_here() -> None:
    """When `python -m cli` started with the collector off: leave what start-up made to the
    end of the process (it lives that long anyway) and collect only what comes after."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _take(lock: StateLock, args) -> dict | None:
    """Take the stack's state lock for this command, waiting while a one-shot command holds it.
    A draw or commitment that finds `lottery serve` holding it gets the server's record instead, to go through it;
    any other command refuses to wait for a server, which holds the state until it is stopped."""
    told = None
    while not lock.take(command=args.command):
        holder = lock.holder()
        if holder and holder.get("command") == "serve":
            if args.command in ("draw", "commit", "night") and holder.get("url"):
                return holder
            if args.command == "serve":
                raise StateBusy(f"stack {args.stack}'s state in {args.state_dir} is served already by {describe(holder)}")
            if args.command != "draw":
                raise StateBusy(f"stack {args.stack}'s state in {args.state_dir} is held by {describe(holder)} "
                                f"while it runs; stop it (Ctrl-C) and run `lottery {args.command}` again")
        if holder and holder["pid"] != told:
            print(f"Waiting for {describe(holder)}, which holds {lock.path}", file=sys.stderr, flush=True)
            told = holder["pid"]
        time.sleep(POLL_S)
    return None


def _run(args) -> int:
    if hasattr(args, "local"):
        return args.local(args)
    if getattr(args, "bundle", None):  # verify a file: no stack needed
        return args.run(None, args)
    if args.target == "aws":
        return args.run(connect(args.stack, args.project_dir, args.state_machine_arn), args)
    with contextlib.ExitStack() as deployed:
        with progress(f"Deploying stack {args.stack} offline"):
            lottery = deployed.enter_context(offline_stack()(args.stack, args.state_dir, args.project_dir))
        _collect_from_here()
        return args.run(lottery, args)


def main(argv=None) -> int:
    top = parser()
    args = top.parse_args(argv)
    if args.command == "serve" and args.aws_port is not None and not args.aws:
        top.error("--aws-port is the port of --aws's endpoint: give --aws too")
    if args.command == "serve" and args.aws and args.target == "aws":
        top.error("--aws serves the offline stack as an AWS endpoint; with --target aws, AWS is the endpoint")
    if args.command == "draw" and (args.commitment is None) != (args.public_value is None):
        top.error("--commitment and --public-value go together: the committed draw, and the value it mixes in")
    try:  # checked as the workflow checks them: a start it would refuse would use up the draw's id
        if args.command == "draw" and args.public_value is not None:
            public_text({"public_value": args.public_value}, "public_value", "the public value")
        if args.command == "commit":
            public_text({"public": args.public}, "public", "what will be mixed in")
    except InvalidInput as error:
        print(f"InvalidInput: {error}", file=sys.stderr)
        return 2
    if args.command == "import":  # a file that cannot be read or has a bad line is refused before anything starts
        try:
            args.roster_text = Path(args.file).read_text()
        except (OSError, UnicodeDecodeError) as error:
            print(f"cannot read {args.file}: {error}", file=sys.stderr)
            return 2
        try:
            args.employees = parse_roster(args.roster_text)
        except InvalidRoster as error:
            print(f"InvalidRoster: {error}", file=sys.stderr)
            return 2
    if args.command == "night" and args.night == "open":  # a night file that is unreadable or wrong: before anything starts
        try:
            args.definition = json.loads(Path(args.file).read_text(encoding="utf-8"))
            parse_night(args.definition)
        except (OSError, ValueError) as error:
            print(f"cannot read {args.file}: {error}", file=sys.stderr)
            return 2
        except InvalidInput as error:
            print(f"InvalidInput: {error}", file=sys.stderr)
            return 2
    args.lock = None
    args.project_dir = project_dir(Path.cwd())
    try:
        if args.target != "offline" or args.command not in WRITERS:
            return _run(args)
        with StateLock(args.state_dir, args.stack) as lock:
            while server := _take(lock, args):
                if args.command == "night":  # the server answers, or ApiError says why not
                    return night.run(LocalRouter(server["url"]), args)
                try:
                    return draw_through_server(server, args)
                except ServerGone:
                    time.sleep(POLL_S)
            state.remove_leftovers(state.state_file(args.state_dir, args.stack))
            args.lock = lock
            return _run(args)
    except (StackConfigError, state.StateError, InvalidRoster, TargetError, NotifyError, CommitError, NoApi, PortTaken, StateBusy,
            proofs.NoSuchDraw, RuntimeError) as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as error:
        print(f"AWS: {error}", file=sys.stderr)
        return 2
