"""Text forms of public keys: ``did:key``, Multikey and the legacy DID-document multibase.

All three are base58btc multibase (a leading ``z``). ``did:key`` is ``"did:key:"`` plus a
Multikey; a Multikey is the curve's multicodec code as an unsigned varint followed by the
33-byte compressed point. The legacy form (verification method types
``EcdsaSecp256r1VerificationKey2019`` / ``EcdsaSecp256k1VerificationKey2019``) has no
multicodec prefix: the curve comes from the type, and the point may be compressed or not.

This module only checks shape (encoding, prefix, length, point format byte); whether the
point lies on its curve is checked by ``_ecdsa.load_public``.
"""

from __future__ import annotations

import libipld

from skykit.crypto._curves import CurveSpec, curve_for_multicodec
from skykit.crypto._errors import InvalidKeyError, UnsupportedKeyTypeError
from skykit.crypto._inputs import shown

DID_KEY_PREFIX = "did:key:"
COMPRESSED_LEN = 33
UNCOMPRESSED_LEN = 65

# A Multikey of a compressed point is 35 bytes (~48 base58 chars) and a legacy uncompressed
# point 65 bytes (~89 chars). The cap keeps base58 decoding (quadratic) cheap on hostile input.
_MAX_MULTIBASE_CHARS = 128
_MAX_VARINT_BYTES = 9

# Named in error messages so a user sees which key type they were given.
_OTHER_KEY_CODECS = {
    0xEC: "x25519-pub",
    0xED: "ed25519-pub",
    0x1201: "p384-pub",
    0x1202: "p521-pub",
    0x1205: "rsa-pub",
}
_SUPPORTED = "atproto keys are p256-pub (0x1200) or secp256k1-pub (0xe7)"


def decode_base58btc(value: str, what: str) -> bytes:
    """The bytes of a base58btc multibase string (``z...``); any other base is refused.

    ``what`` names the input (with its value) in error messages.
    """
    if len(value) > _MAX_MULTIBASE_CHARS:
        raise InvalidKeyError(f"{what} is too long to be a public key")
    if not value.startswith("z"):
        raise InvalidKeyError(f"{what} is not base58btc multibase (expected a leading 'z')")
    try:
        _, data = libipld.decode_multibase(value)
    except ValueError as exc:
        raise InvalidKeyError(f"{what} is not valid base58btc") from exc
    return data


def encode_base58btc(data: bytes) -> str:
    encoded: str = libipld.encode_multibase("z", data)
    return encoded


def read_varint(data: bytes) -> tuple[int, int] | None:
    """``(value, length)`` of the unsigned varint at the start of ``data``; ``None`` when it
    is truncated or longer than multiformats allows."""
    value = 0
    for index, byte in enumerate(data[:_MAX_VARINT_BYTES]):
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            return value, index + 1
    return None


def check_compressed(point: bytes, spec: CurveSpec, what: str) -> None:
    """Refuse anything but a 33-byte SEC1 compressed point (``02``/``03`` + x)."""
    if len(point) == COMPRESSED_LEN and point[0] in (2, 3):
        return
    if len(point) == UNCOMPRESSED_LEN and point[0] == 4:
        raise InvalidKeyError(
            f"{what} holds an uncompressed {spec.name} point; did:key and Multikey values "
            "carry the 33-byte compressed form"
        )
    raise InvalidKeyError(
        f"{what} holds {len(point)} key bytes; expected a 33-byte compressed {spec.name} point "
        "starting with 0x02 or 0x03"
    )


def check_sec1(point: bytes, spec: CurveSpec, what: str) -> None:
    """Refuse anything but a SEC1 point, compressed (33 bytes) or uncompressed (65 bytes)."""
    if len(point) == UNCOMPRESSED_LEN and point[0] == 4:
        return
    if len(point) == COMPRESSED_LEN and point[0] in (2, 3):
        return
    raise InvalidKeyError(
        f"{what} holds {len(point)} key bytes; expected a {spec.name} point, 33 bytes "
        "compressed (0x02/0x03 + x) or 65 bytes uncompressed (0x04 + x + y)"
    )


def split_multikey(data: bytes, what: str) -> tuple[CurveSpec, bytes]:
    """The curve named by the multicodec prefix and the compressed point after it."""
    varint = read_varint(data)
    if varint is None:
        raise InvalidKeyError(f"{what} does not start with a multicodec code; {_SUPPORTED}")
    code, length = varint
    spec = curve_for_multicodec(code)
    if spec is None:
        name = _OTHER_KEY_CODECS.get(code)
        described = f"0x{code:x} ({name})" if name else f"0x{code:x}"
        raise UnsupportedKeyTypeError(f"{what} has multicodec {described}; {_SUPPORTED}")
    if data[:length] != spec.prefix:
        raise InvalidKeyError(f"{what} encodes its multicodec as a non-minimal varint")
    point = data[length:]
    check_compressed(point, spec, what)
    return spec, point


def parse_multikey(value: str, what: str | None = None) -> tuple[CurveSpec, bytes]:
    """Curve and compressed point of a Multikey ``z...`` string."""
    what = what or f"multikey {shown(value)}"
    return split_multikey(decode_base58btc(value, what), what)


def parse_did_key(value: str) -> tuple[CurveSpec, bytes]:
    """Curve and compressed point of a ``did:key:z...`` string."""
    if not value.startswith(DID_KEY_PREFIX):
        raise InvalidKeyError(f"{shown(value)} is not a did:key (expected 'did:key:z...')")
    what = f"did:key {shown(value)}"
    return parse_multikey(value[len(DID_KEY_PREFIX) :], what)


def format_multikey(spec: CurveSpec, compressed: bytes) -> str:
    return encode_base58btc(spec.prefix + compressed)


def format_did_key(spec: CurveSpec, compressed: bytes) -> str:
    return DID_KEY_PREFIX + format_multikey(spec, compressed)
