"""Verifiable draws: the known-answer vectors of docs/VERIFY.md, `lottery verify` passing on real
draws, and failing, by name, on every kind of tampering."""

import copy
import hashlib
import json
import re
import shutil
import subprocess

import pytest

from cli.verify import Mismatch, verify
from conftest import ROOT
from handlers import verifiable as v
from twin.stack import OfflineStack

KAT = json.loads(re.search(r"## Known-answer vectors.*?```json\n(.*?)\n```", (ROOT / "docs" / "VERIFY.md").read_text(),
                           re.S).group(1))


def test_the_known_answer_vectors_of_the_specification():
    assert v.seed_hash(KAT["server_seed"]) == KAT["seed_hash"]
    assert v.canonical(KAT["draw_inputs"]).decode() == KAT["draw_inputs_canonical"]
    seed = v.draw_seed(KAT["server_seed"], KAT["draw_inputs"])
    assert seed.hex() == KAT["draw_seed"]
    words = v.words(seed)
    assert [str(next(words)) for _ in KAT["first_words"]] == KAT["first_words"]
    words = v.words(seed)
    assert [v.uniform(words, n) for n in KAT["uniform"]["n"]] == KAT["uniform"]["values"]
    ordered, leaves = v.roster_leaves(KAT["roster"])
    assert (leaves[0].hex(), leaves[9].hex(), v.merkle_root(leaves)) == (KAT["leaf_001"], KAT["leaf_010"], KAT["roster_root"])
    assert {n: v.merkle_root(leaves[:int(n)]) for n in KAT["merkle_roots"]} == KAT["merkle_roots"]
    proof = KAT["inclusion_proof"]
    assert v.inclusion_proof(leaves, proof["index"]) == proof["path"]
    assert v.proves_inclusion(leaves[proof["index"]], proof["index"], proof["size"], proof["path"], KAT["roster_root"])
    order, eligible = v.initial_order([e["employee_id"] for e in KAT["roster"]], set(KAT["excluded"]))
    assert (order, eligible) == (KAT["initial_order"], KAT["eligible"])
    assert v.ids_hash(KAT["excluded"]) == KAT["excluded_hash"]
    taken = v.picks(seed, eligible, KAT["winners_count"])
    pool = [None, *order]
    assert (taken, v.shuffle(pool, eligible, taken), pool[1:]) == (KAT["picks"], KAT["winners"], KAT["order_after"])
    assert v.canonical(KAT["record"]).decode() == KAT["record_canonical"]
    assert v.record_hash(KAT["record"]) == KAT["record_hash"]
    assert KAT["draw_inputs"]["roster"] == KAT["record"]["roster"] == KAT["roster_root"]


def rfc9162_root(leaves: list[bytes]) -> bytes:
    """MTH as RFC 9162 2.1.1 defines it, recursively: what the iterative merkle_root must equal."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + rfc9162_root(leaves[:k]) + rfc9162_root(leaves[k:])).digest()


def test_the_merkle_tree_is_rfc_9162s_and_every_leaf_has_a_proof_that_fails_for_any_other():
    for size in range(1, 34):
        leaves = [v.leaf(f"e{i:02d}", f"Name {i}") for i in range(size)]
        root = v.merkle_root(leaves)
        assert root == rfc9162_root(leaves).hex(), size
        for index in range(size):
            path = v.inclusion_proof(leaves, index)
            assert v.proves_inclusion(leaves[index], index, size, path, root)
            assert not v.proves_inclusion(v.leaf("intruder", "X"), index, size, path, root)
            if size > 1:
                assert not v.proves_inclusion(leaves[index], (index + 1) % size, size, path, root)
    assert v.merkle_root([]) == hashlib.sha256(b"").hexdigest()


def test_the_canonical_form_has_one_spelling_for_every_value_the_ledger_holds():
    assert v.canonical({"b": [1, None, "é\n"], "a": -2}) == '{"a":-2,"b":[1,null,"é\\n"]}'.encode()
    for value in (1.5, 2**53, {"clé": 1}, {1: 2}, b"bytes"):
        with pytest.raises(ValueError):
            v.canonical(value)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    """A stack whose Ledger holds every kind of record: draws with and without a public value, a
    failed draw, an open commitment, and a roster re-imported between draws. Its bundle and the
    stack, for the tests to tamper with copies."""
    with OfflineStack("dev", tmp_path_factory.mktemp("state")) as stack:
        assert stack.draw({"input": 2})["status"] == "SUCCEEDED"
        committed = stack.commit(3, "the number the audience calls")
        assert stack.wait(stack.start({"public_value": "4711"}, name=committed["draw_id"]))["status"] == "SUCCEEDED"
        stack.import_roster("employee_id,employee_name\n" + "\n".join(f"{i:03d},Name {i}" for i in range(1, 16)))
        stack.commit(1, "tomorrow's closing index")  # left open
        assert stack.draw({"input": 4})["status"] == "SUCCEEDED"
        stack.table("draws_table").update_item(  # a roster gone wrong by hand: the next draw fails, recorded
            Key={"draw_id": "#pool"}, UpdateExpression="SET eligible = :e", ExpressionAttributeValues={":e": 99})
        failed = stack.draw({"input": 1})
        assert failed["error"] == "RosterIncomplete"
        stack.table("draws_table").update_item(
            Key={"draw_id": "#pool"}, UpdateExpression="SET eligible = :e", ExpressionAttributeValues={":e": 6})
        yield stack, stack.export()


def test_verify_recomputes_every_draw_across_a_reimport_and_reports_what_it_cannot_conclude(ledger):
    _, bundle = ledger
    kinds = [r["kind"] for r in bundle["records"]]
    assert kinds == ["import", "commit", "draw", "commit", "draw", "import", "commit", "commit", "draw", "commit", "failed"]
    report = verify(bundle)
    assert report[-1] == ("Verified 11 records. Draws recomputed: 3; checked without their roster: 0; failed: 1;"
                          " on operator randomness only: 2.")
    draws = [line for line in report if ": draw " in line and "failed" not in line]
    assert "operator randomness only" in draws[0] and "public value '4711' (the number the audience calls)" in draws[1]
    assert any(line.startswith("open: draw ") and "committed in record 7" in line for line in report)
    # A failed draw shows what it would have drawn: a failure after the result was known is a veto, seen.
    assert any("failed (RosterIncomplete); its seed revealed and matching; it would have drawn " in line for line in report)
    assert report[-2].startswith(f"The bundle ends at record 11, hash {bundle['head']['hash']}; the Ledger's head was record 11")
    # The second roster excluded the first one's winners who are in it (all of them: same ids).
    assert bundle["records"][5]["eligible"] == 15 - 5


def tampered(bundle: dict, seq: int, field: str, value) -> dict:
    changed = copy.deepcopy(bundle)
    changed["records"][seq - 1][field] = value
    return changed


def other(value):
    """A different value of the same kind."""
    if isinstance(value, bool) or value is None:
        return "x"
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value[:-1] + ("0" if value[-1:] != "0" else "1")
    if isinstance(value, list):
        return value[1:] if value else ["x"]
    return {**value, "x": 1}


def test_changing_any_field_of_any_record_is_named(ledger):
    _, bundle = ledger
    for record in bundle["records"]:
        for field, value in record.items():
            if field in ("seq", "prev", "hash"):
                continue  # the chain's own fields: below
            with pytest.raises(Mismatch, match=rf"^record {record['seq']} \(.*it was changed after it was written"):
                verify(tampered(bundle, record["seq"], field, other(value)))


def test_a_broken_chain_is_named(ledger):
    _, bundle = ledger
    with pytest.raises(Mismatch, match=r"^record 4 \(commit of .*\): holds prev 0000"):
        verify(tampered(bundle, 4, "prev", "0" * 64))
    with pytest.raises(Mismatch, match=r"^record 3 \(draw of .*\): its fields hash to"):
        verify(tampered(bundle, 3, "hash", "f" * 64))
    hidden = copy.deepcopy(bundle)
    del hidden["records"][4]  # a draw
    with pytest.raises(Mismatch, match=r"^record 5 is missing: after record 4 comes record 6 \(import\)"):
        verify(hidden)
    with pytest.raises(Mismatch, match=r"^the Ledger's head is record 11 .* but the bundle ends at record 10"):
        verify({**bundle, "records": bundle["records"][:-1]})
    with pytest.raises(Mismatch, match="not a Ledger bundle"):
        verify({"records": []})


def forged(bundle: dict, change) -> dict:
    """`change` applied to a copy, then every hash, link and the head recomputed: a forger who
    rewrote the whole Ledger. Only what the records say can give it away."""
    changed = copy.deepcopy(bundle)
    change(changed["records"])
    prev = v.GENESIS
    for seq, record in enumerate(changed["records"], start=1):
        record.update(seq=seq, prev=prev)
        record["hash"] = prev = v.record_hash(record)
    changed["head"] = {"seq": len(changed["records"]), "hash": prev}
    return changed


def winners_of(records, seq):
    return records[seq - 1]["winners"]


def another_public_value(records) -> None:
    """Record 5's public value changed to one whose picks differ (so its winners must: same pool)."""
    draw, commitment = records[4], records[3]

    def taken(value):
        inputs = v.draw_inputs(draw["draw_id"], commitment["seq"], commitment["roster"], commitment["winners"], value)
        return v.picks(v.draw_seed(draw["seed"], inputs), draw["eligible"], commitment["winners"])

    draw["public_value"] = next(value for value in map(str, range(4712, 5000)) if taken(value) != taken("4711"))


@pytest.mark.parametrize("change, message", [
    # Another employee instead of the one the seed chose.
    (lambda r: winners_of(r, 3)[0].update(employee_id=next(f"{i:03d}" for i in range(1, 11) if f"{i:03d}" not in {
        w["employee_id"] for w in winners_of(r, 3)}), employee_name="Sam"),
     r"^record 3 \(draw .*\): the winners recomputed from the revealed seed are .* but the record holds"),
    # Two winners in the other order.
    (lambda r: winners_of(r, 5).reverse(), r"^record 5 \(draw .*\): the winners recomputed"),
    # A different seed revealed than the one committed to.
    (lambda r: r[2].update(seed="ab" * 32), r"^record 3 \(draw .*\): the revealed seed hashes to .*, but commitment 2 holds"),
    (lambda r: r[10].update(seed="ab" * 32), r"^record 11 \(failed .*\): the revealed seed hashes to"),
    # A public value swapped after the fact.
    (another_public_value, r"^record 5 \(draw .*\): the winners recomputed"),
    (lambda r: r[4].update(public_value=None), r"^record 5 \(draw .*\): public value None, but commitment 4 named"),
    # A commitment made after its public value was known.
    (lambda r: r[3].update(at="2099-01-01T00:00:00.000+00:00"), r"^record 5 \(draw .*\): the public value was given at"),
    # A draw run and then deleted with its commitment: the next draw's pool is not what the records leave.
    (lambda r: (r.pop(2), r.pop(1), r[2].update(commitment=2)),
     r"^record 3 \(draw .*\): drew from 8 who could win, but the records before leave 10"),
    # The second import hides that a winner was excluded.
    (lambda r: r[5].update(eligible=15), r"^record 6 \(import\): says 15 can win, but 10 of the roster never won"),
    # Someone excluded by hand, as a "winner from before the Ledger".
    (lambda r: r[5].update(prior_winners=1, prior_winners_hash=v.ids_hash(["012"]), eligible=9),
     r"^record 6 \(import\): its winners from before the Ledger differ from the first import's"),
    # A commitment to another roster than the live one.
    (lambda r: r[6].update(roster="00" * 32), r"^record 7 \(commit .*\): commits to roster 000000000000…"),
    # A winner drawn twice.
    (lambda r: winners_of(r, 9).__setitem__(0, winners_of(r, 3)[0]), r"^record 9 \(draw .*\): .* won draw .* already"),
    # A draw recorded under another draw's commitment.
    (lambda r: r[8].update(commitment=2), r"^record 9 \(draw .*\): names commitment 2, which is no commitment of draw"),
    # One meaning, one spelling: what would change a record's hash without changing what it says.
    (lambda r: r[2].update(seed=r[2]["seed"].upper()), r"^record 3 \(draw .*\): seed is not 64 lowercase hex digits"),
    (lambda r: r[2].pop("at"), r"^record 3 \(draw .*\): lacks \['at'\] or has fields no draw record has: \[\]"),
    (lambda r: r[1].update(note="x"), r"^record 2 \(commit .*\): lacks \[\] or has fields no commit record has: \['note'\]"),
    (lambda r: r[2].update(eligible=True), r"^record 3 \(draw .*\): eligible is of the wrong type \(True\)"),
    (lambda r: r[1].update(public=17), r"^record 2 \(commit .*\): public is of the wrong type \(17\)"),
], ids=["swapped winner", "reordered winners", "other seed", "other seed of a failed draw", "other public value",
        "public value dropped", "committed late", "draw deleted", "exclusion hidden", "excluded by hand", "other roster",
        "won twice",
        "borrowed commitment", "upper-case hex", "no time", "a field more", "true for a number",
        "a number for text"])
def test_a_rewritten_ledger_is_caught_by_what_it_says(ledger, change, message):
    _, bundle = ledger
    with pytest.raises(Mismatch, match=message):
        verify(forged(bundle, change))


def test_a_bundle_up_to_one_draw_ends_before_the_head_and_an_empty_ledger_verifies(ledger):
    stack, bundle = ledger
    draw_id = bundle["records"][2]["draw_id"]
    partial = stack.export(draw_id=draw_id)
    assert (len(partial["records"]), partial["head"], partial["complete"]) == (3, bundle["head"], False)
    assert verify(partial)[-1].startswith("Verified 3 records. Draws recomputed: 1;")
    assert partial["draw_id"] == draw_id
    with pytest.raises(Mismatch, match="must end with the last record of the draw it names"):
        verify({**partial, "head": {"seq": 2, "hash": partial["records"][1]["hash"]}})
    # Cutting the last draws off a complete bundle and calling it partial does not pass.
    with pytest.raises(Mismatch, match=r"must end with the last record of the draw it names \(None\)"):
        verify({**bundle, "complete": False, "records": bundle["records"][:3]})
    with pytest.raises(Mismatch, match="must end with the last record of the draw it names"):
        verify({**partial, "records": partial["records"][:1]})
    empty = {**bundle, "records": [], "rosters": {}, "head": {"seq": 0, "hash": v.GENESIS}}
    assert verify(empty)[-1:] == ["Verified 0 records. Draws recomputed: 0; checked without their roster: 0; failed: 0;"
                             " on operator randomness only: 0."]


def test_the_winners_from_before_the_ledger_are_the_list_its_first_import_hashed(ledger):
    _, bundle = ledger
    assert bundle["prior_winners"] == [] and bundle["records"][0]["prior_winners"] == 0
    with pytest.raises(Mismatch, match=r"^record 1 \(import\): holds 0 winners from before the Ledger, .* the bundle's list is 1"):
        verify({**bundle, "prior_winners": ["007"]})  # someone excluded, said to have won before
    with pytest.raises(Mismatch, match=r"^record 1 \(import\): the bundle's prior_winners are not a sorted list"):
        verify({**bundle, "prior_winners": ["b", "a"]})


def test_a_changed_roster_is_caught_by_its_hash(ledger):
    _, bundle = ledger
    changed = copy.deepcopy(bundle)
    root = bundle["records"][0]["roster"]
    changed["rosters"][root][0]["employee_name"] = "Someone Else"
    with pytest.raises(Mismatch, match=r"^record 1 \(import\): the bundle's roster hashes to .*, not to the"):
        verify(changed)


def test_an_employee_sees_themselves_in_each_pool_without_the_roster(ledger):
    stack, _ = ledger
    mine = stack.export(employee="007")
    assert "rosters" not in mine and set(mine["proofs"]) == {r["roster"] for r in mine["records"] if r["kind"] == "import"}
    report = verify(mine, "007")
    assert sum("007 (" in line and "is in this roster" in line for line in report) == 2
    # In the pool of every draw until the one they won, if any.
    draws = [[w["employee_id"] for w in r["winners"]] for r in mine["records"] if r["kind"] == "draw"]
    pools = next((n + 1 for n, winners in enumerate(draws) if "007" in winners), len(draws))
    assert [line for line in report if "007 was in its pool" in line] == [
        f"  007 was in its pool (one of {r['eligible']}, as the records count) and"
        f" {'won it' if '007' in [w['employee_id'] for w in r['winners']] else 'did not win'}"
        for r in [r for r in mine["records"] if r["kind"] == "draw"][:pools]]
    assert report[-1].startswith("Verified 11 records. Draws recomputed: 0; checked without their roster: 3;")
    stranger = verify(stack.export(employee="999"), "999")
    assert sum("999 is not in this roster" in line for line in stranger) == 2
    with pytest.raises(Mismatch, match="holds the proofs of '007', not of '008'"):
        verify(mine, "008")
    # From a whole bundle, an employee is looked up in the rosters themselves.
    assert [line for line in verify(stack.export(), "007") if "007 was in its pool" in line] == [
        line for line in report if "007 was in its pool" in line]
    bad = copy.deepcopy(mine)
    first = next(iter(bad["proofs"].values()))
    first["path"][0] = "00" * 32
    with pytest.raises(Mismatch, match=r"^record 1 \(import\): the inclusion proof of 007 does not lead to roster"):
        verify(bad, "007")


@pytest.mark.slow  # node, three times
@pytest.mark.skipif(not shutil.which("node"), reason="Node.js is not installed (.ci/run installs it)")
def test_an_independent_verifier_written_from_the_specification_agrees(ledger, tmp_path):
    """examples/verify-js was written from docs/VERIFY.md alone, in another language."""
    def node(*args):
        return subprocess.run(["node", str(ROOT / "examples" / "verify-js" / "verify.mjs"), *args],
                              capture_output=True, text=True, timeout=60)

    assert node("--kat", str(ROOT / "docs" / "VERIFY.md")).returncode == 0
    _, bundle = ledger
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    done = node(str(tmp_path / "bundle.json"))
    assert done.returncode == 0, done.stdout + done.stderr
    (tmp_path / "forged.json").write_text(json.dumps(forged(bundle, lambda r: winners_of(r, 5).reverse())))
    done = node(str(tmp_path / "forged.json"))
    assert done.returncode == 1 and "Mismatch: record 5" in done.stdout + done.stderr

