"""Firehose frame decoding: skykit versus raw libipld and the ``atproto`` package.

Run: ``python bench/bench_firehose.py``. Uses the 150 real relay frames of the shared
corpus, decoded again and again in the same process (best of 7 rounds).
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import CORPORA, best_of

FRAMES = CORPORA / "real" / "jetstream" / "corpus" / "frames.bin"


def load_frames() -> list[bytes]:
    data = FRAMES.read_bytes()
    frames, pos = [], 0
    while pos < len(data):
        (size,) = struct.unpack_from("<I", data, pos)
        frames.append(data[pos + 4 : pos + 4 + size])
        pos += 4 + size
    return frames


def main() -> None:
    import libipld
    from atproto import CAR, firehose_models, models, parse_subscribe_repos_message

    from skykit.firehose import CommitEvent, decode_frame

    frames = load_frames()

    def raw() -> None:
        for frame in frames:
            _header, body = libipld.decode_dag_cbor_multi(frame)
            if "blocks" in body:
                libipld.decode_car(body["blocks"])

    def skykit_events() -> None:
        for frame in frames:
            decode_frame(frame)

    def skykit_records() -> None:
        for frame in frames:
            event = decode_frame(frame)
            if isinstance(event, CommitEvent):
                for op in event.ops:
                    op.record  # noqa: B018 - decoding it is the point

    def skykit_typed() -> None:
        for frame in frames:
            event = decode_frame(frame)
            if isinstance(event, CommitEvent):
                for op in event.ops:
                    op.model()

    def peer_records() -> list[Any]:
        out = []
        for frame in frames:
            message = parse_subscribe_repos_message(firehose_models.MessageFrame.from_bytes(frame))
            blocks = getattr(message, "blocks", None)
            if blocks:
                car = CAR.from_bytes(blocks)
                for op in message.ops:
                    if op.cid is not None:
                        out.append(car.blocks.get(op.cid))
        return out

    def peer_typed() -> None:
        for record in peer_records():
            if record is not None:
                models.get_or_create(record, strict=False)

    rows = [
        ("raw libipld: header + body + CAR", raw),
        ("skykit decode_frame (records left lazy)", skykit_events),
        ("skykit decode_frame + every record", skykit_records),
        ("skykit + every record typed", skykit_typed),
        ("atproto parse + CAR (records as dicts)", peer_records),
        ("atproto parse + CAR + typed records", peer_typed),
    ]
    for _, function in rows:
        function()  # warm up: imports, model schemas
    print(f"\n{len(frames)} real relay frames, best of 7 rounds, frames per second")
    timings = {name: best_of(function) for name, function in rows}
    base = timings[rows[0][0]]
    for name, seconds in timings.items():
        rate = len(frames) / seconds
        print(f"  {name:<44}{rate:>12,.0f}/s   {seconds / base:>5.2f}x the raw decode's time")
    ours, theirs = timings[rows[2][0]], timings[rows[4][0]]
    typed, peer_typed_time = timings[rows[3][0]], timings[rows[5][0]]
    print(f"\n  skykit (records, untyped) vs atproto: {theirs / ours:.2f}x the frames/s")
    print(
        f"  skykit (records, typed) vs atproto typed: {peer_typed_time / typed:.2f}x the frames/s"
    )


if __name__ == "__main__":
    main()
