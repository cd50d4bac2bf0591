"""What one draw costs: our workflow beside the seed's ("redraw the whole batch on any past winner").

Both run in the offline runtime: ours is the stack deployed from `__main__.py`; the seed-equivalent is
the seed's own four functions and state machine (`benchmarks/seed_equivalent/`), deployed next to it.
For each pool size N, past-winner share W/N and winners k it prints, per draw: states entered,
Lambda invocations, DynamoDB requests (every request botocore sends, counted by a `before-send`
event hook) and wall time. The seed is stopped at a cap and reported unbounded where it does not
finish; `expected_selections` is its analytic mean, C(N,k)/C(N-W,k), and the `expected_*` columns
the seed's mean cost that follows from it (one draw is only one sample of it).

    .venv/bin/python benchmarks/cost_per_draw.py [--pools 10,1000,100000] [--out FILE]
"""

import argparse
import io
import json
import math
import random
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

import botocore.handlers

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(__file__).resolve().parent / "seed_equivalent"
sys.path.insert(0, str(ROOT))

# Registered before any client exists, so every client (the handlers', Step Functions' own) has it.
REQUESTS = Counter()
botocore.handlers.BUILTIN_HANDLERS.insert(0, ("before-send.dynamodb", lambda event_name, **_: REQUESTS.update(["dynamodb"])))

import boto3  # noqa: E402
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.stepfunctions.parser.models import stepfunctions_parser_backends  # noqa: E402

from components.definition import render  # noqa: E402
from twin import lottery  # noqa: E402
from twin.lottery import CommitError, execution_history  # noqa: E402
from twin.provider import partition_of  # noqa: E402
from twin.stack import OfflineStack  # noqa: E402

# The seed-equivalent's index lookups make moto scan the table: its draws at N=100,000 take seconds.
lottery.DRAW_TIMEOUT_S = 900

SHARES = (0.0, 0.5, 0.8, 0.9)
WINNERS = (1, 2, 10)
CAP_TRANSITIONS = 2000  # the seed-equivalent is stopped here ...
CAP_SECONDS = 30  # ... or after this long (moto's index lookups scan the table: slow at N=100,000)


class SeedEquivalent:
    """The seed's lottery deployed into the same moto as ours, with its own two tables."""

    def __init__(self, region: str, topic_arn: str):
        self.region = region
        self.ddb = boto3.resource("dynamodb", region_name=region)
        self.sfn = boto3.client("stepfunctions", region_name=region)
        lam, iam = boto3.client("lambda", region_name=region), boto3.client("iam", region_name=region)
        for name, key, extra in (("seed-Employee", "employee_id", True), ("seed-Winners", "employee_id", False)):
            kwargs = {"GlobalSecondaryIndexes": [{
                "IndexName": "lottery_serial-index", "Projection": {"ProjectionType": "ALL"},
                "KeySchema": [{"AttributeName": "lottery_serial", "KeyType": "HASH"}]}]} if extra else {}
            attributes = [{"AttributeName": key, "AttributeType": "S"}] + (
                [{"AttributeName": "lottery_serial", "AttributeType": "N"}] if extra else [])
            self.ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=attributes,
                                  KeySchema=[{"AttributeName": key, "KeyType": "HASH"}], **kwargs)
        role = iam.create_role(RoleName="seed-lottery", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zf:
            for path in SEED.glob("*.py"):
                zf.write(path, path.name)
        arns = {}
        for fn, module in (("InputWinners", "input_winners"), ("RandomSelectWinners", "random_select_winners"),
                           ("ValidateWinners", "validate_winners"), ("RecordWinners", "record_winners")):
            arns[f"{fn}Arn"] = lam.create_function(
                FunctionName=f"seed-{fn}", Role=role, Runtime="python3.12", Handler=f"{module}.lambda_handler",
                Code={"ZipFile": archive.getvalue()},
                Environment={"Variables": {"EMPLOYEE_TABLE": "seed-Employee", "WINNERS_TABLE": "seed-Winners", "TOTAL_NUM": "0"}},
            )["FunctionArn"]
        self.lam = lam
        definition = render({**arns, "Partition": partition_of(region)["partition"], "NotificationTopicArn": topic_arn},
                            SEED / "seed.asl.json")
        self.arn = self.sfn.create_state_machine(name="seed-Lottery", definition=definition, roleArn=role)["stateMachineArn"]

    def setup(self, pool: int, past: set[str]) -> None:
        _clear(self.ddb.Table("seed-Employee"))
        _clear(self.ddb.Table("seed-Winners"))
        with self.ddb.Table("seed-Employee").batch_writer() as batch:
            for i in range(pool):
                batch.put_item(Item={"employee_id": _id(i), "employee_name": f"Employee {i}", "lottery_serial": i + 1})
        with self.ddb.Table("seed-Winners").batch_writer() as batch:
            for employee_id in past:
                batch.put_item(Item={"employee_id": employee_id})
        # The seed's TOTAL_NUM is a constant in its code; here it is the pool being measured.
        self.lam.update_function_configuration(
            FunctionName="seed-RandomSelectWinners",
            Environment={"Variables": {"EMPLOYEE_TABLE": "seed-Employee", "WINNERS_TABLE": "seed-Winners", "TOTAL_NUM": str(pool)}})

    def draw(self, winners: int) -> dict:
        started = time.perf_counter()
        arn = self.sfn.start_execution(stateMachineArn=self.arn, name=f"Lottery-{random.getrandbits(64):x}",
                                       input=json.dumps({"input": winners}))["executionArn"]
        # Watched on moto's own record, new events only: GetExecutionHistory deep-copies and
        # serializes the whole history, so polling it for the cap made a long run quadratic and
        # starved the run itself (at N=10 the cap of 30 s came after 600-900 states, not 2,000).
        execution = stepfunctions_parser_backends[DEFAULT_ACCOUNT_ID][self.region].describe_execution(arn)
        entered, seen, capped = 0, 0, False
        while execution.status == "RUNNING":
            time.sleep(0.01)
            events = execution.exec_worker.env.event_manager._history_event_list if execution.exec_worker.env else []
            entered, seen = entered + sum("stateEnteredEventDetails" in e for e in events[seen:]), len(events)
            if time.perf_counter() - started > CAP_SECONDS or entered > CAP_TRANSITIONS:
                self.sfn.stop_execution(executionArn=arn, error="Capped")
                capped = True
                break
        wall_ms = (time.perf_counter() - started) * 1000
        history = execution_history(self.sfn, arn)
        status = self.sfn.describe_execution(executionArn=arn)["status"]
        return {"status": "CAPPED" if capped else status, "wall_ms": wall_ms, "unbounded": capped,
                "transitions": sum("stateEnteredEventDetails" in e for e in history),
                "lambda_invocations": sum(e["type"] == "LambdaFunctionScheduled" for e in history)}


def _id(i: int) -> str:
    return f"e{i:06d}"


def _clear(table) -> None:
    """Empty a table at once: drop it and make it again as it was (moto answers both instantly)."""
    d = table.meta.client.describe_table(TableName=table.name)["Table"]
    table.meta.client.delete_table(TableName=table.name)
    indexes = [{k: g[k] for k in ("IndexName", "KeySchema", "Projection")} for g in d.get("GlobalSecondaryIndexes", [])]
    table.meta.client.create_table(
        TableName=table.name, KeySchema=d["KeySchema"], AttributeDefinitions=d["AttributeDefinitions"],
        BillingMode="PAY_PER_REQUEST", **({"GlobalSecondaryIndexes": indexes} if indexes else {}))


def setup_ours(stack: OfflineStack, pool: int, past: set[str]) -> None:
    winners = stack.table("winners_table")
    _clear(winners)
    _clear(stack.table("employee_table"))
    with winners.batch_writer() as batch:
        for employee_id in past:
            batch.put_item(Item={"employee_id": employee_id, "employee_name": "past", "draw_id": "past", "drawn_at": "t"})
    stack.import_roster("employee_id,employee_name\n" + "\n".join(f"{_id(i)},Employee {i}" for i in range(pool)))


def expected_selections(pool: int, past: int, winners: int) -> float:
    eligible = pool - past
    return math.inf if eligible < winners else math.comb(pool, winners) / math.comb(eligible, winners)


def seed_expected_cost(selections: float, winners: int) -> dict:
    """The seed's mean cost of a draw that takes `selections` selections, from its definition: Input
    Lottery Winners, then per selection Random Select Winners, Validate Winners (k GetItems each)
    and the Choice, then the Parallel with Send SNS and Record In Dynamodb (k writes). A single
    draw is one sample of a geometric number of selections: compare means, not samples."""
    return {"expected_transitions": 3 * selections + 4, "expected_lambda_invocations": 2 * selections + 2,
            "expected_dynamodb_requests": 2 * winners * selections + winners}


def measure(stack, seed, pool, share, counts, rng) -> list[dict]:
    """One draw of each k in `counts` per strategy. Small pools are set up again before every
    draw; for large ones a draw's k new winners hardly change W, and setting up costs minutes."""
    rows = []
    past = set(rng.sample([_id(i) for i in range(pool)], int(pool * share)))
    for i, winners in enumerate(counts):
        if i == 0 or pool <= 1000:
            setup_ours(stack, pool, past)
        before = REQUESTS["dynamodb"]
        started = time.perf_counter()
        ours = stack.draw({"input": winners})
        rows.append({"strategy": "ours", "pool": pool, "past_winners": len(past), "winners": winners,
                     "status": ours["status"], "transitions": len(ours["transitions"]),
                     "lambda_invocations": ours["lambda_invocations"],
                     "dynamodb_requests": REQUESTS["dynamodb"] - before,
                     "wall_ms": (time.perf_counter() - started) * 1000, "unbounded": False, "error": ours["error"]})
    for winners in counts:  # committed first, then drawn with a public value: what the commitment costs
        if pool <= 1000:
            setup_ours(stack, pool, past)
        before = REQUESTS["dynamodb"]
        started = time.perf_counter()
        try:
            committed = stack.commit(winners, "a number the audience calls")
        except CommitError as error:  # refused at the commitment: one invocation, nothing started
            drawn = {"status": "FAILED", "transitions": [], "lambda_invocations": 0, "error": str(error).split(":")[0]}
        else:
            drawn = stack.wait(stack.start({"public_value": "17"}, name=committed["draw_id"]))
        rows.append({"strategy": "ours, committed first", "pool": pool, "past_winners": len(past), "winners": winners,
                     "status": drawn["status"], "transitions": len(drawn["transitions"]),
                     "lambda_invocations": drawn["lambda_invocations"] + 1,  # the commitment's own
                     "dynamodb_requests": REQUESTS["dynamodb"] - before,
                     "wall_ms": (time.perf_counter() - started) * 1000, "unbounded": False, "error": drawn["error"]})
    for i, winners in enumerate(counts):
        if i == 0 or pool <= 1000:
            seed.setup(pool, past)
        before = REQUESTS["dynamodb"]
        result = seed.draw(winners)
        rows.append({"strategy": "seed", "pool": pool, "past_winners": len(past), "winners": winners, **result,
                     "dynamodb_requests": REQUESTS["dynamodb"] - before,
                     "expected_selections": (selections := expected_selections(pool, len(past), winners)),
                     **seed_expected_cost(selections, winners)})
    return rows


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--pools", default="10,1000,100000", help="comma-separated pool sizes N")
    options.add_argument("--out", help="also write the rows as JSON here")
    options.add_argument("--seed", type=int, default=7, help="random seed for choosing past winners")
    args = options.parse_args()
    rng = random.Random(args.seed)
    rows = []
    print(f"{'strategy':8} {'N':>7} {'W':>6} {'k':>3} {'status':10} {'states':>6} {'lambdas':>7} {'ddb req':>7} "
          f"{'wall ms':>9}  expected selections")
    # No state directory: saving the tables after each draw is the CLI's cost, not the draw's.
    with OfflineStack("dev") as stack:
        seed = SeedEquivalent(stack.region, stack.outputs["notification_topic_arn"])
        for pool in map(int, args.pools.split(",")):
            for share in SHARES:
                for row in measure(stack, seed, pool, share, WINNERS, rng):
                    rows.append(row)
                    expected = row.get("expected_selections")
                    print(f"{row['strategy']:8} {row['pool']:>7} {row['past_winners']:>6} {row['winners']:>3} "
                          f"{row['status']:10} {row['transitions']:>6} {row['lambda_invocations']:>7} "
                          f"{row['dynamodb_requests']:>7} {row['wall_ms']:>9.1f}  "
                          f"{'' if expected is None else ('never' if math.isinf(expected) else f'{expected:.3g}')}",
                          flush=True)
    ours, seed = ({(r["pool"], r["past_winners"], r["winners"]): r for r in rows if r["strategy"] == s}
                  for s in ("ours", "seed"))
    committed = [r for r in rows if r["strategy"] == "ours, committed first" and r["status"] == "SUCCEEDED"]
    if committed:
        print(f"Committed first: {sorted({r['lambda_invocations'] for r in committed})} Lambda invocations and"
              f" {sorted({r['dynamodb_requests'] for r in committed})} DynamoDB requests, commitment included")
    if (10, 8, 2) in ours:
        o, e = ours[(10, 8, 2)], seed[(10, 8, 2)]
        print(f"N=10, W=8, k=2: on average the seed-equivalent takes {e['expected_selections']:.0f} selections against our 1, "
              f"so {e['expected_transitions'] / o['transitions']:.1f}x the state transitions, "
              f"{e['expected_lambda_invocations'] / o['lambda_invocations']:.1f}x the Lambda invocations and "
              f"{e['expected_dynamodb_requests'] / o['dynamodb_requests']:.1f}x the DynamoDB requests of ours; "
              f"this run's draw took {e['transitions'] / o['transitions']:.1f}x, {e['lambda_invocations'] / o['lambda_invocations']:.1f}x "
              f"and {e['dynamodb_requests'] / o['dynamodb_requests']:.1f}x")
    if args.out:
        Path(args.out).write_text(json.dumps(
            [{k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in r.items()} for r in rows], indent=1) + "\n")


if __name__ == "__main__":
    main()
