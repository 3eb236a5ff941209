"""TID syntax and layout (atproto.com/specs/tid): a 64-bit integer written as 13
base32-sortable characters, so that string order is time order.

Bit layout: the top bit is always 0, then 53 bits of microseconds since the UNIX epoch,
then a 10-bit clock identifier.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Self

from skykit.syntax._base import SyntaxStr
from skykit.syntax._errors import OutOfRangeError

TID_LENGTH = 13
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
"""base32-sortable: the alphabet in ascending character order, so sorting strings sorts values."""
TIMESTAMP_BITS = 53
CLOCK_ID_BITS = 10
MAX_TIMESTAMP = (1 << TIMESTAMP_BITS) - 1
MAX_CLOCK_ID = (1 << CLOCK_ID_BITS) - 1

# 13 characters carry 65 bits; the first must be one of the lower 16 symbols so the value
# fits in 64. (TIDs minted here also keep bit 63 clear, as the spec asks.)
_TID_RE = re.compile(r"[2-7a-j][2-7a-z]{12}")
_DIGIT_OF = {char: digit for digit, char in enumerate(TID_ALPHABET)}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def tid_problem(value: str) -> str | None:
    """What is wrong with `value` as a TID, or None when it is valid."""
    if _TID_RE.fullmatch(value):
        return None
    if len(value) != TID_LENGTH:
        return f"must be {TID_LENGTH} characters, got {len(value)}"
    for char in value:
        if char not in _DIGIT_OF:
            return f"disallowed character {char!r} (base32-sortable: lowercase a-z and 2-7)"
    return f"first character {value[0]!r} makes the value exceed 64 bits (must be 2-7 or a-j)"


def _encode(number: int) -> str:
    chars = []
    for _ in range(TID_LENGTH):
        number, digit = divmod(number, 32)
        chars.append(TID_ALPHABET[digit])
    return "".join(reversed(chars))


class TID(SyntaxStr, format_name="tid", find_problem=tid_problem):
    """A timestamp identifier such as ``3jzfcijpj2z2a``, used as a record key and a revision.

    Build one from its parts with :meth:`from_time`, or get fresh ones from a
    :class:`~skykit.syntax.TidClock`.
    """

    __slots__ = ()

    @classmethod
    def from_int(cls, number: int) -> Self:
        """The TID of a 63-bit integer."""
        if isinstance(number, bool) or not isinstance(number, int):
            raise TypeError(f"TID.from_int expects an int, got {type(number).__name__}")
        if not 0 <= number < 1 << (TIMESTAMP_BITS + CLOCK_ID_BITS):
            raise OutOfRangeError(f"TID integer {number} is outside 0 .. 2**63 - 1")
        return cls._trusted(_encode(number))

    @classmethod
    def from_time(cls, micros: int, clock_id: int = 0) -> Self:
        """The TID for a timestamp in microseconds since the UNIX epoch and a clock id."""
        if not 0 <= micros <= MAX_TIMESTAMP:
            raise OutOfRangeError(f"TID timestamp {micros} is outside 0 .. 2**53 - 1 microseconds")
        if not 0 <= clock_id <= MAX_CLOCK_ID:
            raise OutOfRangeError(f"TID clock id {clock_id} is outside 0 .. {MAX_CLOCK_ID}")
        return cls.from_int(micros << CLOCK_ID_BITS | clock_id)

    def to_int(self) -> int:
        """The 64-bit integer this TID encodes."""
        number = 0
        for char in self:
            number = number * 32 + _DIGIT_OF[char]
        return number

    @property
    def timestamp(self) -> int:
        """Microseconds since the UNIX epoch."""
        return self.to_int() >> CLOCK_ID_BITS

    @property
    def clock_id(self) -> int:
        """The 10-bit clock identifier that keeps concurrent writers apart."""
        return self.to_int() & MAX_CLOCK_ID

    def to_datetime(self) -> datetime:
        """The timestamp as an aware UTC ``datetime``."""
        return _EPOCH + timedelta(microseconds=self.timestamp)
