"""How fast is an offline draw? Cold: `lottery draw` from process start to printed winners.
Warm: one more draw inside a process whose stack is already deployed.

    .venv/bin/python benchmarks/draw_speed.py [--runs 5] [--draws 50] [--out FILE]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cold(runs: int) -> list[float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    seconds = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as state_dir:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "cli", "draw", "--state-dir", state_dir],
                           cwd=ROOT, env=env, check=True, capture_output=True)
            seconds.append(time.perf_counter() - started)
    return seconds


def warm(draws: int) -> tuple[list[float], dict]:
    from twin.stack import OfflineStack

    roster = "employee_id,employee_name\n" + "\n".join(f"e{i},Employee {i}" for i in range(2 * draws + 2))
    with tempfile.TemporaryDirectory() as state_dir, OfflineStack("dev", Path(state_dir)) as stack:
        stack.import_roster(roster)
        seconds, last = [], None
        for _ in range(draws):
            started = time.perf_counter()
            last = stack.draw({"input": 2})
            seconds.append(time.perf_counter() - started)
            assert last["status"] == "SUCCEEDED", last
    return seconds, last


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=5, help="cold processes to time")
    options.add_argument("--draws", type=int, default=50, help="warm draws to time")
    options.add_argument("--out", help="also write the numbers as JSON here")
    args = options.parse_args()
    cold_s = cold(args.runs)
    warm_s, last = warm(args.draws)
    report = {
        "cold_draw_s": {"median": round(statistics.median(cold_s), 3), "min": round(min(cold_s), 3),
                        "max": round(max(cold_s), 3), "runs": args.runs},
        "warm_draw_s": {"median": round(statistics.median(warm_s), 4),
                        "p90": round(sorted(warm_s)[int(0.9 * len(warm_s)) - 1], 4), "draws": args.draws},
        "transitions_per_draw": len(last["transitions"]),
        "lambda_invocations_per_draw": last["lambda_invocations"],
    }
    print(f"cold `lottery draw` (process start to winners): median {report['cold_draw_s']['median']} s "
          f"(min {report['cold_draw_s']['min']}, max {report['cold_draw_s']['max']}, {args.runs} runs)")
    print(f"warm draw in one process (includes saving state): median {report['warm_draw_s']['median'] * 1000:.1f} ms, "
          f"p90 {report['warm_draw_s']['p90'] * 1000:.1f} ms ({args.draws} draws)")
    print(f"per draw: {report['transitions_per_draw']} states entered, {report['lambda_invocations_per_draw']} Lambda invocations")
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
