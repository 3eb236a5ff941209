"""Parsing lexicon documents into the typed schema model: fixtures, official lexicons,
structural rules, exact messages, and malformed input."""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skykit.errors import SkykitError
from skykit.lexicon import (
    InvalidLexiconError,
    LexArray,
    LexBlob,
    LexBoolean,
    LexBytes,
    LexCidLink,
    LexiconDoc,
    LexInteger,
    LexNull,
    LexObject,
    LexPermissionSet,
    LexProcedure,
    LexQuery,
    LexRecord,
    LexRef,
    LexString,
    LexSubscription,
    LexToken,
    LexUnion,
    LexUnknown,
    parse_lexicon,
)
from tests import corpora

LEXICONS = corpora.ROOT / "lexicons"
OFFICIAL = sorted(LEXICONS.rglob("*.json"))


def _entries(name: str) -> list[Any]:
    if not corpora.available():
        return []
    with corpora.path("interop", "lexicon", name).open(encoding="utf-8") as f:
        return list(json.load(f))


def _catalog_docs() -> list[Any]:
    if not corpora.available():
        return []
    folder = corpora.path("interop", "lexicon", "catalog")
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


VALID = _entries("lexicon-valid.json")
INVALID = _entries("lexicon-invalid.json")


def _doc(**defs: Any) -> dict[str, Any]:
    return {"lexicon": 1, "id": "com.example.test", "defs": defs}


def _obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


# --- interop fixtures ---------------------------------------------------------------------


@pytest.mark.parametrize("case", VALID, ids=[c["name"] for c in VALID])
def test_interop_valid_lexicon_parses(case: dict[str, Any]) -> None:
    doc = parse_lexicon(case["lexicon"])
    assert doc.id == case["lexicon"]["id"]
    assert set(doc.defs) == set(case["lexicon"]["defs"])


@pytest.mark.parametrize("case", INVALID, ids=[c["name"] for c in INVALID])
def test_interop_invalid_lexicon_is_rejected(case: dict[str, Any]) -> None:
    with pytest.raises(InvalidLexiconError):
        parse_lexicon(case["lexicon"])


def test_interop_fixture_counts() -> None:
    corpora.path("interop", "lexicon")
    assert (len(VALID), len(INVALID)) == (3, 7)


def test_interop_invalid_messages_name_the_rule() -> None:
    corpora.path("interop", "lexicon")
    messages = {}
    for case in INVALID:
        with pytest.raises(InvalidLexiconError) as info:
            parse_lexicon(case["lexicon"])
        messages[case["name"]] = str(info.value)
    assert messages == {
        "invalid lexicon field": "example.lexicon.other: lexicon must be an integer, got string",
        "invalid id field": "id must be a string (an NSID), got integer",
        "invalid NSID": "id must be a valid NSID, got 'one-two-three'",
        "defined unknown": "example.lexicon.other: defs.demo: type 'unknown' is not allowed as a named definition",
        "defined ref": "example.lexicon.other: defs.demo: type 'ref' is not allowed as a named definition",
        "non-main primary": "example.lexicon.other: defs.demo: type 'record' is a primary type and must be named 'main'",
        "record missing type object": "example.lexicon.other: defs.main.record: record must be an object, got no type",
    }


def test_interop_catalog_documents_parse_into_the_model() -> None:
    corpora.path("interop", "lexicon", "catalog")  # skips when the corpora are absent
    docs = {d["id"]: parse_lexicon(d) for d in _catalog_docs()}
    assert set(docs) == {
        "example.lexicon.record",
        "example.lexicon.query",
        "example.lexicon.procedure",
        "example.lexicon.subscription",
        "example.lexicon.permissionset",
    }
    record = docs["example.lexicon.record"].main
    assert isinstance(record, LexRecord)
    assert record.key == "literal:demo"
    assert record.key_literal == "demo"
    props = record.record.properties
    assert record.record.required == ("integer",)
    assert record.record.nullable == ("nullableString",)
    assert props["lenString"] == LexString(min_length=10, max_length=20)
    assert props["graphemeString"] == LexString(min_graphemes=10, max_graphemes=20)
    assert props["knownString"] == LexString(known_values=("blue", "green", "red"))
    assert props["enumInteger"] == LexInteger(enum=(4, 9, 16, 25))
    assert props["sizeBlob"] == LexBlob(max_size=20)
    assert props["acceptBlob"] == LexBlob(accept=("image/*",))
    assert props["closedUnion"] == LexUnion(
        refs=("example.lexicon.record#demoObject",), closed=True
    )
    assert isinstance(props["cid-link"], LexCidLink)
    assert isinstance(props["unknown"], LexUnknown)
    assert props["ref"] == LexRef(
        ref="example.lexicon.record#demoObject", description="field of type ref"
    )
    assert isinstance(docs["example.lexicon.record"].defs["demoToken"], LexToken)

    query = docs["example.lexicon.query"].main
    assert isinstance(query, LexQuery)
    assert query.parameters is not None
    assert query.output is not None
    assert query.parameters.required == ("stringField",)
    assert query.output.encoding == "application/json"
    assert [e.name for e in query.errors] == ["DemoError", "AnotherDemoError"]

    procedure = docs["example.lexicon.procedure"].main
    assert isinstance(procedure, LexProcedure)
    assert procedure.input is not None
    assert isinstance(procedure.input.schema, LexObject)

    subscription = docs["example.lexicon.subscription"].main
    assert isinstance(subscription, LexSubscription)
    assert subscription.message.schema.refs == ("#yo", "#info")

    perms = docs["example.lexicon.permissionset"].main
    assert isinstance(perms, LexPermissionSet)
    assert perms.title_lang == {"fr": "Example for Modération"}
    assert perms.detail_lang == {"fr-FR": "Créer des rapports de modération"}
    repo, *_, rpc = perms.permissions
    assert (repo.resource, repo.collection, repo.action) == (
        "repo",
        ("com.example.calendar.event", "com.example.calendar.rsvp"),
        ("delete", "create"),
    )
    assert (rpc.resource, rpc.lxm, rpc.aud, rpc.inherit_aud) == (
        "rpc",
        ("com.example.calendar.listEvents",),
        None,
        True,
    )


# --- the official lexicons ----------------------------------------------------------------


def test_official_lexicons_are_present() -> None:
    assert len(OFFICIAL) == 387


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_all_official_lexicons_parse(strict: bool) -> None:
    ids = set()
    for path in OFFICIAL:
        raw = json.loads(path.read_text(encoding="utf-8"))
        doc = parse_lexicon(raw, strict=strict)
        assert doc.id == raw["id"]
        assert len(doc.defs) == len(raw["defs"])
        assert Path(*doc.id.split(".")).with_suffix(".json") == path.relative_to(LEXICONS)
        ids.add(doc.id)
    assert len(ids) == 387


def test_official_post_model() -> None:
    doc = parse_lexicon(json.loads((LEXICONS / "app/bsky/feed/post.json").read_text()))
    record = doc.main
    assert isinstance(record, LexRecord)
    assert record.key == "tid"
    assert record.key_literal is None
    text = record.record.properties["text"]
    assert text == LexString(
        max_length=3000,
        max_graphemes=300,
        description=text.description,
    )
    langs = record.record.properties["langs"]
    assert isinstance(langs, LexArray)
    assert langs.max_length == 3
    assert langs.items == LexString(format="language")
    embed = record.record.properties["embed"]
    assert isinstance(embed, LexUnion)
    assert not embed.closed
    assert "app.bsky.embed.images" in embed.refs


# --- the model itself ---------------------------------------------------------------------


def test_model_is_immutable() -> None:
    doc = parse_lexicon(
        _doc(main={"type": "record", "key": "tid", "record": _obj(a={"type": "integer"})})
    )
    record = doc.main
    assert isinstance(record, LexRecord)
    with pytest.raises(AttributeError, match="LexRecord is immutable"):
        record.key = "any"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="LexRecord is immutable"):
        del record.key
    with pytest.raises(TypeError):
        doc.defs["other"] = record  # type: ignore[index]
    with pytest.raises(TypeError):
        record.record.properties["b"] = LexInteger()  # type: ignore[index]
    assert isinstance(record.record.required, tuple)
    assert hash(record) == hash(copy.deepcopy(record))  # hashable despite holding mappings
    restored = pickle.loads(pickle.dumps(doc))
    assert restored == doc
    with pytest.raises(TypeError):
        restored.defs["other"] = record


def test_import_is_light() -> None:
    # Validators, the grapheme segmenter and the data layer load on first validation only.
    code = (
        "import sys, skykit.lexicon; "
        "print(sorted(m for m in ('regex', 'skykit.data', 'skykit.lexicon._compile', "
        "'pydantic', 'inspect', 'dataclasses') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_model_construction_equality_and_repr() -> None:
    text = LexString(max_length=10, format="did")
    assert text == LexString(format="did", max_length=10)
    assert text != LexString(format="did")
    assert text != LexBytes(max_length=10)
    assert {text, LexString(max_length=10, format="did")} == {text}
    assert repr(text) == "LexString(format='did', max_length=10)"
    assert repr(LexNull()) == "LexNull()"
    assert LexString.type == "string"
    assert LexRef(ref="#a").ref == "#a"
    with pytest.raises(TypeError, match=r"LexRef\(\): missing \['ref'\] field"):
        LexRef()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"LexString\(\): unexpected \['maxLength'\] field"):
        LexString(maxLength=3)  # type: ignore[call-arg]


def test_every_type_maps_to_its_class() -> None:
    doc = parse_lexicon(
        _doc(
            main=_obj(
                n={"type": "null"},
                b={"type": "boolean", "default": True},
                i={"type": "integer", "minimum": 1, "maximum": 5, "default": 2},
                s={"type": "string", "format": "did", "maxLength": 100, "minLength": 1},
                y={"type": "bytes", "maxLength": 8},
                c={"type": "cid-link"},
                o={"type": "blob", "accept": ["*/*"], "maxSize": 10},
                a={"type": "array", "items": {"type": "integer"}, "minLength": 1},
                x=_obj(),
                r={"type": "ref", "ref": "#tok"},
                u={"type": "union", "refs": ["#main"]},
                k={"type": "unknown"},
            ),
            tok={"type": "token", "description": "a token"},
        )
    )
    main = doc.main
    assert isinstance(main, LexObject)
    kinds = {name: type(schema) for name, schema in main.properties.items()}
    assert kinds == {
        "n": LexNull,
        "b": LexBoolean,
        "i": LexInteger,
        "s": LexString,
        "y": LexBytes,
        "c": LexCidLink,
        "o": LexBlob,
        "a": LexArray,
        "x": LexObject,
        "r": LexRef,
        "u": LexUnion,
        "k": LexUnknown,
    }
    assert {name: schema.type for name, schema in main.properties.items()} == {
        "n": "null",
        "b": "boolean",
        "i": "integer",
        "s": "string",
        "y": "bytes",
        "c": "cid-link",
        "o": "blob",
        "a": "array",
        "x": "object",
        "r": "ref",
        "u": "union",
        "k": "unknown",
    }
    assert main.properties["i"] == LexInteger(minimum=1, maximum=5, default=2)
    assert doc.defs["tok"] == LexToken(description="a token")
    assert doc.ref_of("tok") == "com.example.test#tok"
    assert doc.ref_of("main") == "com.example.test"


def test_unknown_keys_are_kept_or_rejected_in_strict_mode() -> None:
    raw = _doc(main=_obj(a={"type": "integer", "x-unit": "seconds"}))
    raw["x-note"] = 1
    doc = parse_lexicon(raw)
    main = doc.main
    assert isinstance(main, LexObject)
    assert main.properties["a"].extra == {"x-unit": "seconds"}
    assert doc.extra == {"x-note": 1}
    with pytest.raises(InvalidLexiconError, match="unknown field 'x-note'"):
        parse_lexicon(raw, strict=True)
    del raw["x-note"]
    with pytest.raises(
        InvalidLexiconError,
        match=r"^com\.example\.test: defs\.main\.properties\.a: unknown field 'x-unit'$",
    ):
        parse_lexicon(raw, strict=True)


def test_schema_record_form_with_type_is_accepted_in_strict_mode() -> None:
    raw = {**_doc(main={"type": "token"}), "$type": "com.atproto.lexicon.schema"}
    assert parse_lexicon(raw, strict=True).extra == {}


# --- structural rules, with exact messages ------------------------------------------------

BAD_DOCS: list[tuple[str, Any, str]] = [
    ("not a dict", [], "a lexicon document must be an object, got array"),
    (
        "version 2",
        {"lexicon": 2, "id": "com.example.test", "defs": {"a": {"type": "token"}}},
        "com.example.test: lexicon version 2 is not supported (only 1)",
    ),
    (
        "bool version",
        {"lexicon": True, "id": "com.example.test", "defs": {"a": {"type": "token"}}},
        "com.example.test: lexicon must be an integer, got boolean",
    ),
    (
        "no defs",
        {"lexicon": 1, "id": "com.example.test"},
        "com.example.test: defs must be an object, got null",
    ),
    (
        "empty defs",
        {"lexicon": 1, "id": "com.example.test", "defs": {}},
        "com.example.test: defs: a lexicon needs at least one definition",
    ),
    (
        "bad def name",
        _doc(**{"a#b": {"type": "token"}}),
        "com.example.test: defs: definition name 'a#b' must be ASCII letters, digits, '_' or '-'",
    ),
    (
        "def not object",
        _doc(main="record"),
        "com.example.test: defs.main: a schema definition must be an object, got string",
    ),
    (
        "no type",
        _doc(main={}),
        "com.example.test: defs.main: type is required and must be a string, got null",
    ),
    (
        "unknown type",
        _doc(main={"type": "float"}),
        "com.example.test: defs.main: unknown type 'float'",
    ),
    (
        "params as def",
        _doc(main={"type": "params", "properties": {}}),
        "com.example.test: defs.main: type 'params' is not allowed as a named definition",
    ),
    (
        "union as def",
        _doc(main={"type": "union", "refs": []}),
        "com.example.test: defs.main: type 'union' is not allowed as a named definition",
    ),
    (
        "query not main",
        _doc(get={"type": "query"}),
        "com.example.test: defs.get: type 'query' is a primary type and must be named 'main'",
    ),
    (
        "record not object",
        _doc(main={"type": "record", "key": "tid", "record": []}),
        "com.example.test: defs.main.record: record must be an object, got array",
    ),
    (
        "record string",
        _doc(main={"type": "record", "key": "tid", "record": {"type": "string"}}),
        "com.example.test: defs.main.record: record must be an object, got type 'string'",
    ),
    (
        "record key",
        _doc(main={"type": "record", "key": "uuid", "record": _obj()}),
        "com.example.test: defs.main: key 'uuid' must be one of tid, nsid, any, literal:<rkey>",
    ),
    (
        "record literal",
        _doc(main={"type": "record", "key": "literal:..", "record": _obj()}),
        "com.example.test: defs.main: key 'literal:..' must be one of tid, nsid, any, literal:<rkey>",
    ),
    (
        "required missing",
        _doc(main={**_obj(a={"type": "integer"}), "required": ["b"]}),
        "com.example.test: defs.main: required names 'b', which is not in properties",
    ),
    (
        "nullable missing",
        _doc(main={**_obj(a={"type": "integer"}), "nullable": ["b"]}),
        "com.example.test: defs.main: nullable names 'b', which is not in properties",
    ),
    (
        "no properties",
        _doc(main={"type": "object"}),
        "com.example.test: defs.main: properties is required",
    ),
    (
        "token property",
        _doc(main=_obj(t={"type": "token"})),
        "com.example.test: defs.main.properties.t: type 'token' is not allowed as an object property",
    ),
    (
        "record property",
        _doc(main=_obj(t={"type": "record", "key": "tid", "record": _obj()})),
        "com.example.test: defs.main.properties.t: type 'record' is not allowed as an object property",
    ),
    (
        "negative maxLength",
        _doc(main={"type": "string", "maxLength": -1}),
        "com.example.test: defs.main: maxLength must be at least 0, got -1",
    ),
    (
        "float maxLength",
        _doc(main={"type": "string", "maxLength": 1.5}),
        "com.example.test: defs.main: maxLength must be an integer, got float",
    ),
    (
        "bool minimum",
        _doc(main={"type": "integer", "minimum": True}),
        "com.example.test: defs.main: minimum must be an integer, got boolean",
    ),
    (
        "min over max",
        _doc(main={"type": "integer", "minimum": 5, "maximum": 1}),
        "com.example.test: defs.main: minimum (5) is greater than maximum (1)",
    ),
    (
        "graphemes order",
        _doc(main={"type": "string", "minGraphemes": 5, "maxGraphemes": 1}),
        "com.example.test: defs.main: minGraphemes (5) is greater than maxGraphemes (1)",
    ),
    (
        "const and default",
        _doc(main={"type": "string", "const": "a", "default": "a"}),
        "com.example.test: defs.main: const and default are mutually exclusive",
    ),
    (
        "default outside enum",
        _doc(main={"type": "string", "enum": ["a"], "default": "b"}),
        "com.example.test: defs.main: default 'b' is not in enum",
    ),
    (
        "integer default range",
        _doc(main={"type": "integer", "maximum": 3, "default": 4}),
        "com.example.test: defs.main: default 4 is outside minimum..maximum",
    ),
    (
        "unknown format",
        _doc(main={"type": "string", "format": "email"}),
        "com.example.test: defs.main: unknown string format 'email' (known: at-identifier, at-uri, cid, datetime, did, handle, language, nsid, record-key, tid, uri)",
    ),
    (
        "enum not strings",
        _doc(main={"type": "string", "enum": ["a", 1]}),
        "com.example.test: defs.main: enum[1] must be a string, got integer",
    ),
    (
        "knownValues not array",
        _doc(main={"type": "string", "knownValues": "a"}),
        "com.example.test: defs.main: knownValues must be an array of strings, got string",
    ),
    (
        "boolean default",
        _doc(main={"type": "boolean", "default": "true"}),
        "com.example.test: defs.main: default must be a boolean, got string",
    ),
    (
        "description type",
        _doc(main={"type": "token", "description": 3}),
        "com.example.test: defs.main: description must be a string, got integer",
    ),
    (
        "array no items",
        _doc(main={"type": "array"}),
        "com.example.test: defs.main: items is required",
    ),
    (
        "array token items",
        _doc(main={"type": "array", "items": {"type": "token"}}),
        "com.example.test: defs.main.items: type 'token' is not allowed as array items",
    ),
    (
        "blob partial glob",
        _doc(main={"type": "blob", "accept": ["text/ht*"]}),
        "com.example.test: defs.main: accept entry 'text/ht*' must be 'type/subtype', 'type/*' or '*/*'",
    ),
    (
        "blob star",
        _doc(main={"type": "blob", "accept": ["*"]}),
        "com.example.test: defs.main: accept entry '*' must be 'type/subtype', 'type/*' or '*/*'",
    ),
    (
        "bad ref",
        _doc(main=_obj(r={"type": "ref", "ref": "not a ref"})),
        "com.example.test: defs.main.properties.r: ref 'not a ref' is not a valid reference (nsid, nsid#name or #name)",
    ),
    (
        "ref missing",
        _doc(main=_obj(r={"type": "ref"})),
        "com.example.test: defs.main.properties.r: ref is required",
    ),
    (
        "union no refs",
        _doc(main=_obj(u={"type": "union"})),
        "com.example.test: defs.main.properties.u: refs is required",
    ),
    (
        "empty closed union",
        _doc(main=_obj(u={"type": "union", "refs": [], "closed": True})),
        "com.example.test: defs.main.properties.u: a closed union needs at least one ref",
    ),
    (
        "query input",
        _doc(main={"type": "query", "input": {"encoding": "application/json"}}),
        "com.example.test: defs.main: a query has no input (only procedures do)",
    ),
    (
        "params object prop",
        _doc(main={"type": "query", "parameters": {"type": "params", "properties": {"o": _obj()}}}),
        "com.example.test: defs.main.parameters.properties.o: type 'object' is not allowed as a parameter",
    ),
    (
        "params array of objects",
        _doc(
            main={
                "type": "query",
                "parameters": {
                    "type": "params",
                    "properties": {"a": {"type": "array", "items": _obj()}},
                },
            }
        ),
        "com.example.test: defs.main.parameters.properties.a.items: type 'object' is not allowed as parameter array items",
    ),
    (
        "parameters not params",
        _doc(main={"type": "query", "parameters": _obj()}),
        "com.example.test: defs.main.parameters: type 'object' is not allowed as parameters (must be 'params')",
    ),
    (
        "body no encoding",
        _doc(main={"type": "procedure", "input": {"schema": _obj()}}),
        "com.example.test: defs.main.input: encoding is required",
    ),
    (
        "body string schema",
        _doc(
            main={
                "type": "query",
                "output": {"encoding": "application/json", "schema": {"type": "string"}},
            }
        ),
        "com.example.test: defs.main.output.schema: type 'string' is not allowed as a body schema",
    ),
    (
        "error name space",
        _doc(main={"type": "query", "errors": [{"name": "Bad Thing"}]}),
        "com.example.test: defs.main.errors[0]: error name 'Bad Thing' must be non-empty without whitespace",
    ),
    (
        "subscription no message",
        _doc(main={"type": "subscription"}),
        "com.example.test: defs.main: message is required",
    ),
    (
        "subscription object message",
        _doc(main={"type": "subscription", "message": {"schema": _obj()}}),
        "com.example.test: defs.main.message.schema: type 'object' is not allowed as a message schema (must be a union)",
    ),
    (
        "permissions missing",
        _doc(main={"type": "permission-set"}),
        "com.example.test: defs.main: permissions is required",
    ),
    (
        "permission type",
        _doc(main={"type": "permission-set", "permissions": [{"resource": "repo"}]}),
        "com.example.test: defs.main.permissions[0]: type is required and must be a string, got null",
    ),
    (
        "repo no collection",
        _doc(
            main={
                "type": "permission-set",
                "permissions": [{"type": "permission", "resource": "repo"}],
            }
        ),
        "com.example.test: defs.main.permissions[0]: collection is required",
    ),
    (
        "repo bad action",
        _doc(
            main={
                "type": "permission-set",
                "permissions": [
                    {
                        "type": "permission",
                        "resource": "repo",
                        "collection": ["com.example.a"],
                        "action": ["read"],
                    }
                ],
            }
        ),
        "com.example.test: defs.main.permissions[0]: action 'read' must be one of create, update, delete",
    ),
    (
        "rpc no aud",
        _doc(
            main={
                "type": "permission-set",
                "permissions": [
                    {"type": "permission", "resource": "rpc", "lxm": ["com.example.a"]}
                ],
            }
        ),
        "com.example.test: defs.main.permissions[0]: an rpc permission needs aud unless inheritAud is true",
    ),
    (
        "rpc double wildcard",
        _doc(
            main={
                "type": "permission-set",
                "permissions": [
                    {"type": "permission", "resource": "rpc", "lxm": ["*"], "aud": "*"}
                ],
            }
        ),
        "com.example.test: defs.main.permissions[0]: aud and lxm cannot both be the wildcard '*'",
    ),
    (
        "title lang key",
        _doc(main={"type": "permission-set", "title:lang": {"not a lang": "x"}, "permissions": []}),
        "com.example.test: defs.main: title:lang key 'not a lang' is not a language tag",
    ),
]


@pytest.mark.parametrize(
    ("raw", "message"), [(d, m) for _, d, m in BAD_DOCS], ids=[n for n, _, _ in BAD_DOCS]
)
def test_structural_rules_have_exact_messages(raw: Any, message: str) -> None:
    with pytest.raises(InvalidLexiconError) as info:
        parse_lexicon(raw)
    assert str(info.value) == message
    assert isinstance(info.value, SkykitError)
    assert isinstance(info.value, ValueError)


def test_error_attributes() -> None:
    with pytest.raises(InvalidLexiconError) as info:
        parse_lexicon(_doc(main={"type": "record", "key": "tid", "record": 5}))
    assert info.value.lexicon_id == "com.example.test"
    assert info.value.path == "defs.main.record"
    assert info.value.reason == "record must be an object, got integer"


def test_other_permission_resources_are_kept_unchecked() -> None:
    doc = parse_lexicon(
        _doc(
            main={
                "type": "permission-set",
                "permissions": [{"type": "permission", "resource": "blob", "accept": ["image/*"]}],
            }
        )
    )
    main = doc.main
    assert isinstance(main, LexPermissionSet)
    assert main.permissions[0].resource == "blob"
    assert main.permissions[0].extra == {"accept": ["image/*"]}


# --- malformed input never escapes as another exception type ------------------------------

_WRONG_VALUES: list[Any] = [None, True, -1, 1.5, "x", [], [None], {}, {"type": 7}]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


def _replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    clone = copy.deepcopy(doc)
    target = clone
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return clone


def _mutation_sources() -> list[Any]:
    sources = _catalog_docs()
    for name in (
        "app/bsky/feed/post.json",
        "com/atproto/sync/subscribeRepos.json",
        "com/atproto/repo/applyWrites.json",
    ):
        sources.append(json.loads((LEXICONS / name).read_text(encoding="utf-8")))
    return sources


def test_every_field_replaced_by_wrong_types_fails_cleanly() -> None:
    outcomes = {"parsed": 0, "rejected": 0}
    for source in _mutation_sources():
        for path in _paths(source):
            for wrong in _WRONG_VALUES:
                try:
                    parse_lexicon(_replaced(source, path, wrong))
                    outcomes["parsed"] += 1
                except InvalidLexiconError:
                    outcomes["rejected"] += 1
    # Descriptions set to a str, or knownValues entries to "x", legitimately still parse;
    # most replacements must be rejected.
    assert outcomes["rejected"] > 10 * outcomes["parsed"] > 0


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.text(max_size=4)
    | st.sampled_from(["object", "string", "ref", "#a", "main"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "properties",
                    "items",
                    "ref",
                    "refs",
                    "record",
                    "key",
                    "required",
                    "maxLength",
                    "a",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(main=_json, extra=st.dictionaries(st.text(max_size=3), _json, max_size=2))
def test_arbitrary_json_fails_cleanly(main: Any, extra: dict[str, Any]) -> None:
    for doc in (main, {"lexicon": 1, "id": "com.example.fuzz", "defs": {"main": main, **extra}}):
        try:
            result = parse_lexicon(doc)
        except InvalidLexiconError:
            continue
        assert isinstance(result, LexiconDoc)
