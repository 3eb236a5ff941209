"""Event streams: the firehose (``com.atproto.sync.subscribeRepos``) and Jetstream."""

from __future__ import annotations

from skykit.firehose._async_client import AsyncFirehose
from skykit.firehose._client import Firehose, subscribe_repos_url
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
from skykit.firehose._parallel import Progress, aprocess, process
from skykit.firehose._stream import (
    ReconnectsExhaustedError,
    StalledStreamError,
    StreamPolicy,
    Subscription,
)
from skykit.firehose._verify import (
    AsyncCommitVerifier,
    CommitVerificationError,
    CommitVerifier,
    RevTracker,
    check_commit,
)

__all__ = [
    "AccountEvent",
    "AsyncCommitVerifier",
    "AsyncFirehose",
    "CommitEvent",
    "CommitVerificationError",
    "CommitVerifier",
    "ConsumerTooSlowError",
    "Event",
    "Firehose",
    "FirehoseError",
    "FrameError",
    "FutureCursorError",
    "IdentityEvent",
    "InfoEvent",
    "Op",
    "Progress",
    "ReconnectsExhaustedError",
    "RevTracker",
    "StalledStreamError",
    "StreamError",
    "StreamPolicy",
    "Subscription",
    "SyncEvent",
    "aprocess",
    "check_commit",
    "decode_frame",
    "process",
    "subscribe_repos_url",
]
