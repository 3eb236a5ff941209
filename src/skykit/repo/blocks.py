"""Block stores: where trees and repos read their blocks from, by binary CID.

``MemoryBlocks`` is a dict that building and editing trees write into. ``CarBlocks`` keeps
a whole CAR as one buffer (the bytes given, or the file mapped into memory, so a repo read
from a path costs little memory of its own) with an index of where each block lies; a
block is hashed against its CID when it is read, so a walk verifies what it uses.
"""

from __future__ import annotations

import mmap
import os
import stat
from collections.abc import Iterable, Iterator, Mapping
from hashlib import sha256 as _sha256
from pathlib import Path
from typing import IO, Protocol

from skykit.data import CID, DAG_CBOR
from skykit.repo._car_scan import (
    DEFAULT_MAX_BLOCK_SIZE,
    DEFAULT_MAX_HEADER_SIZE,
    Buffer,
    NeedMore,
    Section,
    header_truncated,
    read_header,
    scan,
    section_truncated,
)
from skykit.repo._errors import CarError
from skykit.repo.car import Block, CarReader, verify_block

__all__ = ["BlockSource", "CarBlocks", "MemoryBlocks"]


class BlockSource(Protocol):
    """Anything that hands out blocks by binary CID (``CID.raw``)."""

    def get_raw(self, cid: bytes, /) -> bytes | None: ...


class MemoryBlocks:
    """Blocks held in a dict, keyed by binary CID."""

    def __init__(self, blocks: Mapping[CID, bytes] | Iterable[Block] = ()) -> None:
        self._blocks: dict[bytes, bytes] = {}
        items = blocks.items() if isinstance(blocks, Mapping) else blocks
        for cid, data in items:
            self._blocks[cid.raw] = data

    def get_raw(self, cid: bytes, /) -> bytes | None:
        return self._blocks.get(cid)

    def get(self, cid: CID) -> bytes | None:
        return self._blocks.get(cid.raw)

    def put(self, data: bytes, codec: int = DAG_CBOR) -> CID:
        """Store ``data`` under the CID computed from it."""
        cid = CID.compute(data, codec)
        self._blocks[cid.raw] = data
        return cid

    def add(self, cid: CID, data: bytes) -> None:
        """Store a block under a CID it was already checked against."""
        self._blocks[cid.raw] = data

    def update(self, blocks: Iterable[Block] | Iterable[tuple[CID, bytes]]) -> None:
        for cid, data in blocks:
            self._blocks[cid.raw] = data

    def __contains__(self, cid: object) -> bool:
        return isinstance(cid, CID) and cid.raw in self._blocks

    def __len__(self) -> int:
        return len(self._blocks)

    def __iter__(self) -> Iterator[Block]:
        for raw, data in self._blocks.items():
            yield Block(CID._trusted(raw), data)


class CarBlocks:
    """The blocks of one CAR, read from bytes, a path (mapped), a file or a list of blocks.

    ``roots`` are the CAR header's roots. With ``verify`` (the default) each block is
    checked against its CID when read (``CarError`` if it does not match).
    """

    def __init__(
        self,
        roots: list[CID],
        buffer: Buffer,
        index: dict[bytes, int],
        *,
        verify: bool = True,
        mapped: mmap.mmap | None = None,
    ) -> None:
        self.roots = roots
        self._buffer = buffer
        self._index = index  # binary CID -> start << 32 | length
        self._verify = verify
        self._mapped = mapped

    @classmethod
    def open(
        cls,
        source: bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes],
        *,
        verify: bool = True,
        max_header_size: int = DEFAULT_MAX_HEADER_SIZE,
        max_block_size: int = DEFAULT_MAX_BLOCK_SIZE,
    ) -> CarBlocks:
        """Index a CAR from bytes, a path (memory-mapped) or a binary file object."""
        if isinstance(source, bytes | bytearray | memoryview):
            data = bytes(source)
            roots, index = _index(data, max_header_size, max_block_size)
            return cls(roots, data, index, verify=verify)
        if isinstance(source, str | os.PathLike):
            return cls._open_path(Path(source), verify, max_header_size, max_block_size)
        if hasattr(source, "read"):
            reader = CarReader(
                source,
                verify=verify,
                max_header_size=max_header_size,
                max_block_size=max_block_size,
            )
            return cls.from_blocks(reader.roots, reader, verify=False)
        raise CarError(f"cannot read a CAR from {type(source).__name__}")

    @classmethod
    def _open_path(
        cls, path: Path, verify: bool, max_header_size: int, max_block_size: int
    ) -> CarBlocks:
        try:
            file = path.open("rb")
        except OSError as exc:
            raise CarError(f"cannot open CAR file {os.fspath(path)!r}: {exc}") from None
        with file:
            mapped = _map(file)
            if mapped is None:  # a pipe or device: read it as a stream
                reader = CarReader(
                    file,
                    verify=verify,
                    max_header_size=max_header_size,
                    max_block_size=max_block_size,
                )
                return cls.from_blocks(reader.roots, reader, verify=False)
        try:
            roots, index = _index(mapped, max_header_size, max_block_size)
        except BaseException:
            mapped.close()
            raise
        return cls(roots, mapped, index, verify=verify, mapped=mapped)

    @classmethod
    def from_blocks(
        cls, roots: list[CID], blocks: Iterable[Block], *, verify: bool = True
    ) -> CarBlocks:
        """Collect already-read blocks (e.g. from a stream) into one buffer."""
        buffer = bytearray()
        index: dict[bytes, int] = {}
        for cid, data in blocks:
            index[cid.raw] = len(buffer) << 32 | len(data)
            buffer += data
        return cls(roots, bytes(buffer), index, verify=verify)

    def get_raw(self, cid: bytes, /) -> bytes | None:
        where = self._index.get(cid)
        if where is None:
            return None
        start = where >> 32
        data: bytes = self._buffer[start : start + (where & 0xFFFFFFFF)]  # type: ignore[assignment]
        # The usual SHA-256 CID is checked inline; verify_block handles the rest and errors.
        if self._verify and (len(cid) != 36 or cid[2] != 0x12 or _sha256(data).digest() != cid[4:]):
            verify_block(cid, data)
        return data

    def get(self, cid: CID) -> bytes | None:
        return self.get_raw(cid.raw)

    def __contains__(self, cid: object) -> bool:
        return isinstance(cid, CID) and cid.raw in self._index

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self) -> Iterator[Block]:
        for raw in self._index:
            data = self.get_raw(raw)
            assert data is not None
            yield Block(CID._trusted(raw), data)

    def close(self) -> None:
        """Release the mapped file (blocks can no longer be read)."""
        if self._mapped is not None:
            self._index = {}
            self._mapped.close()
            self._mapped = None


def _map(file: IO[bytes]) -> mmap.mmap | None:
    """The file mapped read-only, or None when it is not a regular file that can be."""
    try:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            return None
        if status.st_size == 0:
            raise header_truncated(b"")
        return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError:
        return None


def _index(
    buf: Buffer, max_header_size: int, max_block_size: int
) -> tuple[list[CID], dict[bytes, int]]:
    try:
        roots, pos = read_header(buf, max_header_size)
    except NeedMore:
        raise header_truncated(buf) from None
    index: dict[bytes, int] = {}
    end = len(buf)
    while pos < end:  # each scan consumes at least one section or raises
        sections: list[Section] = []
        pos, need = scan(buf, pos, 0, max_block_size, sections)
        for cid, start, stop in sections:
            index[cid] = start << 32 | (stop - start)
        if need:
            raise section_truncated(buf, pos, 0, need)
    return roots, index
