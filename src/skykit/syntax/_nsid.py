"""NSID syntax (atproto.com/specs/nsid): a reversed domain authority plus a name,
e.g. ``app.bsky.feed.post``."""

from __future__ import annotations

import re
from typing import Self

from skykit.syntax._base import SyntaxStr
from skykit.syntax._errors import not_a_str

NSID_MAX_LENGTH = 317
"""Maximum NSID length: a 253-character authority, a period and a 63-character name."""
SEGMENT_MAX_LENGTH = 63

# First segment (the TLD) starts with a letter; later authority segments may start with a
# digit; the name is letters and digits starting with a letter.
_NSID_RE = re.compile(
    r"[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+"
    r"\.[a-zA-Z][a-zA-Z0-9]{0,62}"
)
_NSID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")


def nsid_problem(value: str) -> str | None:
    """What is wrong with `value` as an NSID, or None when it is valid."""
    if len(value) <= NSID_MAX_LENGTH and _NSID_RE.fullmatch(value):
        return None
    return _diagnose(value)


def _diagnose(value: str) -> str:
    if not value:
        return "empty"
    if len(value) > NSID_MAX_LENGTH:
        return f"longer than {NSID_MAX_LENGTH} characters"
    for char in value:
        if char not in _NSID_CHARS:
            return f"disallowed character {char!r} (allowed: ASCII letters, digits, '-', '.')"
    segments = value.split(".")
    if len(segments) < 3:
        return "needs at least three segments (a domain authority and a name)"
    for segment in segments:
        if not segment:
            return "empty segment"
        if len(segment) > SEGMENT_MAX_LENGTH:
            return f"segment {segment[:20]!r}... longer than {SEGMENT_MAX_LENGTH} characters"
        if segment[0] == "-" or segment[-1] == "-":
            return f"segment {segment!r} starts or ends with a hyphen"
    if segments[0][0].isdigit():
        return f"first segment {segments[0]!r} starts with a digit"
    name = segments[-1]
    if not name.isalnum() or name[0].isdigit():
        return f"name {name!r} must be letters and digits, starting with a letter"
    return "malformed NSID"  # pragma: no cover - every rule above covers the regex


class NSID(SyntaxStr, format_name="nsid", find_problem=nsid_problem):
    """A namespaced identifier such as ``app.bsky.feed.post``.

    Kept exactly as given. The spec calls the authority case-insensitive (use
    :meth:`normalized` to lowercase it) and the name case-sensitive.
    """

    __slots__ = ()

    @classmethod
    def from_parts(cls, authority: str, name: str) -> Self:
        """Build from a domain-order authority and a name:
        ``NSID.from_parts("feed.bsky.app", "post") == "app.bsky.feed.post"``."""
        for part in (authority, name):
            if not isinstance(part, str):
                raise not_a_str(cls.format_name, part)
        return cls(".".join([*reversed(authority.split(".")), name]))

    @property
    def segments(self) -> tuple[str, ...]:
        """All period-separated segments, in NSID order."""
        return tuple(self.split("."))

    @property
    def authority(self) -> str:
        """The domain authority in DNS order: ``"feed.bsky.app"`` for ``app.bsky.feed.post``."""
        return ".".join(reversed(self.rpartition(".")[0].split(".")))

    @property
    def name(self) -> str:
        """The final segment: ``"post"`` for ``app.bsky.feed.post``."""
        return self.rpartition(".")[2]

    def normalized(self) -> Self:
        """The same NSID with its (case-insensitive) authority lowercased."""
        authority, _, name = self.rpartition(".")
        return type(self)._trusted(f"{authority.lower()}.{name}")
