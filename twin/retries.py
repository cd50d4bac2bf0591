"""Offline, time passes faster: the state machine's Retry intervals (moto sleeps through them for
real), botocore's backoff between SDK retries, and the clock the handlers read.

A draw waiting its turn (PoolBusy) or retrying a throttled call would otherwise take seconds on a
laptop and in tests. The order of events is unchanged; only the waits shrink.

SCALE is the one place the speed-up is set, and everything the twin speeds up follows it, so
budgets measured in one clock still hold against deadlines measured in another:
- Retry intervals and botocore's backoff sleep SCALE times as long (`scaled_time`, which seams.py
  gives moto's Retry and botocore's endpoint module for a session).
- The handlers' `time` module is `clock` (twin/lambdas.py gives it to the modules it imports):
  `clock.time()` advances 1/SCALE seconds per real second, from ORIGIN, where it agrees with the
  wall clock; its sleep(), monotonic() and perf_counter() are scaled alike. So the pool's lease
  (handlers/pool.py's LEASE_SECONDS, compared with time.time()) runs out after SCALE times as many
  real seconds offline, and a draw that dies holding the pool costs the waiting draws the same
  share of their PoolBusy retries as on AWS instead of outlasting them all.
  ORIGIN is fixed, not the start of the process, so every process on one saved state reads the
  same clock, and a lease saved by one is neither cut short nor stretched by the next. (So a
  lease_until in a saved state is years ahead of the wall clock: it means something only offline.)
  Dates the handlers stamp on records (datetime.now()) stay on the wall clock.
Task timeouts (moto waits for them in real time) are not scaled: on the twin they only ever
give a draw more time, never less.

The work itself is not sped up, so SCALE must leave a draw's real work well inside its scaled
lease, even with twenty draws sharing one interpreter on two cores (tests/test_concurrency.py
runs them). A draw slower than its lease is never wrong, only slower: it loses the pool, its
Record finds DrawConflict and it selects again (pool.py).
"""

import time as _time

SCALE = 0.1  # short waits for tests and a laptop; long enough that a draw's unscaled work fits its scaled lease
ORIGIN = 1_735_689_600.0  # 2025-01-01T00:00:00Z: the twin's clock reads the wall clock's time here


def now() -> float:
    """The twin's clock: seconds since the epoch as the handlers read them offline."""
    return ORIGIN + (_time.time() - ORIGIN) / SCALE


def wall(twin: float) -> float:
    """The wall-clock time (time.time()) at which the twin's clock reads `twin`."""
    return ORIGIN + (twin - ORIGIN) * SCALE


def _sleep(seconds: float) -> None:
    _time.sleep(seconds * SCALE)


class _ScaledTime:
    """The `time` module as moto's Retry and botocore's backoff see it: sleeps scaled."""

    def __getattr__(self, name):
        return getattr(_time, name)

    sleep = staticmethod(_sleep)


class _Clock(_ScaledTime):
    """The `time` module as the handlers see it offline: the twin's clock, sleeps scaled alike."""

    time = staticmethod(now)

    @staticmethod
    def time_ns() -> int:
        return int(now() * 1e9)

    @staticmethod
    def monotonic() -> float:
        return _time.monotonic() / SCALE

    @staticmethod
    def perf_counter() -> float:
        return _time.perf_counter() / SCALE


scaled_time = _ScaledTime()
clock = _Clock()
