"""The streaming CAR reader and writer."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from skykit.data import CID, RAW, encode_dag_cbor
from skykit.data._varint import encode_varint
from skykit.repo import Block, CarError, read_car, write_car
from skykit.repo.car import CarReader


def _blocks(count: int) -> list[Block]:
    out = []
    for i in range(count):
        data = encode_dag_cbor({"i": i, "text": "x" * i})
        out.append(Block(CID.compute(data), data))
    return out


class _Trickle(io.RawIOBase):
    """A file object that hands out at most a few bytes per read."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data, self._pos, self._step = data, 0, step

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self._data[
            self._pos : self._pos + min(self._step, size if size > 0 else self._step)
        ]
        self._pos += len(chunk)
        return chunk


def test_round_trip_from_bytes_path_and_file(tmp_path: Path) -> None:
    blocks = _blocks(50)
    data = write_car([blocks[0].cid], blocks)
    path = tmp_path / "x.car"
    path.write_bytes(data)
    for source in (data, path, str(path), io.BytesIO(data), _Trickle(data, 7)):
        car = read_car(source)  # type: ignore[arg-type]
        assert car.roots == [blocks[0].cid]
        assert list(car) == blocks


def test_raw_codec_blocks() -> None:
    block = Block(CID.compute(b"\x00blob", RAW), b"\x00blob")
    assert list(read_car(write_car([block.cid], [block]))) == [block]


def test_every_truncation_is_reported_or_falls_on_a_section_boundary() -> None:
    # CAR has no length or block count: a cut between sections is a valid, shorter CAR.
    blocks = _blocks(5)
    data = write_car([blocks[0].cid], blocks)
    boundaries = {len(write_car([blocks[0].cid], blocks[:n])): n for n in range(6)}
    for end in range(len(data)):
        if end in boundaries:
            assert list(read_car(data[:end])) == blocks[: boundaries[end]]
        else:
            with pytest.raises(CarError):
                list(read_car(data[:end]))


def test_block_not_matching_its_cid() -> None:
    good = _blocks(2)
    forged = [good[0], Block(good[0].cid, good[1].data)]
    data = write_car([good[0].cid], forged)
    with pytest.raises(CarError, match="does not match its CID"):
        list(read_car(data))
    assert len(list(read_car(data, verify=False))) == 2


def _car_with_header(header: bytes) -> bytes:
    return encode_varint(len(header)) + header


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "varint"),
        (b"\x00", "header length"),
        (b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", "varint"),
        (encode_varint(10**9), "header length"),
        (_car_with_header(b"\x01"), "DAG-CBOR"),
        (_car_with_header(encode_dag_cbor({"version": 2, "roots": []})), "version"),
        (_car_with_header(encode_dag_cbor({"version": 1, "roots": ["x"]})), "roots"),
        (_car_with_header(encode_dag_cbor({"version": 1})), "roots"),
    ],
    ids=[
        "empty",
        "zero header",
        "endless varint",
        "huge header",
        "bad cbor",
        "v2",
        "text root",
        "no roots",
    ],
)
def test_bad_headers(data: bytes, message: str) -> None:
    with pytest.raises(CarError, match=message):
        read_car(data)


def test_section_limits_and_bad_cids() -> None:
    header = write_car([], [])
    with pytest.raises(CarError, match="over the limit"):
        list(CarReader(header + encode_varint(100) + b"\x01" * 100, max_block_size=50))
    with pytest.raises(CarError, match="valid CID"):
        list(read_car(header + encode_varint(5) + b"\x02abcd"))
    with pytest.raises(CarError, match="valid CID"):
        list(read_car(header + encode_varint(3) + CID.compute(b"").raw[:3]))


def test_unverifiable_hash_is_an_error_when_verifying() -> None:
    identity_cid = CID.from_bytes(b"\x01\x71\x00\x02hi")
    data = write_car([], [Block(identity_cid, b"hi")])
    with pytest.raises(CarError, match="unsupported"):
        list(read_car(data))
    assert list(read_car(data, verify=False)) == [Block(identity_cid, b"hi")]


def test_not_a_source() -> None:
    with pytest.raises(CarError):
        read_car(12345)  # type: ignore[arg-type]


def test_path_reader_closes_its_file(tmp_path: Path) -> None:
    path = tmp_path / "x.car"
    path.write_bytes(write_car([], _blocks(3)))
    with read_car(path) as car:
        next(iter(car))
    assert car._owned is None
