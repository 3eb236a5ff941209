"""Counting extended grapheme clusters (what ``maxGraphemes``/``minGraphemes`` limit).

The standard library has no grapheme segmentation, so non-ASCII text goes through the
``regex`` package's ``\\X`` (Unicode UAX #29 extended grapheme clusters). It is imported
on first use: most strings are short enough, or ASCII, to never need it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["grapheme_count"]

_CLUSTER: Any = None


def grapheme_count(text: str) -> int:
    """The number of extended grapheme clusters in `text`."""
    if text.isascii():
        # In ASCII only CR LF joins into one cluster; every other character stands alone.
        return len(text) - text.count("\r\n")
    global _CLUSTER
    if _CLUSTER is None:
        import regex  # type: ignore[import-untyped]

        _CLUSTER = regex.compile(r"\X")
    return len(_CLUSTER.findall(text))
