"""What a stream consumer decides, free of I/O: where to (re)connect, which frames to
hand on, and how long to wait after a drop. The sync and async clients both drive it."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from skykit.firehose._errors import ConsumerTooSlowError, FirehoseError, FrameError, StreamError
from skykit.firehose._frames import decode_frame


class StalledStreamError(FirehoseError):
    """Nothing arrived within the receive timeout, and reconnecting did not help."""


class ReconnectsExhaustedError(FirehoseError):
    """The stream kept failing; the last failure is the ``__cause__``."""


@dataclass(frozen=True)
class StreamPolicy:
    """How a stream consumer behaves under faults.

    ``receive_timeout``: seconds without a frame before the connection counts as stalled.
    ``max_failures``: consecutive failed connections before giving up (a frame received
    resets the count). Waits between attempts grow exponentially with jitter up to
    ``max_delay``. ``skip_malformed``: report bad frames (and, with a verifier, commits
    that fail verification) to ``on_bad_frame`` and go on, instead of raising.
    """

    receive_timeout: float = 60.0
    max_failures: int = 10
    base_delay: float = 0.5
    max_delay: float = 30.0
    skip_malformed: bool = False
    buffer_size: int = 512  # frames held between the socket and the consumer


class Subscription:
    """The state of one logical subscription across connections."""

    def __init__(
        self,
        url: str,
        *,
        cursor: int | None,
        policy: StreamPolicy,
        on_bad_frame: Callable[[FirehoseError], None] | None = None,
        decode: Callable[[bytes], Any] = decode_frame,
    ) -> None:
        self.base_url = url
        self.cursor = cursor  # seq of the last event the consumer finished with
        self.policy = policy
        self.on_bad_frame = on_bad_frame
        self.decode = decode
        self.failures = 0
        self.last_seq = cursor  # highest seq handed to the consumer

    def url(self) -> str:
        """Where to connect now: resuming after the last processed event."""
        if self.cursor is None:
            return self.base_url
        parts = urlsplit(self.base_url)
        query = "&".join(q for q in [parts.query, urlencode({"cursor": self.cursor})] if q)
        return urlunsplit(parts._replace(query=query))

    def receive(self, frame: bytes) -> Any:
        """The event to hand on for ``frame``, or None (a replayed event, or a bad frame
        reported and skipped). Error frames raise their ``StreamError``."""
        self.failures = 0
        try:
            event = self.decode(frame)
        except FrameError as exc:
            return self._reject(exc)
        position = event.position
        if position is not None:
            if self.last_seq is not None and position <= self.last_seq:
                return None  # already handed on before a reconnect
            self.last_seq = position
        return event

    def checked(self, event: Any, verify: Callable[[Any], Any]) -> Any:
        """``event`` if ``verify`` accepts it; a failure raises, or is reported and the
        event dropped when the policy skips bad input."""
        try:
            verify(event)
        except FirehoseError as exc:
            return self._reject(exc)
        return event

    async def checked_async(self, event: Any, verify: Callable[[Any], Awaitable[Any]]) -> Any:
        try:
            await verify(event)
        except FirehoseError as exc:
            return self._reject(exc)
        return event

    def _reject(self, error: FirehoseError) -> None:
        if not self.policy.skip_malformed:
            raise error
        if self.on_bad_frame is not None:
            self.on_bad_frame(error)

    def processed(self, event: Any) -> None:
        """The consumer is done with ``event``: a reconnect resumes after it."""
        if event.position is not None:
            self.cursor = event.position

    def failed(self, error: BaseException) -> float:
        """Seconds to wait before reconnecting after ``error``; raises when the stream
        should not be resumed (a fatal error frame, or too many failures in a row)."""
        if isinstance(error, StreamError) and not isinstance(error, ConsumerTooSlowError):
            raise error
        self.failures += 1
        if self.failures > self.policy.max_failures:
            if isinstance(error, TimeoutError):
                raise StalledStreamError(
                    f"no frame within {self.policy.receive_timeout}s, "
                    f"{self.policy.max_failures} reconnects in a row"
                ) from error
            raise ReconnectsExhaustedError(
                f"stream failed {self.failures} times in a row: {error}"
            ) from error
        ceiling = min(self.policy.max_delay, self.policy.base_delay * 2 ** (self.failures - 1))
        return random.uniform(ceiling / 2, ceiling)
