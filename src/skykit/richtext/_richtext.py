"""``RichText``: post text with facets whose indices count UTF-8 bytes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from skykit.errors import SkykitError
from skykit.richtext._detect import Span, find_facets

if TYPE_CHECKING:
    from skykit.lex.app.bsky.richtext.facet import Link, Main, Mention, Tag

MAX_POST_GRAPHEMES = 300
MAX_POST_BYTES = 3000


class RichTextError(SkykitError, ValueError):
    """Text or facets that cannot be posted as they are (e.g. over the length limit)."""


def _facet_types() -> Any:
    from skykit.lex.app.bsky.richtext import facet

    return facet


@dataclass(frozen=True)
class Segment:
    """A run of text for rendering, with the facet that covers it (or None)."""

    text: str
    facet: Main | None = None

    @property
    def mention(self) -> Mention | None:
        found: Mention | None = self._feature("Mention")
        return found

    @property
    def link(self) -> Link | None:
        found: Link | None = self._feature("Link")
        return found

    @property
    def tag(self) -> Tag | None:
        found: Tag | None = self._feature("Tag")
        return found

    def _feature(self, kind: str) -> Any:
        if self.facet is None:
            return None
        wanted = getattr(_facet_types(), kind)
        return next((f for f in self.facet.features if isinstance(f, wanted)), None)


class RichText:
    """Text plus facets (mentions, links, tags) ready for a post record.

    Make one with ``RichText.detect(text, resolve_handle)`` (finds facets in plain text),
    with ``RichTextBuilder``, or from a post you read (``RichText(post.text, post.facets)``).
    """

    def __init__(self, text: str, facets: Sequence[Main] | None = None) -> None:
        self.text = text
        self.facets: list[Main] = list(facets or [])

    @classmethod
    def detect(
        cls, text: str, resolve_handle: Callable[[str], str | None] | None = None
    ) -> RichText:
        """Find mentions, links and tags. Mentions become facets only when
        ``resolve_handle`` gives a DID for the handle; others stay plain text."""
        spans = find_facets(text)
        dids = {}
        if resolve_handle is not None:
            for handle in {s.value for s in spans if s.kind == "mention"}:
                dids[handle] = resolve_handle(handle)
        return cls.from_spans(text, spans, dids)

    @classmethod
    def from_spans(
        cls, text: str, spans: Sequence[Span], dids: Mapping[str, str | None]
    ) -> RichText:
        """Facets for ``spans``; ``dids`` maps each mentioned handle to its DID (or None)."""
        facet = _facet_types()
        facets = []
        for span in spans:
            if span.kind == "mention":
                did = dids.get(span.value)
                if did is None:
                    continue  # unresolvable: left as text
                feature: Any = facet.Mention(did=did)
            elif span.kind == "link":
                feature = facet.Link(uri=span.value)
            else:
                feature = facet.Tag(tag=span.value)
            start = len(text[: span.start].encode())
            end = start + len(text[span.start : span.end].encode())
            facets.append(
                facet.Main(
                    index=facet.ByteSlice(byte_start=start, byte_end=end), features=[feature]
                )
            )
        return cls(text, facets)

    @property
    def byte_length(self) -> int:
        return len(self.text.encode())

    @property
    def grapheme_length(self) -> int:
        from skykit.lexicon import grapheme_count

        return grapheme_count(self.text)

    def check_length(
        self, max_graphemes: int = MAX_POST_GRAPHEMES, max_bytes: int = MAX_POST_BYTES
    ) -> None:
        """Raise ``RichTextError`` when the text is over a post's limits."""
        if self.byte_length > max_bytes:
            raise RichTextError(f"text is {self.byte_length} UTF-8 bytes, over {max_bytes}")
        if self.grapheme_length > max_graphemes:
            raise RichTextError(
                f"text is {self.grapheme_length} graphemes, over the {max_graphemes} a post allows"
            )

    def segments(self) -> Iterator[Segment]:
        """The text in runs, each with its facet: what a renderer walks. Facets that
        overlap, fall outside the text or split a character are ignored."""
        data = self.text.encode()
        position = 0
        for facet in sorted(self.facets, key=lambda f: f.index.byte_start):
            start, end = facet.index.byte_start, facet.index.byte_end
            if start < position or end > len(data) or start >= end:
                continue
            try:
                covered = data[start:end].decode()
                before = data[position:start].decode()
            except UnicodeDecodeError:
                continue
            if before:
                yield Segment(before)
            yield Segment(covered, facet)
            position = end
        rest = data[position:].decode(errors="replace")
        if rest:
            yield Segment(rest)

    def __repr__(self) -> str:
        return f"RichText({self.text!r}, facets={len(self.facets)})"


class RichTextBuilder:
    """Compose text with explicit facets:
    ``RichTextBuilder().text("hi ").mention("@bob.test", "did:plc:...").build()``."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._spans: list[Span] = []
        self._dids: dict[str, str | None] = {}
        self._length = 0

    def _add(self, text: str, kind: Any = None, value: str = "") -> RichTextBuilder:
        if kind is not None:
            self._spans.append(Span(self._length, self._length + len(text), kind, value))
        self._parts.append(text)
        self._length += len(text)
        return self

    def text(self, text: str) -> RichTextBuilder:
        return self._add(text)

    def mention(self, text: str, did: str) -> RichTextBuilder:
        key = f"{did}#{len(self._spans)}"
        self._dids[key] = did
        return self._add(text, "mention", key)

    def link(self, text: str, uri: str) -> RichTextBuilder:
        return self._add(text, "link", uri)

    def tag(self, tag: str, text: str | None = None) -> RichTextBuilder:
        tag = tag.removeprefix("#")
        return self._add(text if text is not None else f"#{tag}", "tag", tag)

    def build(self) -> RichText:
        return RichText.from_spans("".join(self._parts), self._spans, self._dids)
