"""DID syntax (atproto.com/specs/did): ``did:<method>:<method-specific identifier>``."""

from __future__ import annotations

import re

from skykit.syntax._base import SyntaxStr

DID_MAX_LENGTH = 2048
"""The atproto hard limit on a DID's length, in characters (all ASCII)."""

# Method: lowercase letters. Identifier: letters, digits, ``._:-`` and percent-escapes
# (``%`` and two hex digits); it may not end in ``:``, which is checked separately.
_DID_RE = re.compile(r"did:[a-z]+:(?:[a-zA-Z0-9._:-]|%[0-9A-Fa-f]{2})+")
_IDENTIFIER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-%")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def did_problem(value: str) -> str | None:
    """What is wrong with `value` as a DID, or None when it is valid."""
    if len(value) <= DID_MAX_LENGTH and _DID_RE.fullmatch(value) and value[-1] != ":":
        return None
    return _diagnose(value)


def _diagnose(value: str) -> str:
    if len(value) > DID_MAX_LENGTH:
        return f"longer than {DID_MAX_LENGTH} characters"
    if not value.startswith("did:"):
        return "must start with lowercase 'did:'"
    method, colon, identifier = value[4:].partition(":")
    if not colon:
        return "missing ':' between method and identifier"
    if not method:
        return "empty method"
    if not (method.isascii() and method.isalpha() and method.islower()):
        return f"method {method!r} must be lowercase ASCII letters"
    if not identifier:
        return "empty method-specific identifier"
    for index, char in enumerate(identifier):
        if char not in _IDENTIFIER_CHARS:
            return f"disallowed character {char!r} (allowed: ASCII letters, digits, '._:-' and %XX)"
        if char == "%" and not (
            index + 2 < len(identifier)
            and identifier[index + 1] in _HEX_DIGITS
            and identifier[index + 2] in _HEX_DIGITS
        ):
            return "'%' must be followed by two hex digits"
    if value.endswith(":"):
        return "must not end with ':'"
    return "malformed DID"  # pragma: no cover - every rule above covers the regex


class DID(SyntaxStr, format_name="did", find_problem=did_problem):
    """A decentralized identifier such as ``did:plc:ewvi7nxzyoun6zhxrhs64oiz``.

    Kept exactly as given (DIDs are case-sensitive); ``DID("x")`` raises
    :class:`~skykit.syntax.InvalidSyntaxError`.
    """

    __slots__ = ()

    @property
    def method(self) -> str:
        """The DID method, e.g. ``"plc"`` or ``"web"``."""
        return self[4 : self.index(":", 4)]

    @property
    def identifier(self) -> str:
        """The method-specific identifier (everything after the method's colon)."""
        return self[self.index(":", 4) + 1 :]
