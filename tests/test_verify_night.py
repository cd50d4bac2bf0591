"""Verifiable draw nights: a Ledger with a night replays in `lottery verify` and in the JavaScript
verifier, and every change to its records is named (a module of its own: one offline stack a
process at a time)."""

import json
import shutil
import subprocess

import pytest
from test_verify import forged, other, tampered

from cli.verify import Mismatch, verify
from conftest import ROOT
from twin.stack import OfflineStack


@pytest.fixture(scope="module")
def night_ledger(tmp_path_factory):
    """A Ledger with a draw night: presence required, one excluded, five check-ins (one of them a
    past winner), a prize drawn, an absent winner's redraw, then a roster import that ends it."""
    from cli.api_client import call
    from cli.serve import ApiRouter

    with OfflineStack("dev", tmp_path_factory.mktemp("state")) as stack:
        router = ApiRouter(stack.outputs["api_id"], stack.region)
        before = stack.draw({"input": 1})["winners"][0]["employee_id"]
        call(router, "POST", "/night", {"id": "party", "name": "年会", "exclude": ["003"], "prizes": [
            {"id": "third", "name": "三等奖", "count": 2}, {"id": "first", "name": "一等奖", "count": 1}]})
        code = call(router, "GET", "/night/code")["checkin_code"]
        for employee in sorted({"001", "002", "003", "004", "005", before}):
            call(router, "POST", "/night/checkin", {"employee_id": employee, "code": code})
        third = stack.draw({"input": 2, "prize": "third"})
        stack.draw({"input": 1, "redraw": {"draw_id": third["execution"].rsplit(":", 1)[-1],
                                           "employee_id": third["winners"][0]["employee_id"]}})
        for employee in sorted({"006", "007", "008"} - {before}):  # latecomers, so that someone can still win
            call(router, "POST", "/night/checkin", {"employee_id": employee, "code": code})
        committed = stack.commit(1, "the number the room calls")  # drawn with nothing changed in between
        assert stack.wait(stack.start({"public_value": "8"}, name=committed["draw_id"]))["status"] == "SUCCEEDED"
        stack.import_roster("employee_id,employee_name\n" + "\n".join(f"{i:03d},Name {i}" for i in range(1, 11)))
        yield stack, stack.export(), before


def test_a_draw_night_replays_and_every_change_to_it_is_named(night_ledger):
    _, bundle, before = night_ledger
    kinds = [r["kind"] for r in bundle["records"]]
    checkins = 6 if before not in {"001", "002", "003", "004", "005"} else 5
    assert kinds == ["import", "commit", "draw", "night", "exclude", *["checkin"] * checkins,
                     "commit", "draw", "commit", "draw", *["checkin"] * (3 - (before in {"006", "007", "008"})),
                     "commit", "draw", "import"]
    report = "\n".join(verify(bundle))
    assert "draw night party (年会) opened: third x 2, first x 1; only who checks in can win" in report
    assert "; third, in place of " in report and "Draws recomputed: 4" in report
    # Who can win after the first check-ins: the four present who never won and are not excluded.
    assert [r["eligible"] for r in bundle["records"] if r["kind"] == "checkin"][checkins - 1] == 4 - (
        before in {"001", "002", "004", "005"})
    for record in bundle["records"]:
        for field, value in record.items():
            if field not in ("seq", "prev", "hash"):
                with pytest.raises(Mismatch, match=rf"^record {record['seq']} \(.*it was changed after it was written"):
                    verify(tampered(bundle, record["seq"], field, other(value)))


def at(records, kind: str, n: int = 0) -> dict:
    return [r for r in records if r["kind"] == kind][n]


def entering(records) -> dict:
    """The first check-in that let someone into the pool (E grew)."""
    moves = [r for r in records if r["kind"] in ("night", "checkin", "exclude")]
    return next(b for a, b in zip(moves, moves[1:], strict=False) if b["kind"] == "checkin" and b["eligible"] > a["eligible"])


def commits_public(records) -> dict:
    return next(r for r in records if r["kind"] == "commit" and r["public"] is not None)


def commits(records) -> list[dict]:
    return [r for r in records if r["kind"] == "commit" and "night" in r]


@pytest.mark.parametrize("change, message", [
    # A check-in dropped: the pool the records leave is not the one the draws drew from.
    (lambda r: r.remove(entering(r)), r"\(checkin\): leaves \d+ who can win, but the records before and the roster"),
    (lambda r: at(r, "checkin", 1).update(employee_id=at(r, "checkin", 0)["employee_id"]), r"checked in already"),
    (lambda r: at(r, "checkin", 0).update(employee_id="999"), r"999 is not in the live roster"),
    (lambda r: at(r, "exclude").update(night="other"), r"\(exclude\): is for draw night 'other', which is not the open one"),
    (lambda r: at(r, "night").update(eligible=7), r"\(night\): leaves 7 who can win"),
    (lambda r: at(r, "night").update(prizes=[{"id": "third", "name": "a", "count": 1}] * 2), r"names a prize twice"),
    (lambda r: at(r, "night").update(prizes=[{"id": "third", "name": "a", "count": 1}]), r"draws 2 of prize third, which has 1"),
    (lambda r: commits(r)[0].update(prize="gold"), r"draw night party has no prize 'gold'"),
    (lambda r: commits(r)[1]["forfeit"].update(employee_id="010"), r"redraws for 010, who did not win third"),
    (lambda r: commits(r)[1].update(winners=2), r"or it draws more than one"),
    (lambda r: commits(r)[1].update(presence=True), r"lacks \[\] or has fields no commit record has: \['presence'\]"),
    (lambda r: at(r, "night").update(presence=1), r"presence is of the wrong type \(1\)"),
    # Someone excluded between a commitment to a public value and its draw (a winner: nobody moves).
    (lambda r: r.insert(r.index(commits_public(r)) + 1, {"kind": "exclude", "at": commits_public(r)["at"], "night": "party",
                                                          "employee_id": at(r, "draw", 1)["winners"][0]["employee_id"],
                                                          "eligible": at(r, "draw", 3)["eligible"]}),
     r"changed the pool after commitment \d+ to a public value"),
], ids=["check-in dropped", "checked in twice", "not on the roster", "another night", "pool not emptied",
        "a prize twice", "fewer prizes", "unknown prize", "forfeit by a non-winner", "redraw of two", "a field more",
        "1 for true", "pool changed after a public commitment"])
def test_a_rewritten_draw_night_is_caught_by_what_it_says(night_ledger, change, message):
    _, bundle, _ = night_ledger
    with pytest.raises(Mismatch, match=message):
        verify(forged(bundle, change))


def test_a_draw_night_checks_out_without_its_rosters_for_one_employee(night_ledger):
    stack, _, _ = night_ledger
    report = verify(stack.export(employee="004"), "004")
    assert report[-1].startswith("Verified ") and "Draws recomputed: 0; checked without their roster: 4;" in report[-1]


@pytest.mark.slow  # node
@pytest.mark.skipif(not shutil.which("node"), reason="Node.js is not installed (.ci/run installs it)")
def test_the_independent_verifier_agrees_on_a_draw_night(night_ledger, tmp_path):
    _, bundle, _ = night_ledger

    def node(path):
        return subprocess.run(["node", str(ROOT / "examples" / "verify-js" / "verify.mjs"), str(path)],
                              capture_output=True, text=True, timeout=60)

    (tmp_path / "night.json").write_text(json.dumps(bundle))
    done = node(tmp_path / "night.json")
    assert done.returncode == 0, done.stdout + done.stderr
    dropped = entering(bundle["records"])["seq"]
    (tmp_path / "forged.json").write_text(json.dumps(forged(bundle, lambda r: r.remove(entering(r)))))
    done = node(tmp_path / "forged.json")
    assert done.returncode == 1 and f"Mismatch: record {dropped}" in done.stdout + done.stderr
