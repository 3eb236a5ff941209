"""Record key syntax (atproto.com/specs/record-key): the last part of a record's path."""

from __future__ import annotations

import re

from skykit.syntax._base import SyntaxStr

RECORD_KEY_MAX_LENGTH = 512

_RECORD_KEY_RE = re.compile(r"[a-zA-Z0-9._:~-]{1,512}")
_RECORD_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:~-")


def record_key_problem(value: str) -> str | None:
    """What is wrong with `value` as a record key, or None when it is valid."""
    if _RECORD_KEY_RE.fullmatch(value) and value != "." and value != "..":
        return None
    return _diagnose(value)


def _diagnose(value: str) -> str:
    if not value:
        return "empty"
    if len(value) > RECORD_KEY_MAX_LENGTH:
        return f"longer than {RECORD_KEY_MAX_LENGTH} characters"
    if value in (".", ".."):
        return "'.' and '..' are not allowed"
    for char in value:
        if char not in _RECORD_KEY_CHARS:
            return f"disallowed character {char!r} (allowed: ASCII letters, digits, '._:~-')"
    return "malformed record key"  # pragma: no cover - every rule above covers the regex


class RecordKey(SyntaxStr, format_name="record-key", find_problem=record_key_problem):
    """A record key such as ``self`` or a TID like ``3jzfcijpj2z2a``; kept exactly as given."""

    __slots__ = ()
