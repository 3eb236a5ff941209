"""Jetstream: parsing real events, converting firehose commits, compression, the client."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import zstandard

from skykit.firehose import FrameError, StreamPolicy, decode_frame
from skykit.firehose.jetstream import Jetstream, jetstream_url, parse_event, to_jetstream
from tests import corpora
from tests.test_real_blocks import _relay_frames

JETSTREAM = ("real", "jetstream")


def _lines(*parts: str) -> list[str]:
    return corpora.path(*JETSTREAM, *parts).read_text().splitlines()


def _without_time(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != "time_us"}


def test_firehose_commits_convert_to_the_events_production_jetstream_served() -> None:
    ours = [e for frame in _relay_frames() for e in to_jetstream(decode_frame(frame))]
    expected = [json.loads(line) for line in _lines("corpus", "expected_v1.jsonl")]
    assert len(ours) == len(expected) == 152
    assert [_without_time(e) for e in ours] == [_without_time(e) for e in expected]


def test_golden_events_parse_into_typed_events() -> None:
    events = [parse_event(line) for line in _lines("golden", "golden_v1.jsonl")]
    assert [e.kind for e in events].count("commit") == 8
    like = events[0]
    assert like.commit is not None
    assert like.commit.model().subject.uri.startswith("at://")
    delete = next(e for e in events if e.commit and e.commit.operation == "delete")
    assert delete.commit is not None
    assert delete.commit.record is None
    assert delete.commit.model() is None
    profile = next(
        e for e in events if e.commit and e.commit.collection == "app.bsky.actor.profile"
    )
    assert profile.commit is not None
    assert profile.commit.model().to_json() == profile.commit.record


def test_compressed_messages_decode_with_the_dictionary() -> None:
    dictionary = corpora.path(
        *JETSTREAM, "zstd-dictionaries", "legacy_subscribe.zdict"
    ).read_bytes()
    compressor = zstandard.ZstdCompressor(dict_data=zstandard.ZstdCompressionDict(dictionary))
    decompressor = zstandard.ZstdDecompressor(dict_data=zstandard.ZstdCompressionDict(dictionary))
    for line in _lines("golden", "golden_v1.jsonl"):
        frame = compressor.compress(line.encode())
        assert parse_event(frame, decompressor=decompressor) == parse_event(line)
    with pytest.raises(FrameError, match="decompress"):
        parse_event(b"\x28\xb5\x2f\xfdnot zstd", decompressor=decompressor)


@pytest.mark.parametrize(
    "message",
    ["", "[]", "{", '{"did": "x"}', '{"did": "x", "time_us": 1, "kind": "commit"}', b"\xff"],
    ids=["empty", "array", "truncated", "no time", "commit without body", "not utf-8"],
)
def test_malformed_messages(message: str | bytes) -> None:
    with pytest.raises(FrameError):
        parse_event(message)


def test_urls() -> None:
    url = jetstream_url("jetstream.example", collections=["app.bsky.feed.post"], dids=["did:plc:a"])
    assert url == (
        "wss://jetstream.example/subscribe?wantedCollections=app.bsky.feed.post&wantedDids=did%3Aplc%3Aa"
    )


@contextmanager
def _jetstream_server(events: list[str], per_connection: int) -> Iterator[str]:
    """A loopback websocket server speaking Jetstream's cursor protocol over the golden
    events: it drops each connection after ``per_connection`` events."""
    from websockets.sync.server import serve

    def handler(connection: Any) -> None:
        query = parse_qs(urlsplit(connection.request.path).query)
        cursor = int(query.get("cursor", ["0"])[0])
        later = [e for e in events if json.loads(e)["time_us"] > cursor]
        for event in later[:per_connection]:
            connection.send(event)
        connection.close()

    with serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"ws://127.0.0.1:{server.socket.getsockname()[1]}"
        finally:
            server.shutdown()
            thread.join(timeout=5)


def test_the_client_resumes_by_time_us_across_dropped_connections() -> None:
    # the golden events were picked by hand: a server sends them in time order
    events = sorted(_lines("golden", "golden_v1.jsonl"), key=lambda e: json.loads(e)["time_us"])
    policy = StreamPolicy(receive_timeout=5, max_failures=3, base_delay=0.01, max_delay=0.02)
    with _jetstream_server(events, per_connection=3) as url:
        stream = Jetstream(url, policy=policy)
        got = []
        for event in stream:
            got.append(event.time_us)
            if len(got) == len(events):
                stream.close()
    assert got == [json.loads(e)["time_us"] for e in events]
    assert stream.cursor == got[-1]
