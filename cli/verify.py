"""`lottery verify`: check a Ledger bundle (`lottery export`) record by record and recompute every
draw whose roster it holds, as docs/VERIFY.md specifies; the first thing that does not match is
named. With an employee's bundle, show that employee in the pool of each draw instead."""

import re
from datetime import datetime

from .siblings import proofs
from .siblings import verifiable as v

# The fields of each kind of record, exactly (docs/VERIFY.md).
COMMON = {"seq", "prev", "hash", "kind", "at"}
COMMIT = COMMON | {"draw_id", "roster", "winners", "seed_hash", "public"}
# Each kind's field sets, exactly: a commitment for a draw night's prize adds night and prize, a redraw forfeit too.
FIELDS = {
    "import": (COMMON | {"generation", "roster", "size", "eligible", "prior_winners", "prior_winners_hash"},),
    "commit": (COMMIT, COMMIT | {"night", "prize"}, COMMIT | {"night", "prize", "forfeit"}),
    "draw": (COMMON | {"draw_id", "commitment", "started_at", "roster", "eligible", "public_value", "seed", "winners"},),
    "failed": (COMMON | {"draw_id", "commitment", "public_value", "seed", "error"},),
    "night": (COMMON | {"night", "name", "presence", "prizes", "eligible"},),
    "checkin": (COMMON | {"night", "employee_id", "eligible"},),
    "exclude": (COMMON | {"night", "employee_id", "eligible"},),
}
HEX = re.compile(r"[0-9a-f]{64}")
HEX_FIELDS = ("prev", "hash", "roster", "seed", "seed_hash", "prior_winners_hash")
# Each field's JSON type: a whole number (never true or false), text, text or null, a list.
COUNTS = ("seq", "size", "eligible", "winners", "commitment", "prior_winners")
TEXTS = ("kind", "at", "generation", "draw_id", "started_at", "error", "night", "name", "employee_id", "prize")
TEXTS_OR_NULL = ("public", "public_value")


def _typed(r: dict) -> str | None:
    """The first field of record `r` whose JSON type is wrong, if any."""
    for name, value in r.items():
        if name in COUNTS and not (type(value) is int and value >= 0) and not (name == "winners" and isinstance(value, list)):
            return name
        if name in TEXTS and type(value) is not str or name in TEXTS_OR_NULL and value is not None and type(value) is not str:
            return name
        if name == "presence" and type(value) is not bool:
            return name
        if name == "prizes" and not (isinstance(value, list) and value and all(
                isinstance(p, dict) and p.keys() == {"id", "name", "count"} and type(p["id"]) is str
                and type(p["name"]) is str and type(p["count"]) is int and p["count"] >= 1 for p in value)):
            return name
        if name == "forfeit" and not (isinstance(value, dict) and value.keys() == {"draw_id", "employee_id"}
                                      and all(type(v) is str for v in value.values())):
            return name
    return None


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
        self.listed = bundle.get("prior_winners")  # the list whose hash the imports hold
        self.employee = employee
        self.live: dict | None = None
        self.commits: dict[int, dict] = {}
        self.outcome: dict[str, int] = {}  # draw_id -> the record of its outcome
        self.won: dict[str, str] = {}  # employee_id -> draw_id
        self.prior: set[str] | None = None  # winners from before the Ledger began: the first import fixes them
        self.prior_hash: str | None = None
        self.night: dict | None = None  # the open draw night: its prizes' draws left, who checked in, who is excluded
        # Who of those who never won is in the pool since the import: everyone but `out`, or after a
        # night that requires presence, only `inside` (who checked in since).
        self.inside: set[str] | None = None
        self.out: set[str] = set()
        self.pool_changed = 0  # the last night, checkin or exclude record
        self.nights: dict[str, int] = {}  # night id -> its record: an id opens one night only
        self.prize_of: dict[str, tuple[str, str]] = {}  # employee_id -> the night and prize they won
        self.forfeited: dict[str, str] = {}  # employee_id -> the redraw that replaced them
        self.lines: list[str] = []
        self.counts = {"recomputed": 0, "not recomputed": 0, "failed": 0, "operator only": 0}

    def import_(self, r: dict) -> None:
        if self.prior_hash is None:  # the first import fixes who won before the Ledger began
            listed = self.listed
            if not (isinstance(listed, list) and all(type(e) is str for e in listed) and listed == sorted(set(listed))):
                raise Mismatch("the bundle's prior_winners are not a sorted list of distinct ids")
            if (len(listed), v.ids_hash(listed)) != (r["prior_winners"], r["prior_winners_hash"]):
                raise Mismatch(f"holds {r['prior_winners']} winners from before the Ledger, hash"
                               f" {_short(r['prior_winners_hash'])}; the bundle's list is {len(listed)}, hash"
                               f" {_short(v.ids_hash(listed))}")
            self.prior, self.prior_hash = set(listed), r["prior_winners_hash"]
        elif (r["prior_winners"], r["prior_winners_hash"]) != (len(self.prior or ()), self.prior_hash):
            # Fixed when the Ledger begins: a later list that differs would exclude someone by hand.
            raise Mismatch("its winners from before the Ledger differ from the first import's: they are fixed when it"
                           " begins")
        prior: set[str] = self.prior or set()
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
            if len(ids) != r["size"]:
                raise Mismatch(f"says {r['size']} employees, the roster has {len(ids)}")
            order, eligible = v.initial_order(ids, self.won.keys() | prior)
            if eligible != r["eligible"]:
                raise Mismatch(f"says {r['eligible']} can win, but {eligible} of the roster never won")
            live.update(order=[None, *order], names={e["employee_id"]: e["employee_name"] for e in ordered})
        excluded = len(prior & set(live["names"])) if live["order"] else None
        held = "" if live["order"] else "; roster not in the bundle: its draws are checked, not recomputed"
        before = f" ({excluded} of them winners from before the Ledger)" if excluded else ""
        self.lines.append(f"record {r['seq']}: roster {_short(r['roster'])} imported, {r['size']} employees,"
                          f" {r['eligible']} can win{before}{held}")
        if self.employee is not None:
            live["member"] = self._member(r, live)
        self.live = live
        self.night, self.inside, self.out = None, None, set()  # an import ends the draw night

    def _member(self, r: dict, live: dict) -> dict | None:
        if live["order"] is not None:  # the roster itself is in the bundle
            if self.employee not in live["names"]:
                self.lines.append(f"  {self.employee} is not in this roster")
                return None
            employee = {"employee_id": self.employee, "employee_name": live["names"][self.employee]}
            self.lines.append(f"  {self.employee} ({employee['employee_name']}) is in this roster (the bundle holds it)")
            return self._excluded(employee)
        proof = self.proofs.get(r["roster"])
        if proof is None:
            self.lines.append(f"  {self.employee} is not in this roster (the bundle holds no proof for it; there is no"
                              " proof of absence: ask if you should be)")
            return None
        employee = proof["employee"]
        if employee["employee_id"] != self.employee or proof["size"] != r["size"] or not v.proves_inclusion(
                v.leaf(employee["employee_id"], employee["employee_name"]), proof["index"], proof["size"], proof["path"],
                r["roster"]):
            raise Mismatch(f"the inclusion proof of {self.employee} does not lead to roster {_short(r['roster'])}")
        self.lines.append(f"  {self.employee} ({employee['employee_name']}) is in this roster: leaf {proof['index'] + 1}"
                          f" of {proof['size']}, proven against its hash")
        return self._excluded(employee)

    def _excluded(self, employee: dict) -> dict:
        if employee["employee_id"] in (self.prior or ()):
            self.lines.append(f"  {employee['employee_id']} is out of its pool: a winner from before the Ledger began")
        elif employee["employee_id"] in self.won:
            self.lines.append(f"  {employee['employee_id']} is out of its pool: won draw {self.won[employee['employee_id']]}")
        return employee

    def commit(self, r: dict) -> None:
        if any(c["draw_id"] == r["draw_id"] for c in self.commits.values()):
            raise Mismatch(f"draw {r['draw_id']} was committed before")
        if self.live is None or r["roster"] != self.live["root"]:
            raise Mismatch(f"commits to roster {_short(r['roster'])}, which is not the live roster")
        if not (isinstance(r["winners"], int) and r["winners"] >= 1) or len(r["seed_hash"]) != 64:
            raise Mismatch("is not a commitment to a number of winners and a seed hash")
        if "night" in r:
            self._prize(r)
        self.commits[r["seq"]] = r

    def _prize(self, c: dict) -> None:
        """A night's draw (commitment `c`) may be made: its night is open, its prize has the draws
        left, or the winner it replaces won that prize and has not forfeited."""
        night = self.night
        if night is None or night["id"] != c["night"]:
            raise Mismatch(f"is for draw night {c['night']!r}, which is not the open one")
        if c["prize"] not in night["remaining"]:
            raise Mismatch(f"draw night {c['night']} has no prize {c['prize']!r}")
        if "forfeit" in c:
            absent = c["forfeit"]["employee_id"]
            won = (self.won.get(absent), self.prize_of.get(absent))
            if c["winners"] != 1 or won != (c["forfeit"]["draw_id"], (c["night"], c["prize"])):
                raise Mismatch(f"redraws for {absent}, who did not win {c['prize']} in draw {c['forfeit']['draw_id']}"
                               " (or it draws more than one)")
            if absent in self.forfeited:
                raise Mismatch(f"{absent} forfeited already, to draw {self.forfeited[absent]}")
        elif c["winners"] > night["remaining"][c["prize"]]:
            raise Mismatch(f"draws {c['winners']} of prize {c['prize']}, which has {night['remaining'][c['prize']]} left")

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
        if c["public"] is not None and self.pool_changed > c["seq"]:
            raise Mismatch(f"record {self.pool_changed} changed the pool after commitment {c['seq']} to a public value")
        if r["roster"] != c["roster"] or live is None or live["root"] != c["roster"]:
            raise Mismatch(f"draws from roster {_short(r['roster'])}, not the committed, live one")
        if len(r["winners"]) != c["winners"] or c["winners"] > r["eligible"]:
            raise Mismatch(f"{len(r['winners'])} winners of {r['eligible']}, but commitment {c['seq']} was to {c['winners']}")
        if len({w["employee_id"] for w in r["winners"]}) != len(r["winners"]):
            raise Mismatch("names a winner twice")
        if r["eligible"] != live["eligible"]:
            raise Mismatch(f"drew from {r['eligible']} who could win, but the records before leave {live['eligible']}")
        for w in r["winners"]:
            if w["employee_id"] in self.won:
                raise Mismatch(f"{w['employee_id']} won draw {self.won[w['employee_id']]} already")
            if w["employee_id"] in (self.prior or ()):
                raise Mismatch(f"{w['employee_id']} won before the Ledger began (an import's prior_winners)")
        employee = self.employee or ""
        member = (live["member"] is not None and employee not in self.won and employee not in (self.prior or ())
                  and (employee in self.inside if self.inside is not None else employee not in self.out))
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
        prize = ""
        if "night" in c:
            self._prize(c)  # again: another draw of the prize, or another redraw, may have recorded since the commitment
            if "forfeit" in c:
                self.forfeited[c["forfeit"]["employee_id"]] = r["draw_id"]
                prize = f"; {c['prize']}, in place of {c['forfeit']['employee_id']}, who forfeits"
            else:
                assert self.night is not None
                self.night["remaining"][c["prize"]] -= len(r["winners"])
                prize = f"; {c['prize']}"
            self.prize_of.update({w["employee_id"]: (c["night"], c["prize"]) for w in r["winners"]})
        live["eligible"] -= len(r["winners"])
        self.won.update({w["employee_id"]: r["draw_id"] for w in r["winners"]})
        self.outcome[r["draw_id"]] = r["seq"]
        if c["public"] is None:
            self.counts["operator only"] += 1
            source = "operator randomness only"
        else:
            source = f"public value {r['public_value']!r} ({c['public']}), committed in record {c['seq']}"
        self.lines.append(f"record {r['seq']}: draw {r['draw_id']}: {_names(r['winners'])}, from {r['eligible']}; {source}{prize}")
        if member:
            outcome = "won it" if self.won.get(employee) == r["draw_id"] else "did not win"
            self.lines.append(f"  {employee} was in its pool (one of {r['eligible']}, as the records count) and {outcome}")

    def failed(self, r: dict) -> None:
        c, live = self._commitment(r), self.live
        self.outcome[r["draw_id"]] = r["seq"]
        self.counts["failed"] += 1
        would = ""
        if live is not None and live["root"] == c["roster"] and live["order"] is not None and c["winners"] <= live["eligible"]:
            # What it would have drawn, with its seed and public value revealed: a failure that came after
            # the result was known is a veto, and shows as one.
            seed = v.draw_seed(r["seed"], v.draw_inputs(r["draw_id"], c["seq"], c["roster"], c["winners"], r["public_value"]))
            order = dict(enumerate(live["order"]))
            would = "; it would have drawn " + _names([{"employee_id": e, "employee_name": live["names"][e]} for e in
                                                       v.shuffle(order, live["eligible"], v.picks(seed, live["eligible"], c["winners"]))])
        self.lines.append(f"record {r['seq']}: draw {r['draw_id']} failed ({r['error']}); its seed revealed and matching{would}")


    def night_(self, r: dict) -> None:
        live = self._live(r)
        if len({p["id"] for p in r["prizes"]}) != len(r["prizes"]):
            raise Mismatch("names a prize twice")
        if r["night"] in self.nights:
            raise Mismatch(f"opens night {r['night']!r} again (record {self.nights[r['night']]} opened it)")
        self.nights[r["night"]] = r["seq"]
        if r["eligible"] != (expected := 0 if r["presence"] else live["eligible"]):  # known with or without the roster
            raise Mismatch(f"leaves {r['eligible']} who can win, but opening it leaves {expected}")
        self.night = {"id": r["night"], "presence": r["presence"], "remaining": {p["id"]: p["count"] for p in r["prizes"]},
                      "present": set(), "excluded": set()}
        self._moved(r, live, expected)
        if r["presence"]:
            self.inside = set()
        tiers = ", ".join(f"{p['id']} x {p['count']}" for p in r["prizes"])
        who = "only who checks in can win" if r["presence"] else "everyone in the pool can win"
        self.lines.append(f"record {r['seq']}: draw night {r['night']} ({r['name']}) opened: {tiers}; {who}")

    def checkin(self, r: dict) -> None:
        live, night, employee = self._live(r), self._night(r), r["employee_id"]
        if employee in night["present"]:
            raise Mismatch(f"{employee} checked in already")
        night["present"].add(employee)
        eligible = live["eligible"]
        enters = (night["presence"] and employee not in night["excluded"] and employee not in self.won
                  and employee not in (self.prior or ()))
        if live["order"] is not None:
            at = self._at(live, employee)
            if enters and at > eligible:
                self._swap(live, at, eligible + 1)
                eligible += 1
        if enters and self.inside is not None:
            self.inside.add(employee)
        self._moved(r, live, eligible)

    def exclude(self, r: dict) -> None:
        live, night, employee = self._live(r), self._night(r), r["employee_id"]
        if employee in night["excluded"]:
            raise Mismatch(f"{employee} was excluded already")
        night["excluded"].add(employee)
        self.out.add(employee)
        if self.inside is not None:
            self.inside.discard(employee)
        eligible = live["eligible"]
        if live["order"] is not None and (at := self._at(live, employee)) <= eligible:
            self._swap(live, at, eligible)
            eligible -= 1
        self._moved(r, live, eligible)
        self.lines.append(f"record {r['seq']}: {employee} excluded from draw night {r['night']}")

    def _live(self, r: dict) -> dict:
        if self.live is None:
            raise Mismatch("comes before any roster was imported")
        return self.live

    def _night(self, r: dict) -> dict:
        if self.night is None or self.night["id"] != r["night"]:
            raise Mismatch(f"is for draw night {r['night']!r}, which is not the open one")
        return self.night

    @staticmethod
    def _at(live: dict, employee: str) -> int:
        """The employee's position in the pool order (1 is the first)."""
        if employee not in live["names"]:
            raise Mismatch(f"{employee} is not in the live roster")
        return live["order"].index(employee)

    @staticmethod
    def _swap(live: dict, a: int, b: int) -> None:
        order = live["order"]
        order[a], order[b] = order[b], order[a]

    def _moved(self, r: dict, live: dict, eligible: int) -> None:
        """The pool count after record `r`: recomputed with the roster, as the record says without it."""
        self.pool_changed = r["seq"]
        if live["order"] is not None and r["eligible"] != eligible:
            raise Mismatch(f"leaves {r['eligible']} who can win, but the records before and the roster leave {eligible}")
        live["eligible"] = r["eligible"]


KINDS = {"import": Replay.import_, "commit": Replay.commit, "draw": Replay.draw, "failed": Replay.failed,
         "night": Replay.night_, "checkin": Replay.checkin, "exclude": Replay.exclude}


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
        if r.keys() not in FIELDS[r["kind"]]:
            nearest = min(FIELDS[r["kind"]], key=lambda f: len(f ^ r.keys()))
            raise Mismatch(f"{where}: lacks {sorted(nearest - r.keys())} or has fields no {r['kind']} record has:"
                           f" {sorted(r.keys() - nearest)}")
        if bad := [f for f in HEX_FIELDS if f in r and not HEX.fullmatch(str(r[f]))]:
            raise Mismatch(f"{where}: {bad[0]} is not 64 lowercase hex digits")
        if bad_type := _typed(r):
            raise Mismatch(f"{where}: {bad_type} is of the wrong type ({r[bad_type]!r})")
        try:
            KINDS[r["kind"]](replay, r)
        except Mismatch as error:
            raise Mismatch(f"{where}: {error}") from None
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise Mismatch(f"{where}: a field is missing or malformed ({type(error).__name__}: {error})") from None
        seq, prev = r["seq"], r["hash"]
    head = bundle.get("head") or {}
    ends = (head.get("seq"), head.get("hash")) == (seq, prev)
    if bundle.get("complete"):
        if not ends:
            raise Mismatch(f"the Ledger's head is record {head.get('seq')} ({_short(head.get('hash'))}), but the bundle"
                           f" ends at record {seq}: records were left out")
    else:  # up to one draw: it must end with that draw's last record, so nothing after it can be cut unseen
        last = bundle["records"][-1] if bundle["records"] else {}
        if not bundle.get("draw_id") or last.get("draw_id") != bundle["draw_id"] or not (
                isinstance(head.get("seq"), int) and (head["seq"] > seq or ends)):
            raise Mismatch(f"a bundle that is not complete must end with the last record of the draw it names"
                           f" ({bundle.get('draw_id')!r}), before or at the Ledger's head; it ends at record {seq}")
    for c in replay.commits.values():
        if c["draw_id"] not in replay.outcome:
            replay.lines.append(f"open: draw {c['draw_id']}, committed in record {c['seq']}, has not been drawn")
    replay.lines.append(f"The bundle ends at record {seq}, hash {prev}; the Ledger's head was record {head.get('seq')},"
                        f" hash {head.get('hash')}: compare them with what was published.")
    n = replay.counts
    replay.lines.append(f"Verified {seq} records. Draws recomputed: {n['recomputed']}; checked without their roster:"
                        f" {n['not recomputed']}; failed: {n['failed']}; on operator randomness only: {n['operator only']}.")
    return replay.lines
