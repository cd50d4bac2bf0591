"""The draw is uniform over the employees who never won, and never picks a past winner.

Selection algorithm v1 is a function of the draw seed: the tests feed it 10,000 and more seeds
(SHA-256 of a counter, as unpredictable to the algorithm as any), so each test's outcome is fixed:
it cannot pass on one machine and fail on another."""

import hashlib
import itertools
import math
from collections import Counter

import pytest

from conftest import draw, load_roster, scan, tables
from handlers import random_select_winners, verifiable
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


def seeds(n: int):
    return (hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(n))


def chi2(counts: Counter, cells: int, total: int) -> float:
    expected = total / cells
    return sum((c - expected) ** 2 / expected for c in counts.values()) + (cells - len(counts)) * expected


def test_the_sampler_is_uniform_over_serials():
    counts = Counter(random_select_winners.plan(seed, 13, 1)[0][0] for seed in seeds(10 * SELECTIONS))
    assert set(counts) == set(range(1, 14))
    assert chi2(counts, 13, 10 * SELECTIONS) < critical_value(12, FALSE_ALARM), counts


def test_every_pair_of_winners_is_as_likely_as_any_other():
    """Two of seven: the 21 pairs, each a 1/21 chance; the swaps of the first pick do not bias the second."""
    counts = Counter(frozenset(random_select_winners.plan(seed, 7, 2)[0]) for seed in seeds(SELECTIONS))
    assert set(counts) == {frozenset(p) for p in itertools.combinations(range(1, 8), 2)}
    assert chi2(counts, 21, SELECTIONS) < critical_value(20, FALSE_ALARM), counts


def test_words_at_or_above_the_last_whole_multiple_are_skipped_not_folded():
    """2^64 - 1 is 0 modulo 3: folding it in would make 0 likelier than 1 and 2."""
    assert verifiable.uniform(iter([2**64 - 1, 5]), 3) == 2
    assert verifiable.uniform(iter([2**64 - 2, 5]), 3) == (2**64 - 2) % 3
    assert verifiable.uniform(iter([2**63 + 1, 7]), 2**63 + 1) == 7  # almost half of all words are skipped here


@pytest.fixture
def pool_with_past_winners(aws):
    """20 employees; three real draws record 7 winners, leaving 13 who can win (12 degrees of freedom)."""
    load_roster(aws, "employee_id,employee_name\n" + "\n".join(f"e{i:02d},Employee {i}" for i in range(20)))
    for n, count in enumerate((3, 2, 2)):
        draw(f"past-{n}", count)
    past = {w["employee_id"] for w in scan(tables(aws)[1])}
    assert len(past) == 7
    return tables(aws)[2].get_item(Key=POOL_KEY)["Item"], past


@pytest.mark.slow  # 10,000 selections through moto: about 30 s
def test_selection_is_uniform_over_those_who_never_won(pool_with_past_winners):
    held, past = pool_with_past_winners
    commitment = {"seq": 1, "roster": held["roster_root"], "winners": 1, "public": None}
    counts = Counter(
        random_select_winners.select(held, {"draw": {"id": "d"}, "commitment": commitment, "seed": seed.hex(),
                                            "public_value": None})["winners"][0]["employee_id"]
        for seed in seeds(SELECTIONS)
    )
    assert not past & set(counts), "a past winner was selected"
    eligible = 20 - len(past)
    assert len(counts) == eligible
    expected = SELECTIONS / eligible
    statistic = sum((c - expected) ** 2 / expected for c in counts.values())
    assert statistic < critical_value(eligible - 1, FALSE_ALARM), counts
