"""Offline, retry waits pass faster: the state machine's Retry intervals (moto sleeps through
them for real) and botocore's backoff between SDK retries.

A draw waiting its turn (PoolBusy) or retrying a throttled call would otherwise take seconds on a
laptop and in tests. The order of events is unchanged; only the waits shrink.
"""

import time as _time

from botocore import endpoint

try:
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
except ImportError as error:  # pragma: no cover - the wrong moto pin
    raise RuntimeError(f"the offline runtime needs moto's ASL retrier: {error}") from None

if getattr(retrier_decl, "time", None) is not _time or getattr(endpoint, "time", None) is not _time:
    raise RuntimeError("moto's Retry or botocore's backoff no longer sleeps where the offline runtime "
                       "expects; install the versions pinned in requirements.txt")

SCALE = 0.1  # 1 s of Retry interval takes 100 ms offline; offline draws are about 10x faster than on AWS


class _ScaledTime:
    def __getattr__(self, name):
        return getattr(_time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        _time.sleep(seconds * SCALE)


def install() -> None:
    retrier_decl.time = endpoint.time = _ScaledTime()
