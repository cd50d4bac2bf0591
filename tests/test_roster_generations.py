"""A roster import cannot half-happen: it writes a new generation beside the live one and switches
the pool to it in one conditional write, whatever fails or runs meanwhile."""

import threading
import time

import pytest
from botocore.exceptions import ClientError

import conftest
from cli.verify import verify
from conftest import live_roster, load_roster, pool_serials, scan, tables
from handlers import batches, proofs, record_failure
from handlers.pool import PoolBusy
from handlers.random_select_winners import RosterReplaced
from handlers.roster import RosterSuperseded, parse_roster, write_roster
from twin.faults import Fault, inject

SAMPLE_IDS = [f"{i:03d}" for i in range(1, 11)]


def roster(prefix: str, count: int) -> str:
    return "employee_id,employee_name\n" + "\n".join(f"{prefix}{i:04d},Name {i}" for i in range(count))


def live_employees(ddb) -> list[str]:
    employee, _, draws, _ = tables(ddb)
    return [e["employee_id"] for e in live_roster(employee, draws)]


def draw(count: int, draw_id: str) -> dict:
    return conftest.draw(draw_id, count)


def verified(ddb) -> list[str]:
    """`lottery verify`'s report of everything the Ledger holds."""
    return verify(proofs.bundle(tables(ddb)[3], tables(ddb)[0], proofs.prior_winners(scan(tables(ddb)[1]))))


def test_an_import_killed_between_its_writes_leaves_the_old_roster_live_and_whole(aws):
    load_roster(aws)
    draw(2, "before")
    draws = tables(aws)[2]
    pool = draws.get_item(Key={"draw_id": "#pool"})["Item"]
    # 300 employees are 12 BatchWriteItem calls: 3 go through, then DynamoDB refuses the rest.
    with inject(Fault("dynamodb", "BatchWriteItem", "ValidationException", 400, after=3)) as (fault,), \
            pytest.raises(ClientError, match="ValidationException"):
        load_roster(aws, roster("new", 300))
    assert fault.passed == 3 and fault.failed >= 1
    after = draws.get_item(Key={"draw_id": "#pool"})["Item"]
    assert {k: after[k] for k in ("roster", "eligible", "pool_size")} == {k: pool[k] for k in ("roster", "eligible", "pool_size")}
    assert live_employees(aws) == SAMPLE_IDS and pool_serials(aws) == list(range(1, 9))
    assert len(scan(tables(aws)[0])) > 10  # the half-written generation is there, beside the live one
    assert {w["employee_id"] for w in draw(8, "after")["selection"]["winners"]} | {
        w["employee_id"] for w in scan(tables(aws)[1])} == set(SAMPLE_IDS)
    # The next import removes what the killed one left.
    done = load_roster(aws, roster("new", 300))
    assert done["removed"] > 10 and len(scan(tables(aws)[0])) == 10 + 300  # the one replaced is kept
    assert live_employees(aws) == [f"new{i:04d}" for i in range(300)]
    assert verified(aws)[-1].startswith("Verified 6 records. Draws recomputed: 2;")


def test_draws_during_an_import_see_one_roster_or_the_other_never_both(aws):
    """Draws run one after another while a 1,000-employee roster replaces a 500-employee one: each
    draw's winners all come from the roster its record names, and whoever won stays out of the new pool."""
    load_roster(aws, roster("old", 500))
    employees = parse_roster(roster("new", 1000))
    done, errors = threading.Event(), []

    def importer():
        try:
            write_roster(employees, *tables(aws))
        except BaseException as error:  # noqa: BLE001 - the test fails on it below
            errors.append(error)
        finally:
            done.set()

    with inject():  # the twin's locks make each conditional write atomic, as DynamoDB's are
        thread = threading.Thread(target=importer)
        thread.start()
        n = 0
        while not done.is_set() or n < 3:
            try:
                draw(2, f"d{n}")
                n += 1
            except PoolBusy:  # the import holds the pool for its switch: select again, as the state machine does
                pass
            except RosterReplaced as error:  # committed to the old roster, which went before it drew: recorded failed
                record_failure.handler({"error": {"Error": type(error).__name__, "Cause": str(error)},
                                        **conftest.committed(f"d{n}", 2)}, None)
                n += 1
            done.wait(0.05)  # draws paced as people start them leave the import room to switch
        thread.join()
    assert not errors, errors
    _, winners, draws, _ = tables(aws)
    records = [d for d in scan(draws) if d["draw_id"] != "#pool" and d["status"] == "drawn"]
    live = draws.get_item(Key={"draw_id": "#pool"})["Item"]["roster"]
    for record in records:
        prefix = "new" if record["roster"] == live else "old"
        assert all(w["employee_id"].startswith(prefix) for w in record["winners"]), record
    won = [w["employee_id"] for w in scan(winners)]
    assert len(won) == len(set(won)) == 2 * len(records)
    assert len(pool_serials(aws)) == 1000 - sum(w.startswith("new") for w in won)
    assert len(scan(tables(aws)[0])) == 500 + 1000  # the old generation is kept, to verify its draws
    # Recomputed across the switch; a draw that lost the pool to the switch's last moment may be still open.
    assert f"Draws recomputed: {len(records)};" in verified(aws)[-1]


def test_of_two_imports_at_once_the_later_goes_live_and_the_earlier_removes_itself(aws):
    """A 300-line upload is still being written when a 50-line one, uploaded after it (or the same
    S3 event delivered twice), is imported whole: the later roster is live and complete, the
    earlier is refused by name, and nothing of it is left."""
    load_roster(aws)
    later = []

    def write_then_the_other_import(table, requests):
        sent = batches.write_all(table, requests)
        if not later:
            later.append(write_roster(parse_roster(roster("small", 50)), *tables(aws)))
        return sent

    with pytest.raises(RosterSuperseded) as refused:
        write_roster(parse_roster(roster("big", 300)), *tables(aws), write_all=write_then_the_other_import)
    assert f"roster {later[0]['roster']}, imported after this one started, is live" in str(refused.value)
    assert live_employees(aws) == [f"small{i:04d}" for i in range(50)]
    assert len(scan(tables(aws)[0])) == 10 + 50 and pool_serials(aws) == list(range(1, 51))
    pool = tables(aws)[2].get_item(Key={"draw_id": "#pool"})["Item"]
    assert "holder" not in pool and "generations" not in pool  # none written and not live


def test_an_import_waits_for_the_pool_even_before_any_roster(aws):
    """Two first imports on a new stack: the second waits while the first holds the pool."""
    draws = tables(aws)[2]
    draws.put_item(Item={"draw_id": "#pool", "holder": "import-first", "lease_until": int(time.time())})
    done = write_roster(parse_roster(roster("e", 2)), *tables(aws))
    assert (done["pool_size"], done["eligible"]) == (2, 2) and live_employees(aws) == ["e0000", "e0001"]
