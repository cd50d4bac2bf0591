"""What does `lottery serve --aws` cost a client? A draw started and polled through the endpoint
(boto3 with endpoint_url) beside the same draw in-process, ten started at once, and one AWS CLI
command (most of it the CLI's own start-up).

    .venv/bin/python benchmarks/endpoint.py [--draws 20] [--out FILE]
"""

import argparse
import contextlib
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median(seconds: list[float]) -> float:
    return round(statistics.median(seconds), 4)


def timed(function, times: int) -> list[float]:
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    import boto3

    from cli.aws_endpoint import Endpoint, environment
    from twin.stack import OfflineStack

    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--draws", type=int, default=20, help="draws to time each way")
    options.add_argument("--out", help="also write the numbers as JSON here")
    args = options.parse_args()
    lock = threading.Lock()

    @contextlib.contextmanager
    def writing(wait_s):  # as `lottery serve` answers a request: between two saves
        with lock:
            yield None

    def save(stack):  # as `lottery serve` saves, twice a second: whenever no draw runs
        with writing(-1):
            if not stack.busy():
                stack.saved()

    roster = "employee_id,employee_name\n" + "".join(f"e{i},Employee {i}\n" for i in range(4 * args.draws + 40))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line a request
    with tempfile.TemporaryDirectory() as state_dir, OfflineStack("dev", Path(state_dir)) as stack, \
            contextlib.redirect_stdout(io.StringIO()), Endpoint(stack, 0, writing, lambda: save(stack)) as served:  # and its announcements
        stack.import_roster(roster)
        env = environment(served.url, stack.region, stack.outputs, "")
        sfn = boto3.client("stepfunctions", endpoint_url=served.url, region_name=stack.region,
                           aws_access_key_id="testing", aws_secret_access_key="testing")

        def through_endpoint():
            arn = sfn.start_execution(stateMachineArn=env["STATE_MACHINE_ARN"], input='{"input": 2}')["executionArn"]
            while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
                time.sleep(0.01)
            assert execution["status"] == "SUCCEEDED", execution

        in_process = timed(lambda: stack.draw({"input": 2}), args.draws)
        endpoint = timed(through_endpoint, args.draws)
        started = time.perf_counter()
        with ThreadPoolExecutor(10) as pool:
            list(pool.map(lambda _: through_endpoint(), range(10)))
        ten = time.perf_counter() - started
        cli_env = {"PATH": os.environ["PATH"], "HOME": state_dir, **env}
        aws = str(Path(sys.executable).with_name("aws"))
        cli = timed(lambda: subprocess.run([aws, "stepfunctions", "list-executions", "--state-machine-arn",
                                            env["STATE_MACHINE_ARN"], "--max-items", "1"],
                                           env=cli_env, check=True, capture_output=True), 5)
    report = {
        "draw_in_process_s": {"median": median(in_process), "draws": args.draws},
        "draw_through_endpoint_s": {"median": median(endpoint), "draws": args.draws,
                                    "ratio_to_in_process": round(statistics.median(endpoint) / statistics.median(in_process), 2)},
        "ten_draws_at_once_through_endpoint_s": round(ten, 3),
        "aws_cli_command_s": {"median": median(cli), "runs": 5},
    }
    print(json.dumps(report, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
