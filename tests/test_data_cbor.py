"""DAG-CBOR: malformed input, links versus byte strings, and round-trip properties."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import cbor2
import libipld
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skykit.data import (
    CID,
    DataModelError,
    Value,
    cid_of,
    decode_dag_cbor,
    encode_dag_cbor,
    from_json,
    to_json,
)

DIGEST = hashlib.sha256(b"skykit").digest()
LINK = CID.compute(b"skykit")  # a CIDv1 dag-cbor sha2-256


def _independent_encoding(value: Any) -> bytes:
    """DAG-CBOR written by cbor2 alone, to check skykit's encoder against."""

    def lower(v: Any) -> Any:
        if isinstance(v, CID):
            return cbor2.CBORTag(42, b"\x00" + v.raw)
        if isinstance(v, dict):
            return {k: lower(x) for k, x in v.items()}
        if isinstance(v, list):
            return [lower(x) for x in v]
        return v

    return bytes(cbor2.dumps(lower(value), canonical=True))


# -- malformed input -----------------------------------------------------------------

MALFORMED = {
    "empty": b"",
    "float": cbor2.dumps({"a": 1.5}),
    "integral float": cbor2.dumps({"a": 1.0}),
    "half float": bytes.fromhex("a16161f93c00"),
    "nan": bytes.fromhex("a16161f97e00"),
    "integer key": cbor2.dumps({1: 1}),
    "bytes key": bytes.fromhex("a1416101"),
    "unsorted keys": bytes.fromhex("a2616201616101"),
    "longer key first": bytes.fromhex("a262616101616202"),
    "duplicate key": bytes.fromhex("a2616101616102"),
    "non-minimal int": bytes.fromhex("a161611801"),
    "non-minimal length": bytes.fromhex("a1617801610161"),
    "undefined": bytes.fromhex("a16161f7"),
    "simple value": bytes.fromhex("a16161e0"),
    "tag other than 42": bytes.fromhex("a16161c101"),
    "indefinite map": bytes.fromhex("bf616101ff"),
    "indefinite string": bytes.fromhex("a161617f6161ff"),
    "trailing bytes": cbor2.dumps({"a": 1}) + b"\x00",
    "two objects": cbor2.dumps({"a": 1}) * 2,
    "huge string length": bytes.fromhex("a161617bffffffffffffffff"),
    "huge byte length": bytes.fromhex("a161615bffffffffffffffff"),
    "huge array length": bytes.fromhex("a161619bffffffffffffffff"),
    "huge map length": bytes.fromhex("bbffffffffffffffff"),
    "invalid utf-8": bytes.fromhex("a1616162ff00"),
    "top-level int": b"\x01",
    "top-level array": b"\x80",
    "int above i64": cbor2.dumps({"a": 2**63}),
    "int below i64": cbor2.dumps({"a": -(2**63) - 1}),
    "link without 0x00 prefix": cbor2.dumps({"a": cbor2.CBORTag(42, LINK.raw)}),
    "link to garbage": cbor2.dumps({"a": cbor2.CBORTag(42, b"\x00\x01\x02\x03")}),
    "link with trailing bytes": cbor2.dumps({"a": cbor2.CBORTag(42, b"\x00" + LINK.raw + b"!")}),
    "link holding text": cbor2.dumps({"a": cbor2.CBORTag(42, "bafy")}),
    "$type null": cbor2.dumps({"$type": None}),
    "$type empty": cbor2.dumps({"$type": ""}),
    "$type int": cbor2.dumps({"$type": 5}),
    "blob without ref": cbor2.dumps({"$type": "blob", "mimeType": "a/b", "size": 1}),
    "blob with string size": cbor2.dumps(
        {
            "$type": "blob",
            "ref": cbor2.CBORTag(42, b"\x00" + LINK.raw),
            "mimeType": "a/b",
            "size": "1",
        }
    ),
    "deeply nested lists": b"\xa1\x61a" + b"\x81" * 100_000 + b"\x01",
    "deeply nested maps": b"\xa1\x61a" * 5_000 + b"\x01",
    "nested past the limit": b"\xa1\x61a" + b"\x81" * 200 + b"\x01",
}


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_cbor_raises_data_model_error(data: bytes) -> None:
    with pytest.raises(DataModelError):
        decode_dag_cbor(data)


def test_every_truncation_of_a_real_block_raises_data_model_error() -> None:
    block = encode_dag_cbor({"a": LINK, "b": b"\x01\x02", "c": [1, "x", None, {"d": True}]})
    for end in range(len(block)):
        with pytest.raises(DataModelError):
            decode_dag_cbor(block[:end])


def test_error_message_names_the_path() -> None:
    with pytest.raises(DataModelError, match=r"float.*at \$\.a\[1\]\.b"):
        decode_dag_cbor(cbor2.dumps({"a": [0, {"b": 1.5}]}))


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1.5},
        {"a": float("nan")},
        {1: "x"},
        {"a": object()},
        {"a": 2**63},
        {"a": "\ud800"},
        {"$type": ""},
        {"$type": "blob", "ref": "not a link", "mimeType": "a/b", "size": 1},
    ],
    ids=repr,
)
def test_unencodable_values_raise_data_model_error(value: Any) -> None:
    with pytest.raises(DataModelError):
        encode_dag_cbor(value)


@pytest.mark.parametrize("value", ["text", [1], 5, None, b"x"])
def test_top_level_must_be_a_map(value: Any) -> None:
    with pytest.raises(DataModelError):
        encode_dag_cbor(value)
    with pytest.raises(DataModelError):
        from_json(value)


def test_non_bytes_input_raises_data_model_error() -> None:
    with pytest.raises(DataModelError):
        decode_dag_cbor("a1616101")  # type: ignore[arg-type]


# -- links versus byte strings ---------------------------------------------------------


@pytest.mark.parametrize(
    "lookalike",
    [LINK.raw, b"\x12\x20" + DIGEST, b"\x01\x55\x12\x20" + DIGEST, LINK.raw + b"tail", b"\x01"],
    ids=["cidv1", "cidv0", "raw-codec", "cid-prefix", "one-byte"],
)
def test_byte_strings_that_look_like_cids_stay_bytes(lookalike: bytes) -> None:
    value: dict[str, Value] = {"bytes": lookalike, "link": LINK, "list": [lookalike, LINK]}
    block = encode_dag_cbor(value)
    assert block == _independent_encoding(value)
    decoded = decode_dag_cbor(block)
    assert decoded == value
    assert type(decoded["bytes"]) is bytes
    assert type(decoded["link"]) is CID
    assert encode_dag_cbor(decoded) == block
    assert cid_of(decoded) == CID.compute(block)


def test_non_canonical_integers_are_rejected_not_rewritten() -> None:
    with pytest.raises(DataModelError, match="canonical"):
        decode_dag_cbor(bytes.fromhex("a16161190001"))


# -- properties ------------------------------------------------------------------------

_links = st.builds(
    lambda data, codec: CID.compute(data, codec),
    st.binary(max_size=8),
    st.sampled_from([0x71, 0x55]),
)
_cid_shaped_bytes = st.one_of(
    _links.map(lambda c: c.raw),
    st.binary(max_size=40).map(lambda b: b"\x01" + b),
    st.binary(min_size=32, max_size=32).map(lambda b: b"\x12\x20" + b),
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(),
    st.binary(max_size=64),
    _cid_shaped_bytes,
    _links,
)
# "$"-keys carry meaning ($type rules, $link/$bytes in JSON); typed objects come separately.
_keys = st.text(max_size=10).filter(lambda k: k not in ("$type", "$link", "$bytes"))
_blobs = st.builds(
    lambda ref, mime, size: {"$type": "blob", "ref": ref, "mimeType": mime, "size": size},
    _links,
    st.text(max_size=20),
    st.integers(min_value=0, max_value=2**40),
)


def _typed(children: st.SearchStrategy[Value]) -> st.SearchStrategy[dict[str, Value]]:
    return st.builds(
        lambda kind, rest: {**rest, "$type": kind},
        st.text(min_size=1, max_size=20).filter(lambda t: t != "blob"),
        st.dictionaries(_keys, children, max_size=4),
    )


_values = st.recursive(
    _scalars | _blobs,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(_keys, children, max_size=5),
        _typed(children),
    ),
    max_leaves=30,
)
_maps = st.dictionaries(_keys, _values, max_size=6)


@settings(max_examples=400)
@given(_maps)
def test_cbor_round_trip_is_exact(value: dict[str, Value]) -> None:
    block = encode_dag_cbor(value)
    assert block == _independent_encoding(value)
    decoded = decode_dag_cbor(block)
    assert decoded == value
    assert encode_dag_cbor(decoded) == block
    assert cid_of(decoded) == cid_of(value) == CID.compute(block)


@settings(max_examples=400)
@given(_maps)
def test_json_round_trip_is_exact(value: dict[str, Value]) -> None:
    wire = json.dumps(to_json(value))
    back = from_json(json.loads(wire))
    assert back == value
    assert encode_dag_cbor(back) == encode_dag_cbor(value)


@settings(max_examples=1000)
@given(_cid_shaped_bytes | st.binary(max_size=48))
def test_strict_cid_parse_is_within_what_libipld_treats_as_a_link(raw: bytes) -> None:
    # The decoder relies on this: whatever skykit reads as a link, libipld writes as one.
    libipld_says_link = b"\xd8\x2a" in libipld.encode_dag_cbor({"a": raw})[:6]
    try:
        CID.from_bytes(raw)
    except DataModelError:
        return
    assert libipld_says_link
