"""CID parsing, printing and hashing."""

from __future__ import annotations

import hashlib
import pickle

import pytest

from skykit.data import CID, DAG_CBOR, RAW, SHA2_256, BlobRef, DataModelError

V1 = "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a"
V0 = "QmSnuWmxptJZdLJpKRarxBMS2Ju2oANVrgbr2xWbie9b2D"


def test_v1_string_round_trip_and_fields() -> None:
    cid = CID.decode(V1)
    assert str(cid) == V1
    assert (cid.version, cid.codec, cid.hash_code, len(cid.digest)) == (1, DAG_CBOR, SHA2_256, 32)
    assert CID.from_bytes(cid.raw) == cid == CID.decode(V1)
    assert bytes(cid) == cid.raw
    assert hash(cid) == hash(CID.decode(V1))
    assert repr(cid) == f"CID('{V1}')"
    assert pickle.loads(pickle.dumps(cid)) == cid


def test_v0_is_read_and_printed_in_base58() -> None:
    cid = CID.decode(V0)
    assert (cid.version, cid.codec, cid.hash_code) == (0, 0x70, SHA2_256)
    assert str(cid) == V0


def test_other_multibases_are_read() -> None:
    # the same CIDv1 in base58btc
    assert str(CID.decode("zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA")).startswith(
        "bafkrei"
    )


def test_compute_and_matches() -> None:
    cid = CID.compute(b"hello", RAW)
    assert cid.codec == RAW
    assert cid.digest == hashlib.sha256(b"hello").digest()
    assert cid.matches(b"hello")
    assert not cid.matches(b"hello!")


def test_matches_needs_sha256() -> None:
    with pytest.raises(DataModelError, match="cannot check"):
        CID.from_bytes(b"\x01\x71\x00\x02hi").matches(b"hi")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "b",
        V1.upper()[1:],
        "B" + V1[1:].lower() + "!",
        V1[:-2],
        V1 + "a",
        "Qm" + "1" * 44,
        "x" + V1,
        "bafy é",
    ],
    ids=[
        "empty",
        "prefix only",
        "no prefix",
        "junk",
        "short",
        "long",
        "bad v0",
        "unknown base",
        "non-ascii",
    ],
)
def test_bad_strings(text: str) -> None:
    with pytest.raises(DataModelError, match="invalid CID string"):
        CID.decode(text)


def test_uppercase_body_after_lowercase_prefix_is_rejected() -> None:
    with pytest.raises(DataModelError):
        CID.decode("b" + V1[1:].upper())


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x01",
        b"\x02\x71\x12\x20" + bytes(32),
        b"\x01\x71\x12\x20" + bytes(31),
        b"\x01\xf1\x00\x12\x20" + bytes(32),
    ],
    ids=["empty", "version only", "version 2", "short digest", "non-minimal varint"],
)
def test_bad_binary(raw: bytes) -> None:
    with pytest.raises(DataModelError, match="invalid binary CID"):
        CID.from_bytes(raw)


def test_wrong_types() -> None:
    with pytest.raises(DataModelError):
        CID.decode(b"bafy")  # type: ignore[arg-type]
    with pytest.raises(DataModelError):
        CID(V1)  # type: ignore[arg-type]


def test_blob_refs_in_both_forms() -> None:
    ref = CID.compute(b"img", RAW)
    current = {"$type": "blob", "ref": ref, "mimeType": "image/png", "size": 3}
    legacy = {"cid": str(ref), "mimeType": "image/png"}
    assert BlobRef.from_data(current) == BlobRef(ref, "image/png", 3)
    assert BlobRef.from_data(current).to_data() == current
    assert BlobRef.from_data(legacy) == BlobRef(ref, "image/png", None, legacy=True)
    assert BlobRef.from_data(legacy).to_data() == legacy
    for bad in (
        {"$type": "blob", "ref": ref, "mimeType": "a/b"},
        {"mimeType": "a/b"},
        "x",
        {"cid": 1},
    ):
        with pytest.raises(DataModelError):
            BlobRef.from_data(bad)  # type: ignore[arg-type]
