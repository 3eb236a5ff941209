"""The typed model of the lexicon schema language (version 1).

One immutable class per lexicon ``type`` (keyword-only, compared by value), with the
spec's camelCase fields in snake_case (``maxLength`` → ``max_length``, ``title:lang`` →
``title_lang``). Lists are tuples and maps are read-only mappings, so a parsed schema can
be shared freely (between threads, between the validator and the code generator) without
anyone changing it under the others.

Every node keeps the keys the spec does not define in ``extra`` (never used by validation):
the language grows over time, and a schema written for a newer revision should still load.
Each class carries its lexicon type name as the class attribute ``type``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, Literal, TypeAlias

from skykit.lexicon._frozen import Frozen

__all__ = [
    "LexArray",
    "LexBlob",
    "LexBodySchema",
    "LexBoolean",
    "LexBytes",
    "LexCidLink",
    "LexConcrete",
    "LexFieldType",
    "LexInteger",
    "LexNull",
    "LexObject",
    "LexParamType",
    "LexParams",
    "LexPermission",
    "LexPermissionSet",
    "LexPrimary",
    "LexProcedure",
    "LexQuery",
    "LexRecord",
    "LexRef",
    "LexString",
    "LexSubscription",
    "LexSubscriptionMessage",
    "LexToken",
    "LexUnion",
    "LexUnknown",
    "LexUserType",
    "LexXrpcBody",
    "LexXrpcError",
    "LexiconDoc",
]

EMPTY: Mapping[Any, Any] = MappingProxyType({})
"""The shared empty read-only mapping (a default, so it is never copied)."""


class _Node(Frozen):
    description: str | None = None
    extra: Mapping[str, object] = EMPTY


# --- concrete types ---------------------------------------------------------------------


class LexNull(_Node):
    """The value ``null`` (kept from early drafts of the language; rarely used)."""

    type: ClassVar[Literal["null"]] = "null"


class LexBoolean(_Node):
    type: ClassVar[Literal["boolean"]] = "boolean"
    default: bool | None = None
    const: bool | None = None


class LexInteger(_Node):
    type: ClassVar[Literal["integer"]] = "integer"
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[int, ...] | None = None
    default: int | None = None
    const: int | None = None


class LexString(_Node):
    """A string; ``max_length``/``min_length`` count UTF-8 bytes, ``*_graphemes`` count
    extended grapheme clusters. ``enum`` restricts the value, ``known_values`` only
    suggests."""

    type: ClassVar[Literal["string"]] = "string"
    format: str | None = None
    max_length: int | None = None
    min_length: int | None = None
    max_graphemes: int | None = None
    min_graphemes: int | None = None
    known_values: tuple[str, ...] | None = None
    enum: tuple[str, ...] | None = None
    default: str | None = None
    const: str | None = None


class LexBytes(_Node):
    """A byte string; lengths count raw bytes."""

    type: ClassVar[Literal["bytes"]] = "bytes"
    max_length: int | None = None
    min_length: int | None = None


class LexCidLink(_Node):
    type: ClassVar[Literal["cid-link"]] = "cid-link"


class LexBlob(_Node):
    """A blob reference; ``accept`` holds MIME patterns (``image/png``, ``image/*``, ``*/*``)."""

    type: ClassVar[Literal["blob"]] = "blob"
    accept: tuple[str, ...] | None = None
    max_size: int | None = None


# --- meta types -------------------------------------------------------------------------


class LexToken(_Node):
    """A named symbol; data refers to it by its full id (``nsid#name``)."""

    type: ClassVar[Literal["token"]] = "token"


class LexRef(_Node):
    """A reference: ``nsid``, ``nsid#name`` or ``#name`` (within the same document)."""

    type: ClassVar[Literal["ref"]] = "ref"
    ref: str


class LexUnion(_Node):
    """One of several object or record definitions, told apart by ``$type``."""

    type: ClassVar[Literal["union"]] = "union"
    refs: tuple[str, ...]
    closed: bool = False


class LexUnknown(_Node):
    """Any object (not a blob, not bytes, not a link)."""

    type: ClassVar[Literal["unknown"]] = "unknown"


# --- containers -------------------------------------------------------------------------


class LexArray(_Node):
    """A list; ``max_length``/``min_length`` count elements."""

    type: ClassVar[Literal["array"]] = "array"
    items: LexFieldType
    max_length: int | None = None
    min_length: int | None = None


class LexObject(_Node):
    """A map with named properties; properties not listed are allowed in data."""

    type: ClassVar[Literal["object"]] = "object"
    properties: Mapping[str, LexFieldType] = EMPTY
    required: tuple[str, ...] = ()
    nullable: tuple[str, ...] = ()


class LexParams(_Node):
    """HTTP query parameters of an XRPC endpoint: scalars and arrays of scalars only."""

    type: ClassVar[Literal["params"]] = "params"
    properties: Mapping[str, LexParamType] = EMPTY
    required: tuple[str, ...] = ()


# --- primary types ----------------------------------------------------------------------


class LexRecord(_Node):
    """A repository record; ``key`` is ``tid``, ``nsid``, ``any`` or ``literal:<rkey>``."""

    type: ClassVar[Literal["record"]] = "record"
    key: str
    record: LexObject

    @property
    def key_literal(self) -> str | None:
        """The fixed record key of a ``literal:<rkey>`` record, else None."""
        return self.key[8:] if self.key.startswith("literal:") else None


class LexXrpcBody(_Node):
    """An HTTP request or response body: its MIME ``encoding`` and optional schema."""

    encoding: str
    schema: LexBodySchema | None = None


class LexXrpcError(_Node):
    """A named error an endpoint may return."""

    name: str


class LexQuery(_Node):
    """An XRPC query (HTTP GET)."""

    type: ClassVar[Literal["query"]] = "query"
    parameters: LexParams | None = None
    output: LexXrpcBody | None = None
    errors: tuple[LexXrpcError, ...] = ()


class LexProcedure(_Node):
    """An XRPC procedure (HTTP POST)."""

    type: ClassVar[Literal["procedure"]] = "procedure"
    parameters: LexParams | None = None
    input: LexXrpcBody | None = None
    output: LexXrpcBody | None = None
    errors: tuple[LexXrpcError, ...] = ()


class LexSubscriptionMessage(_Node):
    """What an event stream sends: a union of the message definitions."""

    schema: LexUnion


class LexSubscription(_Node):
    """An event stream (WebSocket) endpoint."""

    type: ClassVar[Literal["subscription"]] = "subscription"
    parameters: LexParams | None = None
    message: LexSubscriptionMessage
    errors: tuple[LexXrpcError, ...] = ()


class LexPermission(_Node):
    """One permission of a permission set.

    ``repo`` permissions use ``collection``/``action``, ``rpc`` ones ``lxm``/``aud``/
    ``inherit_aud``; fields of other resources stay in ``extra``.
    """

    type: ClassVar[Literal["permission"]] = "permission"
    resource: str
    collection: tuple[str, ...] | None = None
    action: tuple[str, ...] | None = None
    lxm: tuple[str, ...] | None = None
    aud: str | None = None
    inherit_aud: bool | None = None


class LexPermissionSet(_Node):
    """A bundle of permissions, used as an OAuth scope."""

    type: ClassVar[Literal["permission-set"]] = "permission-set"
    title: str | None = None
    title_lang: Mapping[str, str] = EMPTY
    detail: str | None = None
    detail_lang: Mapping[str, str] = EMPTY
    permissions: tuple[LexPermission, ...]


# --- groupings --------------------------------------------------------------------------

LexConcrete: TypeAlias = (
    LexNull | LexBoolean | LexInteger | LexString | LexBytes | LexCidLink | LexBlob
)
"""Types that describe a single data model value."""

LexFieldType: TypeAlias = LexConcrete | LexArray | LexObject | LexRef | LexUnion | LexUnknown
"""What an object property or an array's ``items`` can be."""

LexParamType: TypeAlias = LexBoolean | LexInteger | LexString | LexArray
"""What a ``params`` property can be (arrays hold booleans, integers or strings)."""

LexBodySchema: TypeAlias = LexObject | LexRef | LexUnion
"""What an XRPC input or output ``schema`` can be."""

LexPrimary: TypeAlias = LexRecord | LexQuery | LexProcedure | LexSubscription | LexPermissionSet
"""Types allowed only as a document's ``main`` definition."""

LexUserType: TypeAlias = LexPrimary | LexConcrete | LexArray | LexObject | LexToken
"""What a named definition under ``defs`` can be."""


class LexiconDoc(Frozen):
    """A lexicon document: its NSID ``id`` and its named definitions."""

    lexicon: int
    id: str
    revision: int | None = None
    description: str | None = None
    defs: Mapping[str, LexUserType]
    extra: Mapping[str, object] = EMPTY

    @property
    def main(self) -> LexUserType | None:
        """The ``main`` definition, if the document has one."""
        return self.defs.get("main")

    def ref_of(self, name: str) -> str:
        """The full id data uses for definition `name`: the NSID for ``main``, else
        ``nsid#name``."""
        return self.id if name == "main" else f"{self.id}#{name}"
