"""Many draws at once: every one succeeds, nobody wins twice, every record has its announcement.
And a draw that died holding the pool costs the others only the lease, offline as on AWS."""

from collections import Counter

import pytest

from cli.verify import verify
from handlers.pool import LEASE_SECONDS
from twin import retries
from twin.stack import OfflineStack


def roster(size: int) -> str:
    return "employee_id,employee_name\n" + "\n".join(f"e{i:03d},Employee {i}" for i in range(size))


def failures(results: list[dict]) -> list[tuple]:
    """What each failed draw said, for the assertion message."""
    return [(r["execution"].rsplit(":", 1)[-1], r["error"], r["cause"]) for r in results if r["status"] != "SUCCEEDED"]


@pytest.mark.slow  # about 15 s: the deploy, and twenty draws taking turns on the pool in one process
def test_twenty_draws_at_once_on_a_pool_of_a_hundred(tmp_path):
    with OfflineStack("dev", tmp_path) as dev:
        dev.import_roster(roster(100))
        executions = [dev.start({"input": 2}) for _ in range(20)]
        results = [dev.wait(arn) for arn in executions]
        winners = dev.table("winners_table").scan()["Items"]
        draws = [d for d in dev.table("draws_table").scan()["Items"] if d["draw_id"] != "#pool"]
        announcements = dev.announcements()
        pool = dev.table("draws_table").get_item(Key={"draw_id": "#pool"})["Item"]
        report = verify(dev.export())
    assert Counter(r["status"] for r in results) == {"SUCCEEDED": 20}, failures(results)
    drawn = [w["employee_id"] for r in results for w in r["winners"]]
    assert len(drawn) == len(set(drawn)) == 40
    assert sorted(w["employee_id"] for w in winners) == sorted(drawn)
    assert len(draws) == 20 and all(d.get("announced_at") for d in draws)
    assert len(announcements) == 20
    assert pool["eligible"] == 60 and "holder" not in pool
    assert report[-1] == ("Verified 42 records. Draws recomputed: 20; checked without their roster: 0; failed: 0;"
                          " on operator randomness only: 20.")


@pytest.mark.slow  # about 15 s: twenty draws at once, and an import while they run
def test_draws_at_once_with_a_roster_imported_among_them_all_verify(tmp_path):
    """A draw committed to the roster the import replaces before it drew fails by name, recorded;
    every other draws from the roster its commitment names; the Ledger verifies whole."""
    with OfflineStack("dev", tmp_path) as dev:
        dev.import_roster(roster(100))
        executions = [dev.start({"input": 2}) for _ in range(10)]
        dev.import_roster(roster(120))
        executions += [dev.start({"input": 2}) for _ in range(10)]
        results = [dev.wait(arn) for arn in executions]
        report = verify(dev.export())
    outcomes = Counter(r["error"] or r["status"] for r in results)
    assert set(outcomes) <= {"SUCCEEDED", "RosterReplaced"} and outcomes["SUCCEEDED"] >= 10, failures(results)
    drawn = [w["employee_id"] for r in results for w in r["winners"]]
    assert len(drawn) == len(set(drawn)) == 2 * outcomes["SUCCEEDED"]
    assert report[-1] == (f"Verified {3 + 2 * 20} records. Draws recomputed: {outcomes['SUCCEEDED']}; checked without"
                          f" their roster: 0; failed: {outcomes['RosterReplaced']}; on operator randomness only:"
                          f" {outcomes['SUCCEEDED']}.")


def attempts(events: list[dict], state: str) -> list[dict]:
    """The outcome event (TaskFailed or TaskSucceeded) of each attempt of a Task state, in order."""
    outcomes, current = [], None
    for event in events:
        if "stateEnteredEventDetails" in event:
            current = event["stateEnteredEventDetails"]["name"]
        elif "stateExitedEventDetails" in event:
            current = None
        elif current == state and event["type"] in ("TaskFailed", "TaskSucceeded"):
            outcomes.append(event)
    return outcomes


@pytest.mark.slow  # about 5 s: the deploy, and the 2 s a 20 s lease lasts on the twin's clock
def test_a_draw_that_died_holding_the_pool_costs_the_others_only_the_lease(tmp_path):
    with OfflineStack("dev", tmp_path) as dev:
        dev.import_roster(roster(10))
        assert dev.draw({"input": 2})["status"] == "SUCCEEDED"  # the functions are warm: what follows is waiting
        # What a draw that died between Random Select Winners and Record In Dynamodb leaves: the pool
        # held, by a draw that will never record nor let go, for a whole lease from now. pool.acquire()
        # writes lease_until from the handlers' clock, which offline is the twin's (retries.now()).
        lease_until = int(retries.now()) + LEASE_SECONDS
        dev.table("draws_table").update_item(
            Key={"draw_id": "#pool"}, UpdateExpression="SET holder = :dead, lease_until = :until",
            ExpressionAttributeValues={":dead": "Lottery-dead", ":until": lease_until})
        result = dev.draw({"input": 2})
        selects = attempts(dev.history(result["execution"]), "Random Select Winners")
        pool = dev.pool()
    assert result["status"] == "SUCCEEDED", failures([result])
    *waited, took = selects
    # It waited its turn: every attempt before the last found the dead draw holding the pool. Several
    # of them: retries are 0.1 s apart at first, and the lease lasts 2 s (20 s on the twin's clock).
    assert [e["taskFailedEventDetails"]["error"] for e in waited] == ["PoolBusy"] * len(waited)
    assert len(waited) >= 2
    # And it took the pool no sooner than the lease ran out: a lower bound on the wall clock, so a slow
    # machine only makes it truer. (Never an upper bound: how long after is up to the machine.)
    assert took["type"] == "TaskSucceeded"
    assert took["timestamp"].timestamp() >= retries.wall(lease_until)
    assert pool["eligible"] == 6 and "holder" not in pool and "lease_until" not in pool
