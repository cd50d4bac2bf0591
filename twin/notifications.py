"""S3's notifications to Lambda, asynchronous as on AWS inside `in_background()`.

S3 invokes a function for a notification asynchronously: PutObject answers at once. moto invokes
it inside the PutObject call, which in-process is what `lottery import --upload` relies on (the
import has run when the upload returns). Through `lottery serve --aws` a client's PutObject would
wait for the whole import: for a large roster, longer than the AWS CLI's read timeout, after which
it uploads again. Inside `in_background()` (the endpoint's requests) an invocation runs in a
thread of its own; `pending()` counts those not ended, which a save waits for as for a draw.
"""

import contextlib
import threading
from collections.abc import Callable, Iterator

_background = threading.local()  # .on: this thread's notifications run in the background
_pending: set[threading.Thread] = set()
_lock = threading.Lock()


@contextlib.contextmanager
def in_background() -> Iterator[None]:
    """The S3 notifications this thread's requests cause are invoked in threads of their own."""
    was = getattr(_background, "on", False)
    _background.on = True
    try:
        yield
    finally:
        _background.on = was


def pending() -> int:
    """Notifications invoked in the background that have not ended."""
    with _lock:
        return len(_pending)


def around_invoke_awslambda(moto_invoke: Callable) -> Callable:
    """moto.s3.notifications._invoke_awslambda around moto's (which swallows every error, as S3 does)."""

    def invoke(account_id, event_body, fn_arn, region_name):
        if not getattr(_background, "on", False):
            return moto_invoke(account_id, event_body, fn_arn, region_name)

        def run():
            try:
                moto_invoke(account_id, event_body, fn_arn, region_name)
            finally:
                with _lock:
                    _pending.discard(thread)

        thread = threading.Thread(target=run, name=f"s3-notification {fn_arn}", daemon=True)
        with _lock:  # counted before it starts: a save that looks now waits for it
            _pending.add(thread)
        try:
            thread.start()
        except BaseException:
            with _lock:
                _pending.discard(thread)
            raise
        return None

    return invoke
