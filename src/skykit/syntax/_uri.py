"""The lexicon ``uri`` format: any URI (RFC 3986), e.g. ``https://example.com/a?b#c``.

Checked loosely, as the spec asks: a scheme (a letter, then letters, digits, ``+-.``), a
colon, and at least one more character, with no whitespace or control characters, and at
most 8 KiB of UTF-8.
"""

from __future__ import annotations

import re

from skykit.syntax._base import SyntaxStr

URI_MAX_BYTES = 8192

_URI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]+")
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_FORBIDDEN_RE = re.compile(r"[\s\x00-\x1f\x7f]")


def _utf8_length(value: str) -> int | None:
    """The UTF-8 size of `value`, or None when it holds lone surrogates (not Unicode text)."""
    if value.isascii():
        return len(value)
    try:
        return len(value.encode("utf-8"))
    except UnicodeEncodeError:
        return None


def uri_problem(value: str) -> str | None:
    """What is wrong with `value` as a URI, or None when it is valid."""
    if len(value) <= URI_MAX_BYTES and _URI_RE.fullmatch(value):
        size = _utf8_length(value)
        if size is not None and size <= URI_MAX_BYTES:
            return None
    return _diagnose(value)


def _diagnose(value: str) -> str:
    size = _utf8_length(value)
    if size is None:
        return "not valid Unicode text (lone surrogate)"
    if size > URI_MAX_BYTES:
        return f"longer than {URI_MAX_BYTES} bytes of UTF-8"
    forbidden = _FORBIDDEN_RE.search(value)
    if forbidden is not None:
        return f"whitespace or control character {forbidden.group()!r} is not allowed"
    scheme, colon, rest = value.partition(":")
    if not colon:
        return "missing scheme (expected 'scheme:...')"
    if not _SCHEME_RE.fullmatch(scheme):
        return f"scheme {scheme!r} must be a letter followed by letters, digits, '+', '-' or '.'"
    if not rest:
        return "nothing after the scheme"
    return "malformed URI"  # pragma: no cover - every rule above covers the regex


class Uri(SyntaxStr, format_name="uri", find_problem=uri_problem):
    """A generic URI, kept exactly as given."""

    __slots__ = ()

    @property
    def scheme(self) -> str:
        """The scheme as written, e.g. ``"https"``."""
        return self.partition(":")[0]
