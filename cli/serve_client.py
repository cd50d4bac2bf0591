"""`lottery draw` while `lottery serve` holds the stack's state: the draw goes through the server's
API (POST /draws, then GET /draws/{id} until it ends) and is printed as a draw in this process is."""

import sys
import time

from .api_client import LocalRouter, exchange, finished
from .progress import progress
from .report import report_commitment, report_draw
from .siblings import cause_message, describe


class ServerGone(Exception):
    """The server that holds the state did not take the draw (it is stopping): wait for its lock instead."""


def _commit(url: str, by: str, args) -> int:
    """`lottery commit` through the server: POST /commitments, printed as a commitment in this process is."""
    try:
        status, _, answer = exchange(LocalRouter(url), "POST", "/commitments",
                                     {"winners": args.winners, "public": args.public, "prize": args.prize})
    except (OSError, ValueError) as error:
        raise ServerGone(f"{by}: {getattr(error, 'reason', error)}") from None
    if status == 503:
        raise ServerGone(f"{by}: {answer.get('message')}")
    if status != 201:
        print(f"{answer.get('error', f'HTTP {status}')}: {answer.get('message', '')}", file=sys.stderr)
        return 2
    return report_commitment(answer, args.json)


def draw_through_server(holder: dict, args) -> int:
    """`lottery draw` (or `lottery commit`) while `lottery serve` holds the state: POST /draws, poll
    GET /draws/{id}, print as a draw does."""
    url, by = holder["url"], describe(holder)
    if args.command == "commit":
        return _commit(url, by, args)
    started = time.perf_counter()
    body = {"commitment": args.commitment, "public_value": args.public_value} if args.commitment else {"winners": args.winners}
    with progress(f"Drawing {args.commitment or args.winners} through lottery serve"):
        try:
            status, _, answer = exchange(LocalRouter(url), "POST", "/draws", body)
        except (OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, ConnectionRefusedError):  # it is stopping, and will let go of the state
                raise ServerGone(f"{by}: {reason}") from None
            print(f"Draw failed: no answer from {by} ({reason}); `lottery draws` shows whether it drew", file=sys.stderr)
            return 1
        if status == 503:  # it is stopping, and will let go of the state
            raise ServerGone(f"{by}: {answer.get('message')}")
        if status == 202:
            draw_id = answer["draw_id"]
            try:
                answer = finished(LocalRouter(url), draw_id, started)
            except (OSError, ValueError) as error:  # the server stopped answering, or the draw outlasted its timeout
                print(f"Lost sight of {draw_id} on {by}: {error}; `lottery draws` shows whether it was recorded",
                      file=sys.stderr)
                return 1
            cause = cause_message(answer.get("cause"))
            result = {"status": answer["status"], "execution": draw_id, "winners": answer["winners"],
                      "message": answer["announcement"], "error": answer["error"], "cause": cause}
        else:  # refused before it started: InvalidInput, as a draw in this process fails
            result = {"status": "FAILED", "execution": None, "winners": [], "message": None,
                      "error": answer.get("error", f"HTTP {status}"), "cause": answer.get("message", "")}
    result.update(duration_ms=round((time.perf_counter() - started) * 1000, 1), server=url)
    return report_draw(result, args.json, [f"Drawn through {by}, which holds stack {args.stack}'s state in {args.state_dir}"])
