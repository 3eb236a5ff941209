"""The lexicon ``language`` format: a BCP 47 language tag (RFC 5646), e.g. ``pt-BR``.

atproto narrows RFC 5646 in one place, as the interop files and the reference
implementations do: the primary language subtag is 2 or 3 *lowercase* letters
(``JA`` and the reserved 4-letter ``jaja`` are rejected). Everything else follows the
RFC's ABNF, case-insensitively. The strict check also rejects what is well-formed but not
valid (RFC 5646 §2.2.5, §2.2.6, §2.2.9): a repeated variant or extension singleton.
"""

from __future__ import annotations

import re

from skykit.syntax._base import SyntaxStr
from skykit.syntax._errors import InvalidSyntaxError, not_a_str

# Tags of the old registrations that RFC 5646 keeps for compatibility (§2.2.8),
# compared case-insensitively.
GRANDFATHERED_TAGS = frozenset(
    {
        # irregular
        "en-gb-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon",
        "i-lux", "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-be-fr",
        "sgn-be-nl", "sgn-ch-de",
        # regular
        "art-lojban", "cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka", "zh-min",
        "zh-min-nan", "zh-xiang",
    }
)  # fmt: skip

# The common shapes (language, language-Script, language-REGION, ...) cannot repeat a
# subtag, so they skip the full parse.
_COMMON_RE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?")
_SUBTAG_MAX_LENGTH = 8


def language_syntax_problem(value: str) -> str | None:
    """What is wrong with the form of `value` as a language tag, or None (repeated
    variants and singletons are allowed here)."""
    if _COMMON_RE.fullmatch(value):
        return None
    return _parse_problem(value, strict=False)


def language_problem(value: str) -> str | None:
    """What is wrong with `value` as a language tag, or None; repeats are rejected."""
    if _COMMON_RE.fullmatch(value):
        return None
    return _parse_problem(value, strict=True)


def _is_extlang(subtag: str) -> bool:
    return len(subtag) == 3 and subtag.isalpha()


def _is_script(subtag: str) -> bool:
    return len(subtag) == 4 and subtag.isalpha()


def _is_region(subtag: str) -> bool:
    return (len(subtag) == 2 and subtag.isalpha()) or (len(subtag) == 3 and subtag.isdigit())


def _is_variant(subtag: str) -> bool:
    return 5 <= len(subtag) <= 8 or (len(subtag) == 4 and subtag[0].isdigit())


def _private_use_problem(subtags: list[str], start: int) -> str | None:
    # "x" followed by one or more subtags of 1-8 characters (already checked below).
    if start + 1 == len(subtags):
        return f"private-use singleton {subtags[start]!r} has no subtags"
    return None


def _parse_problem(value: str, *, strict: bool) -> str | None:
    if not value:
        return "empty"
    subtags = value.split("-")
    for subtag in subtags:
        if not subtag:
            return "empty subtag"
        if not (subtag.isascii() and subtag.isalnum()):
            return f"subtag {subtag!r} must be ASCII letters and digits"
        if len(subtag) > _SUBTAG_MAX_LENGTH:
            return f"subtag {subtag!r} is longer than {_SUBTAG_MAX_LENGTH} characters"
    first = subtags[0]
    if first in ("x", "X"):
        return _private_use_problem(subtags, 0)
    if first != first.lower():
        return f"primary language subtag {first!r} must be lowercase"
    if value.lower() in GRANDFATHERED_TAGS:
        return None
    if not first.isalpha():
        return f"primary language subtag {first!r} must be letters"
    if len(first) == 1:
        return f"a tag cannot start with the singleton {first!r}"
    if len(first) > 3:
        return f"primary language subtag {first!r} must be 2 or 3 letters"

    index, count = 1, len(subtags)
    extlangs = 0
    while extlangs < 3 and index < count and _is_extlang(subtags[index]):
        index, extlangs = index + 1, extlangs + 1
    if index < count and _is_script(subtags[index]):
        index += 1
    if index < count and _is_region(subtags[index]):
        index += 1

    variants: set[str] = set()
    while index < count and _is_variant(subtags[index]):
        variant = subtags[index].lower()
        if strict and variant in variants:
            return f"variant subtag {subtags[index]!r} is repeated"
        variants.add(variant)
        index += 1

    singletons: set[str] = set()
    while index < count and len(subtags[index]) == 1 and subtags[index] not in ("x", "X"):
        singleton = subtags[index].lower()
        if strict and singleton in singletons:
            return f"extension singleton {subtags[index]!r} is repeated"
        singletons.add(singleton)
        index += 1
        extension_start = index
        while index < count and len(subtags[index]) >= 2:
            index += 1
        if index == extension_start:
            return f"extension singleton {singleton!r} has no subtags"

    if index < count and subtags[index] in ("x", "X"):
        return _private_use_problem(subtags, index)
    if index < count:
        return f"unexpected subtag {subtags[index]!r}"
    return None


class Language(SyntaxStr, format_name="language", find_problem=language_problem):
    """A language tag such as ``en``, ``pt-BR`` or ``zh-Hant``, kept exactly as given."""

    __slots__ = ()

    @staticmethod
    def check_syntax(value: object) -> None:
        """Raise :class:`InvalidSyntaxError` unless `value` is a well-formed tag; unlike
        construction this lets a repeated variant or singleton (``de-1901-1901``) pass."""
        if not isinstance(value, str):
            raise not_a_str("language", value)
        problem = language_syntax_problem(value)
        if problem is not None:
            raise InvalidSyntaxError("language", value, problem)

    @property
    def primary(self) -> str:
        """The primary language subtag: ``"pt"`` for ``pt-BR``."""
        return self.partition("-")[0]
