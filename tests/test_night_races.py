"""Two night changes made from one reading of the pool (a double tap, a check-in racing an
exclusion, a reused night id): only one is written, and the Ledger still replays. The offline twin
runs one Lambda at a time, so these interleavings are forced here against moto's tables."""

import pytest

from cli.verify import verify
from conftest import load_roster, tables
from handlers import ledger, night
from handlers.common import InvalidInput, scan_all
from handlers.proofs import bundle, prior_winners, roster

ROSTER = "employee_id,employee_name\n" + "\n".join(f"e{i:02d},Employee {i}" for i in range(1, 11))


@pytest.fixture
def nights(aws):
    load_roster(aws, ROSTER)
    return aws


def replayed(ddb) -> list[str]:
    employee, winners, _, ledger_table = tables(ddb)
    prior = prior_winners(scan_all(winners, ProjectionExpression="employee_id, ledger_seq"))
    return verify(bundle(ledger_table, employee, prior, read_roster=roster))


def opened(presence=True, night_id="party") -> night.Night:
    nights = night.Night()
    nights.open(night.parse({"id": night_id, "name": "N", "presence": presence,
                             "prizes": [{"id": "first", "name": "F", "count": 1}]})[0])
    return nights


def interleave(monkeypatch, between) -> None:
    """Run `between()` once, after the next night change has read the pool, before it writes."""
    real, pending = ledger.write_with_record, [between]

    def late(client, table, body, actions_for, at=None):
        while pending:
            pending.pop()()
        return real(client, table, body, actions_for, at)

    monkeypatch.setattr(night.ledger, "write_with_record", late)


def item(nights: night.Night, employee: str) -> dict:
    return nights._find(night.read_pool(), employee)


def test_an_exclusion_written_first_keeps_a_late_check_in_out_of_the_pool(nights, monkeypatch):
    n = opened()
    interleave(monkeypatch, lambda: night.Night().exclude("e03"))
    n.check_in("e03", None)
    assert int(night.read_pool()["eligible"]) == 0 and item(n, "e03")["excluded_in"] == "party"
    assert item(n, "e03")["present_in"] == "party"
    replayed(nights)


@pytest.mark.parametrize("presence", [True, False])
def test_a_double_tap_checks_in_once(nights, monkeypatch, presence):
    n = opened(presence)
    interleave(monkeypatch, lambda: night.Night().check_in("e03", None))
    assert n.check_in("e03", None)["already"] is True
    assert int(night.read_pool()["present"]) == 1
    replayed(nights)  # one checkin record: a second would not replay


def test_two_exclusions_at_once_exclude_once(nights, monkeypatch):
    n = opened()
    interleave(monkeypatch, lambda: night.Night().exclude("e04"))
    assert n.exclude("e04")["already"] is True
    replayed(nights)


def test_a_check_in_that_moves_an_employee_being_excluded_keeps_the_exclusion(nights, monkeypatch):
    n = opened()
    n.check_in("e01", None)
    n.check_in("e02", None)
    interleave(monkeypatch, lambda: night.Night().exclude("e03"))
    n.check_in("e05", None)
    assert item(n, "e03")["excluded_in"] == "party"
    assert n.check_in("e03", None)["already"] is False and int(night.read_pool()["eligible"]) == 3  # e01, e02, e05
    replayed(nights)


def test_a_night_id_opens_one_night_and_opening_the_same_night_again_changes_nothing(nights):
    n = opened(night_id="party")
    n.check_in("e01", None)
    head = ledger.head(n.dynamodb, n.ledger)
    opened(night_id="party")  # the same file again: a no-op
    assert ledger.head(n.dynamodb, n.ledger) == head and n.check_in("e01", None)["already"] is True
    opened(night_id="other")
    with pytest.raises(InvalidInput, match="night id 'party' was used before"):
        opened(night_id="party")
    replayed(nights)


def test_a_night_with_an_unknown_excluded_id_opens_nothing(nights):
    head = ledger.head(night.Night().dynamodb, night.Night().ledger)
    definition, excluded = night.parse({"id": "x", "name": "X", "exclude": ["e01", "nobody"],
                                        "prizes": [{"id": "a", "name": "A", "count": 1}]})
    with pytest.raises(night.NotOnRoster, match="nobody is not on the live roster"):
        night.Night().open(definition, excluded)
    assert ledger.head(night.Night().dynamodb, night.Night().ledger) == head and not night.read_pool().get("night")
