"""Handling events in parallel while keeping each repo's events in order.

Events go to one of ``workers`` lanes by their DID, so two events of one account are
never handled at the same time or out of order. Lanes are bounded queues: when handlers
fall behind, reading the stream waits (backpressure). ``Progress.cursor`` is the position
below which every event has been handled: the safe cursor to store.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from typing import Any


class Progress:
    """Tracks which events are handled; ``cursor`` only moves past finished work."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[int, int | None] = {}  # ticket → event position
        self._next_ticket = 0
        self._done: set[int] = set()
        self._low = 0  # every ticket below this is done
        self.cursor: int | None = None
        self.handled = 0

    def start(self, position: int | None) -> int:
        with self._lock:
            ticket = self._next_ticket
            self._next_ticket += 1
            self._pending[ticket] = position
            return ticket

    def finish(self, ticket: int) -> None:
        with self._lock:
            self._done.add(ticket)
            self.handled += 1
            while self._low in self._done:
                self._done.discard(self._low)
                position = self._pending.pop(self._low)
                if position is not None:
                    self.cursor = position
                self._low += 1


def _lane(event: Any, workers: int) -> int:
    did = getattr(event, "did", None) or ""
    return zlib.crc32(did.encode()) % workers


def process(
    events: Iterable[Any],
    handler: Callable[[Any], None],
    *,
    workers: int = 8,
    lane_size: int = 64,
    progress: Progress | None = None,
) -> Progress:
    """Run ``handler`` on every event on ``workers`` threads, in order per repo. The first
    handler error stops the stream and is raised here."""
    import queue

    progress = progress or Progress()
    lanes: list[queue.Queue[Any]] = [queue.Queue(lane_size) for _ in range(workers)]
    failure: list[BaseException] = []
    stop = object()

    def work(lane: queue.Queue[Any]) -> None:
        for _ in range(1 << 62):  # until the stop marker
            item = lane.get()
            if item is stop:
                return
            ticket, event = item
            if failure:
                continue
            try:
                handler(event)
            except BaseException as exc:
                failure.append(exc)
            else:
                progress.finish(ticket)

    threads = [threading.Thread(target=work, args=(lane,), daemon=True) for lane in lanes]
    for thread in threads:
        thread.start()
    try:
        for event in events:
            if failure:
                break
            ticket = progress.start(getattr(event, "position", None))
            lanes[_lane(event, workers)].put((ticket, event))
    finally:
        for lane in lanes:
            lane.put(stop)
        for thread in threads:
            thread.join()
    if failure:
        raise failure[0]
    return progress


async def aprocess(
    events: AsyncIterable[Any],
    handler: Callable[[Any], Awaitable[None]],
    *,
    workers: int = 8,
    lane_size: int = 64,
    progress: Progress | None = None,
) -> Progress:
    """The async twin of ``process``: ``workers`` tasks, in order per repo."""
    import anyio

    progress = progress or Progress()
    channels = [anyio.create_memory_object_stream[Any](lane_size) for _ in range(workers)]

    async def work(receive: Any) -> None:
        async with receive:
            async for ticket, event in receive:
                await handler(event)
                progress.finish(ticket)

    async with anyio.create_task_group() as group:
        for _, receive in channels:
            group.start_soon(work, receive)
        senders = [send for send, _ in channels]
        try:
            async for event in events:
                ticket = progress.start(getattr(event, "position", None))
                await senders[_lane(event, workers)].send((ticket, event))
        finally:
            for send in senders:
                await send.aclose()
    return progress
