"""``PublicKey``: an atproto signing key parsed from any of its text forms, and
``verify_signature``, the one-call check used by repo and identity code."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, final

from skykit.crypto import _ecdsa
from skykit.crypto._curves import (
    LEGACY_SUITES,
    CurveName,
    CurveSpec,
    curve_for_name,
    curve_for_suite,
    curve_spec,
)
from skykit.crypto._errors import InvalidKeyError, UnsupportedKeyTypeError
from skykit.crypto._inputs import BytesLike, as_bytes, as_str, shown
from skykit.crypto._multikey import (
    DID_KEY_PREFIX,
    check_sec1,
    decode_base58btc,
    format_did_key,
    format_multikey,
    parse_did_key,
    parse_multikey,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey

MULTIKEY_TYPE = "Multikey"
"""The DID document verification method type of the current (multicodec-prefixed) form."""


@final
class PublicKey:
    """A p256 or k256 public key, checked to lie on its curve.

    Parse one with ``from_did_key``, ``from_multibase`` (a DID document's Multikey),
    ``from_legacy_multibase`` (the older DID document suites), ``from_verification_method``,
    or ``PublicKey(point_bytes, curve)`` for SEC1 bytes. Input may be an uncompressed point
    only where the format allowed one (legacy, raw SEC1); output is always compressed.
    Immutable; equal keys compare and hash equal.
    """

    __slots__ = ("_compressed", "_key", "_spec")

    _spec: CurveSpec
    _compressed: bytes
    _key: EllipticCurvePublicKey

    def __init__(self, point: BytesLike, curve: str) -> None:
        """The key at SEC1 ``point`` (33 bytes compressed or 65 uncompressed) on ``curve``
        (``"p256"``/``"k256"``, or ``"ES256"``/``"ES256K"``)."""
        spec = curve_spec(curve)
        raw = as_bytes(point, "point")
        check_sec1(raw, spec, "public key bytes")
        self._load(spec, raw, "public key bytes")

    def _load(self, spec: CurveSpec, point: bytes, what: str) -> None:
        self._spec = spec
        self._key = _ecdsa.load_public(spec, point, what)
        self._compressed = _ecdsa.compressed_point(self._key)

    @classmethod
    def _from_point(cls, spec: CurveSpec, point: bytes, what: str) -> PublicKey:
        key = cls.__new__(cls)
        key._load(spec, point, what)
        return key

    @classmethod
    def _from_cryptography(cls, public: EllipticCurvePublicKey) -> PublicKey:
        key = cls.__new__(cls)
        key._spec = _ecdsa.spec_of(public)
        key._key = public
        key._compressed = _ecdsa.compressed_point(public)
        return key

    @classmethod
    def from_did_key(cls, did_key: str) -> PublicKey:
        """The key of a ``did:key:z...`` string (multicodec-prefixed compressed point)."""
        value = as_str(did_key, "did_key")
        if not value.startswith(DID_KEY_PREFIX):
            raise InvalidKeyError(f"{shown(value)} is not a did:key (expected 'did:key:z...')")
        return _parse_key_string(value)

    @classmethod
    def from_multibase(cls, multibase: str) -> PublicKey:
        """The key of a Multikey ``z...`` string: a DID document's ``publicKeyMultibase``
        when its verification method type is ``Multikey``."""
        value = as_str(multibase, "multibase")
        if value.startswith(DID_KEY_PREFIX):
            raise InvalidKeyError(
                f"{shown(value)} is a did:key, not a bare multikey; use PublicKey.from_did_key"
            )
        return _parse_key_string(value)

    @classmethod
    def from_legacy_multibase(cls, multibase: str, suite: str) -> PublicKey:
        """The key of a legacy DID document verification method, whose
        ``publicKeyMultibase`` has no multicodec prefix and takes its curve from the type.

        ``suite`` is ``"EcdsaSecp256r1VerificationKey2019"`` (p256) or
        ``"EcdsaSecp256k1VerificationKey2019"`` (k256); a curve name is accepted too. The
        point may be compressed or uncompressed.
        """
        value = as_str(multibase, "multibase")
        suite_name = as_str(suite, "suite")
        spec = curve_for_suite(suite_name) or curve_for_name(suite_name)
        if spec is None:
            raise UnsupportedKeyTypeError(
                f"unsupported legacy verification method type {shown(suite_name)}: expected "
                f"one of {', '.join(map(repr, LEGACY_SUITES))}"
            )
        what = f"publicKeyMultibase {shown(value)}"
        point = decode_base58btc(value, what)
        check_sec1(point, spec, what)
        return cls._from_point(spec, point, what)

    @classmethod
    def from_verification_method(cls, type_: str, public_key_multibase: str) -> PublicKey:
        """The key of a DID document verification method, given its ``type`` and
        ``publicKeyMultibase``: ``Multikey`` or one of the two legacy suites."""
        kind = as_str(type_, "type")
        if kind == MULTIKEY_TYPE:
            return cls.from_multibase(public_key_multibase)
        if curve_for_suite(kind) is None:
            raise UnsupportedKeyTypeError(
                f"unsupported verification method type {shown(kind)}: expected "
                f"{MULTIKEY_TYPE!r} or one of {', '.join(map(repr, LEGACY_SUITES))}"
            )
        return cls.from_legacy_multibase(public_key_multibase, kind)

    @property
    def curve(self) -> CurveName:
        """``"p256"`` or ``"k256"``."""
        return self._spec.name

    @property
    def jwt_alg(self) -> str:
        """The JWT ``alg`` of signatures by this key: ``"ES256"`` or ``"ES256K"``."""
        return self._spec.jwt_alg

    @property
    def compressed(self) -> bytes:
        """The 33-byte SEC1 compressed point."""
        return self._compressed

    def did_key(self) -> str:
        """The ``did:key:z...`` form."""
        return format_did_key(self._spec, self._compressed)

    def multibase(self) -> str:
        """The Multikey ``z...`` form, as a DID document's ``publicKeyMultibase``."""
        return format_multikey(self._spec, self._compressed)

    def verify(self, data: BytesLike, signature: BytesLike) -> bool:
        """Whether ``signature`` (raw 64-byte low-S ``r || s``) signs SHA-256(``data``).

        ``False`` for any signature that is not exactly that, including DER and high-S.
        """
        message = as_bytes(data, "data")
        sig = as_bytes(signature, "signature")
        return _ecdsa.verify(self._key, self._spec, message, sig)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PublicKey):
            return NotImplemented
        return self._spec is other._spec and self._compressed == other._compressed

    def __hash__(self) -> int:
        return hash((self._spec.name, self._compressed))

    def __repr__(self) -> str:
        return f"PublicKey({self.did_key()!r})"

    def __str__(self) -> str:
        return self.did_key()


@lru_cache(maxsize=1024)
def _parse_key_string(value: str) -> PublicKey:
    """Parse a did:key or Multikey once: verifying a stream of commits repeats few keys."""
    spec, point = (
        parse_did_key(value) if value.startswith(DID_KEY_PREFIX) else parse_multikey(value)
    )
    return PublicKey._from_point(spec, point, f"key {shown(value)}")


def verify_signature(did_key: str | PublicKey, data: BytesLike, signature: BytesLike) -> bool:
    """Whether ``signature`` (raw 64-byte low-S ``r || s``) by the key ``did_key`` (a
    ``did:key:z...`` or Multikey ``z...`` string, or a ``PublicKey``) signs SHA-256(``data``).

    A wrong, high-S, DER-encoded or wrong-length signature gives ``False``; a key that cannot
    be parsed raises ``InvalidKeyError`` (``UnsupportedKeyTypeError`` for a non-atproto type).
    """
    if isinstance(did_key, PublicKey):
        key = did_key
    else:
        value = as_str(did_key, "did_key")
        if not value.startswith((DID_KEY_PREFIX, "z")):
            raise InvalidKeyError(
                f"{shown(value)} is neither a did:key ('did:key:z...') nor a multikey ('z...')"
            )
        key = _parse_key_string(value)
    return key.verify(data, signature)
