"""Rich text: facet detection and byte indices over tricky text."""

from __future__ import annotations

import pytest

from skykit.richtext import RichText, RichTextBuilder, RichTextError, find_facets


def _resolve(handle: str) -> str | None:
    return None if handle.startswith("nobody") else f"did:plc:{handle.split('.')[0]}"


def _selected(rich: RichText) -> list[tuple[str, str]]:
    """(the bytes each facet selects, decoded; its feature kind)."""
    data = rich.text.encode()
    return [
        (
            data[f.index.byte_start : f.index.byte_end].decode(),
            f.features[0].py_type.rsplit("#", 1)[1],
        )
        for f in rich.facets
    ]


CASES = [
    ("👨‍👩‍👧‍👧 @alice.test 👨‍👩‍👧‍👧", [("@alice.test", "mention")]),
    ("e\u0301 cafe\u0301 #cafe\u0301 ok", [("#cafe\u0301", "tag")]),
    (
        "日本語のテキスト @bob.test と #日本語 https://例え.jp/パス",
        [("@bob.test", "mention"), ("#日本語", "tag"), ("https://例え.jp/パス", "link")],
    ),
    ("שלום @carol.test עולם #שלום", [("@carol.test", "mention"), ("#שלום", "tag")]),
    ("see https://example.com/a.", [("https://example.com/a", "link")]),
    ("(https://example.com/wiki/Foo_(bar))", [("https://example.com/wiki/Foo_(bar)", "link")]),
    ("visit example.com/path?q=1, then rest", [("example.com/path?q=1", "link")]),
    ("not a link: file.notatld and x.y", []),
    ("ends with a handle @dave.test", [("@dave.test", "mention")]),
    ("ends with a handle and dot @dave.test.", [("@dave.test", "mention")]),
    ("mail me at someone@example.com", []),
    ("unknown @nobody.test stays text", []),
    (
        "#100 #2024! #a1 #1a #tag, #tag's #😀",
        [("#a1", "tag"), ("#1a", "tag"), ("#tag", "tag"), ("#tag's", "tag"), ("#😀", "tag")],
    ),
    ("no#tag here, but \uff03fullwidth yes", [("\uff03fullwidth", "tag")]),
    ("keycap #️⃣ is not a tag", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:24] for c in CASES])
def test_facets_select_exactly_their_text(text: str, expected: list[tuple[str, str]]) -> None:
    assert _selected(RichText.detect(text, _resolve)) == expected


def test_link_values_are_complete_urls() -> None:
    rich = RichText.detect("go to example.com/x and https://a.test.com/b.", _resolve)
    assert [f.features[0].uri for f in rich.facets] == [
        "https://example.com/x",
        "https://a.test.com/b",
    ]


def test_mentions_carry_dids_and_tags_drop_the_hash() -> None:
    rich = RichText.detect("@alice.test #Python", _resolve)
    assert rich.facets[0].features[0].did == "did:plc:alice"
    assert rich.facets[1].features[0].tag == "Python"


def test_too_long_tags_are_not_tags() -> None:
    assert find_facets("#" + "a" * 64) != []
    assert find_facets("#" + "a" * 65) == []


def test_segments_render_the_whole_text_in_order() -> None:
    text = "hi @alice.test, read https://example.com 🦋 #atproto!"
    rich = RichText.detect(text, _resolve)
    segments = list(rich.segments())
    assert "".join(s.text for s in segments) == text
    assert [s.text for s in segments if s.facet] == [
        "@alice.test",
        "https://example.com",
        "#atproto",
    ]
    assert segments[1].mention is not None
    assert segments[3].link is not None
    assert segments[5].tag is not None


def test_segments_skip_broken_facets() -> None:
    rich = RichText.detect("héllo @alice.test", _resolve)
    broken = rich.facets[0].model_copy(deep=True)
    broken.index.byte_start, broken.index.byte_end = 2, 3  # splits "é"
    rich.facets.append(broken)
    assert "".join(s.text for s in rich.segments()) == "héllo @alice.test"


def test_builder() -> None:
    rich = (
        RichTextBuilder()
        .text("Hej ")
        .mention("@ø.test", "did:plc:o")
        .text(" — ")
        .link("this", "https://example.com")
        .text(" ")
        .tag("python")
        .build()
    )
    assert rich.text == "Hej @ø.test — this #python"
    assert _selected(rich) == [("@ø.test", "mention"), ("this", "link"), ("#python", "tag")]


def test_the_300_grapheme_limit() -> None:
    exactly = RichText("👍" * 300)
    assert exactly.grapheme_length == 300
    exactly.check_length()
    with pytest.raises(RichTextError, match="301 graphemes"):
        RichText("a" * 301).check_length()
    with pytest.raises(RichTextError, match="bytes"):
        RichText("👨‍👩‍👧‍👧" * 200).check_length()  # 200 graphemes but 5000 bytes
