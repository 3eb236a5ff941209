"""Content identifiers (CIDs): parse, print, compute and check.

A ``CID`` wraps the binary form. atproto writes CIDv1 with the dag-cbor (records, commits,
MST nodes) or raw (blobs) codec and a SHA-256 multihash; CIDv0 strings still appear in old
data and are read.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Final

import libipld

from skykit.data._errors import DataModelError
from skykit.data._varint import encode_varint, read_varint

DAG_CBOR: Final = 0x71
RAW: Final = 0x55
DAG_PB: Final = 0x70
SHA2_256: Final = 0x12

_MAX_DIGEST_SIZE: Final = 64
_V1_SHA256_PREFIXES: Final = {
    codec: bytes([1]) + encode_varint(codec) + bytes([SHA2_256, 32]) for codec in (DAG_CBOR, RAW)
}


def _check_binary(raw: bytes) -> str | None:
    """Why ``raw`` is not a binary CID, or None when it is one (exactly, nothing trailing)."""
    size = len(raw)
    if size == 34 and raw[0] == SHA2_256 and raw[1] == 32:
        return None  # CIDv0: a bare sha2-256 multihash
    if size < 4 or raw[0] != 1:
        return "not a CIDv1 (must start with version 1) nor a CIDv0 sha2-256 multihash"
    pos = 1
    for part in ("codec", "multihash code", "digest size"):
        read = read_varint(raw, pos)
        if read is None:
            return f"bad {part} varint"
        value, pos = read
    if value > _MAX_DIGEST_SIZE:
        return f"digest size {value} exceeds {_MAX_DIGEST_SIZE}"
    if size - pos != value:
        return f"digest is {size - pos} bytes but the multihash says {value}"
    return None


class CID:
    """An immutable content identifier.

    Equality and hashing use the binary form; ``str(cid)`` gives the canonical string
    (base32 ``b...`` for CIDv1, base58btc ``Qm...`` for CIDv0).
    """

    __slots__ = ("_raw", "_str")

    _raw: bytes
    _str: str | None

    def __init__(self, raw: bytes) -> None:
        if type(raw) is not bytes:
            raise DataModelError(f"CID must be built from bytes, got {type(raw).__name__}")
        problem = _check_binary(raw)
        if problem is not None:
            raise DataModelError(f"invalid binary CID {raw[:40].hex()}: {problem}")
        self._raw = raw
        self._str = None

    @classmethod
    def _trusted(cls, raw: bytes) -> CID:
        # For bytes already checked by _check_binary: skips the second check on hot paths.
        cid = object.__new__(cls)
        cid._raw = raw
        cid._str = None
        return cid

    @classmethod
    def from_bytes(cls, raw: bytes) -> CID:
        """Parse a binary CID, requiring exactly one CID and nothing after it."""
        return cls(raw)

    @classmethod
    def decode(cls, text: str) -> CID:
        """Parse a CID string: CIDv1 in a multibase (normally base32 ``b...``) or CIDv0."""
        if type(text) is not str:
            raise DataModelError(f"CID string must be str, got {type(text).__name__}")
        raw = _decode_string(text)
        problem = _check_binary(raw) if raw is not None else "not a multibase CID string"
        if problem is not None or raw is None:
            raise DataModelError(f"invalid CID string {text[:80]!r}: {problem}")
        if raw[0] == SHA2_256 and not text.startswith("Qm"):
            raise DataModelError(f"invalid CID string {text[:80]!r}: CIDv0 must be base58 'Qm'")
        return cls._trusted(raw)

    @classmethod
    def compute(cls, block: bytes, codec: int = DAG_CBOR) -> CID:
        """The CIDv1 (SHA-256) of a block of ``codec``-encoded bytes."""
        prefix = _V1_SHA256_PREFIXES.get(codec)
        if prefix is None:
            prefix = bytes([1]) + encode_varint(codec) + bytes([SHA2_256, 32])
        return cls._trusted(prefix + hashlib.sha256(block).digest())

    @property
    def raw(self) -> bytes:
        """The binary form (as carried inside DAG-CBOR tag 42, without its 0x00 prefix)."""
        return self._raw

    def __bytes__(self) -> bytes:
        return self._raw

    @property
    def version(self) -> int:
        return 0 if self._raw[0] == SHA2_256 else 1

    @property
    def codec(self) -> int:
        if self.version == 0:
            return DAG_PB
        return self._fields()[0]

    @property
    def hash_code(self) -> int:
        return SHA2_256 if self.version == 0 else self._fields()[1]

    @property
    def digest(self) -> bytes:
        return self._raw[2:] if self.version == 0 else self._raw[self._fields()[2] :]

    def _fields(self) -> tuple[int, int, int]:
        # (codec, multihash code, digest offset) of a CIDv1; valid by construction.
        codec, pos = read_varint(self._raw, 1) or (0, 0)
        code, pos = read_varint(self._raw, pos) or (0, 0)
        _size, pos = read_varint(self._raw, pos) or (0, 0)
        return codec, code, pos

    def matches(self, block: bytes) -> bool:
        """Whether ``block`` hashes to this CID. Only SHA-256 CIDs can be checked."""
        if self.hash_code != SHA2_256:
            raise DataModelError(f"cannot check {self}: multihash code {self.hash_code:#x}")
        return hashlib.sha256(block).digest() == self.digest

    def __str__(self) -> str:
        text = self._str
        if text is None:
            if self._raw[0] == SHA2_256:
                text = libipld.encode_multibase("z", self._raw)[1:]
            else:
                text = "b" + base64.b32encode(self._raw).decode("ascii").lower().rstrip("=")
            self._str = text
        return text

    def __repr__(self) -> str:
        return f"CID({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CID):
            return self._raw == other._raw
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._raw)

    def __lt__(self, other: CID) -> bool:
        return self._raw < other._raw

    def __reduce__(self) -> tuple[type[CID], tuple[bytes]]:
        return (CID, (self._raw,))


def _decode_string(text: str) -> bytes | None:
    if len(text) == 46 and text.startswith("Qm"):
        try:
            return bytes(libipld.decode_multibase("z" + text)[1])
        except ValueError:
            return None
    if len(text) < 2 or not text.isascii():
        return None
    if text[0] == "b":
        body = text[1:]
        if body != body.lower():
            return None
        try:
            return base64.b32decode(body.upper() + "=" * (-len(body) % 8))
        except ValueError:
            return None
    try:
        return bytes(libipld.decode_multibase(text)[1])
    except ValueError:
        return None


def is_link_shaped(raw: bytes) -> bool:
    """Whether libipld would take this byte string for a CID link.

    libipld decodes links to plain ``bytes`` and encodes any ``bytes`` that starts like a
    CID as a link. This is a superset of what it treats as a link, so a ``False`` here
    means the value is safely an ordinary byte string.
    """
    return raw[:1] == b"\x01" or raw[:2] == b"\x12\x20"


def check_binary_cid(raw: bytes) -> bool:
    """Whether ``raw`` is exactly one valid binary CID."""
    return _check_binary(raw) is None
