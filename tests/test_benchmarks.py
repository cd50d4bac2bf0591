"""The cost benchmark's numbers, checked on draws: the seed's cost model against the seed's own code
and definition, and our workflow's DynamoDB requests against the bound the README states.

The number of selections a seed draw took is counted from its history on its own (the entries of
Random Select Winners, and the invocations of its function), never derived from the totals it is
checked against. Every DynamoDB request botocore sends is counted by the benchmark's hook.
"""

import json
import random
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import cost_per_draw  # noqa: E402

from twin.lottery import execution_history  # noqa: E402
from twin.stack import OfflineStack  # noqa: E402

# (N, W, k, random seed). W=0: one selection, whatever the seed. The others are seeded (the seed's
# RandomSelectWinners draws from Python's `random`) to take several selections (8 at k=1, 4 at k=2
# here): with one selection only, 3s+4 and 4s+3 would look alike.
SEED_DRAWS = [(10, 0, 1, 1), (10, 0, 3, 2), (10, 8, 1, 13), (3, 1, 2, 8)]


@pytest.fixture(scope="module")
def deployed():
    with OfflineStack("dev") as stack:
        yield stack, cost_per_draw.SeedEquivalent(stack.region, stack.outputs["notification_topic_arn"])


def _past(winners: int) -> set[str]:
    return {cost_per_draw._id(i) for i in range(winners)}


def _requests(draw):
    """What `draw()` returns and how many DynamoDB requests it made."""
    before = cost_per_draw.REQUESTS["dynamodb"]
    result = draw()
    return result, cost_per_draw.REQUESTS["dynamodb"] - before


def seed_draw(seed, pool: int, past: int, winners: int, random_seed: int) -> dict:
    """One seed-equivalent draw measured as the benchmark measures it, with its selections counted
    from the execution's history."""
    seed.setup(pool, _past(past))
    known = {e["executionArn"] for e in seed.sfn.list_executions(stateMachineArn=seed.arn)["executions"]}
    saved = random.getstate()
    random.seed(random_seed)
    try:
        measured, requests = _requests(lambda: seed.draw(winners))
    finally:
        random.setstate(saved)  # the rest of this process draws as randomly as before
    (arn,) = {e["executionArn"] for e in seed.sfn.list_executions(stateMachineArn=seed.arn)["executions"]} - known
    history = execution_history(seed.sfn, arn)
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    invoked = [e["lambdaFunctionScheduledEventDetails"]["resource"] for e in history
               if e["type"] == "LambdaFunctionScheduled"]
    return {**measured, "dynamodb_requests": requests, "selections": entered.count("Random Select Winners"),
            "selector_invocations": sum(r.endswith(":function:seed-RandomSelectWinners") for r in invoked)}


def test_the_seed_costs_what_the_benchmark_says_per_selection(deployed):
    """States 3s+4, Lambda invocations 2s+2, DynamoDB requests 2ks+k, for s selections of k winners."""
    _, seed = deployed
    drawn = {}
    for pool, past, winners, random_seed in SEED_DRAWS:
        d = seed_draw(seed, pool, past, winners, random_seed)
        assert d["status"] == "SUCCEEDED"
        assert d["selections"] == d["selector_invocations"] >= 1
        if past == 0:  # nobody to redraw for: the model's expected selections, and this draw's, are 1
            assert d["selections"] == cost_per_draw.expected_selections(pool, past, winners) == 1
        model = cost_per_draw.seed_expected_cost(d["selections"], winners)
        assert (d["transitions"], d["lambda_invocations"], d["dynamodb_requests"]) == (
            model["expected_transitions"], model["expected_lambda_invocations"], model["expected_dynamodb_requests"]
        ), (pool, past, winners, d["selections"])
        drawn.setdefault(winners, set()).add(d["selections"])
    # Enough points to pin each formula down: one and several selections, at more than one k.
    assert {1} < drawn[1] and max(drawn[2]) > 1 and drawn[3] == {1}, drawn


def our_draw(stack, pool: int, past: int, winners: int) -> dict:
    cost_per_draw.setup_ours(stack, pool, _past(past))
    measured, requests = _requests(lambda: stack.draw({"input": winners}))
    assert measured["status"] == "SUCCEEDED", measured
    exits = [e["stateExitedEventDetails"] for e in execution_history(stack.sfn, measured["execution"])
             if "stateExitedEventDetails" in e]
    (selected,) = [json.loads(e["output"]) for e in exits if e["name"] == "Random Select Winners"]
    return {"requests": requests, "places": len(selected["selection"]["places"]),
            "states": len(measured["transitions"]), "lambda_invocations": measured["lambda_invocations"]}


@pytest.mark.parametrize("pool,past,winners", [(20, 0, 1), (20, 0, 2), (40, 5, 3), (60, 0, 10), (12, 10, 2)])
def test_our_draw_takes_eight_dynamodb_requests_whatever_n_and_k(deployed, pool, past, winners):
    """Commit (one BatchGetItem for the pool and the Ledger's head, one transaction), take the pool,
    one BatchGetItem for the winners and the places their swaps touch, one for past winners, read
    the Ledger's head and record in one transaction, one announcement mark: 8, whatever N, W and k."""
    stack, _ = deployed
    d = our_draw(stack, pool, past, winners)
    assert (d["states"], d["lambda_invocations"]) == (7, 4)
    assert d["places"] <= 2 * winners
    assert d["requests"] == 8, d
