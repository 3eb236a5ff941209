"""TIDs: layout, encode/decode round trips, and the monotonic clock."""

from __future__ import annotations

import os
import select
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skykit.syntax import TID, InvalidSyntaxError, OutOfRangeError, TidClock, is_valid, next_tid
from skykit.syntax._tid import MAX_CLOCK_ID, MAX_TIMESTAMP
from skykit.syntax._tid_clock import _default_clock
from tests import corpora

timestamps = st.integers(min_value=0, max_value=MAX_TIMESTAMP)
clock_ids = st.integers(min_value=0, max_value=MAX_CLOCK_ID)

# base32-sortable digits mapped onto the digits int(..., 32) understands: an independent
# decoder to check ours against.
_TO_BASE32 = str.maketrans("234567abcdefghijklmnopqrstuvwxyz", "0123456789abcdefghijklmnopqrstuv")


def reference_decode(text: str) -> int:
    return int(text.translate(_TO_BASE32), 32)


def test_corpus_tids_decode_like_the_reference() -> None:
    values = corpora.lines("interop", "syntax", "tid_syntax_valid.txt")
    if not values:
        corpora.path("interop", "syntax")  # skips (or fails under CI) when absent
    for text in values:
        tid = TID(text)
        number = reference_decode(text)
        assert tid.to_int() == number
        assert (tid.timestamp, tid.clock_id) == (number >> 10, number & 0x3FF)
        assert TID.from_time(tid.timestamp, tid.clock_id) == text


def test_known_tid() -> None:
    tid = TID.from_time(1_700_000_000_000_000, 7)
    assert tid.timestamp == 1_700_000_000_000_000
    assert tid.clock_id == 7
    assert tid.to_datetime() == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert TID.from_int(0) == "2222222222222"
    assert TID.from_time(MAX_TIMESTAMP, MAX_CLOCK_ID) == "bzzzzzzzzzzzz"  # 2**63 - 1


def test_syntax_allows_the_64th_bit_but_not_a_65th() -> None:
    # 13 characters hold 65 bits; the syntax (first character 2-7 or a-j) caps values at
    # 64 bits, while TIDs minted here keep the top bit 0 as the spec asks.
    high = TID("j222222222222")
    assert high.to_int() == 15 << 60
    assert high.timestamp > MAX_TIMESTAMP
    with pytest.raises(InvalidSyntaxError, match="exceed 64 bits"):
        TID("k222222222222")


@given(timestamps, clock_ids)
def test_from_time_round_trips(micros: int, clock_id: int) -> None:
    tid = TID.from_time(micros, clock_id)
    assert len(tid) == 13
    assert is_valid("tid", tid)
    assert (tid.timestamp, tid.clock_id) == (micros, clock_id)
    assert tid.to_int() == reference_decode(tid)
    assert TID(str(tid)) == tid


@given(st.integers(min_value=0, max_value=(1 << 63) - 1))
def test_from_int_round_trips(number: int) -> None:
    assert TID.from_int(number).to_int() == number


@given(timestamps, clock_ids, timestamps, clock_ids)
def test_string_order_is_time_order(a_us: int, a_clock: int, b_us: int, b_clock: int) -> None:
    a, b = TID.from_time(a_us, a_clock), TID.from_time(b_us, b_clock)
    assert (str(a) < str(b)) == ((a_us, a_clock) < (b_us, b_clock))


@pytest.mark.parametrize(
    ("micros", "clock_id"), [(-1, 0), (MAX_TIMESTAMP + 1, 0), (0, -1), (0, MAX_CLOCK_ID + 1)]
)
def test_from_time_rejects_out_of_range(micros: int, clock_id: int) -> None:
    with pytest.raises(OutOfRangeError):
        TID.from_time(micros, clock_id)


def test_from_int_rejects_out_of_range_and_non_ints() -> None:
    for number in (-1, 1 << 63):
        with pytest.raises(OutOfRangeError):
            TID.from_int(number)
    with pytest.raises(TypeError):
        TID.from_int("5")  # type: ignore[arg-type]


def test_tid_constructor_is_strict() -> None:
    for text in ("3JZFCIJPJ2Z2A", "kjzfcijpj2z2a", "3jzf-cij-pj2z-2a", "3jzfcijpj2z2", ""):
        with pytest.raises(InvalidSyntaxError, match=r"^invalid tid "):
            TID(text)


# -- the clock -----------------------------------------------------------------------------


def _replaying(readings: list[int]) -> Iterator[int]:
    yield from readings


@settings(max_examples=200)
@given(
    st.lists(st.integers(min_value=0, max_value=1 << 45), min_size=1, max_size=60),
    clock_ids,
)
def test_clock_strictly_increases_whatever_the_time_source_does(
    readings: list[int], clock_id: int
) -> None:
    # Arbitrary readings: repeats (clock standing still) and decreases (stepping back).
    source = _replaying(readings)
    clock = TidClock(clock_id, time_source=lambda: next(source))
    tids = [clock.next() for _ in readings]
    assert all(str(a) < str(b) for a, b in pairwise(tids))
    assert all(a.to_int() < b.to_int() for a, b in pairwise(tids))
    assert all(tid.clock_id == clock_id for tid in tids)
    assert all(tid.timestamp >= reading for tid, reading in zip(tids, readings, strict=True))
    # When time moves forward past the last TID, the clock follows it exactly.
    for tid, reading, previous in zip(tids[1:], readings[1:], tids, strict=False):
        if reading > previous.timestamp:
            assert tid.timestamp == reading


def test_clock_standing_still() -> None:
    clock = TidClock(1, time_source=lambda: 1_000_000)
    tids = [clock.next() for _ in range(1000)]
    assert [tid.timestamp for tid in tids] == list(range(1_000_000, 1_001_000))


def test_clock_is_thread_safe() -> None:
    clock = TidClock(3, time_source=lambda: 42)
    per_thread: list[list[TID]] = [[] for _ in range(8)]

    def mint(out: list[TID]) -> None:
        for _ in range(500):
            out.append(clock.next())

    threads = [threading.Thread(target=mint, args=(out,)) for out in per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [tid for out in per_thread for tid in out]
    assert len(set(everything)) == 4000
    for out in per_thread:
        assert out == sorted(out)


def test_clock_refuses_to_run_past_53_bits() -> None:
    clock = TidClock(0, time_source=lambda: MAX_TIMESTAMP)
    assert clock.next().timestamp == MAX_TIMESTAMP
    with pytest.raises(OutOfRangeError):
        clock.next()


def test_clock_id_is_checked_and_defaults_to_random() -> None:
    with pytest.raises(OutOfRangeError):
        TidClock(1024)
    assert 0 <= TidClock().clock_id <= MAX_CLOCK_ID


def test_next_tid_uses_the_wall_clock_and_increases() -> None:
    before = time.time_ns() // 1000
    tids = [next_tid() for _ in range(100)]
    after = time.time_ns() // 1000
    assert tids == sorted(set(tids))
    assert before <= tids[0].timestamp
    assert tids[-1].timestamp <= after + 100


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_gets_a_usable_default_clock() -> None:
    # Fork while another thread of the parent holds the default clock's lock: without the
    # at-fork reset the child's first next_tid() would block forever.
    read_end, write_end = os.pipe()
    with _default_clock._lock:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            os.close(read_end)
            os.write(write_end, str(next_tid()).encode())
            os._exit(0)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 10)
        child_tid = os.read(read_end, 64).decode() if ready else ""
    finally:
        os.close(read_end)
        deadline = time.monotonic() + 10
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                break
            time.sleep(0.01)
    assert is_valid("tid", child_tid), "child could not mint a TID after fork"
