"""``Firehose``: a sync stream consumer (httpx + httpx-ws), a driver of ``Subscription``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from skykit.firehose._errors import FirehoseError
from skykit.firehose._events import CommitEvent, Event
from skykit.firehose._frames import decode_frame
from skykit.firehose._stream import StreamPolicy, Subscription

if TYPE_CHECKING:
    import httpx

SUBSCRIBE_REPOS = "/xrpc/com.atproto.sync.subscribeRepos"


def subscribe_repos_url(service: str) -> str:
    """The subscribeRepos URL of a relay or PDS given by host or URL."""
    if "://" not in service:
        service = f"wss://{service}"
    service = service.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    return service if "/xrpc/" in service else service.rstrip("/") + SUBSCRIBE_REPOS


def message_data(message: Any) -> bytes:
    """The data of a websocket message: binary frames, or JSON text (Jetstream)."""
    data = getattr(message, "data", b"")
    return data.encode() if isinstance(data, str) else bytes(data)


def as_failure(error: BaseException) -> BaseException:
    """The failure as the subscription judges it: httpx's timeouts (an unanswered
    handshake, a silent socket) count as a stalled stream, like a receive timeout."""
    import httpx

    if isinstance(error, httpx.TimeoutException):
        stalled = TimeoutError(f"no answer in time ({type(error).__name__})")
        stalled.__cause__ = error
        return stalled
    return error


def connection_errors() -> tuple[type[BaseException], ...]:
    import httpx
    import httpx_ws

    return (httpx_ws.HTTPXWSException, httpx.HTTPError, OSError, TimeoutError)


class Firehose:
    """Iterate a repo event stream, resuming after drops without gaps or repeats.

    ``Firehose("wss://relay.example")`` (or a host name); ``cursor`` resumes after an
    event seen before. The cursor advances when the loop comes back for the next event,
    so ``firehose.cursor`` is always safe to store. ``close()`` (or leaving a ``with``
    block) ends the iteration.
    """

    def __init__(
        self,
        service: str,
        *,
        cursor: int | None = None,
        policy: StreamPolicy | None = None,
        http: httpx.Client | None = None,
        on_bad_frame: Callable[[FirehoseError], None] | None = None,
        decode: Callable[[bytes], Any] = decode_frame,
        verifier: Any = None,
    ) -> None:
        self._subscription = Subscription(
            subscribe_repos_url(service),
            cursor=cursor,
            policy=policy or StreamPolicy(),
            on_bad_frame=on_bad_frame,
            decode=decode,
        )
        self._http = http
        self._verifier = verifier
        self._closed = False

    @property
    def cursor(self) -> int | None:
        """The seq of the last event the loop finished with."""
        return self._subscription.cursor

    def close(self) -> None:
        self._closed = True

    def __enter__(self) -> Firehose:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Event]:
        import httpx
        from httpx_ws import WebSocketSession, connect_ws

        sub = self._subscription
        policy = sub.policy
        errors = connection_errors()
        # the receive timeout bounds connecting too, unless the caller brought a client
        http = self._http or httpx.Client(timeout=policy.receive_timeout)
        try:
            yield from self._connections(http, connect_ws, WebSocketSession, errors)
        finally:
            if self._http is None:
                http.close()

    def _connections(
        self, http: Any, connect_ws: Any, session_class: Any, errors: Any
    ) -> Iterator[Event]:
        sub = self._subscription
        policy = sub.policy
        while not self._closed:
            try:
                with connect_ws(
                    sub.url(),
                    http,
                    max_message_size_bytes=8 * 1024 * 1024,
                    queue_size=policy.buffer_size,
                    session_class=session_class,
                ) as socket:
                    while not self._closed:
                        event = sub.receive(
                            message_data(socket.receive(timeout=policy.receive_timeout))
                        )
                        if isinstance(event, CommitEvent) and self._verifier is not None:
                            event = sub.checked(event, self._verifier.verify)
                        if event is not None:
                            yield event
                            sub.processed(event)
            except errors as exc:
                if self._closed:
                    return
                time.sleep(sub.failed(as_failure(exc)))
