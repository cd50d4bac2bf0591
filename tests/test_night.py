"""A draw night through the stack's API, as the page and `lottery night` call it: prizes drawn
tier by tier from who is present, exclusions, an absent winner's redraw, the results as CSV and
XLSX, and every step in the Ledger that `lottery verify` replays."""

import csv
import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from openpyxl import load_workbook

from cli.api_client import ApiError, call
from cli.night import xlsx
from cli.serve import ApiRouter, Screen
from cli.verify import verify
from handlers.night import masked, rows
from twin.stack import OfflineStack

ROSTER = "employee_id,employee_name\n" + "\n".join(f"e{i:02d},Employee {i}" for i in range(1, 61))


@pytest.fixture(scope="module")
def night_stack(tmp_path_factory):
    with OfflineStack("dev", tmp_path_factory.mktemp("state")) as stack:
        stack.import_roster(ROSTER)
        yield stack, ApiRouter(stack.outputs["api_id"], stack.region)


def open_night(router, night_id: str, prizes: dict, presence=True, exclude=(), stack=None) -> dict:
    """Open a night; with `stack`, after importing the roster again (a night without presence keeps
    the pool as it is, which an earlier night may have emptied)."""
    if stack is not None:
        stack.import_roster(ROSTER)
    return call(router, "POST", "/night", {
        "id": night_id, "name": f"Night {night_id}", "presence": presence, "exclude": list(exclude),
        "prizes": [{"id": p, "name": f"Prize {p}", "count": n} for p, n in prizes.items()]})


def check_in(router, shown: dict, *employees) -> list[dict]:
    code = call(router, "GET", "/night/code")["checkin_code"]
    return [call(router, "POST", "/night/checkin", {"employee_id": e, "code": code}) for e in employees]


def drawn(router, body: dict) -> dict:
    """Start a draw (a prize or a redraw) and wait for it, as the page does."""
    started = call(router, "POST", "/draws", body)
    while (answer := call(router, "GET", f"/draws/{started['draw_id']}"))["status"] == "RUNNING":
        threading.Event().wait(0.05)
    return answer


def never_won(stack, count: int) -> list[str]:
    """`count` employees who never won: the module's tests share one stack, in any order."""
    won = {w["employee_id"] for w in stack.table("winners_table").scan()["Items"]}
    return [e for e in (f"e{i:02d}" for i in range(60, 0, -1)) if e not in won][:count]


def ids(winners) -> set[str]:
    return {w["employee_id"] for w in winners}


def test_prizes_are_drawn_tier_by_tier_from_who_checked_in_and_never_the_excluded(night_stack):
    stack, router = night_stack
    excluded, *present = never_won(stack, 6)
    shown = open_night(router, "tiers", {"third": 3, "second": 2}, exclude=[excluded])
    assert (shown["eligible"], shown["present"], shown["remaining"]) == (0, 0, {"third": 3, "second": 2})
    failed = drawn(router, {"prize": "third"})  # nobody checked in yet: nobody can win
    assert (failed["status"], failed["error"]) == ("FAILED", "NotEnoughEligibleEmployees")
    assert "checkin_code" not in shown["night"]  # the organiser's: GET /night is the phones' too
    answers = check_in(router, shown, excluded, *present)
    assert [a["already"] for a in answers] == [False] * 6
    assert answers[0]["employee_name"] == masked(f"Employee {int(excluded[1:])}")
    assert masked("Employee 17") == "E******e 1*" and masked("张三丰") == "张*丰"  # one's own, not a roster to read out
    assert check_in(router, shown, present[0])[0]["already"] is True
    after = call(router, "GET", "/night")
    assert (after["present"], after["eligible"]) == (6, 5)  # the excluded one is present, and cannot win
    third = drawn(router, {"prize": "third"})
    assert third["status"] == "SUCCEEDED" and ids(third["winners"]) <= set(present) and len(third["winners"]) == 3
    with pytest.raises(ApiError, match="nothing left to draw"):
        call(router, "POST", "/draws", {"prize": "third"})
    second = drawn(router, {"prize": "second"})  # the two present who did not win a third prize
    assert ids(second["winners"]) == set(present) - ids(third["winners"])
    night = call(router, "GET", "/night")
    assert night["remaining"] == {"third": 0, "second": 0} and night["eligible"] == 0
    assert [(w["prize"], w["forfeited_by"]) for w in night["winners"]] == [("third", None)] * 3 + [("second", None)] * 2
    report = verify(stack.export())
    assert "draw night tiers (Night tiers) opened: third x 3, second x 2; only who checks in can win" in "\n".join(report)


def test_an_absent_winner_forfeits_once_linked_to_their_draw_and_one_replacement_is_drawn(night_stack):
    stack, router = night_stack
    open_night(router, "redraw", {"first": 2}, presence=False, stack=stack)
    first = drawn(router, {"prize": "first"})
    absent, kept = first["winners"][0]["employee_id"], first["winners"][1]["employee_id"]
    redraw = drawn(router, {"redraw": {"draw_id": first["draw_id"], "employee_id": absent}})
    assert redraw["status"] == "SUCCEEDED" and len(redraw["winners"]) == 1
    replacement = redraw["winners"][0]["employee_id"]
    assert replacement not in (absent, kept)
    night = call(router, "GET", "/night")
    by_id = {w["employee_id"]: w for w in night["winners"]}
    # Kept, never deleted, and linked both ways: the forfeit to the redraw, the replacement to whom it replaces.
    assert by_id[absent]["forfeited_by"] == redraw["draw_id"] and by_id[absent]["draw_id"] == first["draw_id"]
    assert (by_id[replacement]["replaces"], by_id[replacement]["prize"]) == (absent, "first")
    assert night["remaining"] == {"first": 0}
    with pytest.raises(ApiError, match=f"{absent} forfeited already, for draw {redraw['draw_id']}"):
        call(router, "POST", "/draws", {"redraw": {"draw_id": first["draw_id"], "employee_id": absent}})
    with pytest.raises(ApiError, match="is no winner of draw"):
        call(router, "POST", "/draws", {"redraw": {"draw_id": first["draw_id"], "employee_id": "e59"}})
    assert f"in place of {absent}, who forfeits" in "\n".join(verify(stack.export()))


def test_concurrent_redraws_check_ins_and_draws_never_make_a_double_winner(night_stack):
    stack, router = night_stack
    shown = open_night(router, "busy", {"big": 6, "small": 2})
    check_in(router, shown, *[f"e{i:02d}" for i in range(20, 40)])
    first = drawn(router, {"prize": "big", "winners": 3})
    absent, other = first["winners"][0]["employee_id"], first["winners"][1]["employee_id"]
    jobs = [("redraw", {"redraw": {"draw_id": first["draw_id"], "employee_id": absent}})] * 2 + [
        ("redraw", {"redraw": {"draw_id": first["draw_id"], "employee_id": other}}),
        ("draw", {"prize": "big", "winners": 3}), ("draw", {"prize": "small"})]

    def run(job):
        try:
            return drawn(router, job[1])
        except ApiError as refused:  # the second redraw of one winner may be refused before it starts
            return {"status": "REFUSED", "error": str(refused), "winners": []}

    with ThreadPoolExecutor(len(jobs) + 10) as pool:
        results = list(pool.map(run, jobs))
        checked = list(pool.map(lambda e: check_in(router, shown, e)[0], [f"e{i:02d}" for i in range(40, 50)]))
    same = results[:2]
    assert sorted(r["status"] for r in same) in (["FAILED", "SUCCEEDED"], ["REFUSED", "SUCCEEDED"]), same
    assert all(r["status"] == "SUCCEEDED" for r in results[2:]), results
    assert all(not c["already"] for c in checked)
    night = call(router, "GET", "/night")
    won = [w["employee_id"] for w in night["winners"]]
    assert len(won) == len(set(won)) == 3 + 2 + 3 + 2  # two forfeited, two replacements
    assert sorted(w["employee_id"] for w in night["winners"] if w["forfeited_by"]) == sorted([absent, other])
    assert night["remaining"] == {"big": 0, "small": 0}
    # Everyone present who never won, this night or before it (a past winner checks in, and cannot win).
    ever = {w["employee_id"] for w in stack.table("winners_table").scan()["Items"]}
    assert night["eligible"] == len({f"e{i:02d}" for i in range(20, 50)} - ever) and night["present"] == 30
    verify(stack.export())  # every swap of the check-ins among the draws replays exactly


@pytest.mark.parametrize("definition, message", [
    ([], "a night is a JSON object"),
    ({"id": "n", "name": "N", "prizes": []}, "prizes must be a list of 1 to 20"),
    ({"id": "n", "name": "N", "prizes": [{"id": "a", "name": "A", "count": 0}]}, "count must be a whole number from 1"),
    ({"id": "n", "name": "N", "prizes": [{"id": "a", "name": "A", "count": True}]}, "count must be a whole number"),
    ({"id": "n", "name": "N", "prizes": [{"id": "a", "name": "A", "count": 1}] * 2}, "two prizes have the same id"),
    ({"id": "n n", "name": "N", "prizes": [{"id": "a", "name": "A", "count": 1}]}, "the night's id must be"),
    ({"id": "n", "name": "", "prizes": [{"id": "a", "name": "A", "count": 1}]}, "the night's name must be text"),
    ({"id": "n", "name": "N", "presence": "yes", "prizes": [{"id": "a", "name": "A", "count": 1}]}, "presence must be"),
    ({"id": "n", "name": "N", "prizes": [{"id": "a", "name": "A"}]}, "prize 1 must have exactly id, name and count"),
    ({"id": "n", "name": "N", "prize": []}, "a night has no field 'prize'"),
    ({"id": "n", "name": "N", "prizes": [{"id": "a", "name": "A", "count": 1}], "exclude": ["nobody"]}, "nobody is not"),
])
def test_a_bad_night_is_400_named_and_writes_nothing(night_stack, definition, message):
    stack, router = night_stack
    before = stack.table("ledger_table").get_item(Key={"seq": 0})["Item"]
    night_before = call(router, "GET", "/night")["night"]
    with pytest.raises(ApiError, match=message) as refused:
        call(router, "POST", "/night", definition)
    assert refused.value.status == 400 and refused.value.name == "InvalidInput"
    if message != "nobody is not":  # an unknown excluded id is found after the night opened: the rest stays
        assert stack.table("ledger_table").get_item(Key={"seq": 0})["Item"] == before
        assert call(router, "GET", "/night")["night"] == night_before


def test_bad_check_ins_and_exclusions_are_400_named(night_stack):
    _, router = night_stack
    shown = open_night(router, "checks", {"only": 1})
    with pytest.raises(ApiError, match="check-in code is not this night's"):
        call(router, "POST", "/night/checkin", {"employee_id": "e10", "code": "wrong"})
    with pytest.raises(ApiError, match="nobody is not on the live roster"):
        check_in(router, shown, "nobody")
    with pytest.raises(ApiError, match="code .* is missing"):
        call(router, "POST", "/night/checkin", {"employee_id": "e10"})
    with pytest.raises(ApiError, match="nobody is not on the live roster"):
        call(router, "POST", "/night/exclude", {"employee_id": "nobody"})
    with pytest.raises(ApiError, match="has no prize 'none'"):
        call(router, "POST", "/draws", {"prize": "none"})
    assert call(router, "GET", "/night")["present"] == 0


def test_the_results_export_as_csv_and_xlsx_alike(night_stack):
    stack, router = night_stack
    open_night(router, "export", {"gold": 1, "silver": 2}, presence=False, stack=stack)
    drawn(router, {"prize": "silver"})
    drawn(router, {"prize": "gold"})
    shown = call(router, "GET", "/night")
    expected = rows(shown)
    assert [r[0] for r in expected[1:]] == ["gold", "silver", "silver"]  # by prize, in the night's order
    status, headers, text = router.handle("GET", "/night/results?format=csv", {}, "")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(text))) == expected
    status, headers, data = Screen(router, None).handle("GET", "/night/results.xlsx", {}, "")
    assert status == 200 and "spreadsheetml" in headers["Content-Type"]
    sheet = load_workbook(io.BytesIO(data)).active
    assert [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)] == expected
    assert sheet.title == "export" and sheet["A1"].font.bold
    assert load_workbook(io.BytesIO(xlsx(expected, "x" * 40))).active.title == "x" * 31
    # A name that starts like a formula stays text, in both.
    formula = [list(rows({**shown, "winners": [{**shown["winners"][0], "employee_name": "=HYPERLINK(\"x\")"}]})[1])]
    assert formula[0][3] == "'=HYPERLINK(\"x\")"
    assert load_workbook(io.BytesIO(xlsx(formula, "f"))).active["D1"].data_type == "s"


def test_the_page_is_served_with_what_it_needs_and_phones_get_the_address_to_reach(night_stack):
    _, router = night_stack
    status, headers, page = router.handle("GET", "/", {}, "")
    assert status == 200 and headers["Content-Type"].startswith("text/html") and 'src="qrcode.js"' in page
    assert "https://" not in page.split("<script", 1)[0]  # nothing from a CDN: offline and China alike
    status, headers, script = router.handle("GET", "/qrcode.js", {}, "")
    assert status == 200 and "qrcode" in script
    status, _, shown = Screen(router, "http://192.0.2.7:8080/").handle("GET", "/night", {}, "")
    assert json.loads(shown)["public_url"] == "http://192.0.2.7:8080/"


def test_a_draw_committed_to_a_public_value_does_not_take_place_once_the_pool_changed(night_stack):
    stack, router = night_stack
    shown = open_night(router, "public", {"one": 1})
    first, second, third = never_won(stack, 3)
    check_in(router, shown, first, second)
    steady = call(router, "POST", "/commitments", {"winners": 1, "public": "the number the room calls"})
    assert drawn(router, {"commitment": steady["draw_id"], "public_value": "3"})["status"] == "SUCCEEDED"
    moved = call(router, "POST", "/commitments", {"winners": 1, "public": "the number the room calls"})
    check_in(router, shown, third)  # once the value is known, whoever knows the seed could steer it so
    late = drawn(router, {"commitment": moved["draw_id"], "public_value": "4"})
    assert (late["status"], late["error"]) == ("FAILED", "PoolChanged")
    assert "failed (PoolChanged)" in "\n".join(verify(stack.export()))


def test_a_prize_is_committed_to_a_public_value_and_drawn_with_it(night_stack):
    stack, router = night_stack
    shown = open_night(router, "committed", {"gold": 2})
    check_in(router, shown, *never_won(stack, 3))
    committed = call(router, "POST", "/commitments", {"prize": "gold", "public": "the number the room calls"})
    assert (committed["night"], committed["prize"], committed["winners"]) == ("committed", "gold", 2)
    with pytest.raises(ApiError, match="drawn by its commitment and public value alone"):
        call(router, "POST", "/draws", {"prize": "gold", "commitment": committed["draw_id"], "public_value": "7"})
    gold = drawn(router, {"commitment": committed["draw_id"], "public_value": "7"})
    assert gold["status"] == "SUCCEEDED" and len(gold["winners"]) == 2
    night = call(router, "GET", "/night")
    assert night["remaining"] == {"gold": 0} and {w["prize"] for w in night["winners"]} == {"gold"}
    with pytest.raises(ApiError, match="has nothing left to draw"):
        call(router, "POST", "/commitments", {"prize": "gold", "public": "again"})
    assert "public value '7' (the number the room calls), committed in record" in "\n".join(verify(stack.export()))


@pytest.mark.parametrize("body, message", [
    ({"prize": ["first"]}, "prize must be 1 to 40 letters"),
    ({"prize": "first", "winners": 5}, "has 1 left to draw, not 5"),
    ({"redraw": "E1"}, "redraw must be"),
])
def test_bad_prize_draws_are_400_and_start_nothing(night_stack, body, message):
    _, router = night_stack
    open_night(router, "bad-draws", {"first": 1}, presence=False)
    with pytest.raises(ApiError, match=message) as refused:
        call(router, "POST", "/draws", body)
    assert refused.value.status == 400


def test_importing_a_roster_ends_the_night(night_stack):
    stack, router = night_stack
    open_night(router, "ends", {"one": 1})
    stack.import_roster(ROSTER)
    assert call(router, "GET", "/night")["night"] is None
    with pytest.raises(ApiError, match="no draw night is open"):
        call(router, "POST", "/draws", {"prize": "one"})
