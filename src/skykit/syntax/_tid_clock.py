"""A TID source whose values strictly increase, whatever the wall clock does."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from skykit.syntax._errors import OutOfRangeError
from skykit.syntax._tid import MAX_CLOCK_ID, MAX_TIMESTAMP, TID


def wall_clock_micros() -> int:
    """Microseconds since the UNIX epoch, from the system clock."""
    return time.time_ns() // 1000


def _random_clock_id() -> int:
    return int.from_bytes(os.urandom(2), "big") & MAX_CLOCK_ID


class TidClock:
    """Hands out TIDs in strictly increasing order.

    Each TID takes the current time from `time_source` (microseconds since the epoch); if
    that is not later than the previous TID's (the clock stood still, stepped back or runs
    coarser than a microsecond) the previous timestamp plus one is used instead. Safe to
    share between threads. The clock id defaults to a random one, so that independent
    writers rarely collide.
    """

    def __init__(
        self,
        clock_id: int | None = None,
        *,
        time_source: Callable[[], int] = wall_clock_micros,
    ) -> None:
        if clock_id is None:
            clock_id = _random_clock_id()
        if not 0 <= clock_id <= MAX_CLOCK_ID:
            raise OutOfRangeError(f"TID clock id {clock_id} is outside 0 .. {MAX_CLOCK_ID}")
        self._clock_id = clock_id
        self._time_source = time_source
        self._last = -1
        self._lock = threading.Lock()

    @property
    def clock_id(self) -> int:
        return self._clock_id

    def next(self) -> TID:
        """A TID later than every TID this clock returned before."""
        with self._lock:
            micros = max(self._time_source(), self._last + 1)
            if micros > MAX_TIMESTAMP:
                raise OutOfRangeError("TID clock ran past the largest 53-bit timestamp")
            self._last = micros
        return TID.from_time(micros, self._clock_id)

    def _forget_after_fork(self) -> None:
        # A forked child shares the parent's clock id and last timestamp; a fresh clock id
        # keeps the two processes from minting the same TIDs. The lock may have been held
        # by another thread at fork time, so it is replaced.
        self._lock = threading.Lock()
        self._clock_id = _random_clock_id()


_default_clock = TidClock()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_default_clock._forget_after_fork)


def next_tid() -> TID:
    """A fresh TID from the process-wide :class:`TidClock`."""
    return _default_clock.next()
