"""Checking a value against a lexicon string format named at run time."""

from __future__ import annotations

from skykit.syntax._at_identifier import at_identifier_problem
from skykit.syntax._aturi import aturi_problem
from skykit.syntax._base import ProblemFinder
from skykit.syntax._cid import cid_problem
from skykit.syntax._datetime import datetime_problem
from skykit.syntax._did import did_problem
from skykit.syntax._errors import InvalidSyntaxError, UnknownFormatError, not_a_str
from skykit.syntax._handle import handle_problem
from skykit.syntax._language import language_problem
from skykit.syntax._nsid import nsid_problem
from skykit.syntax._record_key import record_key_problem
from skykit.syntax._tid import tid_problem
from skykit.syntax._uri import uri_problem

_PROBLEM_FINDERS: dict[str, ProblemFinder] = {
    "at-identifier": at_identifier_problem,
    "at-uri": aturi_problem,
    "cid": cid_problem,
    "datetime": datetime_problem,
    "did": did_problem,
    "handle": handle_problem,
    "language": language_problem,
    "nsid": nsid_problem,
    "record-key": record_key_problem,
    "tid": tid_problem,
    "uri": uri_problem,
}

FORMATS: tuple[str, ...] = tuple(sorted(_PROBLEM_FINDERS))
"""The lexicon string format names :func:`validate` knows."""


def _finder(format_name: str) -> ProblemFinder:
    finder = _PROBLEM_FINDERS.get(format_name) if isinstance(format_name, str) else None
    if finder is None:
        raise UnknownFormatError(format_name, FORMATS)
    return finder


def validate(format_name: str, value: object) -> None:
    """Check `value` against the lexicon string format `format_name` (``"did"``,
    ``"at-uri"``, ...).

    Returns None when valid; raises :class:`InvalidSyntaxError` naming the format and the
    problem otherwise (including for non-``str`` values), and :class:`UnknownFormatError`
    for a format name the lexicon language does not define. ``datetime`` and ``language``
    get their strict checks (field ranges; no repeated language subtags).
    """
    find_problem = _finder(format_name)
    if not isinstance(value, str):
        raise not_a_str(format_name, value)
    problem = find_problem(value)
    if problem is not None:
        raise InvalidSyntaxError(format_name, value, problem)


def is_valid(format_name: str, value: object) -> bool:
    """Whether :func:`validate` would accept `value`; an unknown format still raises."""
    find_problem = _finder(format_name)
    return isinstance(value, str) and find_problem(value) is None
