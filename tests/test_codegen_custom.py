"""``skykit codegen`` on a lexicon set written for these tests, building on official ones."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from skykit.data import decode_dag_cbor
from skykit.lex.com.atproto.repo import strong_ref
from skykit.lexicon import LexiconValidationError
from skykit.models import ModelValidationError, UnknownObject
from skykit.xrpc import XrpcError
from tests.codegen_helpers import generated_package

SOURCES = Path(__file__).parent / "lexicons" / "custom"
CID = "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a"
NOW = "2026-11-25T10:00:00.000Z"


@pytest.fixture(scope="module")
def bookmarks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    out = tmp_path_factory.mktemp("custom")
    with generated_package([SOURCES], out, "bookmarks_lex") as package:
        yield package


def _module(package: ModuleType, name: str) -> ModuleType:
    return __import__(f"{package.__name__}.com.example.bookmarks.{name}", fromlist=["_"])


def test_official_refs_use_skykits_modules(bookmarks: ModuleType) -> None:
    bookmark = _module(bookmarks, "bookmark")
    source = Path(bookmark.__file__).read_text()
    assert "from skykit.lex.com.atproto.repo import strong_ref" in source
    assert "class Main" not in source  # strongRef is not copied
    assert not (Path(bookmarks.__file__).parent / "com" / "atproto").exists()


def test_a_record_built_in_python(bookmarks: ModuleType) -> None:
    bookmark = _module(bookmarks, "bookmark")
    subject = strong_ref.Main(uri="at://did:plc:abc/app.bsky.feed.post/3k", cid=CID)
    record = bookmark.Record(
        subject=subject, note="ok", via=bookmark.ViaSearch(query="python"), created_at=NOW
    )
    wire = record.to_json()
    assert wire == {
        "$type": "com.example.bookmarks.bookmark",
        "subject": {"uri": "at://did:plc:abc/app.bsky.feed.post/3k", "cid": CID},
        "note": "ok",
        "via": {"$type": "com.example.bookmarks.bookmark#viaSearch", "query": "python"},
        "createdAt": NOW,
    }
    again = bookmark.Record.model_validate(decode_dag_cbor(record.to_dag_cbor()))
    assert again.to_json() == wire
    assert again.to_cid() == record.to_cid()
    assert bookmark.PINNED == "com.example.bookmarks.bookmark#pinned"


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"note": "🇩🇪" * 11}, "graphemes"),
        ({"tags": ["a"] * 5}, "maxLength 4"),
        ({"created_at": "yesterday"}, "datetime"),
    ],
    ids=["graphemes", "array length", "datetime format"],
)
def test_building_is_strict(bookmarks: ModuleType, changes: dict[str, object], rule: str) -> None:
    bookmark = _module(bookmarks, "bookmark")
    subject = strong_ref.Main(uri="at://did:plc:abc/app.bsky.feed.post/3k", cid=CID)
    fields = {"subject": subject, "created_at": NOW, **changes}
    with pytest.raises(LexiconValidationError, match=rule):
        bookmark.Record(**fields)


def test_types_are_checked_when_building_and_reading(bookmarks: ModuleType) -> None:
    bookmark = _module(bookmarks, "bookmark")
    with pytest.raises(ModelValidationError):
        bookmark.Record(subject={"uri": "x"}, created_at=NOW)
    with pytest.raises(ModelValidationError):
        bookmark.Record.model_validate({"subject": 5, "createdAt": NOW})
    with pytest.raises(ModelValidationError, match="visibility"):
        bookmark.Record.model_validate(
            {"subject": {"uri": "u", "cid": CID}, "createdAt": NOW, "visibility": "friends"}
        )


def test_reading_is_lenient_and_exact(bookmarks: ModuleType) -> None:
    bookmark = _module(bookmarks, "bookmark")
    wire = {
        "$type": "com.example.bookmarks.bookmark",
        "subject": {"uri": "not checked on read", "cid": CID, "extra": {"$link": CID}},
        "note": "far more than ten graphemes, still read",
        "via": {"$type": "com.example.future#viaPodcast", "episode": 7},
        "createdAt": "2024-01-01T00:00:00Z",
        "addedByNewerVersion": {"$bytes": "AQID"},
    }
    record = bookmark.Record.model_validate(wire)
    assert isinstance(record.via, UnknownObject)
    assert record.via.py_type == "com.example.future#viaPodcast"
    assert record.to_json() == wire
    with pytest.raises(LexiconValidationError):
        record.check()


def test_closed_unions_reject_unknown_members(bookmarks: ModuleType) -> None:
    bookmark = _module(bookmarks, "bookmark")
    base = {"subject": {"uri": "u", "cid": CID}, "createdAt": NOW}
    labels = {"$type": "com.atproto.label.defs#selfLabels", "values": [{"val": "spam"}]}
    assert bookmark.Record.model_validate({**base, "labels": labels}).labels.values[0].val == "spam"
    with pytest.raises(ModelValidationError, match=r"\$type"):
        bookmark.Record.model_validate({**base, "labels": {"$type": "com.example.other"}})


def test_query_call_classes(bookmarks: ModuleType) -> None:
    listing = _module(bookmarks, "list_bookmarks")
    signature = inspect.signature(listing.Call.__call__)
    assert list(signature.parameters) == ["self", "actor", "limit", "cursor", "options"]
    assert signature.parameters["actor"].default is inspect.Parameter.empty
    assert inspect.iscoroutinefunction(listing.AsyncCall.__call__)
    assert set(inspect.signature(listing.Call.paginate).parameters) >= {"actor", "max_items"}
    assert issubclass(listing.ActorNotFound, XrpcError)
    assert listing.ERRORS == {"ActorNotFound": listing.ActorNotFound}
    view = {"uri": "at://did:plc:abc/com.example.bookmarks.bookmark/3k", "cid": CID}
    page = listing.Output.model_validate({"bookmarks": [{**view, "value": {"a": 1}}]})
    assert page.bookmarks[0].value == {"a": 1}


def test_namespaces_lead_to_the_calls(bookmarks: ModuleType) -> None:
    listing = _module(bookmarks, "list_bookmarks")
    namespace = bookmarks.Namespace(client=object())
    assert isinstance(namespace.com.example.bookmarks.list_bookmarks, listing.Call)
    assert isinstance(
        bookmarks.AsyncNamespace(client=object()).com.example.bookmarks.list_bookmarks,
        listing.AsyncCall,
    )


USAGE = """
from bookmarks_lex.com.example.bookmarks import bookmark, list_bookmarks
from skykit.lex.com.atproto.repo import strong_ref

ref = strong_ref.Main(uri="at://did:plc:abc/app.bsky.feed.post/3k", cid="bafy")
record = bookmark.Record(subject=ref, created_at="2026-11-25T10:00:00.000Z")
note: str | None = record.note
via: bookmark.ViaLink | bookmark.ViaSearch | object | None = record.via


def first_uri(page: list_bookmarks.Output) -> str:
    return page.bookmarks[0].uri
"""


def test_generated_package_and_its_use_pass_mypy_strict(bookmarks: ModuleType) -> None:
    root = Path(bookmarks.__file__).parent
    usage = root.parent / "usage.py"
    usage.write_text(USAGE)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(root), str(usage)],
        capture_output=True,
        text=True,
        cwd=root.parent,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
