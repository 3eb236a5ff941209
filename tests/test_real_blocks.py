"""Real production bytes: every block decodes and re-encodes to exactly the same bytes."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path

import libipld
import pytest

from skykit.data import CID, decode_dag_cbor, encode_dag_cbor, from_json, to_json
from skykit.repo import read_car
from tests import corpora

REAL = ("real",)


def _assert_exact(block: bytes, cid: CID | None = None) -> None:
    value = decode_dag_cbor(block)
    assert encode_dag_cbor(value) == block
    if cid is not None:
        assert cid.matches(block)


def _relay_frames() -> Iterator[bytes]:
    data = corpora.path(*REAL, "jetstream", "corpus", "frames.bin").read_bytes()
    pos = 0
    while pos < len(data):
        (size,) = struct.unpack_from("<I", data, pos)
        yield data[pos + 4 : pos + 4 + size]
        pos += 4 + size


def _split_frame(frame: bytes) -> tuple[bytes, bytes]:
    # A frame is two DAG-CBOR objects back to back; the header is canonical, so its
    # length is that of its re-encoding.
    header = libipld.decode_dag_cbor_multi(frame)[0]
    size = len(libipld.encode_dag_cbor(header))
    return frame[:size], frame[size:]


@pytest.mark.parametrize(
    "parts",
    [("atproto-dart", "repo.car"), ("jetstream", "corpus", "repo.car")],
    ids=["atproto-dart", "jetstream"],
)
def test_every_repo_car_block_re_encodes_exactly(parts: tuple[str, ...]) -> None:
    car = read_car(corpora.path(*REAL, *parts))
    count = 0
    for block in car:
        _assert_exact(block.data, block.cid)
        count += 1
    assert count > 20


def test_every_relay_frame_and_its_car_slice_re_encode_exactly() -> None:
    frames = blocks = 0
    for frame in _relay_frames():
        header_bytes, body_bytes = _split_frame(frame)
        _assert_exact(header_bytes)
        _assert_exact(body_bytes)
        body = decode_dag_cbor(body_bytes)
        frames += 1
        if isinstance(body.get("blocks"), bytes):
            for block in read_car(body["blocks"]):  # type: ignore[arg-type]
                _assert_exact(block.data, block.cid)
                blocks += 1
    assert frames == 150
    assert blocks > 300


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in (corpora.CORPORA / "real" / "indigo" / "firehose").glob("*.json"))
    if corpora.available()
    else [],
)
def test_firehose_commit_json_and_its_car_slice(name: str) -> None:
    wire = json.loads(corpora.path(*REAL, "indigo", "firehose", name).read_text())
    body = from_json(wire)
    assert to_json(body) == wire
    _assert_exact(encode_dag_cbor(body))
    blocks = list(read_car(body["blocks"]))  # type: ignore[arg-type]
    assert blocks
    for block in blocks:
        _assert_exact(block.data, block.cid)


@pytest.mark.parametrize("name", ["feedpost_record.cbor", "post_richtext_link.cbor"])
def test_single_record_blocks(name: str) -> None:
    _assert_exact(Path(corpora.path(*REAL, "indigo", "records", name)).read_bytes())
