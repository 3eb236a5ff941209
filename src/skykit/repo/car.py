"""Streaming CAR (v1) reader.

A CAR file is a varint-prefixed DAG-CBOR header ``{version: 1, roots: [links]}`` followed by
sections of ``varint(len) | CID | block bytes``. The reader yields blocks one at a time from
bytes, a path or a binary file, so a large repo export never has to sit in memory whole.
Every block's bytes are checked against its CID unless ``verify=False``.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, NamedTuple

from skykit.data import CID, DataModelError, decode_dag_cbor, encode_dag_cbor
from skykit.data._cid import SHA2_256, check_binary_cid
from skykit.data._varint import encode_varint, read_varint
from skykit.repo._errors import CarError

DEFAULT_MAX_HEADER_SIZE = 64 * 1024
DEFAULT_MAX_BLOCK_SIZE = 4 * 1024 * 1024  # records are capped at 1 MiB; leave headroom
_CHUNK = 256 * 1024

CarSource = bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes]


class Block(NamedTuple):
    cid: CID
    data: bytes


class _Buffer:
    """Bytes from a file, read in chunks, with exact reads and varint parsing."""

    def __init__(self, stream: IO[bytes] | None, initial: bytes = b"") -> None:
        self._stream = stream
        self._buf = initial
        self._pos = 0
        self.offset = 0  # bytes consumed so far, for error messages

    def _fill(self, need: int) -> bool:
        """Make ``need`` bytes available from the current position; False at end of input."""
        while len(self._buf) - self._pos < need:
            if self._stream is None:
                return False
            chunk = self._stream.read(max(_CHUNK, need - (len(self._buf) - self._pos)))
            if not chunk:
                return False
            self._buf = self._buf[self._pos :] + chunk
            self._pos = 0
        return True

    def at_end(self) -> bool:
        return not self._fill(1)

    def read(self, size: int, what: str) -> bytes:
        if not self._fill(size):
            raise CarError(f"CAR truncated at byte {self.offset}: {what} needs {size} bytes")
        data = self._buf[self._pos : self._pos + size]
        self._pos += size
        self.offset += size
        return data

    def read_varint(self, what: str) -> int:
        self._fill(9)
        parsed = read_varint(self._buf, self._pos)
        if parsed is None:
            raise CarError(f"CAR has a bad or truncated {what} varint at byte {self.offset}")
        value, end = parsed
        self.offset += end - self._pos
        self._pos = end
        return value

    def peek(self, size: int) -> bytes:
        self._fill(size)
        return self._buf[self._pos : self._pos + size]


class CarReader:
    """Iterate the blocks of a CAR file; ``roots`` is read up front."""

    def __init__(
        self,
        source: CarSource,
        *,
        verify: bool = True,
        max_header_size: int = DEFAULT_MAX_HEADER_SIZE,
        max_block_size: int = DEFAULT_MAX_BLOCK_SIZE,
    ) -> None:
        self._owned: IO[bytes] | None = None
        if isinstance(source, bytes | bytearray | memoryview):
            self._buffer = _Buffer(None, bytes(source))
        elif isinstance(source, str | os.PathLike):
            self._owned = Path(source).open("rb")  # noqa: SIM115 - closed by close()
            self._buffer = _Buffer(self._owned)
        elif hasattr(source, "read"):
            self._buffer = _Buffer(source)
        else:
            raise CarError(f"cannot read a CAR from {type(source).__name__}")
        self._verify = verify
        self._max_block_size = max_block_size
        try:
            self.roots = self._read_header(max_header_size)
        except BaseException:
            self.close()
            raise

    def _read_header(self, max_size: int) -> list[CID]:
        size = self._buffer.read_varint("header length")
        if size == 0 or size > max_size:
            raise CarError(f"CAR header length {size} is outside 1..{max_size}")
        try:
            header = decode_dag_cbor(self._buffer.read(size, "header"))
        except DataModelError as exc:
            raise CarError(f"CAR header is not valid DAG-CBOR: {exc}") from None
        if header.get("version") != 1:
            raise CarError(f"unsupported CAR version {header.get('version')!r} (expected 1)")
        roots = header.get("roots")
        if not isinstance(roots, list) or not all(isinstance(r, CID) for r in roots):
            raise CarError("CAR header 'roots' must be a list of links")
        return list(roots)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Block]:
        try:
            while not self._buffer.at_end():
                yield self._read_block()
        finally:
            self.close()

    def _read_block(self) -> Block:
        start = self._buffer.offset
        size = self._buffer.read_varint("section length")
        if size > self._max_block_size:
            raise CarError(f"CAR section at byte {start} is {size} bytes, over the limit")
        cid_size = _cid_length(self._buffer.peek(min(size, 64)))
        if cid_size is None or cid_size > size:
            raise CarError(f"CAR section at byte {start} does not start with a valid CID")
        cid = CID._trusted(self._buffer.read(cid_size, "CID"))
        data = self._buffer.read(size - cid_size, "block")
        if self._verify:
            if cid.hash_code != SHA2_256:
                raise CarError(f"cannot verify block {cid}: hash {cid.hash_code:#x} unsupported")
            if not cid.matches(data):
                raise CarError(f"block at byte {start} does not match its CID {cid}")
        return Block(cid, data)

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    def __enter__(self) -> CarReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _cid_length(head: bytes) -> int | None:
    """Length of the binary CID at the start of ``head``, or None if there is none."""
    if head[:2] == b"\x12\x20":
        return 34
    if head[:1] != b"\x01":
        return None
    pos = 1
    for _ in range(3):  # codec, multihash code, digest size
        parsed = read_varint(head, pos)
        if parsed is None:
            return None
        size, pos = parsed
    end = pos + size
    return end if end <= len(head) and check_binary_cid(head[:end]) else None


def read_car(source: CarSource, *, verify: bool = True) -> CarReader:
    """Open a CAR from bytes, a path or a binary file; iterate it for its blocks."""
    return CarReader(source, verify=verify)


def write_car(roots: list[CID], blocks: Iterator[Block] | list[Block]) -> bytes:
    """Serialise roots and blocks as a CAR v1 file."""
    out = io.BytesIO()
    header = encode_dag_cbor({"version": 1, "roots": list(roots)})
    out.write(encode_varint(len(header)) + header)
    for cid, data in blocks:
        out.write(encode_varint(len(cid.raw) + len(data)))
        out.write(cid.raw)
        out.write(data)
    return out.getvalue()
