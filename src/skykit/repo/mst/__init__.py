"""The Merkle Search Tree of atproto repositories.

``Mst`` maps repo paths (``collection/rkey``) to record CIDs: load one from blocks, walk
it in key order, look keys up, build one from records, insert, update and delete (each
edit gives a new tree). ``diff`` compares two trees (created and deleted nodes, record
operations, proof nodes), ``invert`` undoes a commit's operations and ``check_inversion``
checks a firehose commit against its ``prevData`` (Sync 1.1). Key heights and prefix
compression follow the repository spec: a key's layer is the number of leading zero bits
of its SHA-256 divided by two (fanout 4).
"""

from __future__ import annotations

from skykit.repo.mst._diff import MstDiff, RecordOp, apply, check_inversion, diff, invert
from skykit.repo.mst._keys import MAX_KEY_LENGTH, check_key, is_valid_key
from skykit.repo.mst._node import common_prefix_length, key_height
from skykit.repo.mst._tree import Mst
from skykit.repo.mst._walk import walk_stored

__all__ = [
    "MAX_KEY_LENGTH",
    "Mst",
    "MstDiff",
    "RecordOp",
    "apply",
    "check_inversion",
    "check_key",
    "common_prefix_length",
    "diff",
    "invert",
    "is_valid_key",
    "key_height",
    "walk_stored",
]
