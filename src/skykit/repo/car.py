"""Streaming CAR (v1) reader and writer.

The reader yields blocks one at a time from bytes, a path, a binary file or an async byte
stream (e.g. an HTTP response body), so a large repo export never has to sit in memory
whole. Every block's bytes are checked against its CID unless ``verify=False``. Limits on
the header size, varint lengths and block size keep malformed input from costing memory.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import IO, Final, NamedTuple

from skykit.data import CID, encode_dag_cbor
from skykit.data._cid import SHA2_256
from skykit.data._varint import encode_varint
from skykit.repo._car_scan import (
    DEFAULT_MAX_BLOCK_SIZE,
    DEFAULT_MAX_HEADER_SIZE,
    NeedMore,
    Section,
    header_truncated,
    read_header,
    scan,
    section_truncated,
)
from skykit.repo._errors import CarError

__all__ = [
    "DEFAULT_MAX_BLOCK_SIZE",
    "DEFAULT_MAX_HEADER_SIZE",
    "AsyncCarReader",
    "Block",
    "CarParser",
    "CarReader",
    "CarSource",
    "read_car",
    "read_car_async",
    "verify_block",
    "write_car",
]

CHUNK_SIZE: Final = 256 * 1024

CarSource = bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes]


class Block(NamedTuple):
    cid: CID
    data: bytes


def verify_block(cid: bytes, data: bytes, offset: int | None = None) -> None:
    """Raise ``CarError`` unless ``data`` hashes to the binary CID ``cid``."""
    if len(cid) == 36 and cid[2] == SHA2_256 and cid[3] == 32:
        if hashlib.sha256(data).digest() == cid[4:]:
            return
    else:
        parsed = CID._trusted(cid)
        if parsed.hash_code != SHA2_256:
            raise CarError(f"cannot verify block {parsed}: hash {parsed.hash_code:#x} unsupported")
        if parsed.matches(data):
            return
    where = f" at byte {offset}" if offset is not None else ""
    raise CarError(f"block{where} does not match its CID {CID._trusted(cid)}")


class CarParser:
    """Sans-I/O CAR parser: ``feed`` it bytes as they arrive, get the blocks they complete.

    ``roots`` is set once the header is complete; ``close()`` says the input ended and
    raises ``CarError`` if that was inside the header or a section. Pending bytes never
    exceed one section (bounded by ``max_block_size``) plus the last chunk fed.
    """

    def __init__(
        self,
        *,
        verify: bool = True,
        max_header_size: int = DEFAULT_MAX_HEADER_SIZE,
        max_block_size: int = DEFAULT_MAX_BLOCK_SIZE,
    ) -> None:
        self.roots: list[CID] | None = None
        self._verify = verify
        self._max_header_size = max_header_size
        self._max_block_size = max_block_size
        self._buf = bytearray()
        self._base = 0  # stream offset of self._buf[0]
        self._need = 1  # buffer length needed before parsing is worth trying again

    def feed(self, data: bytes | bytearray | memoryview) -> list[Block]:
        self._buf += data
        if len(self._buf) < self._need:
            return []
        if self.roots is None and not self._take_header():
            return []
        blocks: list[Block] = []
        buf = self._buf
        for _ in range(len(buf) + 1):  # each round takes at least one section or returns
            sections: list[Section] = []
            pos, need = scan(buf, 0, self._base, self._max_block_size, sections)
            for cid_slice, start, stop in sections:
                cid, data_bytes = bytes(cid_slice), bytes(buf[start:stop])
                if self._verify:
                    verify_block(cid, data_bytes, self._base + start - len(cid))
                blocks.append(Block(CID._trusted(cid), data_bytes))
            del buf[:pos]
            self._base += pos
            if need or not buf:
                self._need = max(need - pos, 1)
                return blocks
        raise CarError("CAR parser made no progress")  # unreachable: see the loop bound

    def _take_header(self) -> bool:
        try:
            self.roots, pos = read_header(self._buf, self._max_header_size)
        except NeedMore as more:
            self._need = more.size
            return False
        del self._buf[:pos]
        self._base += pos
        return True

    def close(self) -> None:
        if self.roots is None:
            try:
                read_header(self._buf, self._max_header_size)
            except NeedMore:
                raise header_truncated(self._buf, self._base) from None
        if self._buf:
            raise section_truncated(self._buf, 0, self._base, self._need)


class CarReader:
    """Iterate the blocks of a CAR from bytes, a path or a binary file; ``roots`` is read
    up front. A path is opened here and closed when iteration ends or on ``close()``."""

    def __init__(
        self,
        source: CarSource,
        *,
        verify: bool = True,
        max_header_size: int = DEFAULT_MAX_HEADER_SIZE,
        max_block_size: int = DEFAULT_MAX_BLOCK_SIZE,
    ) -> None:
        self._owned: IO[bytes] | None = None
        self._stream: IO[bytes] | None = None
        self._data: bytes | None = None
        self._verify = verify
        self._max_block_size = max_block_size
        self._parser = CarParser(
            verify=verify, max_header_size=max_header_size, max_block_size=max_block_size
        )
        self._pending: list[Block] = []
        if isinstance(source, bytes | bytearray | memoryview):
            self._data = bytes(source)
        elif isinstance(source, str | os.PathLike):
            try:
                self._owned = self._stream = Path(source).open("rb")  # noqa: SIM115
            except OSError as exc:
                raise CarError(f"cannot open CAR file {os.fspath(source)!r}: {exc}") from None
        elif hasattr(source, "read"):
            self._stream = source
        else:
            raise CarError(f"cannot read a CAR from {type(source).__name__}")
        try:
            self.roots = self._read_header(max_header_size)
        except BaseException:
            self.close()
            raise

    def _read_header(self, max_size: int) -> list[CID]:
        if self._data is not None:
            try:
                roots, self._start = read_header(self._data, max_size)
            except NeedMore:
                raise header_truncated(self._data) from None
            return roots
        while self._parser.roots is None:
            chunk = self._read_chunk()
            if not chunk:
                self._parser.close()
            self._pending.extend(self._parser.feed(chunk))
        return self._parser.roots

    def _read_chunk(self) -> bytes:
        assert self._stream is not None
        try:
            chunk = self._stream.read(CHUNK_SIZE)
        except OSError as exc:
            raise CarError(f"cannot read the CAR: {exc}") from None
        return chunk or b""

    def __iter__(self) -> Iterator[Block]:
        try:
            if self._data is not None:
                yield from self._iter_bytes(self._data)
                return
            yield from self._pending
            self._pending = []
            while chunk := self._read_chunk():
                yield from self._parser.feed(chunk)
            self._parser.close()
        finally:
            self.close()

    def _iter_bytes(self, data: bytes) -> Iterator[Block]:
        pos = self._start
        while pos < len(data):
            sections: list[Section] = []
            pos, need = scan(data, pos, 0, self._max_block_size, sections)
            for cid, start, stop in sections:
                block = data[start:stop]
                if self._verify:
                    verify_block(cid, block, start - len(cid))
                yield Block(CID._trusted(cid), block)
            if need:
                raise section_truncated(data, pos, 0, need)

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()
            self._owned = None
        self._stream = None

    def __enter__(self) -> CarReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_car(source: CarSource, *, verify: bool = True) -> CarReader:
    """Open a CAR from bytes, a path or a binary file; iterate it for its blocks."""
    return CarReader(source, verify=verify)


class AsyncCarReader:
    """Blocks of a CAR arriving as an async stream of byte chunks (e.g. ``aiter_bytes()``
    of an HTTP response). ``await roots()`` reads the header; ``async for`` gives blocks.
    Runs on any anyio backend (asyncio or trio): it only awaits the source."""

    def __init__(
        self,
        source: AsyncIterable[bytes | bytearray | memoryview],
        *,
        verify: bool = True,
        max_header_size: int = DEFAULT_MAX_HEADER_SIZE,
        max_block_size: int = DEFAULT_MAX_BLOCK_SIZE,
    ) -> None:
        self._chunks = aiter(source)
        self._parser = CarParser(
            verify=verify, max_header_size=max_header_size, max_block_size=max_block_size
        )
        self._pending: list[Block] = []
        self._ended = False

    async def roots(self) -> list[CID]:
        while self._parser.roots is None:
            chunk = await self._next_chunk()
            if chunk is None:
                self._parser.close()
            else:
                self._pending.extend(self._parser.feed(chunk))
        return self._parser.roots

    async def _next_chunk(self) -> bytes | bytearray | memoryview | None:
        if self._ended:
            return None
        try:
            return await anext(self._chunks)
        except StopAsyncIteration:
            self._ended = True
            return None

    async def __aiter__(self) -> AsyncIterator[Block]:
        await self.roots()
        for block in self._pending:
            yield block
        self._pending = []
        while (chunk := await self._next_chunk()) is not None:
            for block in self._parser.feed(chunk):
                yield block
        self._parser.close()


def read_car_async(
    source: AsyncIterable[bytes | bytearray | memoryview], *, verify: bool = True
) -> AsyncCarReader:
    """Read a CAR from an async iterable of byte chunks; see ``AsyncCarReader``."""
    return AsyncCarReader(source, verify=verify)


def write_car(roots: list[CID], blocks: Iterable[Block] | Iterable[tuple[CID, bytes]]) -> bytes:
    """Serialise roots and blocks as a CAR v1 file."""
    out = io.BytesIO()
    header = encode_dag_cbor({"version": 1, "roots": list(roots)})
    out.write(encode_varint(len(header)) + header)
    for cid, data in blocks:
        out.write(encode_varint(len(cid.raw) + len(data)))
        out.write(cid.raw)
        out.write(data)
    return out.getvalue()
