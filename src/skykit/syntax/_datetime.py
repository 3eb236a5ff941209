"""The lexicon ``datetime`` format (atproto.com/specs/lexicon#datetime): the intersection of
RFC 3339 and ISO 8601, always with a timezone, e.g. ``1985-04-12T23:20:50.123Z``.

Values are kept as the exact string (re-formatting would change record bytes and CIDs);
:meth:`Datetime.to_datetime` gives parsed access.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Literal, Self

from skykit.syntax._base import SyntaxStr
from skykit.syntax._errors import InvalidSyntaxError, OutOfRangeError, not_a_str

DATETIME_MAX_LENGTH = 64

_DATETIME_RE = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]+))?"
    r"(?P<offset>Z|[+-][0-9]{2}:[0-9]{2})"
)
# Values that are certainly in range (day <= 28, year not 0000, offset not -00:00) skip the
# field-by-field check; that is most real timestamps.
_CERTAINLY_VALID_RE = re.compile(
    r"(?!0000)[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?"
    r"(?:Z|\+(?:[01][0-9]|2[0-3]):[0-5][0-9]|-(?!00:00)(?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
_WITHOUT_TIMEZONE_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
)
_SHAPE = "YYYY-MM-DDTHH:MM:SS[.fraction] with 'Z' or ±HH:MM"
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MINUTES_PER_DAY = 24 * 60
_NEGATIVE_ZERO = "'-00:00' is not allowed; write UTC as 'Z' or '+00:00'"


def datetime_syntax_problem(value: str) -> str | None:
    """What is wrong with the *form* of `value`, or None; field ranges are not checked."""
    if len(value) <= DATETIME_MAX_LENGTH and _DATETIME_RE.fullmatch(value):
        return None if not value.endswith("-00:00") else _NEGATIVE_ZERO
    return _diagnose_syntax(value)


def _diagnose_syntax(value: str) -> str:
    if len(value) > DATETIME_MAX_LENGTH:
        return f"longer than {DATETIME_MAX_LENGTH} characters"
    if value != value.strip():
        return "leading or trailing whitespace"
    if _DATETIME_RE.fullmatch(value.upper()):
        return "'T' and 'Z' must be uppercase"
    if _WITHOUT_TIMEZONE_RE.fullmatch(value):
        return "a timezone is required ('Z' or ±HH:MM)"
    return f"expected {_SHAPE}"


def datetime_problem(value: str) -> str | None:
    """What is wrong with `value` as a lexicon datetime (form and field ranges), or None."""
    if len(value) <= DATETIME_MAX_LENGTH and _CERTAINLY_VALID_RE.fullmatch(value):
        return None
    match = _DATETIME_RE.fullmatch(value) if len(value) <= DATETIME_MAX_LENGTH else None
    if match is None or value.endswith("-00:00"):
        return datetime_syntax_problem(value)
    return _range_problem(match)


def _is_leap_year(year: int) -> bool:
    # Proleptic Gregorian, as ISO 8601 counts; year 0000 is a leap year.
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _range_problem(match: re.Match[str]) -> str | None:
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"])
    if not 1 <= month <= 12:
        return f"month {match['month']} is out of range 01-12"
    days = 29 if month == 2 and _is_leap_year(year) else _DAYS_IN_MONTH[month - 1]
    if not 1 <= day <= days:
        return f"day {match['day']} is out of range for {match['year']}-{match['month']}"
    if hour > 23:
        return f"hour {match['hour']} is out of range 00-23"
    if minute > 59:
        return f"minute {match['minute']} is out of range 00-59"
    if second > 59:
        return f"second {match['second']} is out of range 00-59 (leap seconds are not accepted)"
    offset = match["offset"]
    offset_minutes = 0
    if offset != "Z":
        offset_hour, offset_minute = int(offset[1:3]), int(offset[4:6])
        if offset_hour > 23 or offset_minute > 59:
            return f"timezone offset {offset} is out of range"
        offset_minutes = (offset_hour * 60 + offset_minute) * (1 if offset[0] == "+" else -1)
    # Normalised to UTC the instant must stay within years 0000-9999; only the first and
    # last day of that range can cross it (offsets are under a day).
    utc_minutes = hour * 60 + minute - offset_minutes
    if (year, month, day) == (0, 1, 1) and utc_minutes < 0:
        return "normalizes to a time before year 0000"
    if (year, month, day) == (9999, 12, 31) and utc_minutes >= _MINUTES_PER_DAY:
        return "normalizes to a time after year 9999"
    return None


def _format_utc(moment: datetime, timespec: str) -> str:
    """``YYYY-MM-DDTHH:MM:SS.fffZ`` (or ``.ffffffZ``) for an aware datetime, in UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidSyntaxError(
            "datetime", moment, f"naive datetime {moment.isoformat()} has no timezone"
        )
    try:
        utc = moment.astimezone(UTC)
    except OverflowError as error:
        raise OutOfRangeError(f"{moment.isoformat()} is outside years 0001-9999 in UTC") from error
    return utc.replace(tzinfo=None).isoformat(timespec=timespec) + "Z"


class Datetime(SyntaxStr, format_name="datetime", find_problem=datetime_problem):
    """A lexicon datetime, kept exactly as written (``...50.000Z`` stays ``...50.000Z``).

    Construction checks both the form and the field ranges (no month 13, no hour 25, nothing
    before year 0000 once normalised to UTC); :meth:`check_syntax` checks the form only.
    """

    __slots__ = ()

    @staticmethod
    def check_syntax(value: object) -> None:
        """Raise :class:`InvalidSyntaxError` unless `value` has the datetime *form*;
        values like ``1985-13-01T00:00:00Z`` pass this and fail construction."""
        if not isinstance(value, str):
            raise not_a_str("datetime", value)
        problem = datetime_syntax_problem(value)
        if problem is not None:
            raise InvalidSyntaxError("datetime", value, problem)

    @classmethod
    def from_datetime(
        cls, moment: datetime, *, timespec: Literal["milliseconds", "microseconds"] = "milliseconds"
    ) -> Self:
        """Format an aware ``datetime`` as ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC, truncated to
        milliseconds unless ``timespec="microseconds"``). Naive datetimes are rejected."""
        if not isinstance(moment, datetime):
            reason = f"expected a datetime, got {type(moment).__name__}"
            raise InvalidSyntaxError("datetime", moment, reason)
        return cls._trusted(_format_utc(moment, timespec))

    @classmethod
    def now(cls) -> Self:
        """The current time as ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
        return cls._trusted(_format_utc(datetime.now(UTC), "milliseconds"))

    def to_datetime(self) -> datetime:
        """An aware ``datetime`` with the written offset; sub-microsecond digits are dropped.

        Raises :class:`OutOfRangeError` for year 0000, which Python cannot represent.
        """
        match = _DATETIME_RE.fullmatch(self)
        assert match is not None  # guaranteed by construction
        year = int(match["year"])
        if year == 0:
            raise OutOfRangeError(
                f"datetime {str(self)!r} has year 0000, which Python cannot represent"
            )
        offset = match["offset"]
        if offset == "Z":
            zone = UTC
        else:
            sign = 1 if offset[0] == "+" else -1
            zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
        fraction = (match["fraction"] or "")[:6].ljust(6, "0")
        return datetime(
            year,
            int(match["month"]),
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"]),
            int(fraction),
            tzinfo=zone,
        )


def now() -> Datetime:
    """The current time as a spec-preferred datetime string, ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    return Datetime.now()
