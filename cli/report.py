"""How `lottery draw` prints a draw and `lottery commit` a commitment, wherever they ran: one JSON
object, or winners and notice, or the error."""

import json
import sys


def report_draw(result: dict, as_json: bool, details: list[str]) -> int:
    """Print `result`; `details` are the lines after the announcement. The exit status: 0 if drawn."""
    if as_json:
        print(json.dumps(result, indent=2))
    elif result["status"] == "SUCCEEDED":
        print(f"Draw {result['execution'].rsplit(':', 1)[-1]}")
        print("Winners:")
        for w in result["winners"]:
            print(f"  {w['employee_id']}  {w['employee_name']}")
        print(f"Announcement: {result['message']}")
        for line in details:
            print(line)
    else:
        print(f"Draw failed: {result['error']}: {result['cause']}", file=sys.stderr)
    return 0 if result["status"] == "SUCCEEDED" else 1


def report_commitment(record: dict, as_json: bool) -> int:
    """Print a commit record: what to publish before the public value is known, and how to draw it."""
    if as_json:
        print(json.dumps(record, indent=2))
        return 0
    print(f"Committed draw {record['draw_id']} (Ledger record {record['seq']}, hash {record['hash']}):")
    print(f"  {record['winners']} winners from roster {record['roster']}")
    print(f"  server seed SHA-256 {record['seed_hash']}")
    print(f"  public value to come: {record['public']}")
    print("Publish this, then, once the public value is known:")
    print(f"  lottery draw --commitment {record['draw_id']} --public-value VALUE")
    return 0
