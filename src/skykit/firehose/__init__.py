"""Event streams: the firehose (``com.atproto.sync.subscribeRepos``) and Jetstream."""

from __future__ import annotations

from skykit.firehose._errors import (
    ConsumerTooSlowError,
    FirehoseError,
    FrameError,
    FutureCursorError,
    StreamError,
)
from skykit.firehose._events import (
    AccountEvent,
    CommitEvent,
    Event,
    IdentityEvent,
    InfoEvent,
    Op,
    SyncEvent,
)
from skykit.firehose._frames import decode_frame

__all__ = [
    "AccountEvent",
    "CommitEvent",
    "ConsumerTooSlowError",
    "Event",
    "FirehoseError",
    "FrameError",
    "FutureCursorError",
    "IdentityEvent",
    "InfoEvent",
    "Op",
    "StreamError",
    "SyncEvent",
    "decode_frame",
]
