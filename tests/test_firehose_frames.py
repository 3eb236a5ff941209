"""Firehose frames: every real relay frame decodes; malformed frames raise FrameError."""

from __future__ import annotations

import cbor2
import pytest

from skykit.data import CID, encode_dag_cbor
from skykit.firehose import (
    AccountEvent,
    CommitEvent,
    Event,
    FrameError,
    FutureCursorError,
    IdentityEvent,
    StreamError,
    decode_frame,
)
from skykit.repo import Block, write_car
from tests.test_real_blocks import _relay_frames


def _frame(header: dict[str, object], body: dict[str, object]) -> bytes:
    return encode_dag_cbor(header) + encode_dag_cbor(body)  # type: ignore[arg-type]


def test_every_real_frame_decodes() -> None:
    events = [decode_frame(frame) for frame in _relay_frames()]
    assert len(events) == 150
    commits = [e for e in events if isinstance(e, CommitEvent)]
    assert len(commits) == 148
    assert sum(isinstance(e, IdentityEvent) for e in events) == 1
    assert sum(isinstance(e, AccountEvent) for e in events) == 1
    seqs = [e.seq for e in events]
    assert seqs == sorted(seqs)
    assert seqs[-1] - seqs[0] == 149  # contiguous
    records = 0
    for commit in commits:
        assert commit.repo.startswith("did:")
        assert commit.prev_data is not None
        for op in commit.ops:
            assert op.action in ("create", "update", "delete")
            if op.action == "delete":
                assert op.cid is None
                assert op.record is None
                continue
            record = op.record
            assert record is not None
            assert record["$type"] == op.collection
            assert CID.compute(encode_dag_cbor(record)) == op.cid
            records += 1
    assert records > 140


def test_typed_messages_and_records() -> None:
    commit = next(e for e in map(decode_frame, _relay_frames()) if isinstance(e, CommitEvent))
    message = commit.model()
    assert message.repo == commit.repo
    assert message.seq == commit.seq
    op = commit.ops[0]
    typed = op.model()
    assert typed is not None
    assert typed.to_cid() == op.cid


def test_error_frames_raise_their_typed_error() -> None:
    with pytest.raises(FutureCursorError, match="FutureCursor"):
        decode_frame(
            _frame({"op": -1}, {"error": "FutureCursor", "message": "cursor in the future"})
        )
    with pytest.raises(StreamError, match="Bogus"):
        decode_frame(_frame({"op": -1}, {"error": "Bogus"}))


def test_unknown_message_types_pass_through_as_data() -> None:
    event = decode_frame(_frame({"op": 1, "t": "#somethingNew"}, {"seq": 5, "x": b"\x00"}))
    assert type(event) is Event
    assert event.seq == 5
    assert event.body == {"seq": 5, "x": b"\x00"}
    assert event.model() == event.body


def _commit_frame(blocks: bytes) -> bytes:
    cid = CID.compute(b"x")
    body = {
        "seq": 1,
        "repo": "did:plc:abc",
        "rev": "3k",
        "commit": cid,
        "ops": [{"action": "create", "path": "a.b.c/1", "cid": cid}],
        "blocks": blocks,
        "blobs": [],
        "time": "2026-01-01T00:00:00Z",
    }
    return _frame({"op": 1, "t": "#commit"}, body)


MALFORMED = {
    "empty": b"",
    "header only": encode_dag_cbor({"op": 1, "t": "#commit"}),
    "truncated body": _commit_frame(b"")[:-5],
    "three objects": _frame({"op": 1, "t": "#x"}, {}) + encode_dag_cbor({}),
    "header not a map": cbor2.dumps([1]) + encode_dag_cbor({}),
    "bad op": _frame({"op": 2, "t": "#commit"}, {}),
    "no type": _frame({"op": 1}, {}),
    "float in body": encode_dag_cbor({"op": 1, "t": "#x"}) + cbor2.dumps({"a": 1.5}),
    "not bytes": "frame",
}


@pytest.mark.parametrize("frame", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_frames_raise_frame_error(frame: bytes) -> None:
    with pytest.raises(FrameError):
        decode_frame(frame)


def test_a_car_slice_with_a_forged_block_fails_when_read() -> None:
    cid = CID.compute(b"x")
    forged = write_car([cid], [Block(cid, encode_dag_cbor({"not": "x"}))])
    event = decode_frame(_commit_frame(forged))  # decoding the frame itself is lazy
    assert isinstance(event, CommitEvent)
    with pytest.raises(FrameError, match="CAR slice"):
        _ = event.ops[0].record
