"""Handle syntax (atproto.com/specs/handle): a DNS hostname with at least two labels."""

from __future__ import annotations

import re

from skykit.syntax._base import SyntaxStr

HANDLE_MAX_LENGTH = 253
"""Maximum handle length in characters, as for a DNS name."""
LABEL_MAX_LENGTH = 63

INVALID_HANDLE = "handle.invalid"
"""What services show in place of a handle that failed verification."""

DISALLOWED_TLDS = frozenset(
    {"alt", "arpa", "example", "internal", "invalid", "local", "localhost", "onion"}
)
"""Top-level domains that are syntactically fine but must not be registered or resolved as
handles (special-use or non-DNS names)."""

_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
_TLD = r"[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
_HANDLE_RE = re.compile(rf"(?:{_LABEL}\.)+{_TLD}")
_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


def handle_problem(value: str) -> str | None:
    """What is wrong with `value` as a handle, or None when it is valid."""
    if len(value) <= HANDLE_MAX_LENGTH and _HANDLE_RE.fullmatch(value):
        return None
    return _diagnose(value)


def _diagnose(value: str) -> str:
    if not value:
        return "empty"
    if len(value) > HANDLE_MAX_LENGTH:
        return f"longer than {HANDLE_MAX_LENGTH} characters"
    for char in value:
        if char != "." and char not in _LABEL_CHARS:
            return f"disallowed character {char!r} (allowed: ASCII letters, digits, '-', '.')"
    labels = value.split(".")
    if len(labels) < 2:
        return "needs at least two labels, like 'name.example.com'"
    for label in labels:
        if not label:
            return "empty label"
        if len(label) > LABEL_MAX_LENGTH:
            return f"label {label[:20]!r}... longer than {LABEL_MAX_LENGTH} characters"
        if label[0] == "-" or label[-1] == "-":
            return f"label {label!r} starts or ends with a hyphen"
    if labels[-1][0].isdigit():
        return f"top-level domain {labels[-1]!r} starts with a digit"
    return "malformed handle"  # pragma: no cover - every rule above covers the regex


def is_disallowed_tld(handle: str) -> bool:
    """Whether `handle` ends in a special-use TLD (``.local``, ``.onion``, ...).

    Such handles pass the syntax check (the interop files require it) but must not be
    accepted for accounts or resolved; callers that register or resolve handles check this.
    """
    return handle.rpartition(".")[2].lower() in DISALLOWED_TLDS


class Handle(SyntaxStr, format_name="handle", find_problem=handle_problem):
    """A handle such as ``alice.bsky.social``.

    Handles are case-insensitive, so construction normalises to lowercase:
    ``Handle("Alice.Example.COM") == "alice.example.com"``. This is the only typed value
    that changes its input.
    """

    __slots__ = ()

    @classmethod
    def _validated(cls, value: object) -> str:
        return super()._validated(value).lower()

    @property
    def tld(self) -> str:
        """The top-level domain, e.g. ``"social"``."""
        return self.rpartition(".")[2]

    @property
    def is_disallowed_tld(self) -> bool:
        """Whether the TLD is special-use; see :func:`is_disallowed_tld`."""
        return self.tld in DISALLOWED_TLDS
