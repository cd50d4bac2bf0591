"""`lottery verify`: check a Ledger bundle (`lottery export`) record by record and recompute every
draw whose roster it holds, as docs/VERIFY.md specifies; the first thing that does not match is
named. With an employee's bundle, show that employee in the pool of each draw instead."""

import re
from datetime import datetime

from .siblings import proofs
from .siblings import verifiable as v

# The fields of each kind of record, exactly (docs/VERIFY.md).
COMMON = {"seq", "prev", "hash", "kind", "at"}
FIELDS = {
    "import": COMMON | {"generation", "roster", "size", "eligible", "prior_winners"},
    "commit": COMMON | {"draw_id", "roster", "winners", "seed_hash", "public"},
    "draw": COMMON | {"draw_id", "commitment", "started_at", "roster", "eligible", "public_value", "seed", "winners"},
    "failed": COMMON | {"draw_id", "commitment", "public_value", "seed", "error"},
}
HEX = re.compile(r"[0-9a-f]{64}")
HEX_FIELDS = ("prev", "hash", "roster", "seed", "seed_hash")


class Mismatch(Exception):
    """The first thing in a bundle that does not match what its records commit to."""


def _short(h) -> str:
    return f"{h[:12]}…" if isinstance(h, str) else repr(h)


def _names(winners: list[dict]) -> str:
    return ", ".join(f"{w['employee_id']} {w['employee_name']}" for w in winners) or "nobody"


class Replay:
    """The Ledger replayed in order: the live roster's pool, who won, which draws are committed."""

    def __init__(self, bundle: dict, employee: str | None):
        self.rosters, self.proofs = bundle.get("rosters", {}), bundle.get("proofs", {})
        self.employee = employee
        self.live: dict | None = None
        self.commits: dict[int, dict] = {}
        self.outcome: dict[str, int] = {}  # draw_id -> the record of its outcome
        self.won: dict[str, str] = {}  # employee_id -> draw_id
        self.prior: set[str] = set()  # winners from before the Ledger began
        self.lines: list[str] = []
        self.counts = {"recomputed": 0, "not recomputed": 0, "failed": 0, "operator only": 0}

    def import_(self, r: dict) -> None:
        prior = set(r["prior_winners"])
        if r["prior_winners"] != sorted(prior):
            raise Mismatch("prior_winners are not sorted, or repeat an id")
        if again := sorted(prior & self.won.keys()):
            raise Mismatch(f"lists {again[0]} as a winner from before the Ledger, but draw {self.won[again[0]]} in it made them one")
        live = {"root": r["roster"], "eligible": r["eligible"], "order": None, "names": {}, "member": None}
        if (employees := self.rosters.get(r["roster"])) is not None:
            ordered, leaves = v.roster_leaves(employees)
            ids = [e["employee_id"] for e in ordered]
            if len(set(ids)) != len(ids):
                raise Mismatch(f"roster {_short(r['roster'])} in the bundle lists an employee_id twice")
            if (root := v.merkle_root(leaves)) != r["roster"]:
                raise Mismatch(f"the bundle's roster hashes to {_short(root)}, not to the {_short(r['roster'])} it committed to")
            if len(ids) != r["size"] or not prior <= set(ids):
                raise Mismatch(f"says {r['size']} employees, the roster has {len(ids)}")
            order, eligible = v.initial_order(ids, self.won.keys() | prior)
            if eligible != r["eligible"]:
                raise Mismatch(f"says {r['eligible']} can win, but {eligible} of the roster never won")
            live.update(order=[None, *order], names={e["employee_id"]: e["employee_name"] for e in ordered})
        self.prior |= prior
        held = "" if live["order"] else "; roster not in the bundle: its draws are checked, not recomputed"
        self.lines.append(f"record {r['seq']}: roster {_short(r['roster'])} imported, {r['size']} employees,"
                          f" {r['eligible']} can win{held}")
        if self.employee is not None:
            live["member"] = self._member(r)
        self.live = live

    def _member(self, r: dict) -> dict | None:
        proof = self.proofs.get(r["roster"])
        if proof is None:
            self.lines.append(f"  {self.employee} is not in this roster (the bundle holds no proof for it)")
            return None
        employee = proof["employee"]
        if employee["employee_id"] != self.employee or proof["size"] != r["size"] or not v.proves_inclusion(
                v.leaf(employee["employee_id"], employee["employee_name"]), proof["index"], proof["size"], proof["path"],
                r["roster"]):
            raise Mismatch(f"the inclusion proof of {self.employee} does not lead to roster {_short(r['roster'])}")
        self.lines.append(f"  {self.employee} ({employee['employee_name']}) is in this roster: leaf {proof['index'] + 1}"
                          f" of {proof['size']}, proven against its hash")
        return employee

    def commit(self, r: dict) -> None:
        if any(c["draw_id"] == r["draw_id"] for c in self.commits.values()):
            raise Mismatch(f"draw {r['draw_id']} was committed before")
        if self.live is None or r["roster"] != self.live["root"]:
            raise Mismatch(f"commits to roster {_short(r['roster'])}, which is not the live roster")
        if not (isinstance(r["winners"], int) and r["winners"] >= 1) or len(r["seed_hash"]) != 64:
            raise Mismatch("is not a commitment to a number of winners and a seed hash")
        self.commits[r["seq"]] = r

    def _commitment(self, r: dict) -> dict:
        c = self.commits.get(r["commitment"])
        if c is None or c["draw_id"] != r["draw_id"]:
            raise Mismatch(f"names commitment {r['commitment']}, which is no commitment of draw {r['draw_id']}")
        if r["draw_id"] in self.outcome:
            raise Mismatch(f"draw {r['draw_id']} already ended in record {self.outcome[r['draw_id']]}")
        if r.get("seed") is not None and v.seed_hash(r["seed"]) != c["seed_hash"]:
            raise Mismatch(f"the revealed seed hashes to {_short(v.seed_hash(r['seed']))}, but commitment {c['seq']}"
                           f" holds {_short(c['seed_hash'])}")
        if (c["public"] is None) != (r["public_value"] is None):
            raise Mismatch(f"public value {r['public_value']!r}, but commitment {c['seq']} named {c['public']!r}")
        return c

    def draw(self, r: dict) -> None:
        c, live = self._commitment(r), self.live
        if c["public"] is not None and datetime.fromisoformat(r["started_at"]) < datetime.fromisoformat(c["at"]):
            raise Mismatch(f"the public value was given at {r['started_at']}, before the commitment at {c['at']}")
        if r["roster"] != c["roster"] or live is None or live["root"] != c["roster"]:
            raise Mismatch(f"draws from roster {_short(r['roster'])}, not the committed, live one")
        if len(r["winners"]) != c["winners"]:
            raise Mismatch(f"{len(r['winners'])} winners, but commitment {c['seq']} was to {c['winners']}")
        if r["eligible"] != live["eligible"]:
            raise Mismatch(f"drew from {r['eligible']} who could win, but the records before leave {live['eligible']}")
        for w in r["winners"]:
            if w["employee_id"] in self.won:
                raise Mismatch(f"{w['employee_id']} won draw {self.won[w['employee_id']]} already")
            if w["employee_id"] in self.prior:
                raise Mismatch(f"{w['employee_id']} won before the Ledger began (an import's prior_winners)")
        employee = self.employee or ""
        member = live["member"] is not None and employee not in self.won and employee not in self.prior
        if live["order"] is not None:
            seed = v.draw_seed(r["seed"], v.draw_inputs(r["draw_id"], c["seq"], c["roster"], c["winners"], r["public_value"]))
            taken = v.shuffle(live["order"], live["eligible"], v.picks(seed, live["eligible"], c["winners"]))
            expected = [{"employee_id": e, "employee_name": live["names"][e]} for e in taken]
            if expected != r["winners"]:
                raise Mismatch(f"the winners recomputed from the revealed seed are {_names(expected)},"
                               f" but the record holds {_names(r['winners'])}")
            self.counts["recomputed"] += 1
        else:
            self.counts["not recomputed"] += 1
        live["eligible"] -= len(r["winners"])
        self.won.update({w["employee_id"]: r["draw_id"] for w in r["winners"]})
        self.outcome[r["draw_id"]] = r["seq"]
        if c["public"] is None:
            self.counts["operator only"] += 1
            source = "operator randomness only"
        else:
            source = f"public value {r['public_value']!r} ({c['public']}), committed in record {c['seq']}"
        self.lines.append(f"record {r['seq']}: draw {r['draw_id']}: {_names(r['winners'])}, from {r['eligible']}; {source}")
        if member:
            outcome = "won it" if self.won.get(employee) == r["draw_id"] else "did not win"
            self.lines.append(f"  {employee} was in its pool of {r['eligible']} and {outcome}")

    def failed(self, r: dict) -> None:
        self._commitment(r)
        self.outcome[r["draw_id"]] = r["seq"]
        self.counts["failed"] += 1
        self.lines.append(f"record {r['seq']}: draw {r['draw_id']} failed ({r['error']}); its seed revealed and matching")


KINDS = {"import": Replay.import_, "commit": Replay.commit, "draw": Replay.draw, "failed": Replay.failed}


def verify(bundle: dict, employee: str | None = None) -> list[str]:
    """The report of a bundle that checks out, line by line; Mismatch naming the first thing that does not."""
    if not isinstance(bundle, dict) or bundle.get("format") != proofs.FORMAT or bundle.get("version") != 1:
        raise Mismatch(f"not a Ledger bundle of version 1 (format {proofs.FORMAT!r}, from `lottery export`)")
    if employee is not None and bundle.get("rosters") is None and bundle.get("employee") != employee:
        raise Mismatch(f"this bundle holds the proofs of {bundle.get('employee')!r}, not of {employee!r}")
    replay = Replay(bundle, employee)
    seq, prev = 0, v.GENESIS
    for r in bundle["records"]:
        where = f"record {r.get('seq')} ({r.get('kind')}{' of ' + str(r['draw_id']) if 'draw_id' in r else ''})"
        if r.get("seq") != seq + 1:
            raise Mismatch(f"record {seq + 1} is missing: after record {seq} comes {where}")
        if r.get("prev") != prev:
            raise Mismatch(f"{where}: holds prev {_short(r.get('prev'))}, but record {seq} hashes to {_short(prev)}")
        try:
            digest = v.record_hash(r)
        except ValueError as error:
            raise Mismatch(f"{where}: {error}") from None
        if digest != r.get("hash"):
            raise Mismatch(f"{where}: its fields hash to {_short(digest)}, not to the {_short(r.get('hash'))} it holds:"
                           " it was changed after it was written")
        if r.get("kind") not in KINDS:
            raise Mismatch(f"{where}: no record is of kind {r.get('kind')!r}")
        if r.keys() != FIELDS[r["kind"]]:
            raise Mismatch(f"{where}: lacks {sorted(FIELDS[r['kind']] - r.keys())} or has fields no {r['kind']} record has:"
                           f" {sorted(r.keys() - FIELDS[r['kind']])}")
        if bad := [f for f in HEX_FIELDS if f in r and not HEX.fullmatch(str(r[f]))]:
            raise Mismatch(f"{where}: {bad[0]} is not 64 lowercase hex digits")
        try:
            KINDS[r["kind"]](replay, r)
        except Mismatch as error:
            raise Mismatch(f"{where}: {error}") from None
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise Mismatch(f"{where}: a field is missing or malformed ({type(error).__name__}: {error})") from None
        seq, prev = r["seq"], r["hash"]
    head = bundle.get("head") or {}
    ends = (head.get("seq"), head.get("hash")) == (seq, prev)
    if bundle.get("complete") and not ends or not bundle.get("complete") and not (
            isinstance(head.get("seq"), int) and (head["seq"] > seq or ends)):
        raise Mismatch(f"the Ledger's head is record {head.get('seq')} ({_short(head.get('hash'))}), but the bundle"
                       f" ends at record {seq}{': records were left out' if bundle.get('complete') else ''}")
    for c in replay.commits.values():
        if c["draw_id"] not in replay.outcome:
            replay.lines.append(f"open: draw {c['draw_id']}, committed in record {c['seq']}, has not been drawn")
    n = replay.counts
    replay.lines.append(f"Verified {seq} records. Draws recomputed: {n['recomputed']}; checked without their roster:"
                        f" {n['not recomputed']}; failed: {n['failed']}; on operator randomness only: {n['operator only']}.")
    return replay.lines
