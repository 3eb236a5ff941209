"""Turning schema nodes into validator closures, once, so checking data is cheap.

A compiled check is ``check(value) -> None`` that raises :class:`Invalid` on the first
problem. The path to the failing value is collected while the exception unwinds, so the
success path pays nothing for it. References compile lazily (on first use), which makes
recursive schemas (thread views, facets) work and lets a catalog load lexicons on demand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from skykit import syntax
from skykit.data import CID
from skykit.lexicon._errors import InvalidLexiconError
from skykit.lexicon._graphemes import grapheme_count
from skykit.lexicon._parse import split_ref
from skykit.lexicon._schema import (
    LexArray,
    LexBlob,
    LexBoolean,
    LexBytes,
    LexCidLink,
    LexInteger,
    LexNull,
    LexObject,
    LexParams,
    LexRecord,
    LexRef,
    LexString,
    LexToken,
    LexUnion,
    LexUnknown,
    LexUserType,
)

__all__ = ["Check", "Compiler", "Invalid", "format_path"]

Check = Callable[[Any], None]
Lookup = Callable[[str, str], LexUserType]  # (nsid, name) -> definition

_MISSING: Final = object()


class Invalid(Exception):
    """Internal: why a value fails, and where (keys/indices, innermost first)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path: list[str | int] = []


def format_path(parts: list[str | int]) -> str:
    """``$`` followed by ``.key`` / ``[index]`` steps, outermost first."""
    out = ["$"]
    for part in reversed(parts):
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part and all(c.isalnum() or c in "_-$" for c in part):
            out.append(f".{part}")
        else:
            out.append(f"[{part!r}]")
    return "".join(out)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bytes):
        return "bytes"
    if isinstance(value, CID):
        return "cid-link"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "blob" if value.get("$type") == "blob" else "object"
    return type(value).__name__


def _short(value: str) -> str:
    return repr(value) if len(value) <= 64 else f"{value[:64]!r}..."


def _full_id(nsid: str, name: str) -> str:
    return nsid if name == "main" else f"{nsid}#{name}"


class Compiler:
    """Compiles schema nodes of one catalog; named definitions are compiled once."""

    def __init__(self, lookup: Lookup) -> None:
        self._lookup = lookup
        self._named: dict[tuple[str, str], Check] = {}

    # --- named definitions ---------------------------------------------------------------

    def named(self, nsid: str, name: str) -> Check:
        """The check for data that is an instance of definition ``nsid#name``: an object
        for objects, a ``$type``-tagged object for records, the id string for tokens."""
        key = (nsid, name)
        check = self._named.get(key)
        if check is None:
            check = self._compile_named(nsid, name)
            self._named[key] = check
        return check

    def _compile_named(self, nsid: str, name: str) -> Check:
        definition = self._lookup(nsid, name)
        full_id = _full_id(nsid, name)
        if isinstance(definition, LexRecord):
            return self.record(definition, nsid, full_id)
        if isinstance(definition, LexToken):
            return _token(full_id)
        if definition.type in ("query", "procedure", "subscription", "permission-set"):
            raise InvalidLexiconError(
                f"{full_id} is a {definition.type}, not a data type; "
                "validate its parameters, input, output or message instead"
            )
        return self.node(definition, nsid)

    def record(self, record: LexRecord, nsid: str, full_id: str) -> Check:
        """A record: an object whose ``$type`` is the record's id."""
        check_object = self.object_(record.record, nsid)

        def check(value: Any) -> None:
            if not isinstance(value, dict):
                raise Invalid(f"expected a record (an object), got {_kind(value)}")
            kind = value.get("$type", _MISSING)
            if kind != full_id:
                if kind is _MISSING:
                    problem = Invalid(f"a record must have $type {full_id!r}")
                else:
                    shown = _short(kind) if isinstance(kind, str) else _kind(kind)
                    problem = Invalid(f"expected $type {full_id!r}, got {shown}")
                problem.path.append("$type")
                raise problem
            check_object(value)

        return check

    # --- inline nodes --------------------------------------------------------------------

    def node(self, node: object, nsid: str) -> Check:
        """The check for an inline schema node; `nsid` resolves its ``#name`` refs."""
        if isinstance(node, LexString):
            return _string(node)
        if isinstance(node, LexInteger):
            return _integer(node)
        if isinstance(node, LexBoolean):
            return _boolean(node)
        if isinstance(node, LexObject):
            return self.object_(node, nsid)
        if isinstance(node, LexRef):
            return self.ref(node.ref, nsid)
        if isinstance(node, LexUnion):
            return self.union(node, nsid)
        if isinstance(node, LexArray):
            return self.array(node, nsid)
        if isinstance(node, LexParams):
            return self.params(node, nsid)
        if isinstance(node, LexBlob):
            return _blob(node)
        if isinstance(node, LexUnknown):
            return _unknown
        if isinstance(node, LexBytes):
            return _bytes(node)
        if isinstance(node, LexCidLink):
            return _cid_link
        if isinstance(node, LexNull):
            return _null
        raise InvalidLexiconError(f"{nsid}: cannot validate data against a {type(node).__name__}")

    def object_(self, node: LexObject, nsid: str) -> Check:
        nullable = set(node.nullable)
        fields = [
            (name, self.node(schema, nsid), name in nullable or isinstance(schema, LexNull))
            for name, schema in node.properties.items()
        ]
        return _object(fields, node.required, "an object")

    def params(self, node: LexParams, nsid: str) -> Check:
        fields = [
            (name, self.node(schema, nsid), False) for name, schema in node.properties.items()
        ]
        return _object(fields, node.required, "parameters (an object)")

    def array(self, node: LexArray, nsid: str) -> Check:
        check_item = self.node(node.items, nsid)
        min_length, max_length = node.min_length, node.max_length

        def check(value: Any) -> None:
            if not isinstance(value, list):
                raise Invalid(f"expected an array, got {_kind(value)}")
            count = len(value)
            if max_length is not None and count > max_length:
                raise Invalid(f"array has {count} elements, over maxLength {max_length}")
            if min_length is not None and count < min_length:
                raise Invalid(f"array has {count} elements, under minLength {min_length}")
            for index, item in enumerate(value):
                try:
                    check_item(item)
                except Invalid as problem:
                    problem.path.append(index)
                    raise

        return check

    def ref(self, ref: str, nsid: str) -> Check:
        target = split_ref(ref, nsid)
        if target is None:
            raise InvalidLexiconError(f"malformed reference {ref!r}", lexicon_id=nsid)
        resolved: Check | None = None

        def check(value: Any) -> None:
            nonlocal resolved
            if resolved is None:
                resolved = self.named(*target)
            resolved(value)

        return check

    def union(self, node: LexUnion, nsid: str, *, allow_local_types: bool = False) -> Check:
        """A union: dispatch on ``$type``. Open unions accept unknown ``$type`` values;
        ``allow_local_types`` also accepts ``#name`` for members in document `nsid`
        (subscription frames name their message type that way)."""
        members: dict[str, tuple[str, str]] = {}
        for ref in node.refs:
            target = split_ref(ref, nsid)
            if target is None:
                raise InvalidLexiconError(f"malformed union reference {ref!r}", lexicon_id=nsid)
            member_nsid, name = target
            members[_full_id(member_nsid, name)] = target
            members[f"{member_nsid}#{name}"] = target  # ``nsid#main`` is read as ``nsid``
            if allow_local_types and member_nsid == nsid:
                members[f"#{name}"] = target
        checks: dict[str, Check] = {}
        closed = node.closed
        shown_refs = ", ".join(node.refs)

        def check(value: Any) -> None:
            if not isinstance(value, dict):
                raise Invalid(
                    f"expected an object with a $type (union of {shown_refs}), got {_kind(value)}"
                )
            kind = value.get("$type")
            if not isinstance(kind, str):
                raise Invalid(f"a union value needs a string $type (one of {shown_refs})")
            member = checks.get(kind)
            if member is None:
                target = members.get(kind)
                if target is None:
                    if closed:
                        problem = Invalid(
                            f"$type {_short(kind)} is not allowed in closed union of {shown_refs}"
                        )
                        problem.path.append("$type")
                        raise problem
                    return  # open union: a type from the future, kept as data
                member = self._union_member(*target)
                checks[kind] = member
            member(value)

        return check

    def _union_member(self, nsid: str, name: str) -> Check:
        definition = self._lookup(nsid, name)
        if isinstance(definition, LexObject):
            return self.named(nsid, name)
        if isinstance(definition, LexRecord):
            # The $type already matched this member (possibly as ``nsid#main``).
            return self.object_(definition.record, nsid)
        raise InvalidLexiconError(
            f"union member {_full_id(nsid, name)} is a {definition.type}; unions may only "
            "reference objects and records"
        )


# --- leaf checks ------------------------------------------------------------------------


def _object(fields: list[tuple[str, Check, bool]], required: tuple[str, ...], what: str) -> Check:
    def check(value: Any) -> None:
        if not isinstance(value, dict):
            raise Invalid(f"expected {what}, got {_kind(value)}")
        for name in required:
            if name not in value:
                problem = Invalid("required property is missing")
                problem.path.append(name)
                raise problem
        for name, check_field, nullable in fields:
            item = value.get(name, _MISSING)
            if item is _MISSING:
                continue
            if item is None:
                if nullable:
                    continue
                problem = Invalid("must not be null (not nullable)")
                problem.path.append(name)
                raise problem
            try:
                check_field(item)
            except Invalid as problem:
                problem.path.append(name)
                raise

    return check


def _string(node: LexString) -> Check:
    const, fmt = node.const, node.format
    if fmt is not None and fmt not in syntax.FORMATS:
        raise InvalidLexiconError(f"unknown string format {fmt!r}")
    enum = frozenset(node.enum) if node.enum is not None else None
    max_length, min_length = node.max_length, node.min_length
    max_graphemes, min_graphemes = node.max_graphemes, node.min_graphemes
    check_lengths = max_length is not None or min_length is not None
    check_graphemes = max_graphemes is not None or min_graphemes is not None

    def check(value: Any) -> None:
        if not isinstance(value, str):
            raise Invalid(f"expected a string, got {_kind(value)}")
        if const is not None and value != const:
            raise Invalid(f"must be the constant {const!r}, got {_short(value)}")
        if enum is not None and value not in enum:
            raise Invalid(f"{_short(value)} is not one of enum {sorted(enum)}")
        if check_lengths:
            count = len(value)
            # A code point is 1-4 UTF-8 bytes: decide from len() alone when we can.
            if not (
                (max_length is None or count * 4 <= max_length)
                and (min_length is None or count >= min_length)
            ):
                size = count if value.isascii() else _utf8_size(value)
                if max_length is not None and size > max_length:
                    raise Invalid(f"string is {size} UTF-8 bytes long, over maxLength {max_length}")
                if min_length is not None and size < min_length:
                    raise Invalid(
                        f"string is {size} UTF-8 bytes long, under minLength {min_length}"
                    )
        if check_graphemes and not (
            min_graphemes is None and max_graphemes is not None and len(value) <= max_graphemes
        ):
            graphemes = grapheme_count(value)
            if max_graphemes is not None and graphemes > max_graphemes:
                raise Invalid(
                    f"string has {graphemes} graphemes, over maxGraphemes {max_graphemes}"
                )
            if min_graphemes is not None and graphemes < min_graphemes:
                raise Invalid(
                    f"string has {graphemes} graphemes, under minGraphemes {min_graphemes}"
                )
        if fmt is not None:
            try:
                syntax.validate(fmt, value)
            except syntax.InvalidSyntaxError as exc:
                raise Invalid(str(exc)) from None

    return check


def _utf8_size(value: str) -> int:
    try:
        return len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise Invalid("string is not valid Unicode (it holds a lone surrogate)") from None


def _integer(node: LexInteger) -> Check:
    const, minimum, maximum = node.const, node.minimum, node.maximum
    enum = frozenset(node.enum) if node.enum is not None else None

    def check(value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise Invalid(f"expected an integer, got {_kind(value)}")
        if const is not None and value != const:
            raise Invalid(f"must be the constant {const}, got {value}")
        if enum is not None and value not in enum:
            raise Invalid(f"{value} is not one of enum {sorted(enum)}")
        if minimum is not None and value < minimum:
            raise Invalid(f"{value} is under minimum {minimum}")
        if maximum is not None and value > maximum:
            raise Invalid(f"{value} is over maximum {maximum}")

    return check


def _boolean(node: LexBoolean) -> Check:
    const = node.const

    def check(value: Any) -> None:
        if not isinstance(value, bool):
            raise Invalid(f"expected a boolean, got {_kind(value)}")
        if const is not None and value is not const:
            raise Invalid(f"must be the constant {str(const).lower()}")

    return check


def _bytes(node: LexBytes) -> Check:
    min_length, max_length = node.min_length, node.max_length

    def check(value: Any) -> None:
        if not isinstance(value, bytes):
            raise Invalid(f"expected bytes, got {_kind(value)}")
        size = len(value)
        if max_length is not None and size > max_length:
            raise Invalid(f"bytes value is {size} bytes long, over maxLength {max_length}")
        if min_length is not None and size < min_length:
            raise Invalid(f"bytes value is {size} bytes long, under minLength {min_length}")

    return check


def _cid_link(value: Any) -> None:
    if not isinstance(value, CID):
        raise Invalid(f"expected a cid-link, got {_kind(value)}")


def _null(value: Any) -> None:
    if value is not None:
        raise Invalid(f"expected null, got {_kind(value)}")


def _unknown(value: Any) -> None:
    if not isinstance(value, dict):
        raise Invalid(f"expected an object (unknown), got {_kind(value)}")
    if value.get("$type") == "blob":
        raise Invalid("expected an object (unknown), got a blob")


def _token(full_id: str) -> Check:
    def check(value: Any) -> None:
        if value != full_id or not isinstance(value, str):
            shown = _short(value) if isinstance(value, str) else _kind(value)
            raise Invalid(f"expected the token {full_id!r}, got {shown}")

    return check


def _blob(node: LexBlob) -> Check:
    max_size = node.max_size
    exact: set[str] = set()
    prefixes: list[str] = []
    accept_any = node.accept is None
    for pattern in node.accept or ():
        pattern = pattern.lower()
        if pattern == "*/*":
            accept_any = True
        elif pattern.endswith("/*"):
            prefixes.append(pattern[:-1])
        else:
            exact.add(pattern)
    shown_accept = list(node.accept or ())

    def check(value: Any) -> None:
        if not isinstance(value, dict):
            raise Invalid(f"expected a blob, got {_kind(value)}")
        mime_type = value.get("mimeType")
        if value.get("$type") == "blob":
            if not isinstance(value.get("ref"), CID):
                raise Invalid("a blob needs a cid-link 'ref'")
            size = value.get("size")
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise Invalid("a blob needs a non-negative integer 'size'")
        elif "$type" not in value and "cid" in value:
            # Legacy form {cid, mimeType} from early records: no size to check.
            size = None
            if not syntax.is_valid("cid", value["cid"]):
                raise Invalid("a legacy blob needs a CID string 'cid'")
        else:
            raise Invalid("expected a blob ($type 'blob', or the legacy {cid, mimeType})")
        if not isinstance(mime_type, str):
            raise Invalid("a blob needs a string 'mimeType'")
        if not accept_any:
            essence = mime_type.partition(";")[0].strip().lower()
            if essence not in exact and not any(essence.startswith(p) for p in prefixes):
                raise Invalid(
                    f"blob mimeType {_short(mime_type)} is not accepted ({', '.join(shown_accept)})"
                )
        if max_size is not None and size is not None and size > max_size:
            raise Invalid(f"blob size {size} is over maxSize {max_size}")

    return check
