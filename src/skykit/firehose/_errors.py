"""Errors of event streams."""

from __future__ import annotations

from skykit.errors import SkykitError


class FirehoseError(SkykitError):
    """An event stream failed or sent something unusable."""


class FrameError(FirehoseError, ValueError):
    """A frame is malformed: bad header, bad body, or a CAR slice that does not check out."""


class StreamError(FirehoseError):
    """The server sent an error frame (``op: -1``); ``error`` names it, e.g.
    ``"FutureCursor"`` or ``"ConsumerTooSlow"``."""

    def __init__(self, error: str, message: str = "") -> None:
        self.error = error
        self.message = message
        super().__init__(f"{error}: {message}" if message else error)


class FutureCursorError(StreamError):
    """The cursor is ahead of the server's latest event."""


class ConsumerTooSlowError(StreamError):
    """The server dropped the connection because events were read too slowly."""


def stream_error(error: str, message: str) -> StreamError:
    if error == "FutureCursor":
        return FutureCursorError(error, message)
    if error == "ConsumerTooSlow":
        return ConsumerTooSlowError(error, message)
    return StreamError(error, message)
