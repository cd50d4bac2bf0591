"""DynamoDB's batch calls, whole: BatchGetItem and BatchWriteItem take at most 100 keys and 25
writes a call and may hand some back unprocessed (throttled); these send every key and write,
resending what comes back with jittered backoff, as AWS asks (boto3's batch_writer resends at once).

Writes go out on a few threads at once: a 100,000-employee roster is 4,000 calls, which one
thread at DynamoDB's ~10-20 ms a call would spend a minute on.
"""

import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from .common import LotteryError, rng

GET_LIMIT, WRITE_LIMIT = 100, 25
TRIES = 8  # backoff 0.05 s doubling to 6.4 s: about 13 s of throttling survived per call
WRITERS = 8


class Unprocessed(LotteryError):
    """DynamoDB kept handing back the same keys or writes, try after try."""


def _chunks(items: list, size: int) -> Iterable[list]:
    return (items[i:i + size] for i in range(0, len(items), size))


def backoff(attempt: int) -> None:
    """Sleep before try `attempt` + 1: full jitter, doubling."""
    time.sleep(rng.uniform(0, 0.05 * 2 ** attempt))


def get_all(table, keys: list[dict], **options) -> list[dict]:
    """The items of `table` (a boto3 Table) at `keys` that exist, in no particular order;
    `options` go with each request (ConsistentRead, ProjectionExpression, ...)."""
    found: list[dict] = []
    for chunk in _chunks(keys, GET_LIMIT):
        request = {table.name: {"Keys": chunk, **options}}
        for attempt in range(TRIES):
            response = table.meta.client.batch_get_item(RequestItems=request)
            found += response["Responses"].get(table.name, [])
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
            backoff(attempt)
        else:
            raise Unprocessed(f"DynamoDB left {len(request[table.name]['Keys'])} keys of {table.name} unread after {TRIES} tries")
    return found


def write_all(table, requests: list[dict]) -> int:
    """Send every write request (`{"PutRequest": {"Item": ...}}`, `{"DeleteRequest": {"Key": ...}}`)
    to `table` (a boto3 Table); how many were sent."""
    def send(chunk: list[dict]) -> None:
        pending = {table.name: chunk}
        for attempt in range(TRIES):
            # The Table's client takes Python values, as the Table does; boto3 clients are thread-safe.
            pending = table.meta.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                return
            backoff(attempt)
        raise Unprocessed(f"DynamoDB left {len(pending[table.name])} writes to {table.name} unprocessed after {TRIES} tries")

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(send, _chunks(requests, WRITE_LIMIT)))  # the first failure raises, once all have ended
    return len(requests)
