"""The cost benchmark's model of the seed's cost is the seed's own: checked on the seed's code and definition."""

import random
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import cost_per_draw  # noqa: E402

from offline.stack import OfflineStack  # noqa: E402


def test_a_seed_draw_costs_what_its_number_of_selections_says():
    past = set(random.Random(3).sample([cost_per_draw._id(i) for i in range(10)], 8))
    drawn = []
    with OfflineStack("dev") as stack:
        seed = cost_per_draw.SeedEquivalent(stack.region, stack.outputs["notification_topic_arn"])
        for _ in range(3):  # 5 selections on average: most draws select more than once
            seed.setup(10, past)
            drawn.append(seed.draw(1))
    assert all(d["status"] == "SUCCEEDED" for d in drawn)
    for d in drawn:
        selections = (d["transitions"] - 4) / 3
        assert selections == int(selections) >= 1
        expected = cost_per_draw.seed_expected_cost(selections, 1)
        assert (d["transitions"], d["lambda_invocations"]) == (expected["expected_transitions"], expected["expected_lambda_invocations"])
