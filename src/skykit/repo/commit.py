"""Repo commits: the signed object that names a repo's DID, revision and MST root.

A v3 commit is ``{did, version: 3, data, rev, prev, sig}``; ``sig`` signs the DAG-CBOR of
the same map without ``sig``. Version 2 commits (no ``rev`` needed) are read too. Fields
this version does not know are kept, so the signed bytes are rebuilt exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from skykit.crypto import Keypair, PublicKey, verify_signature
from skykit.data import CID, DataModelError, Value, decode_dag_cbor, encode_dag_cbor
from skykit.repo._errors import CommitError, InvalidSignatureError
from skykit.syntax import DID, TID, InvalidSyntaxError, next_tid

__all__ = ["SUPPORTED_VERSIONS", "Commit", "create_commit"]

SUPPORTED_VERSIONS = frozenset({2, 3})


@dataclass(frozen=True)
class Commit:
    """A decoded, checked commit. ``rev`` is None only for version 2 commits without one."""

    did: str
    version: int
    data: CID
    rev: str | None
    prev: CID | None
    sig: bytes = field(repr=False)
    unsigned: dict[str, Value] = field(repr=False, compare=False)
    """The commit's map without ``sig``: exactly what the signature covers."""

    @classmethod
    def decode(cls, block: bytes, cid: CID | None = None) -> Commit:
        """Read a commit block; ``CommitError`` names the field that is wrong."""
        where = f"commit {cid}" if cid is not None else "commit"
        try:
            value = decode_dag_cbor(block)
        except DataModelError as exc:
            raise CommitError(f"{where} is not valid DAG-CBOR: {exc}") from None
        return cls.from_data(value, where)

    @classmethod
    def from_data(cls, value: Mapping[str, Value], where: str = "commit") -> Commit:
        version = value.get("version")
        if type(version) is not int or version not in SUPPORTED_VERSIONS:
            raise CommitError(f"{where} has version {version!r}; skykit reads versions 2 and 3")
        did = _field(value, "did", str, where)
        try:
            DID(did)
        except InvalidSyntaxError as exc:
            raise CommitError(f"{where} has an invalid did: {exc}") from None
        data = _field(value, "data", CID, where)
        sig = _field(value, "sig", bytes, where)
        if version == 3 and "prev" not in value:
            raise CommitError(f"{where} (version 3) has no 'prev' field (it may be null)")
        prev = value.get("prev")
        if prev is not None and type(prev) is not CID:
            raise CommitError(f"{where} field 'prev' must be a link or null")
        rev: str | None = None
        if version == 3 or "rev" in value:
            rev = _field(value, "rev", str, where)
            try:
                TID(rev)
            except InvalidSyntaxError as exc:
                raise CommitError(f"{where} has an invalid rev: {exc}") from None
        unsigned = {key: item for key, item in value.items() if key != "sig"}
        return cls(did, version, data, rev, prev, sig, unsigned)

    def unsigned_bytes(self) -> bytes:
        """The bytes the signature covers."""
        return encode_dag_cbor(self.unsigned)

    def to_data(self) -> dict[str, Value]:
        return {**self.unsigned, "sig": self.sig}

    def to_dag_cbor(self) -> bytes:
        return encode_dag_cbor(self.to_data())

    @property
    def cid(self) -> CID:
        return CID.compute(self.to_dag_cbor())

    def verify_signature(self, key: str | PublicKey) -> bool:
        """Whether ``sig`` is a valid signature by ``key`` (did:key, Multikey or PublicKey)."""
        return verify_signature(key, self.unsigned_bytes(), self.sig)

    def check_signature(self, key: str | PublicKey) -> None:
        """Raise ``InvalidSignatureError`` unless ``key`` signed this commit."""
        if not self.verify_signature(key):
            shown = key.did_key() if isinstance(key, PublicKey) else key
            raise InvalidSignatureError(
                f"the signature of the commit of {self.did} (rev {self.rev}) does not verify "
                f"with {shown}"
            )


def create_commit(
    did: str,
    data: CID,
    keypair: Keypair,
    *,
    rev: str | None = None,
    prev: CID | None = None,
) -> Commit:
    """A signed version 3 commit of the tree ``data``; ``rev`` defaults to a fresh TID."""
    try:
        DID(did)
        rev = TID(rev) if rev is not None else next_tid()
    except InvalidSyntaxError as exc:
        raise CommitError(f"cannot create a commit: {exc}") from None
    unsigned: dict[str, Value] = {
        "did": str(did),
        "version": 3,
        "data": data,
        "rev": str(rev),
        "prev": prev,
    }
    sig = keypair.sign(encode_dag_cbor(unsigned))
    return Commit(str(did), 3, data, str(rev), prev, sig, unsigned)


def _field(value: Mapping[str, Value], name: str, kind: type[Any], where: str) -> Any:
    item = value.get(name)
    if type(item) is not kind:
        expected = {str: "a string", CID: "a link", bytes: "bytes"}.get(kind, kind.__name__)
        got = "missing" if name not in value else f"a {type(item).__name__}"
        raise CommitError(f"{where} field {name!r} must be {expected}, got {got}")
    return item
