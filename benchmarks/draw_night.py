"""What a draw night costs, offline: per check-in, per prize drawn, per absent winner's redraw, and
many phones checking in at once through `lottery serve`.

For each roster size it imports the roster, opens a night that requires presence and prints, as
medians over the runs: a check-in's DynamoDB requests and time (through the API, as a phone's);
a prize's draw of 10 and a redraw: states entered, Lambda invocations, DynamoDB requests (every
request botocore sends, counted by a `before-send` event hook) and time; then the time for 50
check-ins sent at once by 50 clients to the served API.

    .venv/bin/python benchmarks/draw_night.py [--sizes 1000,100000] [--runs 5]
"""

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import botocore.handlers

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Registered before any client exists, so every client (the handlers', Step Functions' own) has it.
REQUESTS = Counter()
botocore.handlers.BUILTIN_HANDLERS.insert(0, ("before-send.dynamodb", lambda event_name, **_: REQUESTS.update(["dynamodb"])))

from cli.api_client import call  # noqa: E402
from cli.serve import ApiRouter, Screen, make_server  # noqa: E402
from twin.stack import OfflineStack  # noqa: E402

CLIENTS = 50


def counted(action) -> tuple[int, float, object]:
    """DynamoDB requests, milliseconds and the result of `action()`."""
    REQUESTS.clear()
    started = time.perf_counter()
    result = action()
    return REQUESTS["dynamodb"], (time.perf_counter() - started) * 1000, result


def run(size: int, runs: int) -> dict:
    with OfflineStack("dev", Path(tempfile.mkdtemp())) as stack:
        stack.import_employees([{"employee_id": f"e{i:06d}", "employee_name": f"Employee {i}"} for i in range(size)], save=False)
        router = ApiRouter(stack.outputs["api_id"], stack.region)
        call(router, "POST", "/night", {"id": "bench", "name": "Bench", "prizes": [
            {"id": "big", "name": "Big", "count": 10 * runs}, {"id": "small", "name": "Small", "count": runs}]})
        code = call(router, "GET", "/night/code")["checkin_code"]
        ids = iter(f"e{i:06d}" for i in range(0, size, max(1, size // (20 * runs + CLIENTS + 10))))
        first = [next(ids) for _ in range(20 * runs)]
        checkins = [counted(lambda e=e: call(router, "POST", "/night/checkin", {"employee_id": e, "code": code})) for e in first]
        draws, redraws = [], []
        for _ in range(runs):
            requests, ms, drawn = counted(lambda: stack.draw({"input": 10, "prize": "big"}))
            assert drawn["status"] == "SUCCEEDED", drawn
            draws.append((len(drawn["transitions"]), drawn["lambda_invocations"], requests, ms))
            absent = {"draw_id": drawn["execution"].rsplit(":", 1)[-1], "employee_id": drawn["winners"][0]["employee_id"]}
            requests, ms, again = counted(lambda a=absent: stack.draw({"input": 1, "redraw": a}))
            assert again["status"] == "SUCCEEDED", again
            redraws.append((len(again["transitions"]), again["lambda_invocations"], requests, ms))
        server = make_server(Screen(router, None), 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/night/checkin"
        late = [next(ids) for _ in range(CLIENTS)]

        def phone(employee: str) -> int:
            body = json.dumps({"employee_id": employee, "code": code}).encode()
            request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=120) as answer:
                return answer.status

        started = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as clients:
            statuses = Counter(clients.map(phone, late))
        at_once = time.perf_counter() - started
        server.shutdown()
        server.server_close()
        assert statuses == {200: CLIENTS}, statuses
        assert call(router, "GET", "/night")["present"] == 20 * runs + CLIENTS

    def medians(rows):
        return [statistics.median(column) for column in zip(*rows, strict=True)]

    checkin_requests, checkin_ms = medians([(r, ms) for r, ms, _ in checkins])
    return {"employees": size, "checkin_requests": checkin_requests, "checkin_ms": round(checkin_ms, 1),
            "draw_10": dict(zip(("states", "invocations", "requests", "ms"), [round(x, 1) for x in medians(draws)], strict=True)),
            "redraw": dict(zip(("states", "invocations", "requests", "ms"), [round(x, 1) for x in medians(redraws)], strict=True)),
            f"{CLIENTS}_checkins_at_once_s": round(at_once, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="roster sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        print(json.dumps(run(size, args.runs)), flush=True)


if __name__ == "__main__":
    main()
