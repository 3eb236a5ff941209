"""Unsigned LEB128 varints as multiformats use them (minimal encoding only)."""

from __future__ import annotations

MAX_VARINT_BYTES = 9  # multiformats caps varints at 63 bits, i.e. nine bytes


def encode_varint(value: int) -> bytes:
    if value < 0:
        raise ValueError("varint must be non-negative")
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def read_varint(data: bytes | bytearray | memoryview, offset: int) -> tuple[int, int] | None:
    """Decode the varint at ``offset``; return ``(value, next_offset)``.

    Returns None when the bytes end early, the varint is longer than nine bytes, or it is
    not minimally encoded (a trailing zero byte), because such varints are not canonical.
    """
    value = 0
    shift = 0
    end = min(len(data), offset + MAX_VARINT_BYTES)
    pos = offset
    while pos < end:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            if byte == 0 and pos - offset > 1:
                return None
            return value, pos
        shift += 7
    return None
