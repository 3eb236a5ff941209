"""The lexicon catalog: adding, loading lazily, resolving references."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from skykit.lexicon import (
    Catalog,
    DuplicateLexiconError,
    InvalidLexiconError,
    LexiconDoc,
    LexiconNotFoundError,
    LexObject,
    LexRecord,
    LexToken,
    iter_refs,
    parse_lexicon,
)
from tests import corpora

LEXICONS = corpora.ROOT / "lexicons"


def _doc(nsid: str, **defs: Any) -> dict[str, Any]:
    return {"lexicon": 1, "id": nsid, "defs": defs}


@pytest.fixture(scope="module")
def official() -> Catalog:
    catalog = Catalog()
    catalog.add_dir(LEXICONS)
    return catalog


def test_add_get_and_duplicates() -> None:
    catalog = Catalog()
    doc = catalog.add(_doc("com.example.a", main={"type": "token"}))
    assert isinstance(doc, LexiconDoc)
    assert catalog.get("com.example.a") is doc
    assert "com.example.a" in catalog
    assert "com.example.b" not in catalog
    assert len(catalog) == 1
    assert list(catalog) == [doc]
    with pytest.raises(
        DuplicateLexiconError, match=re.escape("'com.example.a' is already in the catalog")
    ):
        catalog.add(_doc("com.example.a", other={"type": "token"}))
    with pytest.raises(
        LexiconNotFoundError, match=re.escape("no lexicon 'com.example.b' in the catalog")
    ):
        catalog.get("com.example.b")
    with pytest.raises(LexiconNotFoundError, match="not a valid NSID"):
        catalog.get("nope")
    assert (
        catalog.add(parse_lexicon(_doc("com.example.b", x={"type": "token"}))).id == "com.example.b"
    )


def test_add_rejects_malformed_documents() -> None:
    with pytest.raises(InvalidLexiconError):
        Catalog().add(
            {"lexicon": 1, "id": "com.example.a", "defs": {"main": {"type": "ref", "ref": "#x"}}}
        )


def test_add_dir_loads_every_official_lexicon(official: Catalog) -> None:
    assert len(official) == 387
    post = official.get("app.bsky.feed.post")
    assert isinstance(post.main, LexRecord)


def test_add_dir_names_the_failing_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "good.json").write_text(
        json.dumps(_doc("com.example.good", main={"type": "token"}))
    )
    (tmp_path / "sub" / "bad.json").write_text(
        json.dumps(_doc("com.example.bad", main={"type": "unknown"}))
    )
    with pytest.raises(InvalidLexiconError) as info:
        Catalog().add_dir(tmp_path)
    assert any("bad.json" in note for note in info.value.__notes__)
    (tmp_path / "sub" / "bad.json").write_text("{not json")
    with pytest.raises(InvalidLexiconError, match=r"bad\.json: cannot read lexicon JSON"):
        Catalog().add_dir(tmp_path)
    with pytest.raises(LexiconNotFoundError, match="does not exist"):
        Catalog().add_dir(tmp_path / "missing")


def test_resolve_forms(official: Catalog) -> None:
    main = official.resolve("app.bsky.feed.post")
    assert (main.id, main.nsid, main.name) == ("app.bsky.feed.post", "app.bsky.feed.post", "main")
    assert isinstance(main.definition, LexRecord)
    assert official.resolve("app.bsky.feed.post#main").id == "app.bsky.feed.post"
    entity = official.resolve("app.bsky.feed.post#entity")
    assert entity.id == "app.bsky.feed.post#entity"
    assert isinstance(entity.definition, LexObject)
    relative = official.resolve("#replyRef", "app.bsky.feed.post")
    assert relative.id == "app.bsky.feed.post#replyRef"
    token = official.resolve("app.bsky.feed.defs#requestLess")
    assert isinstance(token.definition, LexToken)


def test_resolve_errors(official: Catalog) -> None:
    with pytest.raises(
        LexiconNotFoundError, match=re.escape("'app.bsky.feed.post' has no definition 'nothing'")
    ):
        official.resolve("app.bsky.feed.post#nothing")
    with pytest.raises(LexiconNotFoundError, match=re.escape("no lexicon 'com.example.missing'")):
        official.resolve("com.example.missing#x")
    with pytest.raises(InvalidLexiconError, match="needs context_nsid"):
        official.resolve("#replyRef")
    for bad in ("", "#", "a b", "app.bsky.feed.post#", "app.bsky.feed.post#a#b", 5):
        with pytest.raises(InvalidLexiconError, match="malformed lexicon reference"):
            official.resolve(bad)  # type: ignore[arg-type]


def _raw_ref_count(value: Any) -> tuple[int, int]:
    """(refs, union members) counted straight from the JSON, independently of iter_refs."""
    refs = members = 0
    if isinstance(value, dict):
        refs += value.get("type") == "ref"
        members += len(value["refs"]) if value.get("type") == "union" else 0
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            sub_refs, sub_members = _raw_ref_count(item)
            refs, members = refs + sub_refs, members + sub_members
    return refs, members


def test_every_ref_in_the_official_lexicons_resolves(official: Catalog) -> None:
    expected = [0, 0]
    for path in LEXICONS.rglob("*.json"):
        refs, members = _raw_ref_count(json.loads(path.read_text(encoding="utf-8"))["defs"])
        expected = [expected[0] + refs, expected[1] + members]
    count = union_members = 0
    for doc in official:
        for site in iter_refs(doc):
            resolved = official.resolve(site.ref, doc.id)
            if site.in_union:
                union_members += 1
                assert resolved.definition.type in ("object", "record"), (doc.id, site)
            else:
                assert resolved.definition.type not in ("query", "procedure", "subscription"), (
                    doc.id,
                    site,
                )
            count += 1
    assert (count - union_members, union_members) == tuple(expected)
    assert count > 900
    official.check_references()


def test_check_references_lists_problems() -> None:
    catalog = Catalog()
    catalog.add(
        _doc(
            "com.example.a",
            main={
                "type": "object",
                "properties": {
                    "x": {"type": "ref", "ref": "com.example.missing#thing"},
                    "y": {"type": "union", "refs": ["#tok"]},
                    "z": {"type": "ref", "ref": "#fine"},
                },
            },
            tok={"type": "token"},
            fine={"type": "string"},
        )
    )
    with pytest.raises(InvalidLexiconError) as info:
        catalog.check_references()
    message = str(info.value)
    assert message.startswith("2 bad reference(s): ")
    assert (
        "com.example.a: defs.main.properties.x: 'com.example.missing#thing' does not resolve"
        in message
    )
    assert (
        "com.example.a: defs.main.properties.y.refs[0]: '#tok' is a token; unions may only reference objects and records"
        in message
    )


def test_loader_is_asked_for_missing_ids_once() -> None:
    asked: list[str] = []
    docs = {
        "com.example.post": _doc(
            "com.example.post",
            main={
                "type": "record",
                "key": "tid",
                "record": {
                    "type": "object",
                    "properties": {"tag": {"type": "ref", "ref": "com.example.defs#tag"}},
                },
            },
        ),
        "com.example.defs": _doc("com.example.defs", tag={"type": "string", "maxLength": 3}),
    }

    def loader(nsid: str) -> dict[str, Any] | None:
        asked.append(nsid)
        return docs.get(nsid)

    catalog = Catalog(loader=loader)
    assert len(catalog) == 0
    catalog.validate_record("com.example.post", {"$type": "com.example.post", "tag": "abc"})
    assert asked == ["com.example.post", "com.example.defs"]
    assert "com.example.defs" in catalog
    for _ in range(2):
        with pytest.raises(LexiconNotFoundError):
            catalog.get("com.example.other")
    assert asked.count("com.example.other") == 1  # misses are remembered
    catalog.add(_doc("com.example.other", main={"type": "token"}))
    assert catalog.get("com.example.other").id == "com.example.other"


def test_loader_returning_the_wrong_id_is_an_error() -> None:
    catalog = Catalog(loader=lambda nsid: _doc("com.example.else", main={"type": "token"}))
    with pytest.raises(
        InvalidLexiconError,
        match=re.escape("returned lexicon 'com.example.else' when asked for 'com.example.one'"),
    ):
        catalog.get("com.example.one")


def test_loader_documents_are_parsed_strictly_when_asked() -> None:
    raw = _doc("com.example.one", main={"type": "token", "x-extra": 1})
    assert Catalog(loader=lambda nsid: raw).get("com.example.one").id == "com.example.one"
    with pytest.raises(InvalidLexiconError, match="unknown field 'x-extra'"):
        Catalog(loader=lambda nsid: raw, strict=True).get("com.example.one")
