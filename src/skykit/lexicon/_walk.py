"""Walking a parsed lexicon document: every reference it makes, and where."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from skykit.lexicon._schema import (
    LexArray,
    LexiconDoc,
    LexObject,
    LexParams,
    LexProcedure,
    LexQuery,
    LexRecord,
    LexRef,
    LexSubscription,
    LexUnion,
    LexXrpcBody,
)

__all__ = ["RefSite", "iter_refs"]


class RefSite(NamedTuple):
    """A reference inside a document: where it is, the ref string as written, and
    whether it is a union member (unions may only name objects and records)."""

    path: str
    ref: str
    in_union: bool


def iter_refs(doc: LexiconDoc) -> Iterator[RefSite]:
    """Every ``ref`` and union member in `doc`, in document order (relative refs such as
    ``#name`` are yielded as written; resolve them against ``doc.id``)."""
    for name, definition in doc.defs.items():
        yield from _node(definition, f"defs.{name}")


def _node(node: object, path: str) -> Iterator[RefSite]:
    if isinstance(node, LexRef):
        yield RefSite(path, node.ref, False)
    elif isinstance(node, LexUnion):
        for index, ref in enumerate(node.refs):
            yield RefSite(f"{path}.refs[{index}]", ref, True)
    elif isinstance(node, LexArray):
        yield from _node(node.items, f"{path}.items")
    elif isinstance(node, LexObject | LexParams):
        for name, schema in node.properties.items():
            yield from _node(schema, f"{path}.properties.{name}")
    elif isinstance(node, LexRecord):
        yield from _node(node.record, f"{path}.record")
    elif isinstance(node, LexQuery | LexProcedure | LexSubscription):
        if node.parameters is not None:
            yield from _node(node.parameters, f"{path}.parameters")
        if isinstance(node, LexSubscription):
            yield from _node(node.message.schema, f"{path}.message.schema")
            return
        bodies: list[tuple[str, LexXrpcBody | None]] = [("output", node.output)]
        if isinstance(node, LexProcedure):
            bodies.insert(0, ("input", node.input))
        for key, body in bodies:
            if body is not None and body.schema is not None:
                yield from _node(body.schema, f"{path}.{key}.schema")
