"""CAR reading beyond the basics: the sans-I/O parser, async streams, mapped files, and
malformed input (truncation, bad varints, huge lengths, CID mismatches) from every source."""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skykit.data import CID, encode_dag_cbor
from skykit.data._varint import encode_varint
from skykit.errors import SkykitError
from skykit.repo import Block, CarBlocks, CarError, CarParser, read_car, read_car_async, write_car


def _blocks(count: int, size: int = 10) -> list[Block]:
    out = []
    for i in range(count):
        data = encode_dag_cbor({"i": i, "text": "x" * (i % size)})
        out.append(Block(CID.compute(data), data))
    return out


async def _chunks(data: bytes, step: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), step):
        yield data[start : start + step]


@pytest.mark.anyio
@pytest.mark.parametrize("step", [1, 7, 4096, 10**6])
async def test_async_reader_in_any_chunking(step: int) -> None:
    blocks = _blocks(60)
    data = write_car([blocks[0].cid], blocks)
    reader = read_car_async(_chunks(data, step))
    assert await reader.roots() == [blocks[0].cid]
    assert [block async for block in reader] == blocks


@pytest.mark.anyio
async def test_async_reader_reports_truncation_and_mismatch() -> None:
    blocks = _blocks(5)
    data = write_car([], blocks)
    with pytest.raises(CarError, match="truncated"):
        [b async for b in read_car_async(_chunks(data[:-3], 5))]
    forged = write_car([], [Block(blocks[0].cid, blocks[1].data)])
    with pytest.raises(CarError, match="does not match its CID"):
        [b async for b in read_car_async(_chunks(forged, 3))]
    with pytest.raises(CarError, match="header"):
        await read_car_async(_chunks(b"\x05\xa1", 1)).roots()


def test_parser_fed_one_byte_at_a_time() -> None:
    blocks = _blocks(30)
    data = write_car([blocks[0].cid], blocks)
    parser = CarParser()
    got: list[Block] = []
    for i in range(len(data)):
        got.extend(parser.feed(data[i : i + 1]))
    parser.close()
    assert parser.roots == [blocks[0].cid]
    assert got == blocks


def test_parser_holds_at_most_one_section() -> None:
    big = encode_dag_cbor({"blob": b"\x00" * 200_000})
    blocks = [Block(CID.compute(big), big), *_blocks(3)]
    data = write_car([], blocks)
    parser = CarParser()
    got: list[Block] = []
    for start in range(0, len(data), 1000):
        got.extend(parser.feed(data[start : start + 1000]))
        assert len(parser._buf) <= len(big) + 1100
    parser.close()
    assert got == blocks


def _feed_and_close(parser: CarParser, data: bytes) -> None:
    parser.feed(data)
    parser.close()


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        (b"\x80", "cut short"),  # a section length varint that ends early
        (b"\xff" * 9 + b"\x01", "longer than 9 bytes"),
        (b"\x80\x00", "not minimally encoded"),
        (encode_varint(2**40), "over the limit"),  # a huge length is refused before reading
        (encode_varint(1) + b"\x01", "valid CID"),
        (encode_varint(40) + b"\x01\x71\x12\x20" + b"\x00" * 10, "truncated"),
    ],
    ids=[
        "cut varint",
        "endless varint",
        "non-minimal varint",
        "huge length",
        "no cid",
        "short block",
    ],
)
def test_malformed_sections_from_every_source(tail: bytes, message: str, tmp_path: Path) -> None:
    data = write_car([], _blocks(2)) + tail
    path = tmp_path / "bad.car"
    path.write_bytes(data)
    for source in (data, path, io.BytesIO(data)):
        with pytest.raises(CarError, match=message):
            list(read_car(source))
    parser = CarParser()
    with pytest.raises(CarError, match=message):
        _feed_and_close(parser, data)
    for source in (data, path):
        with pytest.raises(CarError, match=message):
            CarBlocks.open(source)


def test_mapped_blocks_check_cids_when_read(tmp_path: Path) -> None:
    good = _blocks(3)
    forged = [good[0], Block(good[1].cid, good[2].data)]
    path = tmp_path / "forged.car"
    path.write_bytes(write_car([good[0].cid], forged))
    blocks = CarBlocks.open(path)
    assert blocks.roots == [good[0].cid]
    assert blocks.get(good[0].cid) == good[0].data
    with pytest.raises(CarError, match="does not match its CID"):
        blocks.get(good[1].cid)
    assert CarBlocks.open(path, verify=False).get(good[1].cid) == good[2].data
    blocks.close()
    assert good[0].cid not in blocks


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.car"
    empty.write_bytes(b"")
    with pytest.raises(CarError, match="truncated"):
        CarBlocks.open(empty)
    with pytest.raises(CarError, match="cannot open"):
        CarBlocks.open(tmp_path / "nope.car")
    with pytest.raises(CarError, match="cannot open"):
        read_car(tmp_path / "nope.car")


@settings(max_examples=150, deadline=None)
@given(blocks=st.lists(st.binary(max_size=300), max_size=20), cut=st.integers(0, 10_000))
def test_car_write_read_round_trip(blocks: list[bytes], cut: int) -> None:
    car_blocks = [Block(CID.compute(data), data) for data in blocks]
    roots = [car_blocks[0].cid] if car_blocks else []
    data = write_car(roots, car_blocks)
    read = read_car(data)
    assert read.roots == roots
    assert list(read) == car_blocks
    assert list(read_car(io.BytesIO(data))) == car_blocks
    indexed = CarBlocks.open(data)
    assert {b.cid: b.data for b in indexed} == {b.cid: b.data for b in car_blocks}
    # Any cut is either a clean shorter CAR or a CarError, never anything else.
    with contextlib.suppress(CarError):
        list(read_car(data[: cut % (len(data) + 1)]))


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400))
def test_random_bytes_never_escape_as_other_errors(data: bytes) -> None:
    with contextlib.suppress(SkykitError):
        list(read_car(data))
    with contextlib.suppress(SkykitError):
        list(CarBlocks.open(data))
