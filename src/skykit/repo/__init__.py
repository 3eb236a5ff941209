"""Repositories: CAR files, the Merkle Search Tree, commits, and verified record walks.

``Repo.from_car(path)`` reads a repo export (or a firehose slice) and walks its records;
``skykit.repo.mst`` holds the tree (build, edit, diff, invert); ``skykit.repo.commit``
reads, creates and signs commits; ``read_car``/``read_car_async``/``write_car`` handle
the CAR format itself.
"""

from __future__ import annotations

from skykit.repo._errors import (
    CarError,
    CommitError,
    InvalidSignatureError,
    InversionError,
    MissingBlockError,
    MstError,
    MstKeyError,
    RecordError,
    RepoError,
)
from skykit.repo.blocks import BlockSource, CarBlocks, MemoryBlocks
from skykit.repo.car import (
    AsyncCarReader,
    Block,
    CarParser,
    CarReader,
    read_car,
    read_car_async,
    write_car,
)
from skykit.repo.commit import Commit, create_commit
from skykit.repo.mst import Mst, MstDiff, RecordOp
from skykit.repo.record import RepoRecord
from skykit.repo.repo import Repo, Verified

__all__ = [
    "AsyncCarReader",
    "Block",
    "BlockSource",
    "CarBlocks",
    "CarError",
    "CarParser",
    "CarReader",
    "Commit",
    "CommitError",
    "InvalidSignatureError",
    "InversionError",
    "MemoryBlocks",
    "MissingBlockError",
    "Mst",
    "MstDiff",
    "MstError",
    "MstKeyError",
    "RecordError",
    "RecordOp",
    "Repo",
    "RepoError",
    "RepoRecord",
    "Verified",
    "create_commit",
    "read_car",
    "read_car_async",
    "write_car",
]
