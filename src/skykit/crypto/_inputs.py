"""Argument checks shared by the public functions, so bad types fail with a ``CryptoError``."""

from __future__ import annotations

from skykit.crypto._errors import InvalidInputError

BytesLike = bytes | bytearray | memoryview
"""What signing and verifying accept as data and signatures."""

_SHOWN_CHARS = 80


def as_bytes(value: object, what: str) -> bytes:
    """``value`` as ``bytes``; a ``str`` (or anything else) is refused rather than encoded,
    because guessing an encoding would sign or verify different bytes than meant."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    raise InvalidInputError(f"{what} must be bytes, got {type(value).__name__}")


def as_str(value: object, what: str) -> str:
    if isinstance(value, str):
        return value
    raise InvalidInputError(f"{what} must be a str, got {type(value).__name__}")


def shown(value: str) -> str:
    """A value quoted for an error message, cut short so huge inputs don't flood logs."""
    if len(value) > _SHOWN_CHARS:
        return repr(value[:_SHOWN_CHARS]) + f"... ({len(value)} chars)"
    return repr(value)
