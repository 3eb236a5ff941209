"""Sans-I/O CAR v1 parsing: the header and the block sections of a byte buffer.

A CAR file is ``varint(len) | DAG-CBOR header {version: 1, roots: [links]}`` followed by
sections ``varint(len) | CID | block bytes``. These functions find sections in whatever
bytes are at hand and say how many more they need, so the bytes, path, file and async
readers share one parser and none of them trusts a length before checking it against a
limit (a huge length prefix never allocates anything).
"""

from __future__ import annotations

import mmap
from typing import Final, TypeAlias

from skykit.data import CID, DataModelError, decode_dag_cbor
from skykit.data._cid import check_binary_cid
from skykit.data._varint import MAX_VARINT_BYTES
from skykit.repo._errors import CarError

DEFAULT_MAX_HEADER_SIZE: Final = 64 * 1024
DEFAULT_MAX_BLOCK_SIZE: Final = 4 * 1024 * 1024  # records are capped at 1 MiB; leave headroom
SECTIONS_PER_SCAN: Final = 4096  # keeps a scan's result list small on huge inputs


Buffer: TypeAlias = bytes | bytearray | mmap.mmap
"""What the scanner reads: a whole file's bytes, a stream's pending bytes, or a mapped file."""

Section = tuple[bytes, int, int]
"""A block found in the buffer: (binary CID, start of the block bytes, end). The CID is a
``bytearray`` when the buffer is one."""


class NeedMore(Exception):
    """Internal: the buffer ends inside the header; ``size`` bytes (from 0) are needed."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def read_length(buf: Buffer, pos: int, base: int, what: str) -> tuple[int, int] | None:
    """The varint at ``pos`` and the position after it; None when the buffer ends first.

    ``base`` is the stream offset of ``buf[0]``, for error messages.
    """
    value = 0
    end = len(buf)
    for index in range(MAX_VARINT_BYTES):
        if pos + index >= end:
            return None
        byte = buf[pos + index]
        value |= (byte & 0x7F) << (7 * index)
        if byte < 0x80:
            if byte == 0 and index > 0:
                raise CarError(f"CAR {what} varint at byte {base + pos} is not minimally encoded")
            return value, pos + index + 1
    raise CarError(
        f"CAR {what} varint at byte {base + pos} is longer than {MAX_VARINT_BYTES} bytes"
    )


def read_header(buf: Buffer, max_size: int) -> tuple[list[CID], int]:
    """The roots of the CAR header at the start of ``buf`` and where the sections begin.

    Raises ``NeedMore`` when ``buf`` ends inside the header.
    """
    parsed = read_length(buf, 0, 0, "header length")
    if parsed is None:
        raise NeedMore(max(len(buf) + 1, 1))
    size, pos = parsed
    if size == 0 or size > max_size:
        raise CarError(f"CAR header length {size} is outside 1..{max_size}")
    if pos + size > len(buf):
        raise NeedMore(pos + size)
    try:
        header = decode_dag_cbor(bytes(buf[pos : pos + size]))
    except DataModelError as exc:
        raise CarError(f"CAR header is not valid DAG-CBOR: {exc}") from None
    if header.get("version") != 1:
        raise CarError(f"unsupported CAR version {header.get('version')!r} (expected 1)")
    roots = header.get("roots")
    if not isinstance(roots, list) or not all(isinstance(r, CID) for r in roots):
        raise CarError("CAR header 'roots' must be a list of links")
    return [r for r in roots if isinstance(r, CID)], pos + size


def header_truncated(buf: Buffer, base: int = 0) -> CarError:
    """The error for input that ends inside the header."""
    if read_length(buf, 0, base, "header length") is None:
        return CarError(f"CAR truncated at byte {base + len(buf)}: header length varint cut short")
    return CarError(f"CAR truncated at byte {base + len(buf)}: the header is incomplete")


def section_truncated(buf: Buffer, pos: int, base: int, need: int) -> CarError:
    """The error for input that ends inside the section at ``pos`` (``need`` as from scan)."""
    parsed = read_length(buf, pos, base, "section length")
    if parsed is None:
        return CarError(f"CAR truncated at byte {base + len(buf)}: section length varint cut short")
    return CarError(
        f"CAR truncated at byte {base + len(buf)}: the section at byte {base + pos} needs "
        f"{need - pos} bytes, {len(buf) - pos} present"
    )


def scan(
    buf: Buffer, pos: int, base: int, max_block_size: int, out: list[Section]
) -> tuple[int, int]:
    """Append the complete sections of ``buf`` from ``pos`` to ``out`` (at most
    ``SECTIONS_PER_SCAN``); return ``(position reached, bytes needed to go on)``.

    The second value is 0 when the buffer ended exactly on a section boundary (or the
    batch limit was hit), otherwise the buffer length the next section needs.
    """
    end = len(buf)
    for _ in range(SECTIONS_PER_SCAN):
        if pos >= end:
            return pos, 0
        start = pos
        byte = buf[pos]
        if byte < 0x80:
            size = byte
            pos += 1
        elif pos + 1 < end and buf[pos + 1] < 0x80 and buf[pos + 1]:
            size = (byte & 0x7F) | (buf[pos + 1] << 7)
            pos += 2
        else:
            parsed = read_length(buf, pos, base, "section length")
            if parsed is None:
                return start, end + 1
            size, pos = parsed
        if size > max_block_size:
            raise CarError(
                f"CAR section at byte {base + start} is {size} bytes, over the limit of "
                f"{max_block_size}"
            )
        stop = pos + size
        if stop > end:
            return start, stop
        # The usual CIDv1 (one-byte codec, sha2-256) is recognised without parsing.
        if (
            size >= 36
            and buf[pos] == 1
            and buf[pos + 1] < 0x80
            and buf[pos + 2] == 0x12
            and buf[pos + 3] == 0x20
        ):
            cid_size: int | None = 36
        else:
            cid_size = cid_length(bytes(buf[pos : min(stop, pos + 80)]))
        if cid_size is None or cid_size > size:
            raise CarError(f"CAR section at byte {base + start} does not start with a valid CID")
        out.append((buf[pos : pos + cid_size], pos + cid_size, stop))  # type: ignore[arg-type]
        pos = stop
    return pos, 0


def cid_length(head: bytes) -> int | None:
    """Length of the binary CID at the start of ``head``, or None if there is none."""
    if head[:2] == b"\x12\x20":
        return 34 if len(head) >= 34 else None
    if head[:1] != b"\x01":
        return None
    pos = 1
    size = 0
    for _ in range(3):  # codec, multihash code, digest size
        parsed = _small_varint(head, pos)
        if parsed is None:
            return None
        size, pos = parsed
    end = pos + size
    return end if end <= len(head) and check_binary_cid(head[:end]) else None


def _small_varint(data: bytes, pos: int) -> tuple[int, int] | None:
    value = 0
    for index in range(MAX_VARINT_BYTES):
        if pos + index >= len(data):
            return None
        byte = data[pos + index]
        value |= (byte & 0x7F) << (7 * index)
        if byte < 0x80:
            return value, pos + index + 1
    return None
