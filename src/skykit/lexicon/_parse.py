"""Reading lexicon JSON into the typed schema model, strictly.

Every field the spec defines is type-checked, and the structural rules are enforced
(primary types only as ``main``; ``ref``/``union``/``unknown``/``params`` never as named
definitions; ``required``/``nullable`` name real properties; limits are non-negative and
ordered; ...). Errors name the document, the place in it and the rule:
``app.bsky.feed.post: defs.main.record: record must be an object``.

Keys the spec does not define are kept in each node's ``extra`` and otherwise ignored, so
schemas written for a newer revision of the language still load; ``strict=True`` rejects
them instead (for linting one's own lexicons).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NoReturn, TypeVar

from skykit import syntax
from skykit.lexicon._errors import InvalidLexiconError
from skykit.lexicon._schema import (
    EMPTY,
    LexArray,
    LexBlob,
    LexBodySchema,
    LexBoolean,
    LexBytes,
    LexCidLink,
    LexFieldType,
    LexiconDoc,
    LexInteger,
    LexNull,
    LexObject,
    LexParams,
    LexParamType,
    LexPermission,
    LexPermissionSet,
    LexProcedure,
    LexQuery,
    LexRecord,
    LexRef,
    LexString,
    LexSubscription,
    LexSubscriptionMessage,
    LexToken,
    LexUnion,
    LexUnknown,
    LexUserType,
    LexXrpcBody,
    LexXrpcError,
)

__all__ = ["RECORD_KEY_TYPES", "is_def_name", "parse_lexicon", "split_ref"]

LEXICON_VERSION = 1
RECORD_KEY_TYPES = ("tid", "nsid", "any", "literal:<rkey>")
_PRIMARY = frozenset({"record", "query", "procedure", "subscription", "permission-set"})
_CONCRETE = ("null", "boolean", "integer", "string", "bytes", "cid-link", "blob")
_FIELD_TYPES = frozenset({*_CONCRETE, "array", "object", "ref", "union", "unknown"})
_NAMED_TYPES = frozenset({*_CONCRETE, "array", "object", "token", *_PRIMARY})
_PARAM_TYPES = frozenset({"boolean", "integer", "string", "array"})
_PARAM_ITEM_TYPES = frozenset({"boolean", "integer", "string"})
_BODY_SCHEMA_TYPES = frozenset({"object", "ref", "union"})
_REPO_ACTIONS = frozenset({"create", "update", "delete"})
_DOC_KEYS = frozenset({"lexicon", "id", "revision", "description", "defs"})
_LEXICON_SCHEMA_NSID = "com.atproto.lexicon.schema"

_T = TypeVar("_T")


def parse_lexicon(doc: object, *, strict: bool = False) -> LexiconDoc:
    """Parse a lexicon document (a ``dict`` as from ``json.loads``) into a :class:`LexiconDoc`.

    Raises :class:`InvalidLexiconError` naming what is wrong and where. With
    ``strict=True`` keys the spec does not define are errors too (by default they are
    kept in ``extra``).
    """
    if isinstance(doc, Mapping) and not isinstance(doc, dict):
        doc = dict(doc)
    if not isinstance(doc, dict):
        raise InvalidLexiconError(f"a lexicon document must be an object, got {_kind(doc)}")
    raw_id = doc.get("id")
    if not isinstance(raw_id, str):
        raise InvalidLexiconError(f"id must be a string (an NSID), got {_kind(raw_id)}")
    if not syntax.is_valid("nsid", raw_id):
        raise InvalidLexiconError(f"id must be a valid NSID, got {_show(raw_id)}")
    return _Parser(raw_id, strict).document(doc)


def is_def_name(name: str) -> bool:
    """Whether `name` can name a definition: ASCII letters, digits, ``_`` and ``-``."""
    return bool(name) and name.isascii() and all(c.isalnum() or c in "_-" for c in name)


def split_ref(ref: str, context_nsid: str | None = None) -> tuple[str, str] | None:
    """``(nsid, name)`` of a reference (``nsid``, ``nsid#name`` or ``#name`` relative to
    `context_nsid`), or None when it is malformed. A bare NSID names ``main``."""
    if not isinstance(ref, str):
        return None
    nsid, hash_sign, name = ref.partition("#")
    if not hash_sign:
        name = "main"
    elif not is_def_name(name):
        return None
    if not nsid:
        if context_nsid is None or not hash_sign:
            return None
        nsid = context_nsid
    elif not syntax.is_valid("nsid", nsid):
        return None
    return nsid, name


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _show(value: str) -> str:
    return repr(value) if len(value) <= 64 else f"{value[:64]!r}..."


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Parser:
    """Parses one document; knows its id (for messages and relative refs) and mode."""

    def __init__(self, doc_id: str, strict: bool) -> None:
        self.doc_id = doc_id
        self.strict = strict

    def fail(self, path: str, reason: str) -> NoReturn:
        raise InvalidLexiconError(reason, lexicon_id=self.doc_id, path=path)

    # --- generic field readers -----------------------------------------------------------

    def extra(self, obj: dict[str, Any], known: frozenset[str], path: str) -> Mapping[str, object]:
        unknown = [k for k in obj if k not in known]
        if not unknown:
            return EMPTY
        if self.strict:
            self.fail(path, f"unknown field {unknown[0]!r}")
        return MappingProxyType({k: obj[k] for k in unknown})

    def opt_str(self, obj: dict[str, Any], key: str, path: str) -> str | None:
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            self.fail(path, f"{key} must be a string, got {_kind(value)}")
        return value

    def req_str(self, obj: dict[str, Any], key: str, path: str) -> str:
        value = obj.get(key)
        if not isinstance(value, str):
            what = "is required" if value is None else f"must be a string, got {_kind(value)}"
            self.fail(path, f"{key} {what}")
        return value

    def opt_int(
        self, obj: dict[str, Any], key: str, path: str, *, minimum: int | None = None
    ) -> int | None:
        value = obj.get(key)
        if value is None:
            return None
        if type(value) is not int:
            self.fail(path, f"{key} must be an integer, got {_kind(value)}")
        if minimum is not None and value < minimum:
            self.fail(path, f"{key} must be at least {minimum}, got {value}")
        return value

    def opt_bool(self, obj: dict[str, Any], key: str, path: str) -> bool | None:
        value = obj.get(key)
        if value is not None and type(value) is not bool:
            self.fail(path, f"{key} must be a boolean, got {_kind(value)}")
        return value

    def opt_list(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        item_ok: Callable[[object], bool],
        what: str,
    ) -> tuple[Any, ...] | None:
        """A list of `what` ("string", "integer") items as a tuple, or None if absent."""
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            self.fail(path, f"{key} must be an array of {what}s, got {_kind(value)}")
        for index, item in enumerate(value):
            if not item_ok(item):
                self.fail(path, f"{key}[{index}] must be a {what}, got {_kind(item)}")
        return tuple(value)

    def opt_strs(self, obj: dict[str, Any], key: str, path: str) -> tuple[str, ...] | None:
        return self.opt_list(obj, key, path, lambda v: isinstance(v, str), "string")

    def description(self, obj: dict[str, Any], path: str) -> str | None:
        return self.opt_str(obj, "description", path)

    def ordered(
        self, path: str, low_key: str, low: int | None, high_key: str, high: int | None
    ) -> None:
        if low is not None and high is not None and low > high:
            self.fail(path, f"{low_key} ({low}) is greater than {high_key} ({high})")

    def check_ref(self, ref: str, path: str, key: str) -> None:
        if split_ref(ref, self.doc_id) is None:
            self.fail(
                path, f"{key} {_show(ref)} is not a valid reference (nsid, nsid#name or #name)"
            )

    def typed(
        self, obj: object, path: str, allowed: frozenset[str], where: str
    ) -> tuple[dict[str, Any], str]:
        """The schema object at `path` and its ``type``, which must be one of `allowed`."""
        if not isinstance(obj, dict):
            self.fail(path, f"a schema definition must be an object, got {_kind(obj)}")
        kind = obj.get("type")
        if not isinstance(kind, str):
            self.fail(path, f"type is required and must be a string, got {_kind(kind)}")
        if kind not in _KNOWN_TYPES:
            self.fail(path, f"unknown type {kind!r}")
        if kind not in allowed:
            self.fail(path, f"type {kind!r} is not allowed {where}")
        return obj, kind

    # --- document --------------------------------------------------------------------------

    def document(self, doc: dict[str, Any]) -> LexiconDoc:
        version = doc.get("lexicon")
        if type(version) is not int:
            self.fail("", f"lexicon must be an integer, got {_kind(version)}")
        if version != LEXICON_VERSION:
            self.fail("", f"lexicon version {version} is not supported (only {LEXICON_VERSION})")
        revision = self.opt_int(doc, "revision", "", minimum=0)
        description = self.description(doc, "")
        known = _DOC_KEYS
        if doc.get("$type") == _LEXICON_SCHEMA_NSID:  # the document as a schema record
            known = known | {"$type"}
        extra = self.extra(doc, known, "")
        defs = doc.get("defs")
        if not isinstance(defs, dict):
            self.fail("", f"defs must be an object, got {_kind(defs)}")
        if not defs:
            self.fail("defs", "a lexicon needs at least one definition")
        parsed: dict[str, LexUserType] = {}
        for name, definition in defs.items():
            path = f"defs.{name}"
            if not isinstance(name, str) or not is_def_name(name):
                self.fail(
                    "defs", f"definition name {name!r} must be ASCII letters, digits, '_' or '-'"
                )
            obj, kind = self.typed(definition, path, _NAMED_TYPES, "as a named definition")
            if kind in _PRIMARY and name != "main":
                self.fail(path, f"type {kind!r} is a primary type and must be named 'main'")
            parsed[name] = self.named(obj, kind, path)
        return LexiconDoc(
            lexicon=version,
            id=self.doc_id,
            revision=revision,
            description=description,
            defs=MappingProxyType(parsed),
            extra=extra,
        )

    def named(self, obj: dict[str, Any], kind: str, path: str) -> LexUserType:
        if kind == "token":
            return LexToken(
                description=self.description(obj, path), extra=self.extra(obj, _BASE_KEYS, path)
            )
        if kind == "record":
            return self.record(obj, path)
        if kind == "query":
            return self.query(obj, path)
        if kind == "procedure":
            return self.procedure(obj, path)
        if kind == "subscription":
            return self.subscription(obj, path)
        if kind == "permission-set":
            return self.permission_set(obj, path)
        result = _PARSERS[kind](self, obj, path)
        assert not isinstance(result, LexRef | LexUnion | LexUnknown)  # excluded by _NAMED_TYPES
        return result

    def field_type(self, obj: object, path: str, where: str = "here") -> LexFieldType:
        checked, kind = self.typed(obj, path, _FIELD_TYPES, where)
        return _PARSERS[kind](self, checked, path)

    # --- concrete types --------------------------------------------------------------------

    def null(self, obj: dict[str, Any], path: str) -> LexNull:
        return LexNull(
            description=self.description(obj, path), extra=self.extra(obj, _BASE_KEYS, path)
        )

    def boolean(self, obj: dict[str, Any], path: str) -> LexBoolean:
        default = self.opt_bool(obj, "default", path)
        const = self.opt_bool(obj, "const", path)
        if default is not None and const is not None and default != const:
            self.fail(path, "default and const disagree")
        return LexBoolean(
            description=self.description(obj, path),
            default=default,
            const=const,
            extra=self.extra(obj, _BOOLEAN_KEYS, path),
        )

    def integer(self, obj: dict[str, Any], path: str) -> LexInteger:
        minimum = self.opt_int(obj, "minimum", path)
        maximum = self.opt_int(obj, "maximum", path)
        self.ordered(path, "minimum", minimum, "maximum", maximum)
        enum = self.opt_list(obj, "enum", path, lambda v: type(v) is int, "integer")
        default = self.opt_int(obj, "default", path)
        const = self.opt_int(obj, "const", path)
        for key, value in (("default", default), ("const", const)):
            if value is None:
                continue
            if (minimum is not None and value < minimum) or (
                maximum is not None and value > maximum
            ):
                self.fail(path, f"{key} {value} is outside minimum..maximum")
            if enum is not None and value not in enum:
                self.fail(path, f"{key} {value} is not in enum")
        if default is not None and const is not None and default != const:
            self.fail(path, "default and const disagree")
        return LexInteger(
            description=self.description(obj, path),
            minimum=minimum,
            maximum=maximum,
            enum=enum,
            default=default,
            const=const,
            extra=self.extra(obj, _INTEGER_KEYS, path),
        )

    def string(self, obj: dict[str, Any], path: str) -> LexString:
        fmt = self.opt_str(obj, "format", path)
        if fmt is not None and fmt not in syntax.FORMATS:
            self.fail(path, f"unknown string format {fmt!r} (known: {', '.join(syntax.FORMATS)})")
        max_length = self.opt_int(obj, "maxLength", path, minimum=0)
        min_length = self.opt_int(obj, "minLength", path, minimum=0)
        self.ordered(path, "minLength", min_length, "maxLength", max_length)
        max_graphemes = self.opt_int(obj, "maxGraphemes", path, minimum=0)
        min_graphemes = self.opt_int(obj, "minGraphemes", path, minimum=0)
        self.ordered(path, "minGraphemes", min_graphemes, "maxGraphemes", max_graphemes)
        enum = self.opt_strs(obj, "enum", path)
        default = self.opt_str(obj, "default", path)
        const = self.opt_str(obj, "const", path)
        if default is not None and const is not None:
            self.fail(path, "const and default are mutually exclusive")
        for key, value in (("default", default), ("const", const)):
            if value is not None and enum is not None and value not in enum:
                self.fail(path, f"{key} {_show(value)} is not in enum")
        return LexString(
            description=self.description(obj, path),
            format=fmt,
            max_length=max_length,
            min_length=min_length,
            max_graphemes=max_graphemes,
            min_graphemes=min_graphemes,
            known_values=self.opt_strs(obj, "knownValues", path),
            enum=enum,
            default=default,
            const=const,
            extra=self.extra(obj, _STRING_KEYS, path),
        )

    def bytes_(self, obj: dict[str, Any], path: str) -> LexBytes:
        max_length = self.opt_int(obj, "maxLength", path, minimum=0)
        min_length = self.opt_int(obj, "minLength", path, minimum=0)
        self.ordered(path, "minLength", min_length, "maxLength", max_length)
        return LexBytes(
            description=self.description(obj, path),
            max_length=max_length,
            min_length=min_length,
            extra=self.extra(obj, _BYTES_KEYS, path),
        )

    def cid_link(self, obj: dict[str, Any], path: str) -> LexCidLink:
        return LexCidLink(
            description=self.description(obj, path), extra=self.extra(obj, _BASE_KEYS, path)
        )

    def blob(self, obj: dict[str, Any], path: str) -> LexBlob:
        accept = self.opt_strs(obj, "accept", path)
        for pattern in accept or ():
            if not _is_mime_pattern(pattern):
                self.fail(
                    path, f"accept entry {_show(pattern)} must be 'type/subtype', 'type/*' or '*/*'"
                )
        return LexBlob(
            description=self.description(obj, path),
            accept=accept,
            max_size=self.opt_int(obj, "maxSize", path, minimum=0),
            extra=self.extra(obj, _BLOB_KEYS, path),
        )

    # --- meta types ------------------------------------------------------------------------

    def ref(self, obj: dict[str, Any], path: str) -> LexRef:
        ref = self.req_str(obj, "ref", path)
        self.check_ref(ref, path, "ref")
        return LexRef(
            description=self.description(obj, path), ref=ref, extra=self.extra(obj, _REF_KEYS, path)
        )

    def union(self, obj: dict[str, Any], path: str) -> LexUnion:
        refs = self.opt_strs(obj, "refs", path)
        if refs is None:
            self.fail(path, "refs is required")
        for index, ref in enumerate(refs):
            self.check_ref(ref, path, f"refs[{index}]")
        closed = self.opt_bool(obj, "closed", path) or False
        if closed and not refs:
            self.fail(path, "a closed union needs at least one ref")
        return LexUnion(
            description=self.description(obj, path),
            refs=refs,
            closed=closed,
            extra=self.extra(obj, _UNION_KEYS, path),
        )

    def unknown(self, obj: dict[str, Any], path: str) -> LexUnknown:
        return LexUnknown(
            description=self.description(obj, path), extra=self.extra(obj, _BASE_KEYS, path)
        )

    # --- containers ------------------------------------------------------------------------

    def array(self, obj: dict[str, Any], path: str) -> LexArray:
        if "items" not in obj:
            self.fail(path, "items is required")
        items = self.field_type(obj["items"], _join(path, "items"), "as array items")
        max_length = self.opt_int(obj, "maxLength", path, minimum=0)
        min_length = self.opt_int(obj, "minLength", path, minimum=0)
        self.ordered(path, "minLength", min_length, "maxLength", max_length)
        return LexArray(
            description=self.description(obj, path),
            items=items,
            max_length=max_length,
            min_length=min_length,
            extra=self.extra(obj, _ARRAY_KEYS, path),
        )

    def property_names(
        self, obj: dict[str, Any], key: str, path: str, properties: Mapping[str, object]
    ) -> tuple[str, ...]:
        names = self.opt_strs(obj, key, path) or ()
        for name in names:
            if name not in properties:
                self.fail(path, f"{key} names {name!r}, which is not in properties")
        return names

    def properties(
        self, obj: dict[str, Any], path: str, parse_one: Callable[[object, str], _T]
    ) -> Mapping[str, _T]:
        raw = obj.get("properties")
        if not isinstance(raw, dict):
            what = "is required" if raw is None else f"must be an object, got {_kind(raw)}"
            self.fail(path, f"properties {what}")
        parsed: dict[str, _T] = {}
        for name, schema in raw.items():
            if not isinstance(name, str) or not name:
                self.fail(path, f"property name {name!r} must be a non-empty string")
            parsed[name] = parse_one(schema, _join(path, f"properties.{name}"))
        return MappingProxyType(parsed)

    def object_(self, obj: dict[str, Any], path: str) -> LexObject:
        properties = self.properties(
            obj, path, lambda s, p: self.field_type(s, p, "as an object property")
        )
        return LexObject(
            description=self.description(obj, path),
            properties=properties,
            required=self.property_names(obj, "required", path, properties),
            nullable=self.property_names(obj, "nullable", path, properties),
            extra=self.extra(obj, _OBJECT_KEYS, path),
        )

    def params(self, obj: object, path: str) -> LexParams:
        checked, _ = self.typed(
            obj, path, frozenset({"params"}), "as parameters (must be 'params')"
        )
        properties = self.properties(checked, path, self.param)
        return LexParams(
            description=self.description(checked, path),
            properties=properties,
            required=self.property_names(checked, "required", path, properties),
            extra=self.extra(checked, _PARAMS_KEYS, path),
        )

    def param(self, schema: object, path: str) -> LexParamType:
        checked, kind = self.typed(schema, path, _PARAM_TYPES, "as a parameter")
        if kind == "array":
            items = checked.get("items")
            self.typed(items, _join(path, "items"), _PARAM_ITEM_TYPES, "as parameter array items")
        result = _PARSERS[kind](self, checked, path)
        assert isinstance(result, LexBoolean | LexInteger | LexString | LexArray)
        return result

    # --- primary types ---------------------------------------------------------------------

    def record(self, obj: dict[str, Any], path: str) -> LexRecord:
        key = self.req_str(obj, "key", path)
        if not _is_record_key_type(key):
            self.fail(path, f"key {_show(key)} must be one of {', '.join(RECORD_KEY_TYPES)}")
        record_path = _join(path, "record")
        schema = obj.get("record")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            if not isinstance(schema, dict):
                got = _kind(schema)
            elif "type" in schema:
                got = f"type {schema['type']!r}"
            else:
                got = "no type"
            self.fail(record_path, f"record must be an object, got {got}")
        return LexRecord(
            description=self.description(obj, path),
            key=key,
            record=self.object_(schema, record_path),
            extra=self.extra(obj, _RECORD_KEYS, path),
        )

    def body(self, obj: dict[str, Any], key: str, path: str) -> LexXrpcBody | None:
        raw = obj.get(key)
        if raw is None:
            return None
        body_path = _join(path, key)
        if not isinstance(raw, dict):
            self.fail(body_path, f"{key} must be an object, got {_kind(raw)}")
        encoding = self.req_str(raw, "encoding", body_path)
        if not encoding.strip():
            self.fail(body_path, "encoding must not be empty")
        schema: LexBodySchema | None = None
        if raw.get("schema") is not None:
            schema_path = _join(body_path, "schema")
            checked, kind = self.typed(
                raw["schema"], schema_path, _BODY_SCHEMA_TYPES, "as a body schema"
            )
            parsed = _PARSERS[kind](self, checked, schema_path)
            assert isinstance(parsed, LexObject | LexRef | LexUnion)
            schema = parsed
        return LexXrpcBody(
            description=self.description(raw, body_path),
            encoding=encoding,
            schema=schema,
            extra=self.extra(raw, _BODY_KEYS, body_path),
        )

    def errors(self, obj: dict[str, Any], path: str) -> tuple[LexXrpcError, ...]:
        raw = obj.get("errors")
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.fail(path, f"errors must be an array, got {_kind(raw)}")
        errors = []
        for index, item in enumerate(raw):
            item_path = _join(path, f"errors[{index}]")
            if not isinstance(item, dict):
                self.fail(item_path, f"an error must be an object, got {_kind(item)}")
            name = self.req_str(item, "name", item_path)
            if not name or any(c.isspace() for c in name):
                self.fail(
                    item_path, f"error name {_show(name)} must be non-empty without whitespace"
                )
            errors.append(
                LexXrpcError(
                    name=name,
                    description=self.description(item, item_path),
                    extra=self.extra(item, _ERROR_KEYS, item_path),
                )
            )
        return tuple(errors)

    def parameters(self, obj: dict[str, Any], path: str) -> LexParams | None:
        raw = obj.get("parameters")
        return None if raw is None else self.params(raw, _join(path, "parameters"))

    def query(self, obj: dict[str, Any], path: str) -> LexQuery:
        if "input" in obj:
            self.fail(path, "a query has no input (only procedures do)")
        return LexQuery(
            description=self.description(obj, path),
            parameters=self.parameters(obj, path),
            output=self.body(obj, "output", path),
            errors=self.errors(obj, path),
            extra=self.extra(obj, _QUERY_KEYS, path),
        )

    def procedure(self, obj: dict[str, Any], path: str) -> LexProcedure:
        return LexProcedure(
            description=self.description(obj, path),
            parameters=self.parameters(obj, path),
            input=self.body(obj, "input", path),
            output=self.body(obj, "output", path),
            errors=self.errors(obj, path),
            extra=self.extra(obj, _PROCEDURE_KEYS, path),
        )

    def subscription(self, obj: dict[str, Any], path: str) -> LexSubscription:
        raw = obj.get("message")
        message_path = _join(path, "message")
        if not isinstance(raw, dict):
            what = "is required" if raw is None else f"must be an object, got {_kind(raw)}"
            self.fail(path, f"message {what}")
        schema_path = _join(message_path, "schema")
        checked, _ = self.typed(
            raw.get("schema"),
            schema_path,
            frozenset({"union"}),
            "as a message schema (must be a union)",
        )
        message = LexSubscriptionMessage(
            description=self.description(raw, message_path),
            schema=self.union(checked, schema_path),
            extra=self.extra(raw, _MESSAGE_KEYS, message_path),
        )
        return LexSubscription(
            description=self.description(obj, path),
            parameters=self.parameters(obj, path),
            message=message,
            errors=self.errors(obj, path),
            extra=self.extra(obj, _SUBSCRIPTION_KEYS, path),
        )

    def lang_map(self, obj: dict[str, Any], key: str, path: str) -> Mapping[str, str]:
        raw = obj.get(key)
        if raw is None:
            return EMPTY
        if not isinstance(raw, dict):
            self.fail(path, f"{key} must be an object, got {_kind(raw)}")
        for lang, text in raw.items():
            if not syntax.is_valid("language", lang):
                self.fail(path, f"{key} key {lang!r} is not a language tag")
            if not isinstance(text, str):
                self.fail(path, f"{key}[{lang!r}] must be a string, got {_kind(text)}")
        return MappingProxyType(dict(raw))

    def permission_set(self, obj: dict[str, Any], path: str) -> LexPermissionSet:
        raw = obj.get("permissions")
        if not isinstance(raw, list):
            what = "is required" if raw is None else f"must be an array, got {_kind(raw)}"
            self.fail(path, f"permissions {what}")
        return LexPermissionSet(
            description=self.description(obj, path),
            title=self.opt_str(obj, "title", path),
            title_lang=self.lang_map(obj, "title:lang", path),
            detail=self.opt_str(obj, "detail", path),
            detail_lang=self.lang_map(obj, "detail:lang", path),
            permissions=tuple(
                self.permission(p, _join(path, f"permissions[{i}]")) for i, p in enumerate(raw)
            ),
            extra=self.extra(obj, _PERMISSION_SET_KEYS, path),
        )

    def permission(self, obj: object, path: str) -> LexPermission:
        checked, _ = self.typed(
            obj, path, frozenset({"permission"}), "in permissions (must be 'permission')"
        )
        resource = self.req_str(checked, "resource", path)
        description = self.description(checked, path)
        if resource == "repo":
            collection = self.unique_strs(checked, "collection", path, required=True)
            for nsid in collection or ():
                if not syntax.is_valid("nsid", nsid):
                    self.fail(path, f"collection entry {_show(nsid)} is not an NSID")
            action = self.unique_strs(checked, "action", path, required=False)
            for name in action or ():
                if name not in _REPO_ACTIONS:
                    self.fail(path, f"action {_show(name)} must be one of create, update, delete")
            return LexPermission(
                description=description,
                resource=resource,
                collection=collection,
                action=action,
                extra=self.extra(checked, _REPO_PERMISSION_KEYS, path),
            )
        if resource == "rpc":
            lxm = self.unique_strs(checked, "lxm", path, required=True)
            for nsid in lxm or ():
                if nsid != "*" and not syntax.is_valid("nsid", nsid):
                    self.fail(path, f"lxm entry {_show(nsid)} is not an NSID")
            aud = self.opt_str(checked, "aud", path)
            inherit_aud = self.opt_bool(checked, "inheritAud", path)
            if aud is None and not inherit_aud:
                self.fail(path, "an rpc permission needs aud unless inheritAud is true")
            if aud == "*" and lxm is not None and "*" in lxm:
                self.fail(path, "aud and lxm cannot both be the wildcard '*'")
            return LexPermission(
                description=description,
                resource=resource,
                lxm=lxm,
                aud=aud,
                inherit_aud=inherit_aud,
                extra=self.extra(checked, _RPC_PERMISSION_KEYS, path),
            )
        # Other resources (blob, account, identity, future ones) are not used in lexicon
        # context; the spec says to ignore them, so their fields are kept unchecked.
        return LexPermission(
            description=description,
            resource=resource,
            extra=MappingProxyType({k: v for k, v in checked.items() if k not in _PERMISSION_KEYS}),
        )

    def unique_strs(
        self, obj: dict[str, Any], key: str, path: str, *, required: bool
    ) -> tuple[str, ...] | None:
        values = self.opt_strs(obj, key, path)
        if values is None:
            if required:
                self.fail(path, f"{key} is required")
            return None
        if required and not values:
            self.fail(path, f"{key} must not be empty")
        if len(set(values)) != len(values):
            self.fail(path, f"{key} has duplicate entries")
        return values


def _is_mime_pattern(pattern: str) -> bool:
    if pattern == "*/*":
        return True
    main, slash, sub = pattern.partition("/")
    if not slash or not main or not sub or "*" in main or "/" in sub:
        return False
    return sub == "*" or "*" not in sub


def _is_record_key_type(key: str) -> bool:
    if key in ("tid", "nsid", "any"):
        return True
    return key.startswith("literal:") and syntax.is_valid("record-key", key[8:])


_BASE_KEYS = frozenset({"type", "description"})
_BOOLEAN_KEYS = _BASE_KEYS | {"default", "const"}
_INTEGER_KEYS = _BASE_KEYS | {"minimum", "maximum", "enum", "default", "const"}
_STRING_KEYS = _BASE_KEYS | {
    "format",
    "maxLength",
    "minLength",
    "maxGraphemes",
    "minGraphemes",
    "knownValues",
    "enum",
    "default",
    "const",
}
_BYTES_KEYS = _BASE_KEYS | {"maxLength", "minLength"}
_BLOB_KEYS = _BASE_KEYS | {"accept", "maxSize"}
_REF_KEYS = _BASE_KEYS | {"ref"}
_UNION_KEYS = _BASE_KEYS | {"refs", "closed"}
_ARRAY_KEYS = _BASE_KEYS | {"items", "maxLength", "minLength"}
_OBJECT_KEYS = _BASE_KEYS | {"properties", "required", "nullable"}
_PARAMS_KEYS = _BASE_KEYS | {"properties", "required"}
_RECORD_KEYS = _BASE_KEYS | {"key", "record"}
_BODY_KEYS = frozenset({"description", "encoding", "schema"})
_ERROR_KEYS = frozenset({"name", "description"})
_MESSAGE_KEYS = frozenset({"description", "schema"})
_QUERY_KEYS = _BASE_KEYS | {"parameters", "output", "errors"}
_PROCEDURE_KEYS = _QUERY_KEYS | {"input"}
_SUBSCRIPTION_KEYS = _BASE_KEYS | {"parameters", "message", "errors"}
_PERMISSION_SET_KEYS = _BASE_KEYS | {"title", "title:lang", "detail", "detail:lang", "permissions"}
_PERMISSION_KEYS = _BASE_KEYS | {"resource"}
_REPO_PERMISSION_KEYS = _PERMISSION_KEYS | {"collection", "action"}
_RPC_PERMISSION_KEYS = _PERMISSION_KEYS | {"lxm", "aud", "inheritAud"}

_PARSERS: dict[str, Callable[[_Parser, dict[str, Any], str], LexFieldType]] = {
    "null": _Parser.null,
    "boolean": _Parser.boolean,
    "integer": _Parser.integer,
    "string": _Parser.string,
    "bytes": _Parser.bytes_,
    "cid-link": _Parser.cid_link,
    "blob": _Parser.blob,
    "array": _Parser.array,
    "object": _Parser.object_,
    "ref": _Parser.ref,
    "union": _Parser.union,
    "unknown": _Parser.unknown,
}
# Primary types, token, params and permission have their own paths; "known" types for
# the "unknown type" message are these plus those.
_KNOWN_TYPES = frozenset(_PARSERS) | _PRIMARY | {"token", "params", "permission"}
