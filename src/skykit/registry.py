"""Where generated lexicon modules live, found by NSID, loaded on first use.

Kept apart from ``skykit.models`` (and free of pydantic) so that registering the index of
a generated package costs nothing at import.

Generated packages register a map of NSID → module name when they are imported (the
official one in ``skykit.lex``, third-party ones made by ``skykit codegen`` in theirs).
From it come the lexicon documents for strict checks, and the model class for a
``$type`` (used to read ``unknown`` fields into typed models).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skykit.lexicon import Catalog
    from skykit.models._base import LexModel

_modules: dict[str, str] = {}
_lock = threading.Lock()
_catalog: Catalog | None = None


def register_lexicons(modules: Mapping[str, str]) -> None:
    """Record which module holds each lexicon (NSID → importable module name).

    A package registered later takes over the NSIDs it also provides (e.g. bindings made
    from newer versions of lexicons skykit ships).
    """
    with _lock:
        _modules.update(modules)


def _module(nsid: str) -> Any | None:
    if nsid not in _modules:
        import skykit.lex  # noqa: F401 - registers the official lexicons on first need
    name = _modules.get(nsid)
    return importlib.import_module(name) if name is not None else None


def lexicon_document(nsid: str) -> dict[str, Any] | None:
    """The lexicon document of a registered NSID, or None."""
    module = _module(nsid)
    return None if module is None else dict(module.LEXICON)


def catalog() -> Catalog:
    """The catalog of every registered lexicon, loading documents as refs reach them."""
    global _catalog
    if _catalog is None:
        from skykit.lexicon import Catalog

        with _lock:
            if _catalog is None:
                _catalog = Catalog(loader=lexicon_document)
    return _catalog


def model_for_type(type_name: str) -> type[LexModel] | None:
    """The generated model for a ``$type`` (``nsid`` or ``nsid#def``), or None."""
    nsid, _, name = type_name.partition("#")
    module = _module(nsid)
    if module is None:
        return None
    model: type[LexModel] | None = module.MODELS.get(name or "main")
    return model


class LazyModule:
    """Stands for a module and imports it on first attribute access.

    Generated modules bind the modules they refer to this way, after their classes, so
    type annotations resolve (and other lexicons load) only when a model is first used.
    """

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name}>"


def lazy_module(name: str) -> Any:
    return LazyModule(name)
