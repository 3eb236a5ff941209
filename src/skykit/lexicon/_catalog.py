"""A set of lexicons by id: loading, reference resolution, and validation of data.

Validators are compiled per definition on first use and cached in the catalog, so
validating the ten-thousandth record costs only the checks themselves. A catalog may be
given a ``loader`` that supplies documents for ids it does not hold yet (generated code
uses this to load lexicons lazily).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple, NoReturn

from skykit import syntax
from skykit.lexicon._errors import (
    DuplicateLexiconError,
    InvalidLexiconError,
    LexiconNotFoundError,
    LexiconValidationError,
)
from skykit.lexicon._parse import parse_lexicon, split_ref
from skykit.lexicon._schema import (
    LexiconDoc,
    LexParams,
    LexProcedure,
    LexQuery,
    LexRecord,
    LexSubscription,
    LexUserType,
)
from skykit.lexicon._walk import iter_refs

if TYPE_CHECKING:
    import os

    from skykit.lexicon._compile import Check, Compiler

__all__ = ["Catalog", "Loader", "Part", "ResolvedDef", "Validator"]

Loader = Callable[[str], "Mapping[str, Any] | LexiconDoc | None"]
"""Supplies the lexicon document for an NSID, or None when it has none."""

Validator = Callable[[Any], None]
"""Checks one value; raises :class:`LexiconValidationError` when it does not match."""

Part = Literal["parameters", "input", "output", "message"]
"""Which schema of an XRPC or subscription definition to validate against."""

_PARTS: Final = ("parameters", "input", "output", "message")
_NOT_DATA: Final = ("query", "procedure", "subscription", "permission-set")


class ResolvedDef(NamedTuple):
    """A definition found by :meth:`Catalog.resolve`.

    ``id`` is its full id as data names it (``nsid`` for ``main``, else ``nsid#name``).
    """

    id: str
    nsid: str
    name: str
    definition: LexUserType


class Catalog:
    """Lexicon documents by NSID, with reference resolution and data validation.

    ``loader(nsid)`` (optional) is asked for any id not added yet; it returns the
    document (a dict or a :class:`LexiconDoc`) or None. Documents are parsed with
    ``strict`` as in :func:`parse_lexicon`. Safe to share between threads.
    """

    def __init__(self, loader: Loader | None = None, *, strict: bool = False) -> None:
        self._docs: dict[str, LexiconDoc] = {}
        self._loader = loader
        self._strict = strict
        self._missing: set[str] = set()  # ids the loader had nothing for
        self._lock = threading.RLock()
        self._compiler: Compiler | None = None
        self._validators: dict[tuple[str, str | None], Validator] = {}
        self._records: dict[str, tuple[Validator, str]] = {}  # collection -> (check, key type)

    # --- documents -----------------------------------------------------------------------

    def add(self, doc: Mapping[str, Any] | LexiconDoc) -> LexiconDoc:
        """Parse (unless already parsed) and add a document; returns the parsed document.

        Raises :class:`InvalidLexiconError` for a malformed document and
        :class:`DuplicateLexiconError` when the id is already present.
        """
        parsed = doc if isinstance(doc, LexiconDoc) else parse_lexicon(doc, strict=self._strict)
        with self._lock:
            if parsed.id in self._docs:
                raise DuplicateLexiconError(parsed.id)
            self._docs[parsed.id] = parsed
            self._missing.discard(parsed.id)
        return parsed

    def add_dir(self, path: str | os.PathLike[str]) -> list[LexiconDoc]:
        """Add every ``*.json`` file under `path` (recursively, in sorted order)."""
        import json  # only needed here; keeps the package import light
        from pathlib import Path

        root = Path(path)
        if not root.is_dir():
            raise LexiconNotFoundError(f"lexicon directory {str(root)!r} does not exist")
        added = []
        for file in sorted(root.rglob("*.json")):
            try:
                raw = json.loads(file.read_bytes())
            except (OSError, ValueError) as exc:
                raise InvalidLexiconError(f"{file}: cannot read lexicon JSON: {exc}") from None
            try:
                added.append(self.add(raw))
            except (InvalidLexiconError, DuplicateLexiconError) as exc:
                exc.add_note(f"while loading {file}")
                raise
        return added

    def get(self, nsid: str) -> LexiconDoc:
        """The document with id `nsid`, from those added or else from the loader."""
        doc = self._docs.get(nsid) if isinstance(nsid, str) else None
        if doc is not None:
            return doc
        if not isinstance(nsid, str) or not syntax.is_valid("nsid", nsid):
            raise LexiconNotFoundError(f"{nsid!r} is not a valid NSID")
        with self._lock:
            doc = self._docs.get(nsid)
            if doc is not None:
                return doc
            if self._loader is not None and nsid not in self._missing:
                loaded = self._loader(nsid)
                if loaded is not None:
                    parsed = (
                        loaded
                        if isinstance(loaded, LexiconDoc)
                        else parse_lexicon(loaded, strict=self._strict)
                    )
                    if parsed.id != nsid:
                        raise InvalidLexiconError(
                            f"the loader returned lexicon {parsed.id!r} when asked for {nsid!r}"
                        )
                    self._docs[nsid] = parsed
                    return parsed
                self._missing.add(nsid)
        raise LexiconNotFoundError(f"no lexicon {nsid!r} in the catalog")

    def __contains__(self, nsid: object) -> bool:
        """Whether a document with this id has been added (the loader is not asked)."""
        return nsid in self._docs

    def __iter__(self) -> Iterator[LexiconDoc]:
        """The documents added (or loaded) so far."""
        return iter(list(self._docs.values()))

    def __len__(self) -> int:
        return len(self._docs)

    def __repr__(self) -> str:
        return f"<Catalog of {len(self._docs)} lexicons>"

    # --- references ----------------------------------------------------------------------

    def resolve(self, ref: str, context_nsid: str | None = None) -> ResolvedDef:
        """Find the definition `ref` names: ``nsid`` (its ``main``), ``nsid#name``, or
        ``#name`` within document `context_nsid`.

        Raises :class:`LexiconNotFoundError` when the document or definition is missing,
        :class:`InvalidLexiconError` when `ref` is malformed.
        """
        target = split_ref(ref, context_nsid)
        if target is None:
            hint = (
                " (a '#name' reference needs context_nsid)"
                if isinstance(ref, str) and ref.startswith("#")
                else ""
            )
            raise InvalidLexiconError(f"malformed lexicon reference {ref!r}{hint}")
        nsid, name = target
        return ResolvedDef(_full_id(nsid, name), nsid, name, self._lookup(nsid, name))

    def _lookup(self, nsid: str, name: str) -> LexUserType:
        definition = self.get(nsid).defs.get(name)
        if definition is None:
            raise LexiconNotFoundError(f"lexicon {nsid!r} has no definition {name!r}")
        return definition

    def check_references(self) -> None:
        """Check that every reference in every document resolves to something it may
        name: union members must be objects or records; refs may not name XRPC,
        subscription or permission-set definitions. Raises :class:`InvalidLexiconError`
        listing the problems (or a loader's error)."""
        problems = []
        for doc in list(self):
            for site in iter_refs(doc):
                where = f"{doc.id}: {site.path}: {site.ref!r}"
                try:
                    kind = self.resolve(site.ref, doc.id).definition.type
                except LexiconNotFoundError as exc:
                    problems.append(f"{where} does not resolve ({exc})")
                    continue
                if site.in_union and kind not in ("object", "record"):
                    problems.append(
                        f"{where} is a {kind}; unions may only reference objects and records"
                    )
                elif not site.in_union and kind in _NOT_DATA:
                    problems.append(f"{where} is a {kind}, which a ref cannot name")
        if problems:
            shown = "; ".join(problems[:10])
            more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
            raise InvalidLexiconError(f"{len(problems)} bad reference(s): {shown}{more}")

    # --- validation ----------------------------------------------------------------------

    def validate_record(self, collection: str, data: Any, rkey: str | None = None) -> None:
        """Check record `data` against the record type `collection` (its ``$type`` must
        be `collection`) and, when given, `rkey` against the record's key type.

        Raises :class:`LexiconValidationError` (``.path`` names the failing value),
        :class:`LexiconNotFoundError` when no record type `collection` is known.
        """
        cached = self._records.get(collection) if isinstance(collection, str) else None
        if cached is None:
            definition = self.get(collection).defs.get("main")
            if not isinstance(definition, LexRecord):
                raise LexiconNotFoundError(f"lexicon {collection!r} does not define a record type")
            cached = (self.validator(collection), definition.key)
            self._records[collection] = cached
        validate, key = cached
        validate(data)
        if rkey is not None:
            _check_rkey(key, rkey, collection)

    def validate(self, ref: str, data: Any, *, part: Part | None = None) -> None:
        """Check `data` against the definition `ref` names (``nsid`` or ``nsid#name``).

        Objects, records (``$type`` required), tokens (the token's id string), strings,
        arrays and the other data types validate directly. For a query or procedure,
        `part` picks ``"parameters"``, ``"input"`` or ``"output"`` (default: output); for
        a subscription ``"parameters"`` or ``"message"`` (default: message; the message's
        ``$type`` may be the frame header's short form ``#name``).
        """
        self.validator(ref, part=part)(data)

    def validator(self, ref: str, *, part: Part | None = None) -> Validator:
        """The compiled check :meth:`validate` runs, for calling many times."""
        if not isinstance(ref, str) or (part is not None and part not in _PARTS):
            return self._build_validator(ref, part)  # raises the right error
        key = (ref, part)
        validate = self._validators.get(key)
        if validate is None:
            validate = self._build_validator(ref, part)
            self._validators[key] = validate
        return validate

    def _build_validator(self, ref: str, part: Part | None) -> Validator:
        if part is not None and part not in _PARTS:
            raise LexiconNotFoundError(f"part must be one of {', '.join(_PARTS)}, got {part!r}")
        resolved = self.resolve(ref)
        compiler = self._get_compiler()
        definition = resolved.definition
        subject = resolved.id
        if isinstance(definition, LexQuery | LexProcedure | LexSubscription):
            chosen = part or ("message" if isinstance(definition, LexSubscription) else "output")
            subject = f"{resolved.id} {chosen}"
            check = self._part_check(compiler, resolved, definition, chosen)
        elif definition.type == "permission-set":
            raise LexiconNotFoundError(
                f"{resolved.id} is a permission-set, which describes no data"
            )
        elif part is not None:
            raise LexiconNotFoundError(
                f"{resolved.id} is a {definition.type}; part applies only to XRPC and subscription definitions"
            )
        else:
            check = compiler.named(resolved.nsid, resolved.name)
        return _wrap(check, subject)

    def _part_check(
        self,
        compiler: Compiler,
        resolved: ResolvedDef,
        definition: LexQuery | LexProcedure | LexSubscription,
        part: str,
    ) -> Check:
        if part == "parameters":
            return compiler.params(definition.parameters or LexParams(), resolved.nsid)
        if isinstance(definition, LexSubscription):
            if part != "message":
                raise LexiconNotFoundError(
                    f"{resolved.id} is a subscription: it has parameters and message, not {part}"
                )
            return compiler.union(definition.message.schema, resolved.nsid, allow_local_types=True)
        if part == "message" or (part == "input" and isinstance(definition, LexQuery)):
            raise LexiconNotFoundError(f"{resolved.id} is a {definition.type}: it has no {part}")
        body = (
            definition.input
            if isinstance(definition, LexProcedure) and part == "input"
            else definition.output
        )
        if body is None or body.schema is None:
            raise LexiconNotFoundError(f"{resolved.id} has no {part} schema to validate against")
        return compiler.node(body.schema, resolved.nsid)

    def _get_compiler(self) -> Compiler:
        if self._compiler is None:
            from skykit.lexicon._compile import Compiler

            self._compiler = Compiler(self._lookup)
        return self._compiler


def _full_id(nsid: str, name: str) -> str:
    return nsid if name == "main" else f"{nsid}#{name}"


def _wrap(check: Check, subject: str) -> Validator:
    from skykit.lexicon._compile import Invalid, format_path

    def validate(data: Any) -> None:
        try:
            check(data)
        except Invalid as problem:
            raise LexiconValidationError(
                problem.reason, path=format_path(problem.path), subject=subject
            ) from None
        except RecursionError:
            raise LexiconValidationError(
                "data is nested too deeply to validate", subject=subject
            ) from None

    return validate


def _check_rkey(key: str, rkey: object, collection: str) -> None:
    def fail(reason: str) -> NoReturn:
        raise LexiconValidationError(reason, path="rkey", subject=collection)

    if not isinstance(rkey, str):
        fail(f"record key must be a string, got {type(rkey).__name__}")
    try:
        syntax.validate("record-key", rkey)
        if key in ("tid", "nsid"):
            syntax.validate(key, rkey)
    except syntax.InvalidSyntaxError as exc:
        fail(f"record key type {key}: {exc}")
    if key.startswith("literal:") and rkey != key[8:]:
        fail(f"record key must be {key[8:]!r} (key type {key}), got {rkey!r}")
