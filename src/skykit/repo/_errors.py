"""Errors of the repository layer.

Every failure a reader of repos can meet has its own class, so callers can tell a corrupt
file (``CarError``), an incomplete one (``MissingBlockError``), a malformed tree
(``MstError``) and a forged one (``InvalidSignatureError``, ``InversionError``) apart.
"""

from __future__ import annotations

from skykit.data import CID
from skykit.errors import SkykitError


class RepoError(SkykitError):
    """A repository, CAR file, MST or commit is invalid or incomplete."""


class CarError(RepoError, ValueError):
    """A CAR file is malformed, exceeds a limit, or holds a block that does not match its CID."""


class MissingBlockError(RepoError):
    """A block the operation needs is not in the CAR or block store (e.g. a firehose slice).

    ``cid`` is the missing block and ``needed_by`` says what needed it.
    """

    def __init__(self, cid: CID, needed_by: str) -> None:
        super().__init__(f"block {cid} is missing: {needed_by}")
        self.cid = cid
        self.needed_by = needed_by


class MstError(RepoError, ValueError):
    """An MST node is malformed or the tree breaks the repository spec's structure rules
    (key order, prefix compression, key heights, empty nodes)."""


class MstKeyError(MstError):
    """A key is not a valid MST key, or an operation needs a key the tree does not hold."""


class CommitError(RepoError, ValueError):
    """A commit object is malformed (fields, types, DID or rev syntax, version)."""


class InvalidSignatureError(RepoError):
    """A commit's signature does not verify against the given key."""


class InversionError(RepoError):
    """A commit's operations do not invert to its ``prevData``: the commit is not consistent
    with the tree it claims to change."""


class RecordError(RepoError, ValueError):
    """A record block is not valid atproto data (it names the record path and CID)."""
