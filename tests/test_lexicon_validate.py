"""Validating data model values against lexicons: the interop record fixtures, then each
rule on its own with exact messages."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from typing import Any

import pytest

from skykit.data import CID, from_json
from skykit.errors import SkykitError
from skykit.lexicon import (
    Catalog,
    InvalidLexiconError,
    LexiconDoc,
    LexiconNotFoundError,
    LexiconValidationError,
    LexString,
    grapheme_count,
)
from tests import corpora

LINK = CID.decode("bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq")
LINK_TEXT = str(LINK)


def _entries(name: str) -> list[Any]:
    if not corpora.available():
        return []
    with corpora.path("interop", "lexicon", name).open(encoding="utf-8") as f:
        return list(json.load(f))


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    seen: Counter[str] = Counter()
    ids = []
    for case in cases:
        seen[case["name"]] += 1
        ids.append(
            case["name"] if seen[case["name"]] == 1 else f"{case['name']} #{seen[case['name']]}"
        )
    return ids


VALID = _entries("record-data-valid.json")
INVALID = _entries("record-data-invalid.json")


@pytest.fixture(scope="module")
def interop() -> Catalog:
    catalog = Catalog()
    catalog.add_dir(corpora.path("interop", "lexicon", "catalog"))
    return catalog


# --- the interop record fixtures ----------------------------------------------------------


@pytest.mark.parametrize("case", VALID, ids=_ids(VALID))
def test_interop_valid_record(interop: Catalog, case: dict[str, Any]) -> None:
    data: dict[str, Any] = from_json(case["data"])
    before = copy.deepcopy(data)
    interop.validate_record(data["$type"], data, rkey=case["rkey"])
    assert data == before


@pytest.mark.parametrize("case", INVALID, ids=_ids(INVALID))
def test_interop_invalid_record(interop: Catalog, case: dict[str, Any]) -> None:
    data: dict[str, Any] = from_json(
        case["data"]
    )  # every entry is valid data model: the validator must reject it
    before = copy.deepcopy(data)
    with pytest.raises(LexiconValidationError) as info:
        interop.validate_record(data["$type"], data, rkey=case["rkey"])
    assert data == before
    # The failure is at the field the case is about (or at the missing required field).
    fields = [k for k in case["data"] if k not in ("$type", "integer")] or ["integer"]
    if "integer" not in case["data"]:
        fields = ["integer"]
    assert info.value.path.split(".")[1].split("[")[0] == fields[0]


def test_interop_fixture_counts() -> None:
    corpora.path("interop", "lexicon")
    assert (len(VALID), len(INVALID)) == (3, 50)


@pytest.mark.parametrize(
    "name", ["unknown wrong type (bool)", "unknown wrong type (bytes)", "unknown wrong type (blob)"]
)
def test_interop_unknown_cases_fail_on_unknown_itself(interop: Catalog, name: str) -> None:
    # These fixtures also lack the required "integer"; with it added, "unknown" must fail.
    (case,) = [c for c in INVALID if c["name"] == name]
    data: dict[str, Any] = {**from_json(case["data"]), "integer": 1}
    with pytest.raises(LexiconValidationError) as info:
        interop.validate_record(data["$type"], data)
    assert info.value.path == "$.unknown"


INTEROP_MESSAGES = {
    "missing required field": "example.lexicon.record: $.integer: required property is missing",
    "invalid non-nullable string field": "example.lexicon.record: $.string: must not be null (not nullable)",
    "invalid array element": "example.lexicon.record: $.array[0]: expected an integer, got boolean",
    "object nested wrong data type": "example.lexicon.record: $.object.a: expected an integer, got string",
    "invalid string format handle": "example.lexicon.record: $.formats.handle: invalid handle '123': needs at least two labels, like 'name.example.com'",
    "wrong const value": "example.lexicon.record: $.constInteger: must be the constant 42, got 41",
    "integer not in enum": "example.lexicon.record: $.enumInteger: 7 is not one of enum [4, 9, 16, 25]",
    "out of integer range": "example.lexicon.record: $.rangeInteger: 9000 is over maximum 20",
    "string too long": "example.lexicon.record: $.lenString: string is 23 UTF-8 bytes long, over maxLength 20",
    "string too short (graphemes)": "example.lexicon.record: $.graphemeString: string has 2 graphemes, under minGraphemes 10",
    "bytes too short": "example.lexicon.record: $.sizeBytes: bytes value is 3 bytes long, under minLength 10",
    "array too long": "example.lexicon.record: $.lenArray: array has 10 elements, over maxLength 5",
    "blob too large": "example.lexicon.record: $.sizeBlob: blob size 12345 is over maxSize 20",
    "blob wrong type": "example.lexicon.record: $.acceptBlob: blob mimeType 'text/plain' is not accepted (image/*)",
    "out of closed union": "example.lexicon.record: $.closedUnion.$type: $type 'example.unknown-lexicon.blah' is not allowed in closed union of example.lexicon.record#demoObject",
    "open union missing $type": "example.lexicon.record: $.union: a union value needs a string $type (one of example.lexicon.record#demoObject, example.lexicon.record#demoObjectTwo)",
}


@pytest.mark.parametrize(("name", "message"), INTEROP_MESSAGES.items(), ids=list(INTEROP_MESSAGES))
def test_interop_exact_messages(interop: Catalog, name: str, message: str) -> None:
    (case,) = [c for c in INVALID if c["name"] == name]
    data: dict[str, Any] = from_json(case["data"])
    with pytest.raises(LexiconValidationError) as info:
        interop.validate_record(data["$type"], data)
    assert str(info.value) == message
    assert message.startswith(f"{info.value.subject}: {info.value.path}: ")
    assert isinstance(info.value, SkykitError)
    assert isinstance(info.value, ValueError)


def test_interop_other_definitions(interop: Catalog) -> None:
    interop.validate("example.lexicon.query", {"a": 1, "b": 2})  # a query's output
    with pytest.raises(
        LexiconValidationError, match=r"^example.lexicon.query output: \$.a: expected an integer"
    ):
        interop.validate("example.lexicon.query", {"a": "1"})
    interop.validate(
        "example.lexicon.query",
        {"stringField": "x", "handle": "a.example.com", "array": [1]},
        part="parameters",
    )
    with pytest.raises(
        LexiconValidationError, match=r"\$.stringField: required property is missing"
    ):
        interop.validate("example.lexicon.query", {"integer": 3}, part="parameters")
    with pytest.raises(LexiconValidationError, match=r"\$.handle: invalid handle"):
        interop.validate(
            "example.lexicon.query", {"stringField": "x", "handle": "nope"}, part="parameters"
        )
    interop.validate("example.lexicon.procedure", {"array": [1], "object": {"a": 1}}, part="output")
    with pytest.raises(LexiconNotFoundError, match=re.escape("no lexicon 'app.bsky.actor.defs'")):
        interop.validate("example.lexicon.procedure", {"preferences": []}, part="input")
    interop.validate("example.lexicon.record#demoToken", "example.lexicon.record#demoToken")
    with pytest.raises(
        LexiconValidationError,
        match=re.escape("expected the token 'example.lexicon.record#demoToken', got 'demoToken'"),
    ):
        interop.validate("example.lexicon.record#demoToken", "demoToken")
    interop.validate("example.lexicon.record#stringFormats", {"uri": "https://example.com/x"})
    with pytest.raises(LexiconNotFoundError, match="permission-set"):
        interop.validate("example.lexicon.permissionset", {})


def test_interop_subscription_messages(interop: Catalog) -> None:
    for kind in ("#yo", "example.lexicon.subscription#yo"):
        interop.validate("example.lexicon.subscription", {"$type": kind, "seq": 1, "yo": True})
    interop.validate(
        "example.lexicon.subscription#yo", {"seq": 1, "yo": True}
    )  # a body without $type
    interop.validate("example.lexicon.subscription", {"$type": "#future", "x": 1})  # open union
    with pytest.raises(
        LexiconValidationError,
        match=r"^example.lexicon.subscription message: \$.yo: required property is missing$",
    ):
        interop.validate("example.lexicon.subscription", {"$type": "#yo", "seq": 1})
    interop.validate("example.lexicon.subscription", {"cursor": 5}, part="parameters")
    with pytest.raises(LexiconNotFoundError, match="has parameters and message, not output"):
        interop.validate("example.lexicon.subscription", {}, part="output")


# --- rules one by one ---------------------------------------------------------------------


def _catalog(**defs: Any) -> Catalog:
    catalog = Catalog()
    catalog.add({"lexicon": 1, "id": "com.example.v", "defs": defs})
    return catalog


def _record(key: str = "tid", **properties: Any) -> dict[str, Any]:
    return {"type": "record", "key": key, "record": {"type": "object", "properties": properties}}


def _fails(catalog: Catalog, ref: str, data: Any) -> str:
    with pytest.raises(LexiconValidationError) as info:
        catalog.validate(ref, data)
    return f"{info.value.path}: {info.value.reason}"


def test_string_lengths_count_utf8_bytes() -> None:
    catalog = _catalog(s={"type": "string", "maxLength": 4, "minLength": 2})
    catalog.validate("com.example.v#s", "éé")  # 2 characters, 4 bytes
    catalog.validate("com.example.v#s", "é")  # 1 character, 2 bytes
    assert (
        _fails(catalog, "com.example.v#s", "ééé")
        == "$: string is 6 UTF-8 bytes long, over maxLength 4"
    )
    assert (
        _fails(catalog, "com.example.v#s", "a")
        == "$: string is 1 UTF-8 bytes long, under minLength 2"
    )
    assert (
        _fails(catalog, "com.example.v#s", "🙂a")
        == "$: string is 5 UTF-8 bytes long, over maxLength 4"
    )
    assert (
        _fails(catalog, "com.example.v#s", "\ud800")
        == "$: string is not valid Unicode (it holds a lone surrogate)"
    )


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("abc", 3),
        ("a\r\nb", 3),  # CR LF is one cluster
        ("e\u0301", 1),  # combining accent
        ("🇩🇪🇫🇷", 2),  # regional indicator pairs
        ("👩\u200d👩\u200d👦\u200d👦", 1),  # ZWJ family
        ("🏳️\u200d🌈", 1),
        ("👍🏽", 1),  # skin tone modifier
        ("\u1100\u1161\u11a8", 1),  # Hangul jamo L V T
        ("नमस्ते", 3),  # Devanagari with virama conjuncts (extended clusters)
    ],
)
def test_grapheme_count(text: str, count: int) -> None:
    assert grapheme_count(text) == count


def test_string_graphemes() -> None:
    catalog = _catalog(s={"type": "string", "maxGraphemes": 2, "minGraphemes": 2})
    catalog.validate("com.example.v#s", "👩\u200d👩\u200d👦\u200d👦e\u0301")
    assert (
        _fails(catalog, "com.example.v#s", "abc")
        == "$: string has 3 graphemes, over maxGraphemes 2"
    )
    assert (
        _fails(catalog, "com.example.v#s", "👩\u200d👩\u200d👦\u200d👦")
        == "$: string has 1 graphemes, under minGraphemes 2"
    )


def test_enum_restricts_known_values_do_not_and_const() -> None:
    catalog = _catalog(
        e={"type": "string", "enum": ["a", "b"]},
        k={"type": "string", "knownValues": ["a", "b"]},
        c={"type": "string", "const": "x"},
        t={"type": "boolean", "const": True},
    )
    catalog.validate("com.example.v#e", "a")
    catalog.validate("com.example.v#k", "anything else")
    assert _fails(catalog, "com.example.v#e", "c") == "$: 'c' is not one of enum ['a', 'b']"
    assert _fails(catalog, "com.example.v#c", "y") == "$: must be the constant 'x', got 'y'"
    assert _fails(catalog, "com.example.v#t", False) == "$: must be the constant true"


def test_integers() -> None:
    catalog = _catalog(i={"type": "integer", "minimum": -2, "maximum": 2})
    catalog.validate("com.example.v#i", -2)
    assert _fails(catalog, "com.example.v#i", -3) == "$: -3 is under minimum -2"
    assert _fails(catalog, "com.example.v#i", True) == "$: expected an integer, got boolean"
    assert _fails(catalog, "com.example.v#i", "1") == "$: expected an integer, got string"


def test_formats_use_syntax() -> None:
    catalog = _catalog(
        d={"type": "string", "format": "datetime"}, a={"type": "string", "format": "at-identifier"}
    )
    catalog.validate("com.example.v#d", "1985-04-12T23:20:50.123Z")
    catalog.validate("com.example.v#a", "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
    assert _fails(catalog, "com.example.v#d", "1985-04-12T23:20:50.123z").startswith(
        "$: invalid datetime '1985-04-12T23:20:50.123z': "
    )


def test_bytes_cid_links_and_null() -> None:
    catalog = _catalog(
        b={"type": "bytes", "maxLength": 2}, c={"type": "cid-link"}, n={"type": "null"}
    )
    catalog.validate("com.example.v#b", b"ab")
    assert (
        _fails(catalog, "com.example.v#b", b"abc")
        == "$: bytes value is 3 bytes long, over maxLength 2"
    )
    assert _fails(catalog, "com.example.v#b", "ab") == "$: expected bytes, got string"
    catalog.validate("com.example.v#c", LINK)
    assert _fails(catalog, "com.example.v#c", LINK_TEXT) == "$: expected a cid-link, got string"
    assert (
        _fails(catalog, "com.example.v#c", {"$link": LINK_TEXT})
        == "$: expected a cid-link, got object"
    )
    catalog.validate("com.example.v#n", None)
    assert _fails(catalog, "com.example.v#n", 0) == "$: expected null, got integer"


def _blob(mime: str = "image/png", size: int = 10) -> dict[str, Any]:
    return {"$type": "blob", "ref": LINK, "mimeType": mime, "size": size}


def test_blobs() -> None:
    catalog = _catalog(
        img={"type": "blob", "accept": ["image/png", "video/*"], "maxSize": 100},
        any={"type": "blob", "accept": ["*/*"]},
        free={"type": "blob"},
    )
    catalog.validate("com.example.v#img", _blob("image/png"))
    catalog.validate("com.example.v#img", _blob("IMAGE/PNG"))  # MIME types are case-insensitive
    catalog.validate("com.example.v#img", _blob("video/mp4; codecs=avc1"))  # parameters ignored
    catalog.validate("com.example.v#any", _blob("application/x-whatever", 10**9))
    catalog.validate("com.example.v#free", _blob("text/plain"))
    assert (
        _fails(catalog, "com.example.v#img", _blob("image/jpeg"))
        == "$: blob mimeType 'image/jpeg' is not accepted (image/png, video/*)"
    )
    assert _fails(catalog, "com.example.v#img", _blob("videos/mp4")).startswith(
        "$: blob mimeType 'videos/mp4' is not accepted"
    )
    assert (
        _fails(catalog, "com.example.v#img", _blob(size=101))
        == "$: blob size 101 is over maxSize 100"
    )
    assert (
        _fails(catalog, "com.example.v#free", {**_blob(), "ref": LINK_TEXT})
        == "$: a blob needs a cid-link 'ref'"
    )
    assert (
        _fails(catalog, "com.example.v#free", {**_blob(), "size": "10"})
        == "$: a blob needs a non-negative integer 'size'"
    )
    assert (
        _fails(catalog, "com.example.v#free", {**_blob(), "mimeType": None})
        == "$: a blob needs a string 'mimeType'"
    )
    assert (
        _fails(catalog, "com.example.v#free", {"ref": LINK, "mimeType": "a/b"})
        == "$: expected a blob ($type 'blob', or the legacy {cid, mimeType})"
    )


def test_legacy_blobs_are_accepted_without_size() -> None:
    catalog = _catalog(img={"type": "blob", "accept": ["image/*"], "maxSize": 1})
    catalog.validate(
        "com.example.v#img",
        {
            "cid": "bafkreicn3dv6rhcbyrwmoycxrbodx6yb6fypbp5clhdlgzzx4peiz5yp6m",
            "mimeType": "image/jpeg",
        },
    )
    assert (
        _fails(catalog, "com.example.v#img", {"cid": "nope", "mimeType": "image/jpeg"})
        == "$: a legacy blob needs a CID string 'cid'"
    )
    assert _fails(
        catalog, "com.example.v#img", {"cid": LINK_TEXT, "mimeType": "text/plain"}
    ).startswith("$: blob mimeType 'text/plain' is not accepted")


def test_unknown() -> None:
    catalog = _catalog(o={"type": "object", "properties": {"u": {"type": "unknown"}}})
    for fine in ({}, {"$type": "com.example.anything", "x": [1]}, {"a": {"$type": "blob"}}):
        catalog.validate("com.example.v#o", {"u": fine})
    for bad, kind in (
        (b"x", "bytes"),
        (LINK, "cid-link"),
        ([], "array"),
        ("s", "string"),
        (_blob(), "a blob"),
    ):
        expected = (
            "expected an object (unknown), got a blob"
            if kind == "a blob"
            else f"expected an object (unknown), got {kind}"
        )
        assert _fails(catalog, "com.example.v#o", {"u": bad}) == f"$.u: {expected}"
    assert _fails(catalog, "com.example.v#o", {"u": None}) == "$.u: must not be null (not nullable)"


def test_nullable_and_required() -> None:
    catalog = _catalog(
        o={
            "type": "object",
            "required": ["r", "rn"],
            "nullable": ["rn", "n"],
            "properties": {
                "r": {"type": "integer"},
                "rn": {"type": "integer"},
                "n": {"type": "string"},
                "x": {"type": "string"},
            },
        }
    )
    catalog.validate(
        "com.example.v#o", {"r": 1, "rn": None, "n": None, "extra": 1.5}
    )  # extra fields are not checked
    assert _fails(catalog, "com.example.v#o", {"r": 1}) == "$.rn: required property is missing"
    assert (
        _fails(catalog, "com.example.v#o", {"r": None, "rn": 1})
        == "$.r: must not be null (not nullable)"
    )
    assert (
        _fails(catalog, "com.example.v#o", {"r": 1, "rn": 1, "x": None})
        == "$.x: must not be null (not nullable)"
    )
    assert _fails(catalog, "com.example.v#o", [1]) == "$: expected an object, got array"


def test_refs_and_tokens() -> None:
    catalog = _catalog(
        o={
            "type": "object",
            "properties": {
                "s": {"type": "ref", "ref": "#short"},
                "t": {"type": "ref", "ref": "#tok"},
            },
        },
        short={"type": "string", "maxLength": 2},
        tok={"type": "token"},
    )
    catalog.validate("com.example.v#o", {"s": "ab", "t": "com.example.v#tok"})
    assert (
        _fails(catalog, "com.example.v#o", {"s": "abc"})
        == "$.s: string is 3 UTF-8 bytes long, over maxLength 2"
    )
    assert (
        _fails(catalog, "com.example.v#o", {"t": "#tok"})
        == "$.t: expected the token 'com.example.v#tok', got '#tok'"
    )
    assert (
        _fails(catalog, "com.example.v#o", {"t": 1})
        == "$.t: expected the token 'com.example.v#tok', got integer"
    )


def test_unions_open_and_closed() -> None:
    catalog = _catalog(
        main=_record(x={"type": "integer"}),
        holder={
            "type": "object",
            "properties": {
                "open": {"type": "union", "refs": ["#a", "com.example.v"]},
                "closed": {"type": "union", "refs": ["#a"], "closed": True},
                "any": {"type": "union", "refs": []},
                "list": {"type": "array", "items": {"type": "union", "refs": ["#a"]}},
            },
        },
        a={"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}},
    )
    ok = [
        {"open": {"$type": "com.example.v#a", "n": 1}},
        {"open": {"$type": "com.example.v", "x": 1}},  # a record member
        {"open": {"$type": "com.example.v#main", "x": 1}},  # nsid#main read as nsid
        {"open": {"$type": "com.example.future#thing", "n": "anything"}},
        {"any": {"$type": "x.y.z"}},
        {"closed": {"$type": "com.example.v#a", "n": 1}},
        {"list": [{"$type": "com.example.v#a", "n": 1}, {"$type": "com.example.other", "q": 2}]},
    ]
    for data in ok:
        catalog.validate("com.example.v#holder", data)
    assert (
        _fails(catalog, "com.example.v#holder", {"open": {"$type": "com.example.v#a"}})
        == "$.open.n: required property is missing"
    )
    assert (
        _fails(catalog, "com.example.v#holder", {"open": {"$type": "com.example.v#main", "x": "1"}})
        == "$.open.x: expected an integer, got string"
    )
    assert (
        _fails(catalog, "com.example.v#holder", {"any": {"x": 1}})
        == "$.any: a union value needs a string $type (one of )"
    )
    assert _fails(catalog, "com.example.v#holder", {"closed": {"$type": "com.example.v#b"}}) == (
        "$.closed.$type: $type 'com.example.v#b' is not allowed in closed union of #a"
    )
    assert _fails(
        catalog,
        "com.example.v#holder",
        {"list": [{"$type": "com.example.v#a", "n": 1}, {"$type": "com.example.v#a"}]},
    ) == ("$.list[1].n: required property is missing")


def test_union_member_of_the_wrong_kind_is_a_schema_error() -> None:
    catalog = _catalog(
        holder={"type": "object", "properties": {"u": {"type": "union", "refs": ["#s"]}}},
        s={"type": "string"},
    )
    with pytest.raises(
        InvalidLexiconError, match=re.escape("union member com.example.v#s is a string")
    ):
        catalog.validate("com.example.v#holder", {"u": {"$type": "com.example.v#s"}})


def test_records_need_their_type_and_a_valid_key() -> None:
    catalog = _catalog(main=_record(key="tid", x={"type": "integer"}))
    catalog.validate_record(
        "com.example.v", {"$type": "com.example.v", "x": 1}, rkey="3jzfcijpj2z2a"
    )
    catalog.validate("com.example.v", {"$type": "com.example.v"})
    catalog.validate("com.example.v#main", {"$type": "com.example.v"})

    def record_fails(data: Any, rkey: str | None = None) -> str:
        with pytest.raises(LexiconValidationError) as info:
            catalog.validate_record("com.example.v", data, rkey=rkey)
        return str(info.value)

    assert (
        record_fails({"x": 1}) == "com.example.v: $.$type: a record must have $type 'com.example.v'"
    )
    assert (
        record_fails({"$type": "com.example.v#main"})
        == "com.example.v: $.$type: expected $type 'com.example.v', got 'com.example.v#main'"
    )
    assert (
        record_fails({"$type": 5})
        == "com.example.v: $.$type: expected $type 'com.example.v', got integer"
    )
    assert record_fails("text") == "com.example.v: $: expected a record (an object), got string"
    assert record_fails({"$type": "com.example.v"}, rkey="self").startswith(
        "com.example.v: rkey: record key type tid: invalid tid 'self'"
    )
    with pytest.raises(LexiconValidationError) as info:
        catalog.validate_record("com.example.v", {"$type": "com.example.v"}, rkey="self")
    assert info.value.path == "rkey"


@pytest.mark.parametrize(
    ("key", "good", "bad"),
    [
        ("tid", "3jzfcijpj2z2a", "3JZFCIJPJ2Z2A"),
        ("nsid", "com.example.thing", "thing"),
        ("literal:self", "self", "other"),
        ("any", "pre:fix~1", "a/b"),
        ("any", "x", ".."),
    ],
)
def test_record_key_types(key: str, good: str, bad: str) -> None:
    catalog = _catalog(main=_record(key=key))
    catalog.validate_record("com.example.v", {"$type": "com.example.v"}, rkey=good)
    with pytest.raises(LexiconValidationError, match=f"^com.example.v: rkey: record key .*{bad}"):
        catalog.validate_record("com.example.v", {"$type": "com.example.v"}, rkey=bad)


def test_validate_record_needs_a_record_type() -> None:
    catalog = _catalog(main={"type": "object", "properties": {}}, other={"type": "token"})
    with pytest.raises(
        LexiconNotFoundError, match=re.escape("'com.example.v' does not define a record type")
    ):
        catalog.validate_record("com.example.v", {"$type": "com.example.v"})
    with pytest.raises(LexiconNotFoundError, match=re.escape("no lexicon 'com.example.nothing'")):
        catalog.validate_record("com.example.nothing", {})
    catalog.validate("com.example.v", {})  # validate() still checks it as an object


def test_recursive_schemas() -> None:
    catalog = _catalog(
        node={
            "type": "object",
            "properties": {
                "v": {"type": "integer"},
                "kids": {"type": "array", "items": {"type": "ref", "ref": "#node"}},
            },
        }
    )
    tree: dict[str, Any] = {"v": 0, "kids": []}
    leaf = tree
    for depth in range(50):
        child: dict[str, Any] = {"v": depth, "kids": []}
        leaf["kids"].append(child)
        leaf = child
    catalog.validate("com.example.v#node", tree)
    leaf["v"] = "deep"
    assert (
        _fails(catalog, "com.example.v#node", tree)
        == "$" + ".kids[0]" * 50 + ".v: expected an integer, got string"
    )


def test_pathologically_deep_data_is_a_clean_error() -> None:
    catalog = _catalog(
        node={"type": "object", "properties": {"n": {"type": "ref", "ref": "#node"}}}
    )
    data: dict[str, Any] = {}
    for _ in range(5000):
        data = {"n": data}
    with pytest.raises(LexiconValidationError, match="nested too deeply"):
        catalog.validate("com.example.v#node", data)


def test_paths_quote_unusual_keys() -> None:
    catalog = _catalog(
        o={"type": "object", "properties": {"a b": {"type": "integer"}, "c.d": {"type": "integer"}}}
    )
    assert (
        _fails(catalog, "com.example.v#o", {"a b": "x"})
        == "$['a b']: expected an integer, got string"
    )
    assert (
        _fails(catalog, "com.example.v#o", {"c.d": "x"})
        == "$['c.d']: expected an integer, got string"
    )


def test_params_and_parts() -> None:
    catalog = _catalog(
        main={
            "type": "procedure",
            "parameters": {
                "type": "params",
                "required": ["n"],
                "properties": {
                    "n": {"type": "integer"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
            "input": {"encoding": "application/json", "schema": {"type": "ref", "ref": "#in"}},
            "output": {"encoding": "application/octet-stream"},
        },
        **{"in": {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}},
    )
    catalog.validate("com.example.v", {"n": 1, "tags": ["x"]}, part="parameters")
    with pytest.raises(
        LexiconValidationError,
        match=r"^com.example.v parameters: \$.tags\[0\]: expected a string, got integer$",
    ):
        catalog.validate("com.example.v", {"n": 1, "tags": [1]}, part="parameters")
    with pytest.raises(
        LexiconValidationError, match=r"^com.example.v parameters: \$.n: must not be null"
    ):
        catalog.validate("com.example.v", {"n": None}, part="parameters")
    catalog.validate("com.example.v", {"a": "x"}, part="input")
    with pytest.raises(
        LexiconValidationError, match=r"^com.example.v input: \$.a: required property is missing$"
    ):
        catalog.validate("com.example.v", {}, part="input")
    with pytest.raises(LexiconNotFoundError, match="has no output schema"):
        catalog.validate("com.example.v", b"...")
    with pytest.raises(LexiconNotFoundError, match="has no message"):
        catalog.validate("com.example.v", {}, part="message")
    with pytest.raises(LexiconNotFoundError, match="part must be one of"):
        catalog.validate("com.example.v", {}, part="body")  # type: ignore[arg-type]
    with pytest.raises(LexiconNotFoundError, match="part applies only to XRPC"):
        catalog.validate("com.example.v#in", {}, part="input")


def test_validators_are_compiled_once_and_reusable() -> None:
    catalog = _catalog(s={"type": "string", "maxLength": 1})
    check = catalog.validator("com.example.v#s")
    assert catalog.validator("com.example.v#s") is check
    check("a")
    with pytest.raises(LexiconValidationError):
        check("ab")


def test_missing_refs_surface_when_reached() -> None:
    catalog = _catalog(
        o={"type": "object", "properties": {"r": {"type": "ref", "ref": "com.example.gone#x"}}}
    )
    catalog.validate("com.example.v#o", {})  # the ref is not reached
    with pytest.raises(LexiconNotFoundError, match=re.escape("no lexicon 'com.example.gone'")):
        catalog.validate("com.example.v#o", {"r": 1})


def test_wrong_argument_types_raise_lexicon_errors() -> None:
    catalog = _catalog(main=_record())
    with pytest.raises(LexiconNotFoundError):
        catalog.validate_record(["com.example.v"], {})  # type: ignore[arg-type]
    with pytest.raises(LexiconNotFoundError):
        catalog.get(5)  # type: ignore[arg-type]
    with pytest.raises(InvalidLexiconError, match="malformed lexicon reference"):
        catalog.validate({"ref": 1}, {})  # type: ignore[arg-type]
    with pytest.raises(LexiconNotFoundError, match="part must be one of"):
        catalog.validate("com.example.v", {}, part=["output"])  # type: ignore[arg-type]
    with pytest.raises(LexiconValidationError, match="record key must be a string"):
        catalog.validate_record("com.example.v", {"$type": "com.example.v"}, rkey=5)  # type: ignore[arg-type]


def test_hand_built_schema_with_unknown_format_is_a_schema_error() -> None:
    catalog = Catalog()
    doc = catalog.add({"lexicon": 1, "id": "com.example.v", "defs": {"s": {"type": "string"}}})
    assert doc.defs["s"] == LexString()
    other = Catalog()
    other.add(LexiconDoc(lexicon=1, id="com.example.w", defs={"s": LexString(format="email")}))
    with pytest.raises(InvalidLexiconError, match="unknown string format 'email'"):
        other.validate("com.example.w#s", "a@b.c")
