"""Company scale, offline: for N employees and k winners, how long an import takes, how long a
warm draw takes (saving the state included), how long its save takes, how big the state file is,
how many DynamoDB requests a draw sends (on AWS a draw's cost is these requests), and how long
`lottery verify` takes over the whole Ledger (every roster imported, every draw recomputed).

    .venv/bin/python benchmarks/company_scale.py [--sizes 10,1000,10000,100000] [--winners 1,10]
                                                 [--draws 7] [--out FILE]

Each N gets a stack of its own in a fresh state directory: the N-employee roster is imported over
the sample (`import`), then imported again over itself (`reimport`: N written, N removed). Each k
then gets one draw to warm up and `--draws` timed draws; when fewer than k can still win, a roster
of N new employees is imported first, untimed. Last, the Ledger is exported and verified.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import botocore.handlers

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Registered before any client exists, so every client (the handlers', Step Functions' own) has it.
REQUESTS = Counter()
botocore.handlers.BUILTIN_HANDLERS.insert(0, ("before-send.dynamodb", lambda event_name, **_: REQUESTS.update(["dynamodb"])))

from cli.verify import verify  # noqa: E402
from twin.stack import OfflineStack  # noqa: E402


def roster(size: int, prefix: str = "E") -> str:
    return "employee_id,employee_name,employee_entry_date\n" + "\n".join(
        f"{prefix}{i:06d},Employee {i},2020{1 + i % 12:02d}01" for i in range(size))


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def state_bytes(stack: OfflineStack) -> int:
    return sum(p.stat().st_size for p in stack.state_path.parent.glob(stack.state_path.name + "*"))


def measure(size: int, winners: list[int], draws: int) -> list[dict]:
    text, rows = roster(size), []
    with tempfile.TemporaryDirectory() as state_dir, OfflineStack("dev", Path(state_dir)) as stack:
        saves: list[float] = []
        save = stack.saved
        stack.saved = lambda: saves.append(timed(save))  # type: ignore[method-assign]
        imported = timed(lambda: stack.import_roster(text))
        reimported = timed(lambda: stack.import_roster(text))
        import_save = saves[-1]
        for k in winners:
            seconds, requests, results = [], [], []
            for n in range(draws + 1):
                if int(stack.pool()["eligible"]) < k:
                    stack.import_roster(roster(size, prefix=f"K{k}D{n}-"))
                before = REQUESTS["dynamodb"]
                took = timed(lambda k=k, out=results: out.append(stack.draw({"input": k})))
                if results[-1]["status"] != "SUCCEEDED":
                    raise SystemExit(f"N={size}, k={k}: a draw failed: {results[-1]}")
                if n:  # the first draw of each k warms up
                    seconds.append(took)
                    requests.append(REQUESTS["dynamodb"] - before)
            rows.append({
                "employees": size, "winners": k, "import_s": round(imported, 2), "reimport_s": round(reimported, 2),
                "import_save_s": round(import_save, 3), "draw_ms": round(statistics.median(seconds) * 1000, 1),
                "draw_max_ms": round(max(seconds) * 1000, 1), "save_ms": round(statistics.median(saves[-draws:]) * 1000, 1),
                "state_mb": round(state_bytes(stack) / 1e6, 2), "requests": max(requests),
            })
        report: list[str] = []
        verified = timed(lambda: report.extend(verify(stack.export())))
        for row in rows:
            row.update(verify_s=round(verified, 2), verified=report[-1])
    return rows


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--sizes", default="10,1000,10000,100000", help="comma-separated roster sizes N")
    options.add_argument("--winners", default="1,10", help="comma-separated winners per draw k")
    options.add_argument("--draws", type=int, default=7, help="timed draws per N and k")
    options.add_argument("--out", help="also write the rows as JSON here")
    args = options.parse_args()
    winners = [int(k) for k in args.winners.split(",")]
    print(f"{'N':>7} {'k':>3} {'import s':>9} {'reimport s':>10} {'its save s':>10} {'draw ms':>8} {'max ms':>7} "
          f"{'save ms':>8} {'state MB':>8} {'requests':>8} {'verify s':>8}")
    rows = []
    for size in (int(n) for n in args.sizes.split(",")):
        for row in measure(size, winners, args.draws):
            rows.append(row)
            print(f"{row['employees']:>7} {row['winners']:>3} {row['import_s']:>9} {row['reimport_s']:>10} "
                  f"{row['import_save_s']:>10} {row['draw_ms']:>8} {row['draw_max_ms']:>7} {row['save_ms']:>8} "
                  f"{row['state_mb']:>8} {row['requests']:>8} {row['verify_s']:>8}", flush=True)
    by = {(r["employees"], r["winners"]): r for r in rows}
    if (1000, 10) in by and (100000, 10) in by:
        small, large = by[(1000, 10)]["draw_ms"], by[(100000, 10)]["draw_ms"]
        print(f"k=10: a warm draw at N=100,000 takes {large} ms, {large / small:.2f}x the {small} ms at N=1,000")
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
