"""Rich text: mentions, links and hashtags as facets with UTF-8 byte indices."""

from __future__ import annotations

from skykit.richtext._detect import Span, find_facets
from skykit.richtext._richtext import (
    MAX_POST_BYTES,
    MAX_POST_GRAPHEMES,
    RichText,
    RichTextBuilder,
    RichTextError,
    Segment,
)

__all__ = [
    "MAX_POST_BYTES",
    "MAX_POST_GRAPHEMES",
    "RichText",
    "RichTextBuilder",
    "RichTextError",
    "Segment",
    "Span",
    "find_facets",
]
