"""`lottery night`: a draw night from the command line. Each subcommand is a call to the stack's
API, the same call the page makes (api_client.py), so the command, the page and the API agree."""

import io
import sys
import time
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from .api_client import ApiError, call, finished
from .progress import progress
from .siblings import cause_message, night_rows
from .siblings import night_csv as csv_text

FORMATS = (".csv", ".xlsx")


def night_id(shown: dict) -> str:
    """The night a GET /night answer shows, to name an export after ("night" when none is open)."""
    return (shown["night"] or {}).get("id", "night")


def xlsx(rows: list[list[str]], title: str) -> bytes:
    """The results as a workbook: one sheet, a bold header, columns wide enough to read."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]  # Excel's limit on a sheet's name
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = min(60, 4 + max(len(str(c.value or "")) for c in column))
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _drawn(router, body: dict, what: str) -> int:
    with progress(what):
        answer = finished(router, call(router, "POST", "/draws", body)["draw_id"], time.perf_counter())
    if answer["status"] != "SUCCEEDED":
        print(f"Draw {answer['draw_id']} failed: {answer.get('error')}: {cause_message(answer.get('cause'))}", file=sys.stderr)
        return 1
    for w in answer["winners"]:
        print(f"  {w['employee_id']}  {w['employee_name']}")
    print(f"Draw {answer['draw_id']}: {len(answer['winners'])} winner(s).")
    return 0


def run(router, args) -> int:
    """One `lottery night` subcommand against `router`; its exit status."""
    try:
        return SUBCOMMANDS[args.night](router, args)
    except ApiError as error:
        print(str(error), file=sys.stderr)
        return 2


def _open(router, args) -> int:
    shown = call(router, "POST", "/night", args.definition)  # read and checked before the stack was deployed (main)
    night = shown["night"]
    tiers = ", then ".join(f"{p['name']} x {p['count']}" for p in night["prizes"])
    who = "only who checks in can win" if night["presence"] else "everyone who never won can win"
    print(f"Opened {night['id']} ({night['name']}): {tiers}; {who} ({shown['eligible']} now).")
    if not night["presence"] and not shown["eligible"]:
        print("Nobody can win: an earlier night emptied the pool. Import the roster again (`lottery import`) to draw"
              " from everyone who never won, then open the night again.", file=sys.stderr)
    return 0


def _each(path: str, done: str):
    def change(router, args) -> int:
        extra = {}
        if path == "/night/checkin":  # the command checks in as a phone does, with the night's code
            extra = {"code": call(router, "GET", "/night/code")["checkin_code"]}
        failed = 0
        for employee in args.employee_ids:
            try:
                answer = call(router, "POST", path, {"employee_id": employee, **extra})
            except ApiError as error:
                print(f"{employee}: {error}", file=sys.stderr)
                failed += 1
                continue
            print(f"{answer['employee_id']} {answer['employee_name']}: {'already ' if answer['already'] else ''}{done}")
        return 2 if failed else 0
    return change


def _draw(router, args) -> int:
    return _drawn(router, {"prize": args.prize, **({"winners": args.winners} if args.winners else {})},
                  f"Drawing prize {args.prize}")


def _absent(router, args) -> int:
    winners = call(router, "GET", "/night")["winners"]
    won = [w for w in winners if w["employee_id"] == args.employee_id and not w["forfeited_by"]]
    if not won:
        print(f"{args.employee_id} is no winner of the open night who could forfeit", file=sys.stderr)
        return 2
    return _drawn(router, {"redraw": {"draw_id": won[0]["draw_id"], "employee_id": args.employee_id}},
                  f"{args.employee_id} forfeits; drawing their replacement")


def _results(router, args) -> int:
    shown = call(router, "GET", "/night")
    rows = night_rows(shown)
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() not in FORMATS:
            print(f"--out must end in {' or '.join(FORMATS)}, not {out.name}", file=sys.stderr)
            return 2
        out.write_bytes(xlsx(rows, night_id(shown)) if out.suffix.lower() == ".xlsx" else csv_text(rows).encode("utf-8-sig"))
        print(f"Wrote {len(rows) - 1} winner(s) to {out}")
        return 0
    sys.stdout.write(csv_text(rows))
    return 0


SUBCOMMANDS = {
    "open": _open,
    "checkin": _each("/night/checkin", "checked in"),
    "exclude": _each("/night/exclude", "excluded"),
    "draw": _draw,
    "absent": _absent,
    "results": _results,
}


def add_parser(commands, common, run) -> None:
    night = commands.add_parser("night", help="a draw night: prizes in tiers, check-in, redraws, results")
    sub = night.add_subparsers(dest="night", required=True)

    def add(name: str, text: str):
        parser = sub.add_parser(name, parents=[common], help=text)
        parser.set_defaults(run=run)
        return parser

    add("open", "open a night from a JSON file (its prizes in drawing order)").add_argument("file")
    for name, text in (("checkin", "mark employees present"), ("exclude", "leave employees out of the night's draws")):
        add(name, text).add_argument("employee_ids", nargs="+", metavar="EMPLOYEE_ID")
    drawing = add("draw", "draw a prize: what it has left, at most maxWinners a draw")
    drawing.add_argument("prize")
    drawing.add_argument("--winners", type=int, help="fewer than it has left")
    add("absent", "a winner is absent: they forfeit, and one replacement is drawn").add_argument("employee_id")
    add("results", "the night's winners by prize, as CSV (or --out FILE.csv / FILE.xlsx)").add_argument(
        "--out", help="write CSV or XLSX (by its suffix)")
