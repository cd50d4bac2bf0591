"""How `lottery draw` prints a draw, wherever it ran: one JSON object, or winners and notice, or the error."""

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
