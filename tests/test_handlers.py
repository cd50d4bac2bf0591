"""The four handlers against moto: each rule the seed broke, and the race it could not survive."""

import hashlib

import pytest

from conftest import committed, live_roster, load_roster, pool_serials, scan, tables
from handlers import input_winners, ledger, pool, random_select_winners, record_winners, validate_winners, verifiable
from handlers.common import CustomError, DrawConflict, InvalidInput, NotEnoughEligibleEmployees, TooManyAttempts
from handlers.pool import PoolBusy

DRAW = {"id": "Lottery-test", "started_at": "2026-11-23T00:00:00Z"}


def select(count, attempt=0, draw=DRAW):
    """Commit (once for each draw id), then select."""
    return random_select_winners.handler({**committed(draw["id"], count, draw["started_at"]), "attempt": attempt}, None)


def run_draw(count, draw=DRAW):
    """Select, validate and record as the state machine does on its happy path."""
    state = validate_winners.handler(select(count, draw=draw), None)
    assert state["status"] == 0
    return record_winners.handler(state, None)


@pytest.mark.parametrize("request_, error", [
    ({"input": 2, "exception": "x"}, CustomError),
    ({}, InvalidInput), ({"input": 0}, InvalidInput), ({"input": -1}, InvalidInput),
    ({"input": 1.5}, InvalidInput), ({"input": 2.0}, InvalidInput), ({"input": "2"}, InvalidInput),
    ({"input": True}, InvalidInput), ({"input": None}, InvalidInput), ({"input": [2]}, InvalidInput),
    ({"input": 11}, InvalidInput), ({"input": 10**30}, InvalidInput), (2, InvalidInput), ([], InvalidInput),
])
def test_input_rejects_everything_but_a_whole_number_in_range(monkeypatch, request_, error):
    monkeypatch.setenv("MAX_WINNERS", "10")
    with pytest.raises(error):
        input_winners.handler({"draw": DRAW, "request": request_}, None)


def test_input_commits_to_the_draw_before_anything_is_drawn(aws):
    load_roster(aws)
    out = input_winners.handler({"draw": DRAW, "request": {"input": 10}}, None)
    assert (out["draw"], out["num_of_winners"], out["attempt"], out["public_value"]) == (DRAW, 10, 0, None)
    commitment = out["commitment"]
    pool_item = tables(aws)[2].get_item(Key={"draw_id": "#pool"})["Item"]
    assert (commitment["kind"], commitment["draw_id"], commitment["winners"], commitment["public"]) == (
        "commit", DRAW["id"], 10, None)
    assert commitment["roster"] == pool_item["roster_root"] and "holder" not in pool_item  # nothing held, nothing drawn
    assert commitment["seed_hash"] == hashlib.sha256(bytes.fromhex(out["seed"])).hexdigest()
    assert ledger.records(tables(aws)[3])[-1] == commitment  # recorded, chained after the import
    assert commitment["prev"] == ledger.records(tables(aws)[3])[-2]["hash"]
    # A retry of the task (Lambda's own, after a lost answer) commits nothing new.
    assert input_winners.handler({"draw": DRAW, "request": {"input": 10}}, None) == out
    assert len(ledger.records(tables(aws)[3])) == 2


def test_a_draw_records_winners_with_the_draw_and_leaves_the_pool_dense(aws):
    employee, winners, draws, _ = tables(aws)
    load_roster(aws)
    out = run_draw(3)
    chosen = {w["employee_id"] for w in out["selection"]["winners"]}
    recorded = {w["employee_id"]: w for w in scan(winners)}
    assert set(recorded) == chosen and len(chosen) == 3
    assert all(w["draw_id"] == "Lottery-test" and w["drawn_at"] and w["employee_name"] for w in recorded.values())
    assert pool_serials(aws) == list(range(1, 8))
    draw = draws.get_item(Key={"draw_id": "Lottery-test"})["Item"]
    assert (draw["pool_size"], draw["eligible"], len(draw["winners"])) == (10, 10, 3)
    assert draws.get_item(Key={"draw_id": "#pool"})["Item"]["eligible"] == 7


def test_the_pool_size_comes_from_the_data_not_a_constant(aws):
    roster = "employee_id,employee_name\n" + "\n".join(f"e{i},Name {i}" for i in range(25))
    load_roster(aws, roster)
    for n in range(12):  # 12 draws of 2 from 25, then one is left
        run_draw(2, {"id": f"d{n}", "started_at": "t"})
    assert len(scan(tables(aws)[1])) == 24
    with pytest.raises(NotEnoughEligibleEmployees, match="only 1"):
        select(2)


def test_nobody_wins_twice_and_an_exhausted_pool_fails_at_once_writing_nothing(aws):
    load_roster(aws)
    for n in range(5):
        run_draw(2, {"id": f"d{n}", "started_at": "t"})
    ids = [w["employee_id"] for w in scan(tables(aws)[1])]
    assert len(ids) == len(set(ids)) == 10
    before = [scan(t) for t in tables(aws)]
    with pytest.raises(NotEnoughEligibleEmployees):
        select(1)  # refused at the commitment: nothing is recorded, nothing held
    assert [scan(t) for t in tables(aws)] == before


def test_a_draw_before_any_roster_says_to_import_one(aws):
    tables(aws)[2].put_item(Item={"draw_id": "#pool", "eligible": 10, "pool_size": 10})  # as a stack before 0.3 left it
    with pytest.raises(NotEnoughEligibleEmployees, match="no roster has been imported yet"):
        select(1)


def test_asking_for_more_than_the_eligible_fails_at_the_commitment_writing_nothing(aws):
    load_roster(aws, "employee_id,employee_name\n" + "\n".join(f"e{i},Name {i}" for i in range(5)))
    before = [scan(t) for t in tables(aws)]
    with pytest.raises(NotEnoughEligibleEmployees, match="6 winners asked for, but only 5"):
        select(6)
    assert [scan(t) for t in tables(aws)] == before


def test_a_past_winner_found_in_the_pool_fails_the_draw_at_once(aws):
    """Its seed would pick them again: selecting again could only loop."""
    load_roster(aws)
    for e in live_roster(*tables(aws)[::2][:2]):  # everyone recorded as a winner, by hand
        tables(aws)[1].put_item(Item={"employee_id": e["employee_id"], "employee_name": e["employee_name"]})
    validated = validate_winners.handler(select(2), None)
    assert validated["status"] == 1
    with pytest.raises(random_select_winners.WinnerInPool, match="import the roster again"):
        random_select_winners.handler(validated, None)


def test_the_redraw_loop_is_bounded(aws):
    load_roster(aws)
    with pytest.raises(TooManyAttempts):
        select(1, attempt=3)


def test_a_reimport_keeps_past_winners_out_of_the_pool(aws):
    employee, _, draws, _ = tables(aws)
    load_roster(aws)
    out = run_draw(2)
    pool = load_roster(aws)
    assert (pool["pool_size"], pool["eligible"]) == (10, 8)
    won = {w["employee_id"] for w in out["selection"]["winners"]}
    assert {e["employee_id"] for e in live_roster(employee, draws) if e["lottery_serial"] > 8} == won
    assert pool_serials(aws) == list(range(1, 9))


def test_a_second_draw_waits_while_the_first_holds_the_pool(aws):
    load_roster(aws)
    first = select(1, draw={"id": "A", "started_at": "t"})
    with pytest.raises(PoolBusy, match="A holds the pool"):
        select(1, draw={"id": "B", "started_at": "t"})
    record_winners.handler(validate_winners.handler(first, None), None)
    assert select(1, draw={"id": "B", "started_at": "t"})["selection"]["eligible"] == 9


def test_race_two_draws_pick_the_same_person_before_either_records(aws, monkeypatch):
    """A stalls past its lease; B takes the pool and picks the same employee. Exactly one records them."""
    load_roster(aws)
    monkeypatch.setattr(pool, "LEASE_SECONDS", -1)  # every hold has lapsed at once
    monkeypatch.setattr(random_select_winners, "draw_seed", lambda *_: b"same")  # the same pick for both
    picks = {}
    for draw_id in ("A", "B"):
        picks[draw_id] = validate_winners.handler(select(1, draw={"id": draw_id, "started_at": "t"}), None)
    person = picks["A"]["selection"]["winners"][0]["employee_id"]
    assert picks["B"]["selection"]["winners"][0]["employee_id"] == person
    assert picks["A"]["status"] == picks["B"]["status"] == 0  # neither has recorded yet
    record_winners.handler(picks["B"], None)
    before = [scan(t) for t in tables(aws)]
    with pytest.raises(DrawConflict):
        record_winners.handler(picks["A"], None)
    assert [scan(t) for t in tables(aws)] == before
    # A goes back to selection, as the state machine's Catch sends it, and still succeeds.
    monkeypatch.setattr(pool, "LEASE_SECONDS", 60)
    again = run_draw(1, {"id": "A", "started_at": "t"})
    assert again["selection"]["winners"][0]["employee_id"] != person
    assert sorted(w["draw_id"] for w in scan(tables(aws)[1])) == ["A", "B"]
    assert pool_serials(aws) == list(range(1, 9))


def test_a_retried_record_after_success_is_not_a_conflict(aws):
    load_roster(aws)
    state = validate_winners.handler(select(2), None)
    first = record_winners.handler(state, None)
    assert record_winners.handler(state, None)["recorded_at"] == first["recorded_at"]
    assert len(scan(tables(aws)[1])) == 2


def test_the_announcement_names_every_winner(aws):
    load_roster(aws)
    state = validate_winners.handler(select(3), None)
    assert all(w["employee_name"] in state["message"] for w in state["selection"]["winners"])


def test_plan_leaves_the_survivors_dense_below_and_reads_at_most_two_places_a_winner():
    for n in range(2000):
        chosen, order = random_select_winners.plan(hashlib.sha256(str(n).encode()).digest(), 6, 2)
        assert {order[p] for p in range(1, 5)} == set(range(1, 7)) - set(chosen)  # who was where is now at 1..4
        assert {order[5], order[6]} == set(chosen) and len(order) <= 4
    assert random_select_winners.plan(b"seed", 100_000, 32)[1].keys() <= set(range(1, 100_001))


def test_select_takes_the_winners_algorithm_v1_takes(aws):
    load_roster(aws)
    out = select(3)
    seed = verifiable.draw_seed(out["seed"], verifiable.draw_inputs(DRAW["id"], out["commitment"]["seq"],
                                                                    out["commitment"]["roster"], 3, None))
    order, eligible = verifiable.initial_order(sorted(e["employee_id"] for e in live_roster(*tables(aws)[::2][:2])), set())
    expected = verifiable.shuffle([None, *order], eligible, verifiable.picks(seed, eligible, 3))
    assert [w["employee_id"] for w in out["selection"]["winners"]] == expected
