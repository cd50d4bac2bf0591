"""benchmarks/draw_night.py runs, and measures what the README says a draw night costs: a check-in
7 DynamoDB requests, a prize's draw the ordinary 7 states, 4 invocations and 8 requests, a redraw
one request more (it reads the absent winner)."""

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import draw_night  # noqa: E402


@pytest.mark.slow  # a deploy, 20 check-ins, a draw, a redraw and 50 check-ins at once through lottery serve
def test_the_draw_night_benchmark_measures_what_the_readme_says():
    measured = draw_night.run(1000, 1)
    assert measured["checkin_requests"] == 7
    assert {k: v for k, v in measured["draw_10"].items() if k != "ms"} == {"states": 7, "invocations": 4, "requests": 8}
    assert {k: v for k, v in measured["redraw"].items() if k != "ms"} == {"states": 7, "invocations": 4, "requests": 9}
