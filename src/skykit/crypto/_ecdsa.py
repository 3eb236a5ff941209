"""The boundary to the ``cryptography`` package: ECDSA with SHA-256 and atproto's rules.

``cryptography`` is imported inside the functions because loading its EC module costs tens
of milliseconds, which ``import skykit.crypto`` should not pay. Signatures cross this
boundary as raw 64-byte ``r || s`` (atproto's form), never DER; its exceptions never leave.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skykit.crypto._curves import K256, P256, CurveSpec
from skykit.crypto._errors import InvalidKeyError, UnsupportedCurveError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import (
        ECDSA,
        EllipticCurve,
        EllipticCurvePrivateKey,
        EllipticCurvePublicKey,
    )

SCALAR_LEN = 32
SIGNATURE_LEN = 2 * SCALAR_LEN


def _ec_curve(spec: CurveSpec) -> EllipticCurve:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.SECP256R1() if spec is P256 else ec.SECP256K1()


def _ecdsa_sha256() -> ECDSA:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.ECDSA(hashes.SHA256())


def _signing_ecdsa_sha256() -> ECDSA:
    """ECDSA with deterministic nonces (RFC 6979) where the linked OpenSSL supports them,
    so the same key and data always give the same signature; OpenSSL's random nonces
    otherwise."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        return ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
    except UnsupportedAlgorithm:
        return ec.ECDSA(hashes.SHA256())


def spec_of(key: EllipticCurvePrivateKey | EllipticCurvePublicKey) -> CurveSpec:
    """The atproto curve of a ``cryptography`` key; other curves are refused."""
    name = key.curve.name
    if name == "secp256r1":
        return P256
    if name == "secp256k1":
        return K256
    raise UnsupportedCurveError(f"unsupported curve {name!r}: atproto uses p256 or k256")


def compressed_point(key: EllipticCurvePublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)


def load_public(spec: CurveSpec, point: bytes, what: str) -> EllipticCurvePublicKey:
    """The public key at SEC1 ``point``, refusing points that are not on the curve."""
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(_ec_curve(spec), point)
    except ValueError as exc:
        raise InvalidKeyError(f"{what} is not a point on the {spec.name} curve") from exc


def generate(spec: CurveSpec) -> EllipticCurvePrivateKey:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(_ec_curve(spec))


def derive(spec: CurveSpec, raw: bytes) -> EllipticCurvePrivateKey:
    """The private key of a raw 32-byte big-endian scalar.

    Messages never include the bytes: they are a secret.
    """
    from cryptography.hazmat.primitives.asymmetric import ec

    if len(raw) != SCALAR_LEN:
        raise InvalidKeyError(
            f"a {spec.name} private key is {SCALAR_LEN} bytes, got {len(raw)} bytes"
        )
    scalar = int.from_bytes(raw, "big")
    if not 0 < scalar < spec.order:
        raise InvalidKeyError(
            f"{spec.name} private key is out of range (must be between 1 and the curve order)"
        )
    return ec.derive_private_key(scalar, _ec_curve(spec))


def private_scalar(key: EllipticCurvePrivateKey) -> bytes:
    return key.private_numbers().private_value.to_bytes(SCALAR_LEN, "big")


def sign(key: EllipticCurvePrivateKey, spec: CurveSpec, data: bytes) -> bytes:
    """A raw low-S ``r || s`` signature over SHA-256(``data``): a high s from OpenSSL is
    replaced by its twin n - s, which verifies the same and is the form atproto accepts."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(key.sign(data, _signing_ecdsa_sha256()))
    if s > spec.order // 2:
        s = spec.order - s
    return r.to_bytes(SCALAR_LEN, "big") + s.to_bytes(SCALAR_LEN, "big")


def verify(key: EllipticCurvePublicKey, spec: CurveSpec, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is a valid raw low-S ``r || s`` signature over SHA-256(``data``).

    Anything else is ``False``: a DER encoding or any other length, a high-S value (atproto
    forbids the malleable twin of a valid signature), r or s out of range.
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    if len(signature) != SIGNATURE_LEN:
        return False
    r = int.from_bytes(signature[:SCALAR_LEN], "big")
    s = int.from_bytes(signature[SCALAR_LEN:], "big")
    if not (0 < r < spec.order and 0 < s <= spec.order // 2):
        return False
    try:
        key.verify(encode_dss_signature(r, s), data, _ecdsa_sha256())
    except InvalidSignature:
        return False
    return True
