"""The datetime range check against an independent oracle built on Python's datetime."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from skykit.syntax import is_valid

offsets = st.one_of(
    st.just("Z"),
    st.tuples(st.sampled_from("+-"), st.integers(0, 25), st.integers(0, 61)).map(
        lambda parts: f"{parts[0]}{parts[1]:02d}:{parts[2]:02d}"
    ),
)
fractions = st.one_of(
    st.just(""), st.text("0123456789", min_size=1, max_size=12).map(lambda digits: f".{digits}")
)


def oracle(fields: tuple[int, int, int, int, int, int], offset: str) -> bool:
    """Valid when Python can build the local time and, shifted to UTC, it stays within
    years 0000-9999 (Python stops at year 1, so falling below it means year 0000)."""
    year, month, day, hour, minute, second = fields
    try:
        local = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False
    if offset == "-00:00":
        return False
    shift = timedelta(0)
    if offset != "Z":
        offset_hours, offset_minutes = int(offset[1:3]), int(offset[4:6])
        if offset_hours > 23 or offset_minutes > 59:
            return False
        shift = timedelta(hours=offset_hours, minutes=offset_minutes)
        shift = shift if offset[0] == "+" else -shift
    try:
        local - shift
    except OverflowError:
        return year == 1
    return True


@given(
    st.tuples(
        st.one_of(st.integers(1, 9999), st.sampled_from([1, 2, 1900, 2000, 2024, 9999])),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 25),
        st.integers(0, 61),
        st.integers(0, 61),
    ),
    fractions,
    offsets,
)
@example((9999, 12, 31, 23, 0, 0), "", "-01:00")
@example((1, 1, 1, 0, 30, 0), "", "+01:00")
@example((2024, 2, 29, 0, 0, 0), ".5", "Z")
@example((2023, 2, 29, 0, 0, 0), "", "Z")
def test_datetime_ranges_match_the_oracle(
    fields: tuple[int, int, int, int, int, int], fraction: str, offset: str
) -> None:
    year, month, day, hour, minute, second = fields
    text = (
        f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}{offset}"
    )
    assert is_valid("datetime", text) == oracle(fields, offset), text
