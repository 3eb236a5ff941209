"""The AT Protocol interop data-model fixtures, case by case."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from skykit.data import (
    CID,
    DataModelError,
    cid_of,
    decode_dag_cbor,
    encode_dag_cbor,
    from_json,
    to_json,
)
from tests import corpora


def _entries(name: str) -> list[Any]:
    if not corpora.available():
        return []
    with corpora.path("interop", "data-model", name).open(encoding="utf-8") as f:
        return list(json.load(f))


def _b64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


FIXTURES = _entries("data-model-fixtures.json")
VALID = _entries("data-model-valid.json")
INVALID = _entries("data-model-invalid.json")


@pytest.mark.parametrize("case", FIXTURES, ids=[c["cid"][-8:] for c in FIXTURES])
def test_fixture_json_to_cbor_and_cid(case: dict[str, Any]) -> None:
    value = from_json(case["json"])
    assert encode_dag_cbor(value) == _b64(case["cbor_base64"])
    assert str(cid_of(value)) == case["cid"]


@pytest.mark.parametrize("case", FIXTURES, ids=[c["cid"][-8:] for c in FIXTURES])
def test_fixture_cbor_to_json(case: dict[str, Any]) -> None:
    data = _b64(case["cbor_base64"])
    value = decode_dag_cbor(data)
    assert to_json(value) == case["json"]
    assert CID.compute(data) == CID.decode(case["cid"])


@pytest.mark.parametrize("case", VALID, ids=[c["note"] for c in VALID])
def test_valid_json_is_accepted_and_round_trips(case: dict[str, Any]) -> None:
    value = from_json(case["json"])
    assert decode_dag_cbor(encode_dag_cbor(value)) == value
    # integral floats such as 123.0 come back as integers
    assert to_json(value) == json.loads(json.dumps(case["json"]).replace(".0,", ","))


@pytest.mark.parametrize("case", INVALID, ids=[c["note"] for c in INVALID])
def test_invalid_json_is_rejected(case: dict[str, Any]) -> None:
    with pytest.raises(DataModelError):
        from_json(case["json"])
