"""Real records from real repositories, validated against the official lexicons."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from skykit.data import CID, decode_dag_cbor
from skykit.lexicon import Catalog, LexiconValidationError
from skykit.repo import read_car
from tests import corpora

# Records whose data is valid but whose record key breaks the current lexicon: early
# chat.bsky.actor.declaration records were written with TID keys, before clients settled
# on the lexicon's `literal:self`.
KNOWN_RKEY_VIOLATIONS = {
    "chat.bsky.actor.declaration/3kt4wplovys2o",
    "chat.bsky.actor.declaration/3kt4wqftboc2s",
}


@pytest.fixture(scope="module")
def official() -> Catalog:
    catalog = Catalog()
    catalog.add_dir(corpora.ROOT / "lexicons")
    return catalog


def _records(car: Path) -> list[tuple[str, dict[str, Any]]]:
    """(MST key ``collection/rkey``, record) for every record block of a repo CAR."""
    blocks: dict[CID, Any] = {block.cid: decode_dag_cbor(block.data) for block in read_car(car)}
    keys: dict[CID, str] = {}
    for node in blocks.values():
        if isinstance(node, dict) and "e" in node and "l" in node:  # an MST node
            previous = b""
            for entry in node["e"]:
                key = previous[: entry["p"]] + entry["k"]
                keys[entry["v"]] = key.decode()
                previous = key
    out = []
    for cid, node in blocks.items():
        if isinstance(node, dict) and isinstance(node.get("$type"), str):
            out.append((keys[cid], node))
    return out


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("real", "jetstream", "corpus", "repo.car"), 23),
        (("real", "atproto-dart", "repo.car"), 2835),
    ],
    ids=["jetstream", "atproto-dart"],
)
def test_real_records_validate(official: Catalog, parts: tuple[str, ...], expected: int) -> None:
    records = _records(corpora.path(*parts))
    assert len(records) == expected
    collections: Counter[str] = Counter()
    rkey_violations = set()
    for key, record in records:
        collection, _, rkey = key.partition("/")
        assert record["$type"] == collection
        assert collection in {doc.id for doc in official}, f"no lexicon for {collection}"
        collections[collection] += 1
        if key in KNOWN_RKEY_VIOLATIONS:
            official.validate_record(collection, record)  # the data itself is fine
            with pytest.raises(LexiconValidationError) as info:
                official.validate_record(collection, record, rkey=rkey)
            assert info.value.path == "rkey"
            assert (
                info.value.reason
                == f"record key must be 'self' (key type literal:self), got {rkey!r}"
            )
            rkey_violations.add(key)
            continue
        official.validate_record(collection, record, rkey=rkey)
    assert collections["app.bsky.feed.post"] > 0
    assert collections["app.bsky.feed.like"] > 0
    if parts[1] == "atproto-dart":
        assert rkey_violations == KNOWN_RKEY_VIOLATIONS
        assert len(collections) == 10


def test_legacy_blob_profile_validates(official: Catalog) -> None:
    # Profiles from 2023 carry avatars in the legacy {cid, mimeType} form.
    profile = {
        "$type": "app.bsky.actor.profile",
        "displayName": "old account",
        "avatar": {
            "cid": "bafkreicn3dv6rhcbyrwmoycxrbodx6yb6fypbp5clhdlgzzx4peiz5yp6m",
            "mimeType": "image/jpeg",
        },
    }
    official.validate_record("app.bsky.actor.profile", profile, rkey="self")
    profile["avatar"] = {
        "cid": "bafkreicn3dv6rhcbyrwmoycxrbodx6yb6fypbp5clhdlgzzx4peiz5yp6m",
        "mimeType": "image/gif",
    }
    with pytest.raises(
        LexiconValidationError, match=r"\$\.avatar: blob mimeType 'image/gif' is not accepted"
    ):
        official.validate_record("app.bsky.actor.profile", profile, rkey="self")


def test_post_limits_from_the_official_lexicon(official: Catalog) -> None:
    post = {
        "$type": "app.bsky.feed.post",
        "text": "🙂" * 300,
        "createdAt": "2024-01-01T00:00:00.000Z",
    }
    official.validate_record("app.bsky.feed.post", post)  # 300 graphemes, 1200 bytes
    with pytest.raises(LexiconValidationError) as info:
        official.validate_record("app.bsky.feed.post", {**post, "text": "🙂" * 301})
    assert (
        str(info.value)
        == "app.bsky.feed.post: $.text: string has 301 graphemes, over maxGraphemes 300"
    )
    with pytest.raises(LexiconValidationError) as info:
        official.validate_record("app.bsky.feed.post", {**post, "text": "é" * 1501})
    assert (
        str(info.value)
        == "app.bsky.feed.post: $.text: string is 3002 UTF-8 bytes long, over maxLength 3000"
    )
    with pytest.raises(LexiconValidationError) as info:
        official.validate_record("app.bsky.feed.post", {**post, "langs": ["en", "xx-"]})
    assert info.value.path == "$.langs[1]"
