"""``Repo``: a repository read from a CAR (an export or a firehose slice), or built here.

It holds the commit and the blocks, walks the MST for records in key order, looks single
records up, verifies the whole thing against a signing key, and writes itself as a CAR.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO

from skykit.crypto import Keypair, PublicKey
from skykit.data import CID, DataModelError, Value, decode_dag_cbor, encode_dag_cbor
from skykit.repo._errors import CarError, CommitError, MissingBlockError, RecordError
from skykit.repo.blocks import BlockSource, CarBlocks, MemoryBlocks
from skykit.repo.car import Block, read_car_async, write_car
from skykit.repo.commit import Commit, create_commit
from skykit.repo.mst import Mst, check_key
from skykit.repo.mst._walk import walk_runs
from skykit.repo.record import RepoRecord

__all__ = ["Repo", "Verified"]


@dataclass(frozen=True)
class Verified:
    """What ``Repo.verify`` checked: the signed commit and every record under it."""

    did: str
    rev: str | None
    data: CID
    records: int


class Repo:
    """A repository: ``commit`` (with ``did``, ``rev``, ``data``) and the blocks under it.

    Read one with ``Repo.from_car(path | bytes | file)``; records come out of
    ``records()`` in key order. A partial CAR (a firehose slice) answers for what it holds
    and raises ``MissingBlockError`` naming the block and what needed it.
    """

    def __init__(self, commit: Commit, commit_cid: CID, blocks: BlockSource) -> None:
        self.commit = commit
        self.commit_cid = commit_cid
        self.blocks = blocks
        self._mst: Mst | None = None

    # -- reading --------------------------------------------------------------------------

    @classmethod
    def from_car(
        cls,
        source: bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes],
        *,
        verify_blocks: bool = True,
    ) -> Repo:
        """Read a repo CAR from bytes, a path (mapped, not read into memory) or a binary
        file. Blocks are checked against their CIDs as they are used (``verify_blocks``)."""
        blocks = CarBlocks.open(source, verify=verify_blocks)
        try:
            return cls._from_car_blocks(blocks)
        except BaseException:
            blocks.close()
            raise

    @classmethod
    async def from_car_async(
        cls, source: AsyncIterable[bytes | bytearray | memoryview], *, verify_blocks: bool = True
    ) -> Repo:
        """Read a repo CAR arriving as async byte chunks (e.g. an HTTP response body)."""
        reader = read_car_async(source, verify=verify_blocks)
        roots = await reader.roots()
        collected = [block async for block in reader]
        return cls._from_car_blocks(CarBlocks.from_blocks(roots, collected, verify=False))

    @classmethod
    def _from_car_blocks(cls, blocks: CarBlocks) -> Repo:
        if not blocks.roots:
            raise CarError("the CAR names no root, so it has no commit")
        root = blocks.roots[0]
        data = blocks.get(root)
        if data is None:
            raise MissingBlockError(root, "the commit (the CAR's first root)")
        return cls(Commit.decode(data, root), root, blocks)

    @property
    def did(self) -> str:
        return self.commit.did

    @property
    def rev(self) -> str | None:
        return self.commit.rev

    @property
    def data(self) -> CID:
        """The root of the repo's MST."""
        return self.commit.data

    @property
    def mst(self) -> Mst:
        """The repo's tree (checked as it loads: layers, order, prefixes)."""
        if self._mst is None:
            self._mst = Mst.load(self.commit.data, self.blocks)
        return self._mst

    def records(
        self, collection: str | None = None, *, partial: bool = False
    ) -> Iterator[RepoRecord]:
        """Every record (of ``collection``, if given) in key order.

        With ``partial``, subtrees whose nodes are missing are skipped instead of raising
        ``MissingBlockError`` (``missing_blocks()`` lists them).
        """
        start = stop = None
        if collection is not None:
            start, stop = f"{collection}/".encode(), f"{collection}0".encode()  # "0" follows "/"
        missing: list[MissingBlockError] | None = [] if partial else None
        blocks = self.blocks
        make = CID._trusted
        root = self.commit.data.raw
        for run in walk_runs(blocks, root, start=start, stop=stop, missing=missing):
            for key, value in run:
                name, _, rkey = key.partition("/")
                yield RepoRecord(name, rkey, make(value), blocks)

    def get(self, collection: str, rkey: str) -> RepoRecord | None:
        """The record ``collection/rkey``, or None when the repo does not hold it."""
        path = f"{collection}/{rkey}"
        cid = self.mst.get(path)
        return RepoRecord(collection, rkey, cid, self.blocks) if cid is not None else None

    def collections(self) -> dict[str, int]:
        """Record counts per collection, in key order."""
        counts: dict[str, int] = {}
        for record in self.records():
            counts[record.collection] = counts.get(record.collection, 0) + 1
        return counts

    def missing_blocks(self) -> list[MissingBlockError]:
        """What this (possibly partial) CAR lacks: MST nodes, then record blocks."""
        missing: list[MissingBlockError] = []
        records = list(self.records(partial=True))
        get = self.blocks.get_raw
        for record in records:
            if get(record.cid.raw) is None:
                missing.append(MissingBlockError(record.cid, f"record {record.path}"))
        return missing

    # -- verifying ------------------------------------------------------------------------

    def verify(self, did_key: str | PublicKey, *, did: str | None = None) -> Verified:
        """Check everything: the commit's signature by ``did_key`` (and its DID, if
        given), the whole MST by the spec's rules, and every record block present, matching
        its CID and valid atproto data. Raises the matching ``RepoError`` subclass."""
        if did is not None and self.commit.did != did:
            raise CommitError(f"the commit is for {self.commit.did}, not {did}")
        self.commit.check_signature(did_key)
        count = 0
        get = self.blocks.get_raw
        for path, cid in self.mst.items():
            data = get(cid.raw)
            if data is None:
                raise MissingBlockError(cid, f"record {path}")
            try:
                decode_dag_cbor(data)
            except DataModelError as exc:
                raise RecordError(f"record {path} ({cid}) is invalid: {exc}") from None
            count += 1
        return Verified(self.commit.did, self.commit.rev, self.commit.data, count)

    # -- writing --------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        did: str,
        records: Iterable[tuple[str, str, Mapping[str, Value]]],
        keypair: Keypair,
        *,
        rev: str | None = None,
    ) -> Repo:
        """A new repo holding ``records`` (collection, rkey, value), signed by ``keypair``."""
        blocks = MemoryBlocks()
        entries: dict[str, CID] = {}
        for collection, rkey, value in records:
            path = f"{collection}/{rkey}"
            check_key(path)
            if path in entries:
                raise RecordError(f"record {path} given twice")
            entries[path] = blocks.put(encode_dag_cbor(dict(value)))
        tree = Mst.build(entries)
        blocks.update(tree.blocks())
        commit = create_commit(did, tree.root, keypair, rev=rev)
        commit_cid = blocks.put(commit.to_dag_cbor())
        repo = cls(commit, commit_cid, blocks)
        repo._mst = Mst.load(tree.root, blocks)
        return repo

    def to_car(self) -> bytes:
        """The repo as a CAR: the commit, the MST nodes (root first), then the records in
        key order. ``MissingBlockError`` for a partial repo."""
        commit = self.blocks.get_raw(self.commit_cid.raw)
        if commit is None:
            raise MissingBlockError(self.commit_cid, "the commit")
        return write_car([self.commit_cid], self._blocks_for_car(commit))

    def _blocks_for_car(self, commit: bytes) -> Iterator[Block]:
        yield Block(self.commit_cid, commit)
        yield from self.mst.blocks()
        get = self.blocks.get_raw
        for path, cid in self.mst.items():
            data = get(cid.raw)
            if data is None:
                raise MissingBlockError(cid, f"record {path}")
            yield Block(cid, data)

    def close(self) -> None:
        """Release a mapped CAR file."""
        if isinstance(self.blocks, CarBlocks):
            self.blocks.close()

    def __enter__(self) -> Repo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Repo(did={self.did!r}, rev={self.rev!r}, data={str(self.data)!r})"
