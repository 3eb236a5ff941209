"""skykit's code generator: lexicon JSON → typed pydantic models and sync/async clients.

``generate(sources, out, package)`` writes a package for any set of lexicons; refs to the
official lexicons point at skykit's shipped ``skykit.lex`` modules instead of copying
them. ``python -m skykit_codegen`` regenerates ``skykit.lex`` from ``lexicons/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from skykit_codegen.generate import render, write
from skykit_codegen.world import CodegenError

__all__ = ["CodegenError", "generate", "load_documents"]


def load_documents(sources: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Read and strictly check lexicon documents from files and folders (``*.json``)."""
    from skykit.lexicon import parse_lexicon

    documents: dict[str, dict[str, Any]] = {}
    for source in sources:
        root = Path(source)
        paths = sorted(root.rglob("*.json")) if root.is_dir() else [root]
        for path in paths:
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CodegenError(f"{path}: cannot read lexicon JSON: {exc}") from exc
            parse_lexicon(doc)
            if doc["id"] in documents:
                raise CodegenError(f"{path}: lexicon {doc['id']} is defined twice")
            documents[doc["id"]] = doc
    return [documents[nsid] for nsid in sorted(documents)]


def _official(nsid: str) -> tuple[Mapping[str, Any], str] | None:
    """An official lexicon, as shipped in ``skykit.lex``, for refs from other packages."""
    import importlib

    from skykit.lex import INDEX

    module = INDEX.get(nsid)
    if module is None:
        return None
    return importlib.import_module(module).LEXICON, module


def generate(sources: Iterable[str | Path], out: str | Path, package: str) -> list[Path]:
    """Generate ``package`` under ``out`` from the lexicons in ``sources``."""
    documents = load_documents(sources)
    external = None if package == "skykit.lex" else _official
    return write(render(documents, package, external), Path(out), package)
