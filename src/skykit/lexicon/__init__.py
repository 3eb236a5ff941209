"""Lexicon: the atproto schema language — a typed model of it, a catalog, and validation.

``parse_lexicon(doc)`` reads a lexicon JSON document into frozen dataclasses
(:class:`LexiconDoc` holding ``LexRecord``, ``LexObject``, ``LexString``, ...).
A :class:`Catalog` holds documents by NSID, resolves references between them and
validates data model values (what ``skykit.data`` decodes) against any definition::

    catalog = Catalog()
    catalog.add_dir("lexicons")
    catalog.validate_record("app.bsky.feed.post", record, rkey="3k2...")

Importing this package is cheap: validators are compiled (and the grapheme segmenter
loaded) only when data is first validated.
"""

from __future__ import annotations

from skykit.lexicon._catalog import Catalog, Loader, Part, ResolvedDef, Validator
from skykit.lexicon._errors import (
    DuplicateLexiconError,
    InvalidLexiconError,
    LexiconError,
    LexiconNotFoundError,
    LexiconValidationError,
)
from skykit.lexicon._graphemes import grapheme_count
from skykit.lexicon._parse import RECORD_KEY_TYPES, parse_lexicon
from skykit.lexicon._schema import (
    LexArray,
    LexBlob,
    LexBodySchema,
    LexBoolean,
    LexBytes,
    LexCidLink,
    LexConcrete,
    LexFieldType,
    LexiconDoc,
    LexInteger,
    LexNull,
    LexObject,
    LexParams,
    LexParamType,
    LexPermission,
    LexPermissionSet,
    LexPrimary,
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
from skykit.lexicon._walk import RefSite, iter_refs

__all__ = [
    "RECORD_KEY_TYPES",
    "Catalog",
    "DuplicateLexiconError",
    "InvalidLexiconError",
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
    "LexiconError",
    "LexiconNotFoundError",
    "LexiconValidationError",
    "Loader",
    "Part",
    "RefSite",
    "ResolvedDef",
    "Validator",
    "grapheme_count",
    "iter_refs",
    "parse_lexicon",
]
