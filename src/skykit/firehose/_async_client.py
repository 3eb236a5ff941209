"""``AsyncFirehose``: the async twin of ``Firehose`` (httpx-ws on anyio).

A reader task (started by ``async with``) keeps the connection and hands events over a
bounded channel, so a slow consumer applies backpressure all the way to the socket, and
leaving the loop early is safe on both asyncio and trio.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skykit.firehose._client import (
    as_failure,
    connection_errors,
    message_data,
    subscribe_repos_url,
)
from skykit.firehose._errors import FirehoseError
from skykit.firehose._events import CommitEvent, Event
from skykit.firehose._frames import decode_frame
from skykit.firehose._stream import StreamPolicy, Subscription

if TYPE_CHECKING:
    import httpx


class AsyncFirehose:
    """``async with AsyncFirehose(url, cursor=...) as firehose: async for event in firehose``.

    Behaves like ``Firehose``: resumes after drops from the last event the loop finished
    with (``firehose.cursor``), without gaps or repeats.
    """

    def __init__(
        self,
        service: str,
        *,
        cursor: int | None = None,
        policy: StreamPolicy | None = None,
        http: httpx.AsyncClient | None = None,
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
        self._last: Event | None = None
        self._group: Any = None
        self._receive: Any = None

    @property
    def cursor(self) -> int | None:
        return self._subscription.cursor

    async def __aenter__(self) -> AsyncFirehose:
        import anyio

        size = self._subscription.policy.buffer_size
        send, self._receive = anyio.create_memory_object_stream[Event | BaseException](size)
        self._group = anyio.create_task_group()
        await self._group.__aenter__()
        self._group.start_soon(self._read, send)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._group.cancel_scope.cancel()
        await self._group.__aexit__(None, None, None)
        self._receive.close()

    def __aiter__(self) -> AsyncFirehose:
        if self._group is None:
            raise FirehoseError("use `async with AsyncFirehose(...) as firehose:` to iterate")
        return self

    async def __anext__(self) -> Event:
        import anyio

        if self._last is not None:
            self._subscription.processed(self._last)
            self._last = None
        try:
            item = await self._receive.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            raise StopAsyncIteration from None
        if isinstance(item, BaseException):
            raise item
        event: Event = item
        self._last = event
        return event

    async def _read(self, send: Any) -> None:
        import anyio
        import httpx
        from httpx_ws import AsyncWebSocketSession, aconnect_ws

        sub = self._subscription
        policy = sub.policy
        errors = connection_errors()
        # the receive timeout bounds connecting too, unless the caller brought a client
        http = self._http or httpx.AsyncClient(timeout=policy.receive_timeout)
        async with send:
            try:
                for _ in range(1 << 62):  # each turn is one connection
                    try:
                        async with aconnect_ws(
                            sub.url(),
                            http,
                            max_message_size_bytes=8 * 1024 * 1024,
                            queue_size=policy.buffer_size,
                            session_class=AsyncWebSocketSession,
                        ) as socket:
                            for _ in range(1 << 62):
                                frame = message_data(
                                    await socket.receive(timeout=policy.receive_timeout)
                                )
                                event = sub.receive(frame)
                                if isinstance(event, CommitEvent) and self._verifier:
                                    event = await sub.checked_async(event, self._verifier.verify)
                                if event is not None:
                                    await send.send(event)
                    except Exception as exc:
                        error = _leaf(exc)  # the socket's task group may wrap it
                        if not isinstance(error, errors):
                            raise error from None
                        await anyio.sleep(sub.failed(as_failure(error)))
            except Exception as exc:  # handed to the consumer, raised by __anext__
                await send.send(exc)
            finally:
                if self._http is None:
                    with anyio.CancelScope(shield=True):
                        await http.aclose()


def _leaf(exc: BaseException) -> BaseException:
    """The first real error inside (possibly nested) exception groups."""
    for _ in range(100):
        if not isinstance(exc, BaseExceptionGroup) or not exc.exceptions:
            return exc
        exc = exc.exceptions[0]
    return exc
