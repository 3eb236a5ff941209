"""Parallel handling keeps each repo's events in order and a safe cursor."""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from skykit.firehose import Event, aprocess, decode_frame, process
from tests.test_real_blocks import _relay_frames


def _events() -> list[Event]:
    return [decode_frame(frame) for frame in _relay_frames()]


def _per_repo(events: list[Event]) -> dict[str | None, list[int | None]]:
    order: dict[str | None, list[int | None]] = defaultdict(list)
    for event in events:
        order[event.did].append(event.seq)
    return order


def test_threads_keep_per_repo_order() -> None:
    events = _events()
    seen: list[Event] = []
    lock = threading.Lock()

    def handle(event: Event) -> None:
        time.sleep(random.random() / 2000)
        with lock:
            seen.append(event)

    progress = process(events, handle, workers=6)
    assert progress.handled == len(events)
    assert progress.cursor == events[-1].seq
    assert _per_repo(seen) == _per_repo(events)
    assert sorted(e.seq or 0 for e in seen) == [e.seq for e in events]


def test_a_handler_error_stops_and_is_raised() -> None:
    events = _events()
    handled: list[Event] = []

    def handle(event: Event) -> None:
        if event is events[20]:
            raise RuntimeError("boom")
        handled.append(event)

    with pytest.raises(RuntimeError, match="boom"):
        process(events, handle, workers=4)
    assert len(handled) < len(events)


@pytest.mark.anyio
async def test_tasks_keep_per_repo_order() -> None:
    events = _events()
    seen: list[Event] = []

    async def stream() -> AsyncIterator[Event]:
        for event in events:
            yield event

    async def handle(event: Any) -> None:
        await anyio.sleep(random.random() / 2000)
        seen.append(event)

    progress = await aprocess(stream(), handle, workers=5)
    assert progress.handled == len(events)
    assert progress.cursor == events[-1].seq
    assert _per_repo(seen) == _per_repo(events)
