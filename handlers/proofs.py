"""What a verifier needs, read from the tables: the Ledger's records, and the rosters its imports
committed to, or one employee's inclusion proofs instead (docs/VERIFY.md). O(N + records): only
`lottery export`, `lottery verify` and GET /draws/{id}/proof read it."""

from boto3.dynamodb.conditions import Key

from . import ledger
from .common import LotteryError, plain, query_all
from .verifiable import GENESIS, inclusion_proof, roster_leaves

FORMAT = "lottery-ledger-bundle"


class NoSuchDraw(LotteryError):
    """The Ledger has no commitment for that draw id."""


def roster(employee_table, generation: str) -> list[dict]:
    """The employees of a roster generation, sorted by employee_id (one Query, page after page)."""
    items = query_all(employee_table, KeyConditionExpression=Key("roster").eq(generation), ConsistentRead=True,
                      ProjectionExpression="employee_id, employee_name")
    return sorted(({"employee_id": i["employee_id"], "employee_name": i["employee_name"]} for i in items),
                  key=lambda e: e["employee_id"])


def prior_winners(winners: list[dict]) -> list[str]:
    """Of Winners items, the ids of those no draw in the Ledger made winners (no `ledger_seq`), sorted."""
    return sorted(w["employee_id"] for w in winners if "ledger_seq" not in w)


def bundle(ledger_table, employee_table, prior: list[str], *, employee: str | None = None, draw_id: str | None = None,
           read_roster=roster) -> dict:
    """Every record of the Ledger, or those up to draw `draw_id`'s outcome; with the roster of each
    import, or, for `employee`, that employee's inclusion proof in each roster they are in; and
    `prior`, the winners from before the Ledger began (prior_winners), whose hash its imports hold.
    `read_roster(employee_table, generation)` reads a generation (a Query; the offline twin passes its own)."""
    # The head first: records appended while the Ledger is read are left out whole, never in part.
    last = ledger_table.get_item(Key=ledger.HEAD_KEY, ConsistentRead=True).get("Item", {})
    head = {"seq": plain(last.get("last", 0)), "hash": last.get("hash", GENESIS)}
    found = {r["seq"]: r for r in ledger.records(ledger_table) if r["seq"] <= head["seq"]}
    for seq in set(range(1, head["seq"] + 1)) - found.keys():  # a scan may miss what was written as it ran
        if item := ledger_table.get_item(Key={"seq": seq}, ConsistentRead=True).get("Item"):
            found[seq] = plain(item)
    records = [found[seq] for seq in sorted(found)]
    if draw_id is not None:
        ends = [i for i, r in enumerate(records) if r.get("draw_id") == draw_id]
        if not ends:
            raise NoSuchDraw(f"the Ledger has no draw {draw_id}")
        records = records[:ends[-1] + 1]
    rosters, proofs = {}, {}
    for record in records:
        if record["kind"] != "import" or record["roster"] in rosters or record["roster"] in proofs:
            continue
        employees = read_roster(employee_table, record["generation"])
        if employee is None:
            rosters[record["roster"]] = employees
            continue
        ordered, leaves = roster_leaves(employees)
        index = next((i for i, e in enumerate(ordered) if e["employee_id"] == employee), None)
        if index is not None:
            proofs[record["roster"]] = {"index": index, "size": len(leaves), "employee": ordered[index],
                                        "path": inclusion_proof(leaves, index)}
    made = {"format": FORMAT, "version": 1, "head": head, "complete": draw_id is None, "records": records,
            "prior_winners": prior, **({"draw_id": draw_id} if draw_id else {})}
    return {**made, "rosters": rosters} if employee is None else {**made, "employee": employee, "proofs": proofs}
