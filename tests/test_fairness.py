"""The draw is uniform over the employees who never won, and never picks a past winner."""

import math
from collections import Counter

import pytest

from conftest import load_roster, scan, tables
from handlers import random_select_winners, record_winners, validate_winners
from handlers.common import POOL_KEY

SELECTIONS = 10_000
FALSE_ALARM = 1e-6  # a correct draw fails this test less than once in a million runs


def chi2_survival(x: float, df: int) -> float:
    """P(X > x) for X ~ chi-squared with an even number of degrees of freedom (exact closed form)."""
    assert df % 2 == 0
    half = x / 2
    return math.exp(-half) * sum(half**i / math.factorial(i) for i in range(df // 2))


def critical_value(df: int, p: float) -> float:
    low, high = 0.0, 1000.0
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if chi2_survival(mid, df) > p else (low, mid)
    return high


def test_the_critical_value_is_right():
    # Published table values: chi2(df=2) upper 5% = 5.991, chi2(df=12) upper 0.1% = 32.909.
    assert critical_value(2, 0.05) == pytest.approx(5.991, abs=1e-3)
    assert critical_value(12, 0.001) == pytest.approx(32.909, abs=1e-3)


def test_the_sampler_is_uniform_over_serials():
    counts = Counter(random_select_winners.plan(13, 1)[0][0] for _ in range(10 * SELECTIONS))
    expected = 10 * SELECTIONS / 13
    statistic = sum((c - expected) ** 2 / expected for c in counts.values())
    assert set(counts) == set(range(1, 14))
    assert statistic < critical_value(12, FALSE_ALARM), counts


@pytest.fixture
def pool_with_past_winners(aws):
    """20 employees; three real draws record 7 winners, leaving 13 who can win (12 degrees of freedom)."""
    load_roster(aws, "employee_id,employee_name\n" + "\n".join(f"e{i:02d},Employee {i}" for i in range(20)))
    for n, count in enumerate((3, 2, 2)):
        event = {"draw": {"id": f"past-{n}", "started_at": "t"}, "num_of_winners": count, "attempt": 0}
        record_winners.handler(validate_winners.handler(random_select_winners.handler(event, None), None), None)
    past = {w["employee_id"] for w in scan(tables(aws)[1])}
    assert len(past) == 7
    return tables(aws)[2].get_item(Key=POOL_KEY)["Item"], past


@pytest.mark.slow  # 10,000 selections through moto: about 30 s
def test_selection_is_uniform_over_those_who_never_won(pool_with_past_winners):
    held, past = pool_with_past_winners
    counts = Counter(
        random_select_winners.select(held, 1)["winners"][0]["employee_id"] for _ in range(SELECTIONS)
    )
    assert not past & set(counts), "a past winner was selected"
    eligible = 20 - len(past)
    assert len(counts) == eligible
    expected = SELECTIONS / eligible
    statistic = sum((c - expected) ** 2 / expected for c in counts.values())
    assert statistic < critical_value(eligible - 1, FALSE_ALARM), counts
