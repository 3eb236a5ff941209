"""Binary frames of atproto event streams: a DAG-CBOR header ``{op, t}`` and a body."""

from __future__ import annotations

import libipld

from skykit.data import DataModelError, decode_dag_cbor
from skykit.firehose._errors import FrameError, stream_error
from skykit.firehose._events import EVENT_TYPES, Event

MAX_FRAME_BYTES = 5 * 1024 * 1024  # relays cap commits well below this


def split_frame(frame: bytes) -> tuple[bytes, bytes]:
    """The header and body bytes of a frame (two DAG-CBOR objects back to back)."""
    try:
        header, _body = libipld.decode_dag_cbor_multi(frame)
    except ValueError as exc:
        raise FrameError(f"not two DAG-CBOR objects: {exc}") from None
    except (TypeError, OverflowError, RecursionError) as exc:
        raise FrameError(f"malformed frame: {exc}") from None
    if type(header) is not dict:
        raise FrameError("frame header is not a map")
    size = len(libipld.encode_dag_cbor(header))  # headers are canonical; checked below
    return frame[:size], frame[size:]


def decode_frame(frame: bytes) -> Event:
    """Decode one frame of ``com.atproto.sync.subscribeRepos`` (or another stream using
    the same framing) into an event. Error frames raise their ``StreamError``; unknown
    message types come back as a plain ``Event`` holding the body as data."""
    if not isinstance(frame, bytes | bytearray | memoryview):
        raise FrameError(f"a frame is bytes, got {type(frame).__name__}")
    frame = bytes(frame)
    if len(frame) > MAX_FRAME_BYTES:
        raise FrameError(f"frame of {len(frame)} bytes is over {MAX_FRAME_BYTES}")
    header_bytes, body_bytes = split_frame(frame)
    try:
        header = decode_dag_cbor(header_bytes)
        body = decode_dag_cbor(body_bytes)
    except DataModelError as exc:
        raise FrameError(f"malformed frame: {exc}") from None
    op = header.get("op")
    if op == -1:
        error = body.get("error")
        message = body.get("message")
        raise stream_error(
            error if isinstance(error, str) else "Unknown",
            message if isinstance(message, str) else "",
        )
    if op != 1:
        raise FrameError(f"frame header op must be 1 or -1, got {op!r}")
    kind = header.get("t")
    if not isinstance(kind, str):
        raise FrameError(f"frame header t must be a string, got {kind!r}")
    return EVENT_TYPES.get(kind, Event)(kind, body)
