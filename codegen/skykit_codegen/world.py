"""The set of lexicons being generated, the modules they go to, and the names of their defs.

Names are allocated per document, deterministically, so the official modules and any
third-party package generated later agree on the Python name of every def.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from skykit_codegen import naming

# Module-level names every generated module may define.
RESERVED = frozenset(
    {
        "NSID",
        "LEXICON",
        "MODELS",
        "ERRORS",
        "MESSAGES",
        "Params",
        "Input",
        "Output",
        "Call",
        "AsyncCall",
    }
)


class CodegenError(Exception):
    """A lexicon cannot be turned into code (unresolvable ref, unsupported shape...)."""


@dataclass
class Names:
    """Python names of one document's defs."""

    classes: dict[str, str] = field(default_factory=dict)  # object/record def → class
    constants: dict[str, str] = field(default_factory=dict)  # token def → constant
    aliases: dict[str, str] = field(default_factory=dict)  # string/array/... def → alias
    errors: dict[str, str] = field(default_factory=dict)  # error name → exception class
    taken: set[str] = field(default_factory=lambda: set(RESERVED))

    def claim(self, wanted: str) -> str:
        """A module-level name not yet used: ``wanted``, or it with underscores added."""
        name = wanted
        while name in self.taken:
            name += "_"
        self.taken.add(name)
        return name


def allocate_names(doc: Mapping[str, Any]) -> Names:
    names = Names()
    claim = names.claim

    defs: Mapping[str, Any] = doc["defs"]
    main = defs.get("main")
    if main is not None and main["type"] == "record":
        names.classes["main"] = claim("Record")
    for def_name in sorted(defs):
        kind = defs[def_name]["type"]
        if def_name == "main" and kind == "record":
            continue
        if kind == "object":
            names.classes[def_name] = claim(naming.pascal_case(def_name))
        elif kind == "token":
            names.constants[def_name] = claim(naming.upper_snake(def_name))
        elif kind in (
            "string",
            "array",
            "integer",
            "boolean",
            "bytes",
            "cid-link",
            "blob",
            "unknown",
        ):
            names.aliases[def_name] = claim(naming.pascal_case(def_name))
    if main is not None and main["type"] in ("query", "procedure"):
        for error in main.get("errors", []):
            wanted = naming.pascal_case(error["name"])
            names.errors[error["name"]] = claim(
                wanted if wanted not in names.taken else wanted + "Error"
            )
    return names


@dataclass(frozen=True)
class Resolved:
    nsid: str
    name: str
    schema: Mapping[str, Any]

    @property
    def type_id(self) -> str:
        """The ``$type`` naming this def."""
        return self.nsid if self.name == "main" else f"{self.nsid}#{self.name}"


class World:
    """Every lexicon the generator can see: those it writes and those it refers to."""

    def __init__(
        self,
        generated: Iterable[Mapping[str, Any]],
        package: str,
        external: Callable[[str], tuple[Mapping[str, Any], str] | None] | None = None,
    ) -> None:
        self.package = package
        self.docs: dict[str, Mapping[str, Any]] = {}
        self.modules: dict[str, str] = {}
        for doc in generated:
            self.docs[doc["id"]] = doc
            self.modules[doc["id"]] = ".".join([package, *naming.module_segments(doc["id"])])
        self.generated = sorted(self.docs)
        self._external = external
        self._names: dict[str, Names] = {}

    def names(self, nsid: str) -> Names:
        if nsid not in self._names:
            self._names[nsid] = allocate_names(self.docs[nsid])
        return self._names[nsid]

    def resolve(self, ref: str, context: str) -> Resolved:
        nsid, _, name = ref.partition("#")
        nsid = nsid or context
        name = name or "main"
        doc = self.docs.get(nsid)
        if doc is None and self._external is not None:
            found = self._external(nsid)
            if found is not None:
                doc, self.modules[nsid] = found
                self.docs[nsid] = doc
        if doc is None:
            raise CodegenError(f"{context}: ref {ref!r} names a lexicon that is not available")
        schema = doc["defs"].get(name)
        if schema is None:
            raise CodegenError(f"{context}: ref {ref!r}: {nsid} has no def {name!r}")
        return Resolved(nsid, name, schema)
