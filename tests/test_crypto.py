"""skykit.crypto: atproto's did:key / Multikey encodings and low-S ECDSA on p256 and k256.

Conformance comes from the interop files (signature fixtures, W3C did:key vectors); the
curve constants and multicodec prefixes below are restated from the specs rather than taken
from skykit, so a typo in either place fails a test.
"""

from __future__ import annotations

import base64
import copy
import json
import pickle
from collections.abc import Callable
from typing import Any

import libipld
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from skykit import SkykitError
from skykit.crypto import (
    CryptoError,
    InvalidInputError,
    InvalidKeyError,
    Keypair,
    PublicKey,
    UnsupportedCurveError,
    UnsupportedKeyTypeError,
    verify_signature,
)
from tests import corpora

# SEC 2 / FIPS 186 domain parameters: field prime p, coefficients a and b, group order n.
CURVE_PARAMS = {
    "p256": (
        0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF,
        0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC,
        0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
        0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    ),
    "k256": (
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F,
        0,
        7,
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
    ),
}
ORDER = {curve: params[3] for curve, params in CURVE_PARAMS.items()}
# Multicodec p256-pub 0x1200 and secp256k1-pub 0xe7, as unsigned varints.
PREFIX = {"p256": b"\x80\x24", "k256": b"\xe7\x01"}
CURVES = ("p256", "k256")
EC_CURVE = {"p256": ec.SECP256R1(), "k256": ec.SECP256K1()}

MESSAGE = b"atproto signs the SHA-256 of DAG-CBOR bytes"


# --- helpers -------------------------------------------------------------------------------


def b64(value: str) -> bytes:
    """The interop files' base64: standard alphabet, padding stripped."""
    return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)


def z(data: bytes) -> str:
    encoded: str = libipld.encode_multibase("z", data)
    return encoded


def raw_sig(r: int, s: int) -> bytes:
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def split_sig(sig: bytes) -> tuple[int, int]:
    return int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")


def cryptography_accepts(point: bytes, curve: str, data: bytes, r: int, s: int) -> bool:
    """Plain ECDSA, without atproto's low-S rule: shows a rejected signature is genuine."""
    key = ec.EllipticCurvePublicKey.from_encoded_point(EC_CURVE[curve], point)
    try:
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def uncompressed(key: PublicKey) -> bytes:
    public = ec.EllipticCurvePublicKey.from_encoded_point(EC_CURVE[key.curve], key.compressed)
    return public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def off_curve_x(curve: str) -> int:
    """The smallest x for which x^3 + ax + b has no square root mod p (Euler's criterion):
    no point of the curve has it, so 02 || x is not a valid compressed point."""
    p, a, b, _ = CURVE_PARAMS[curve]
    x = 1
    while pow((x**3 + a * x + b) % p, (p - 1) // 2, p) != p - 1:
        x += 1
    return x


def fixtures(name: str) -> list[dict[str, Any]]:
    if not corpora.available():
        return []  # parametrized tests then collect nothing; conftest fails that under CI
    entries: list[dict[str, Any]] = json.loads(
        corpora.path("interop", "crypto", name).read_text(encoding="utf-8")
    )
    return entries


def alg_curve(algorithm: str) -> str:
    return {"ES256": "p256", "ES256K": "k256"}[algorithm]


def signature_fixture_id(entry: dict[str, Any]) -> str:
    kind = "-".join(entry["tags"]) or ("valid" if entry["validSignature"] else "invalid")
    return f"{alg_curve(entry['algorithm'])}-{kind}"


SIGNATURE_FIXTURES = fixtures("signature-fixtures.json")
K256_VECTORS = fixtures("w3c_didkey_K256.json")
P256_VECTORS = fixtures("w3c_didkey_P256.json")


@pytest.fixture(scope="module", params=CURVES)
def keypair(request: pytest.FixtureRequest) -> Keypair:
    return Keypair.generate(request.param)


# --- interop: signature fixtures -----------------------------------------------------------


@pytest.mark.parametrize("entry", SIGNATURE_FIXTURES, ids=signature_fixture_id)
def test_signature_fixture_verifies_as_expected(entry: dict[str, Any]) -> None:
    data, sig = b64(entry["messageBase64"]), b64(entry["signatureBase64"])
    assert verify_signature(entry["publicKeyDid"], data, sig) is entry["validSignature"]
    key = PublicKey.from_did_key(entry["publicKeyDid"])
    assert key.curve == alg_curve(entry["algorithm"])
    assert key.jwt_alg == entry["algorithm"]
    assert key.verify(data, sig) is entry["validSignature"]


@pytest.mark.parametrize("entry", SIGNATURE_FIXTURES, ids=signature_fixture_id)
def test_signature_fixture_legacy_multibase_is_the_did_key(entry: dict[str, Any]) -> None:
    legacy = PublicKey.from_legacy_multibase(entry["publicKeyMultibase"], entry["didDocSuite"])
    assert legacy == PublicKey.from_did_key(entry["publicKeyDid"])
    assert legacy.did_key() == entry["publicKeyDid"]
    method = PublicKey.from_verification_method(entry["didDocSuite"], entry["publicKeyMultibase"])
    assert method == legacy


@pytest.mark.parametrize(
    "entry",
    [e for e in SIGNATURE_FIXTURES if "high-s" in e["tags"]],
    ids=signature_fixture_id,
)
def test_high_s_fixture_is_rejected_only_for_being_high_s(entry: dict[str, Any]) -> None:
    key = PublicKey.from_did_key(entry["publicKeyDid"])
    data = b64(entry["messageBase64"])
    r, s = split_sig(b64(entry["signatureBase64"]))
    n = ORDER[key.curve]
    assert s > n // 2
    assert cryptography_accepts(key.compressed, key.curve, data, r, s)
    assert verify_signature(entry["publicKeyDid"], data, raw_sig(r, n - s))


@pytest.mark.parametrize(
    "entry",
    [e for e in SIGNATURE_FIXTURES if "der-encoded" in e["tags"]],
    ids=signature_fixture_id,
)
def test_der_fixture_is_rejected_only_for_its_encoding(entry: dict[str, Any]) -> None:
    r, s = decode_dss_signature(b64(entry["signatureBase64"]))
    data = b64(entry["messageBase64"])
    assert verify_signature(entry["publicKeyDid"], data, raw_sig(r, s))


# --- interop: W3C did:key vectors ----------------------------------------------------------


@pytest.mark.parametrize("vector", K256_VECTORS, ids=lambda v: f"k256-{v['publicDidKey'][-8:]}")
def test_w3c_k256_private_key_gives_did_key(vector: dict[str, str]) -> None:
    raw = bytes.fromhex(vector["privateKeyBytesHex"])
    pair = Keypair.from_private_bytes(raw, "k256")
    assert pair.did_key() == vector["publicDidKey"]
    assert pair.private_bytes() == raw
    assert pair.public_key == PublicKey.from_did_key(vector["publicDidKey"])


@pytest.mark.parametrize("vector", P256_VECTORS, ids=lambda v: f"p256-{v['publicDidKey'][-8:]}")
def test_w3c_p256_private_key_gives_did_key(vector: dict[str, str]) -> None:
    code, raw = libipld.decode_multibase("z" + vector["privateKeyBytesBase58"])
    assert code == "z"
    pair = Keypair.from_private_bytes(raw, "p256")
    assert pair.did_key() == vector["publicDidKey"]
    assert pair.private_bytes() == raw
    assert pair.public_key == PublicKey.from_did_key(vector["publicDidKey"])


# --- signing and verifying -----------------------------------------------------------------


def test_sign_verify_round_trip(keypair: Keypair) -> None:
    sig = keypair.sign(MESSAGE)
    assert len(sig) == 64
    assert verify_signature(keypair.did_key(), MESSAGE, sig)
    assert verify_signature(keypair.public_key.multibase(), MESSAGE, sig)
    assert verify_signature(keypair.public_key, MESSAGE, sig)
    assert keypair.verify(MESSAGE, sig)
    assert cryptography_accepts(
        keypair.public_key.compressed, keypair.curve, MESSAGE, *split_sig(sig)
    )


def test_signing_is_deterministic(keypair: Keypair) -> None:
    assert keypair.sign(MESSAGE) == keypair.sign(MESSAGE)


def test_signing_without_deterministic_nonces_still_gives_low_s(
    keypair: Keypair, monkeypatch: pytest.MonkeyPatch
) -> None:
    # OpenSSL before 3.2 has no RFC 6979; signing falls back to random nonces.
    from cryptography.hazmat.backends.openssl.backend import backend

    monkeypatch.setattr(backend, "ecdsa_deterministic_supported", lambda: False)
    with pytest.raises(Exception, match="deterministic"):
        ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
    for index in range(8):
        data = MESSAGE + bytes([index])
        sig = keypair.sign(data)
        assert split_sig(sig)[1] <= ORDER[keypair.curve] // 2
        assert keypair.verify(data, sig)


@pytest.mark.parametrize("curve", CURVES)
def test_high_s_from_openssl_is_normalised(curve: str) -> None:
    private = ec.derive_private_key(0xC0FFEE, EC_CURVE[curve])
    pair = Keypair(private)
    n = ORDER[curve]
    algorithm = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
    for index in range(64):  # each message has a 1/2 chance of a high s from OpenSSL
        data = MESSAGE + bytes([index])
        r, s = decode_dss_signature(private.sign(data, algorithm))
        if s > n // 2:
            break
    else:
        pytest.fail("no high-S signature from OpenSSL in 64 tries")
    assert pair.sign(data) == raw_sig(r, n - s)


@settings(max_examples=60, deadline=None)
@given(
    curve=st.sampled_from(CURVES),
    scalar=st.integers(min_value=1, max_value=min(ORDER.values()) - 1),
    data=st.binary(max_size=300),
)
def test_signatures_are_low_s_and_verify(curve: str, scalar: int, data: bytes) -> None:
    pair = Keypair.from_private_bytes(scalar.to_bytes(32, "big"), curve)
    sig = pair.sign(data)
    r, s = split_sig(sig)
    assert 0 < r < ORDER[curve]
    assert 0 < s <= ORDER[curve] // 2
    assert verify_signature(pair.did_key(), data, sig)


def test_tampered_data_is_rejected(keypair: Keypair) -> None:
    sig = keypair.sign(MESSAGE)
    assert not keypair.verify(MESSAGE + b".", sig)
    assert not keypair.verify(b"", sig)
    assert not keypair.verify(bytes([MESSAGE[0] ^ 1]) + MESSAGE[1:], sig)


@pytest.mark.parametrize("bit", [0, 7, 255, 256, 300, 511])
def test_tampered_signature_is_rejected(keypair: Keypair, bit: int) -> None:
    sig = bytearray(keypair.sign(MESSAGE))
    sig[bit // 8] ^= 1 << (bit % 8)
    assert not verify_signature(keypair.did_key(), MESSAGE, bytes(sig))


def test_high_s_twin_of_a_valid_signature_is_rejected(keypair: Keypair) -> None:
    r, s = split_sig(keypair.sign(MESSAGE))
    twin = ORDER[keypair.curve] - s
    assert cryptography_accepts(keypair.public_key.compressed, keypair.curve, MESSAGE, r, twin)
    assert not verify_signature(keypair.did_key(), MESSAGE, raw_sig(r, twin))


def test_der_encoding_of_a_valid_signature_is_rejected(keypair: Keypair) -> None:
    der = encode_dss_signature(*split_sig(keypair.sign(MESSAGE)))
    assert not verify_signature(keypair.did_key(), MESSAGE, der)


@pytest.mark.parametrize("length", [0, 1, 32, 63, 65, 72, 128])
def test_wrong_length_signature_is_rejected(keypair: Keypair, length: int) -> None:
    sig = keypair.sign(MESSAGE)
    assert not verify_signature(keypair.did_key(), MESSAGE, (sig * 2)[:length])


def test_signature_with_padded_halves_is_rejected(keypair: Keypair) -> None:
    sig = keypair.sign(MESSAGE)
    assert not keypair.verify(MESSAGE, sig + b"\x00")
    # Same r and s numbers, one more byte: only the length says it is not r || s.
    assert not keypair.verify(MESSAGE, sig[:32] + b"\x00" + sig[32:])
    assert not keypair.verify(MESSAGE, b"\x00" + sig)


def test_out_of_range_r_and_s_are_rejected(keypair: Keypair) -> None:
    r, s = split_sig(keypair.sign(MESSAGE))
    n = ORDER[keypair.curve]
    for bad in (raw_sig(0, s), raw_sig(r, 0), raw_sig(r + n, s) if r + n < 2**256 else None):
        if bad is not None:
            assert not keypair.verify(MESSAGE, bad)
    assert not keypair.verify(MESSAGE, b"\xff" * 64)


def test_signature_by_another_key_is_rejected(keypair: Keypair) -> None:
    other = Keypair.generate(keypair.curve)
    assert not verify_signature(other.did_key(), MESSAGE, keypair.sign(MESSAGE))


def test_bytes_like_inputs_are_accepted(keypair: Keypair) -> None:
    sig = keypair.sign(bytearray(MESSAGE))
    assert keypair.verify(memoryview(MESSAGE), bytearray(sig))
    assert verify_signature(keypair.did_key(), bytearray(MESSAGE), memoryview(sig))


# --- key encodings -------------------------------------------------------------------------


def test_public_key_text_forms_round_trip(keypair: Keypair) -> None:
    key = keypair.public_key
    did_key = key.did_key()
    assert did_key == "did:key:" + key.multibase()
    assert str(key) == did_key
    assert repr(key) == f"PublicKey({did_key!r})"
    code, data = libipld.decode_multibase(key.multibase())
    assert code == "z"
    assert data == PREFIX[key.curve] + key.compressed
    assert len(key.compressed) == 33
    assert key.compressed[0] in (2, 3)
    assert PublicKey.from_did_key(did_key) == key
    assert PublicKey.from_multibase(key.multibase()) == key
    assert PublicKey.from_verification_method("Multikey", key.multibase()) == key
    assert PublicKey(key.compressed, key.curve) == key
    assert hash(PublicKey.from_did_key(did_key)) == hash(key)


def test_did_key_prefixes_identify_the_curve() -> None:
    assert Keypair.generate("p256").did_key().startswith("did:key:zDnae")
    assert Keypair.generate("k256").did_key().startswith("did:key:zQ3s")


def test_uncompressed_input_is_accepted_where_allowed_and_emitted_compressed(
    keypair: Keypair,
) -> None:
    key = keypair.public_key
    full = uncompressed(key)
    assert len(full) == 65
    assert PublicKey(full, key.curve) == key
    suite = {
        "p256": "EcdsaSecp256r1VerificationKey2019",
        "k256": "EcdsaSecp256k1VerificationKey2019",
    }[key.curve]
    legacy = PublicKey.from_legacy_multibase(z(full), suite)
    assert legacy == key
    assert legacy.did_key() == key.did_key()
    assert PublicKey.from_legacy_multibase(z(key.compressed), key.curve) == key


def test_uncompressed_point_in_did_key_is_refused(keypair: Keypair) -> None:
    full = uncompressed(keypair.public_key)
    value = "did:key:" + z(PREFIX[keypair.curve] + full)
    with pytest.raises(InvalidKeyError, match="uncompressed"):
        PublicKey.from_did_key(value)


def test_legacy_value_with_multicodec_prefix_is_refused(keypair: Keypair) -> None:
    with pytest.raises(InvalidKeyError, match="35 key bytes"):
        PublicKey.from_legacy_multibase(keypair.public_key.multibase(), keypair.curve)


def test_unknown_verification_method_types_are_refused(keypair: Keypair) -> None:
    mb = keypair.public_key.multibase()
    with pytest.raises(UnsupportedKeyTypeError, match="JsonWebKey2020"):
        PublicKey.from_verification_method("JsonWebKey2020", mb)
    with pytest.raises(UnsupportedKeyTypeError, match="Ed25519VerificationKey2020"):
        PublicKey.from_legacy_multibase(mb, "Ed25519VerificationKey2020")


def _malformed_keys() -> list[tuple[str, str, type[CryptoError]]]:
    p256, k256 = PREFIX["p256"], PREFIX["k256"]
    on_curve = bytes.fromhex("033a8273eece6b0d82e95c3506617db5000e14ff0023325d0bb0274918bc6a6cdc")
    valid = "did:key:" + z(p256 + on_curve)
    ed25519 = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
    cases: list[tuple[str, str, type[CryptoError]]] = [
        ("empty", "", InvalidKeyError),
        ("did-plc", "did:plc:ewvi7nxzyoun6zhxrhs64oiz", InvalidKeyError),
        ("uppercase-method", valid.replace("did:key:", "DID:KEY:"), InvalidKeyError),
        ("did-key-only", "did:key:", InvalidKeyError),
        ("no-multibase-code", valid.replace("did:key:z", "did:key:"), InvalidKeyError),
        (
            "base64url-multibase",
            "did:key:u" + base64.urlsafe_b64encode(p256 + on_curve).decode().rstrip("="),
            InvalidKeyError,
        ),
        ("bad-base58-chars", "did:key:z0OIl" + valid[13:], InvalidKeyError),
        ("trailing-space", valid + " ", InvalidKeyError),
        ("trailing-newline", valid + "\n", InvalidKeyError),
        ("too-long", "did:key:z" + "2" * 5000, InvalidKeyError),
        ("empty-payload", "did:key:z", InvalidKeyError),
        ("truncated-varint", "did:key:" + z(b"\x80"), InvalidKeyError),
        ("ed25519", ed25519, UnsupportedKeyTypeError),
        ("p384", "did:key:" + z(b"\x81\x24\x02" + b"\x11" * 48), UnsupportedKeyTypeError),
        ("non-minimal-varint", "did:key:" + z(b"\xe7\x81\x00" + on_curve), InvalidKeyError),
        ("prefix-only", "did:key:" + z(p256), InvalidKeyError),
        ("short-point", "did:key:" + z(p256 + on_curve[:32]), InvalidKeyError),
        ("long-point", "did:key:" + z(p256 + on_curve + b"\x00"), InvalidKeyError),
        ("bad-format-byte", "did:key:" + z(p256 + b"\x05" + on_curve[1:]), InvalidKeyError),
        ("x-beyond-field", "did:key:" + z(k256 + b"\x02" + b"\xff" * 32), InvalidKeyError),
        ("zero-x-k256", "did:key:" + z(k256 + b"\x02" + b"\x00" * 32), InvalidKeyError),
    ]
    for curve in CURVES:
        point = b"\x02" + off_curve_x(curve).to_bytes(32, "big")
        cases.append((f"off-curve-{curve}", "did:key:" + z(PREFIX[curve] + point), InvalidKeyError))
    return cases


MALFORMED_KEYS = [pytest.param(value, error, id=name) for name, value, error in _malformed_keys()]
# The same values without "did:key:", where there is a multikey part left to parse.
MALFORMED_MULTIKEYS = [
    pytest.param(value.removeprefix("did:key:"), error, id=name)
    for name, value, error in _malformed_keys()
    if value.startswith("did:key:z")
]


@pytest.mark.parametrize(("value", "error"), MALFORMED_KEYS)
def test_malformed_did_key_raises(value: str, error: type[CryptoError]) -> None:
    with pytest.raises(error) as raised:
        PublicKey.from_did_key(value)
    assert isinstance(raised.value, SkykitError)
    assert not isinstance(raised.value, ValueError | TypeError)
    with pytest.raises(error):
        verify_signature(value, MESSAGE, b"\x01" * 64)


@pytest.mark.parametrize(("value", "error"), MALFORMED_MULTIKEYS)
def test_malformed_multikey_raises(value: str, error: type[CryptoError]) -> None:
    with pytest.raises(error):
        PublicKey.from_multibase(value)
    with pytest.raises(error):
        verify_signature(value, MESSAGE, b"\x01" * 64)


@pytest.mark.parametrize("curve", CURVES)
def test_off_curve_legacy_and_raw_points_raise(curve: str) -> None:
    point = b"\x03" + off_curve_x(curve).to_bytes(32, "big")
    with pytest.raises(InvalidKeyError, match="not a point on the"):
        PublicKey(point, curve)
    with pytest.raises(InvalidKeyError, match="not a point on the"):
        PublicKey.from_legacy_multibase(z(point), curve)
    with pytest.raises(InvalidKeyError):
        PublicKey(b"\x04" + b"\x01" * 64, curve)


def test_did_key_given_to_from_multibase_is_refused(keypair: Keypair) -> None:
    with pytest.raises(InvalidKeyError, match="from_did_key"):
        PublicKey.from_multibase(keypair.did_key())
    with pytest.raises(InvalidKeyError, match="not a did:key"):
        PublicKey.from_did_key(keypair.public_key.multibase())


def test_error_message_names_the_input() -> None:
    with pytest.raises(UnsupportedKeyTypeError, match=r"0xed \(ed25519-pub\)"):
        PublicKey.from_did_key("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp")
    with pytest.raises(InvalidKeyError, match="did:plc:abc"):
        verify_signature("did:plc:abc", MESSAGE, b"")
    with pytest.raises(InvalidKeyError, match="too long"):  # refused before base58 decoding
        PublicKey.from_did_key("did:key:z" + "2" * 100_000)
    with pytest.raises(InvalidKeyError, match="expected a leading 'z'"):
        PublicKey.from_did_key("did:key:mgCQDOoJz7s5rDYLpXDUGYX21AA4U")


@settings(max_examples=200, deadline=None)
@given(
    value=st.one_of(st.text(max_size=120), st.binary(max_size=80).map(lambda b: "did:key:" + z(b)))
)
def test_arbitrary_key_strings_parse_or_raise_crypto_errors(value: str) -> None:
    try:
        result = verify_signature(value, MESSAGE, b"\x01" * 64)
    except CryptoError:
        return
    assert result is False


@settings(max_examples=100, deadline=None)
@given(curve=st.sampled_from(CURVES), tail=st.binary(min_size=33, max_size=33))
def test_arbitrary_points_parse_or_raise_invalid_key(curve: str, tail: bytes) -> None:
    value = "did:key:" + z(PREFIX[curve] + bytes([2 + tail[0] % 2]) + tail[1:])
    try:
        key = PublicKey.from_did_key(value)
    except InvalidKeyError:
        return
    assert key.did_key() == value


# --- private keys --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "curve"), [("p256", "p256"), ("k256", "k256"), ("ES256", "p256"), ("ES256K", "k256")]
)
def test_curve_names(name: str, curve: str) -> None:
    pair = Keypair.generate(name)
    assert pair.curve == curve
    assert pair.public_key.curve == curve
    assert pair.jwt_alg == {"p256": "ES256", "k256": "ES256K"}[curve]


def test_default_curve_is_k256() -> None:
    assert Keypair.generate().curve == "k256"


@pytest.mark.parametrize("name", ["P256", "p-256", "secp256k1", "ed25519", "ES384", ""])
def test_unknown_curve_names_raise(name: str) -> None:
    with pytest.raises(UnsupportedCurveError):
        Keypair.generate(name)
    with pytest.raises(UnsupportedCurveError):
        Keypair.from_private_bytes(b"\x01" * 32, name)


def test_keypair_around_other_curve_is_refused() -> None:
    with pytest.raises(UnsupportedCurveError, match="secp384r1"):
        Keypair(ec.generate_private_key(ec.SECP384R1()))


@pytest.mark.parametrize("curve", CURVES)
def test_keypair_around_cryptography_key(curve: str) -> None:
    private = ec.generate_private_key(EC_CURVE[curve])
    pair = Keypair(private)
    expected = private.private_numbers().private_value.to_bytes(32, "big")
    assert pair.private_bytes() == expected
    assert Keypair.from_private_bytes(expected, curve).did_key() == pair.did_key()


@pytest.mark.parametrize("curve", CURVES)
@pytest.mark.parametrize(
    ("label", "raw"),
    [
        ("zero", b"\x00" * 32),
        ("short", b"\x01" * 31),
        ("long", b"\x01" * 33),
        ("empty", b""),
        ("all-ones", b"\xff" * 32),
    ],
)
def test_invalid_private_bytes_raise_without_revealing_them(
    curve: str, label: str, raw: bytes
) -> None:
    with pytest.raises(InvalidKeyError) as raised:
        Keypair.from_private_bytes(raw, curve)
    if raw:
        assert raw.hex() not in str(raised.value)


@pytest.mark.parametrize("curve", CURVES)
def test_private_scalar_range_ends(curve: str) -> None:
    n = ORDER[curve]
    with pytest.raises(InvalidKeyError, match="out of range"):
        Keypair.from_private_bytes(n.to_bytes(32, "big"), curve)
    top = Keypair.from_private_bytes((n - 1).to_bytes(32, "big"), curve)
    one = Keypair.from_private_bytes((1).to_bytes(32, "big"), curve)
    assert top.verify(MESSAGE, top.sign(MESSAGE))
    assert one.verify(MESSAGE, one.sign(MESSAGE))


def test_keypair_repr_hides_the_private_key(keypair: Keypair) -> None:
    secret = keypair.private_bytes().hex()
    shown = [repr(keypair), str(keypair), f"{keypair}", f"{keypair!r}", repr([keypair])]
    for text in shown:
        assert secret not in text.lower()
        assert str(int(secret, 16)) not in text
        assert keypair.did_key() in text


def test_keypair_is_not_picklable(keypair: Keypair) -> None:
    with pytest.raises(CryptoError, match="not picklable"):
        pickle.dumps(keypair)
    assert copy.copy(keypair) is keypair
    assert copy.deepcopy(keypair) is keypair


# --- argument types ------------------------------------------------------------------------


def _wrong_type_calls() -> list[Any]:
    pair = Keypair.from_private_bytes(b"\x07" * 32, "k256")
    did, sig = pair.did_key(), pair.sign(MESSAGE)
    calls: dict[str, Callable[[], object]] = {
        "verify-data-str": lambda: verify_signature(did, "text", sig),  # type: ignore[arg-type]
        "verify-sig-str": lambda: verify_signature(did, MESSAGE, sig.hex()),  # type: ignore[arg-type]
        "verify-sig-none": lambda: verify_signature(did, MESSAGE, None),  # type: ignore[arg-type]
        "verify-key-bytes": lambda: verify_signature(did.encode(), MESSAGE, sig),  # type: ignore[arg-type]
        "verify-key-int": lambda: verify_signature(5, MESSAGE, sig),  # type: ignore[arg-type]
        "verify-data-list": lambda: verify_signature(did, [1, 2], sig),  # type: ignore[arg-type]
        "from-did-key-bytes": lambda: PublicKey.from_did_key(did.encode()),  # type: ignore[arg-type]
        "from-multibase-none": lambda: PublicKey.from_multibase(None),  # type: ignore[arg-type]
        "legacy-suite-none": lambda: PublicKey.from_legacy_multibase("z1", None),  # type: ignore[arg-type]
        "method-type-int": lambda: PublicKey.from_verification_method(1, "z1"),  # type: ignore[arg-type]
        "point-str": lambda: PublicKey("02" * 33, "k256"),  # type: ignore[arg-type]
        "point-curve-none": lambda: PublicKey(pair.public_key.compressed, None),  # type: ignore[arg-type]
        "private-hex-str": lambda: Keypair.from_private_bytes("07" * 32, "k256"),  # type: ignore[arg-type]
        "private-int": lambda: Keypair.from_private_bytes(7, "k256"),  # type: ignore[arg-type]
        "curve-int": lambda: Keypair.generate(256),  # type: ignore[arg-type]
        "keypair-of-bytes": lambda: Keypair(b"\x07" * 32),  # type: ignore[arg-type]
        "sign-str": lambda: pair.sign("text"),  # type: ignore[arg-type]
        "keypair-verify-str": lambda: pair.verify("text", sig),  # type: ignore[arg-type]
        "public-verify-sig-str": lambda: pair.public_key.verify(MESSAGE, "sig"),  # type: ignore[arg-type]
    }
    return [pytest.param(call, id=name) for name, call in calls.items()]


@pytest.mark.parametrize("call", _wrong_type_calls())
def test_wrong_argument_types_raise_a_skykit_error(call: Callable[[], object]) -> None:
    with pytest.raises(InvalidInputError) as raised:
        call()
    assert isinstance(raised.value, SkykitError)
    assert not isinstance(raised.value, TypeError)


def test_error_hierarchy() -> None:
    assert issubclass(CryptoError, SkykitError)
    for error in (InvalidKeyError, UnsupportedCurveError, InvalidInputError):
        assert issubclass(error, CryptoError)
    assert issubclass(UnsupportedKeyTypeError, InvalidKeyError)
