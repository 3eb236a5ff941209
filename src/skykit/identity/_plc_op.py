"""One signed did:plc operation (web.plc.directory/spec/v0.1/did-plc): its shape, its CID,
the bytes its signature covers, and which rotation key signed it.

Hashing and signing work on the DAG-CBOR of the operation exactly as received (``prev`` is a
CID *string*, not a link), so the JSON object is encoded as plain data, never through the
atproto JSON reader that would turn ``$link`` objects into links.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal

from skykit.crypto import CryptoError, PublicKey
from skykit.data import CID, DataModelError, encode_dag_cbor
from skykit.identity._errors import InvalidPlcLogError
from skykit.syntax import DID

PlcOpType = Literal["plc_operation", "plc_tombstone", "create"]
OP_TYPES: Final = ("plc_operation", "plc_tombstone", "create")
MAX_ROTATION_KEYS: Final = 5
MAX_ENTRIES_PER_FIELD: Final = 64
SIGNATURE_BYTES: Final = 64
_BASE64URL: Final = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True, slots=True)
class PlcService:
    type: str
    endpoint: str


@dataclass(frozen=True, slots=True)
class PlcOperation:
    """A parsed operation. Legacy ``create`` operations are presented in the regular form
    (``rotation_keys`` = recovery key then signing key, ``at://`` handle, ``atproto_pds``
    service) while ``raw`` keeps the original object for hashing."""

    type: PlcOpType
    prev: str | None
    sig: str
    rotation_keys: tuple[str, ...]
    verification_methods: Mapping[str, str]
    also_known_as: tuple[str, ...]
    services: Mapping[str, PlcService]
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, value: object, did: str | None = None) -> PlcOperation:
        """Parse an operation object; ``InvalidPlcLogError`` names what is missing."""
        return _parse(value, did)

    @property
    def is_tombstone(self) -> bool:
        return self.type == "plc_tombstone"

    def signed_bytes(self) -> bytes:
        """DAG-CBOR of the whole operation: what the CID (and a genesis DID) hash."""
        return _encode(dict(self.raw))

    def unsigned_bytes(self) -> bytes:
        """DAG-CBOR of the operation without ``sig``: what the signature covers."""
        return _encode({k: v for k, v in self.raw.items() if k != "sig"})

    def cid(self) -> CID:
        return CID.compute(self.signed_bytes())

    def genesis_did(self) -> DID:
        """The DID this operation creates when it is a genesis: ``did:plc:`` and the first
        24 base32 characters of SHA-256 of the signed operation."""
        digest = hashlib.sha256(self.signed_bytes()).digest()
        return DID("did:plc:" + base64.b32encode(digest).decode("ascii").lower()[:24])

    def signature(self) -> bytes:
        """The 64-byte ``r || s`` signature; non-canonical base64url is refused, since it
        would let the CID change without invalidating the signature."""
        text = self.sig
        if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
            raise InvalidPlcLogError(f"operation sig {text[:24]!r}... is not unpadded base64url")
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except binascii.Error:
            raise InvalidPlcLogError(f"operation sig {text[:24]!r}... is not base64url") from None
        if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != text:
            raise InvalidPlcLogError("operation sig has non-zero padding bits (non-canonical)")
        if len(raw) != SIGNATURE_BYTES:
            raise InvalidPlcLogError(f"operation sig is {len(raw)} bytes, expected 64")
        return raw

    def signer_index(self, rotation_keys: Sequence[str]) -> int | None:
        """The position in ``rotation_keys`` of the first key whose signature this is."""
        signature = self.signature()
        message = self.unsigned_bytes()
        for index, did_key in enumerate(rotation_keys[:MAX_ROTATION_KEYS]):
            try:
                key = PublicKey.from_did_key(did_key)
            except CryptoError:
                continue
            if key.verify(message, signature):
                return index
        return None


def _encode(value: dict[str, Any]) -> bytes:
    try:
        return encode_dag_cbor(value)
    except DataModelError as exc:
        raise InvalidPlcLogError(f"operation cannot be encoded as DAG-CBOR: {exc}") from None


def _parse(value: object, did: str | None) -> PlcOperation:
    where = f"PLC operation of {did}" if did else "PLC operation"
    if not isinstance(value, dict):
        raise InvalidPlcLogError(f"{where} must be a JSON object", did)
    reader = _Reader(value, where, did)
    kind = reader.string("type")
    if kind not in OP_TYPES:
        raise InvalidPlcLogError(f"{where} has unknown type {kind[:40]!r}", did)
    if "prev" not in value:
        raise InvalidPlcLogError(f"{where} lacks 'prev' (null for a genesis)", did)
    prev = reader.optional_string("prev")
    sig = reader.string("sig")
    raw = MappingProxyType(dict(value))
    if kind == "plc_tombstone":
        if prev is None:
            raise InvalidPlcLogError(f"{where}: a tombstone needs a prev", did)
        return PlcOperation("plc_tombstone", prev, sig, (), {}, (), {}, raw)
    if kind == "create":
        if prev is not None:
            raise InvalidPlcLogError(f"{where}: a legacy create must have prev null", did)
        signing, recovery = reader.string("signingKey"), reader.string("recoveryKey")
        handle, service = reader.string("handle"), reader.string("service")
        aka = handle if handle.startswith("at://") else "at://" + handle
        endpoint = service if service.startswith(("http://", "https://")) else "https://" + service
        services = {"atproto_pds": PlcService("AtprotoPersonalDataServer", endpoint)}
        return PlcOperation(
            "create", None, sig, (recovery, signing), {"atproto": signing}, (aka,), services, raw
        )
    rotation_keys = reader.strings("rotationKeys")
    if not 1 <= len(rotation_keys) <= MAX_ROTATION_KEYS:
        raise InvalidPlcLogError(f"{where} has {len(rotation_keys)} rotation keys (1-5)", did)
    methods = reader.string_map("verificationMethods")
    services = {
        name: _service(entry, f"{where} service {name!r}", did)
        for name, entry in reader.object_map("services").items()
    }
    also_known_as = reader.strings("alsoKnownAs")
    return PlcOperation(
        "plc_operation", prev, sig, rotation_keys, methods, also_known_as, services, raw
    )


def _service(entry: object, where: str, did: str | None) -> PlcService:
    reader = _Reader(entry, where, did)
    return PlcService(reader.string("type"), reader.string("endpoint"))


class _Reader:
    """Typed field access with errors that say which field of which operation is wrong."""

    def __init__(self, obj: object, where: str, did: str | None) -> None:
        if not isinstance(obj, dict):
            raise InvalidPlcLogError(f"{where} must be a JSON object", did)
        self._obj: dict[str, Any] = obj
        self._where = where
        self._did = did

    def _fail(self, name: str, expected: str) -> InvalidPlcLogError:
        got = self._obj.get(name)
        return InvalidPlcLogError(
            f"{self._where}: '{name}' must be {expected}, got {type(got).__name__}", self._did
        )

    def string(self, name: str) -> str:
        value = self._obj.get(name)
        if not isinstance(value, str):
            raise self._fail(name, "a string")
        return value

    def optional_string(self, name: str) -> str | None:
        value = self._obj.get(name)
        if value is not None and not isinstance(value, str):
            raise self._fail(name, "a string or null")
        return value

    def strings(self, name: str) -> tuple[str, ...]:
        value = self._obj.get(name)
        if not isinstance(value, list) or len(value) > MAX_ENTRIES_PER_FIELD:
            raise self._fail(name, f"a list of at most {MAX_ENTRIES_PER_FIELD} strings")
        if not all(isinstance(item, str) for item in value):
            raise self._fail(name, "a list of strings")
        return tuple(value)

    def object_map(self, name: str) -> dict[str, Any]:
        value = self._obj.get(name)
        if not isinstance(value, dict) or len(value) > MAX_ENTRIES_PER_FIELD:
            raise self._fail(name, f"an object of at most {MAX_ENTRIES_PER_FIELD} entries")
        return value

    def string_map(self, name: str) -> dict[str, str]:
        value = self.object_map(name)
        if not all(isinstance(item, str) for item in value.values()):
            raise self._fail(name, "an object of strings")
        return dict(value)
