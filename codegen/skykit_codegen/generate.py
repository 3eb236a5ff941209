"""Lexicon documents → a package of generated modules on disk."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from skykit_codegen.emit_module import ModuleEmitter
from skykit_codegen.emit_namespaces import emit_namespace
from skykit_codegen.text import HEADER, literal
from skykit_codegen.world import CodegenError, World

_MARK = HEADER.split("{")[0]


def render(
    docs: Iterable[Mapping[str, Any]],
    package: str,
    external: Callable[[str], tuple[Mapping[str, Any], str] | None] | None = None,
) -> dict[str, str]:
    """Source text of every module, keyed by path relative to the output root."""
    world = World(docs, package, external)
    files: dict[str, str] = {}
    children: dict[str, set[str]] = defaultdict(set)  # package → subpackages
    calls: dict[str, dict[str, str | None]] = defaultdict(dict)  # package → call modules
    packages = {package}
    for nsid in world.generated:
        module = world.modules[nsid]
        files[module.replace(".", "/") + ".py"] = ModuleEmitter(world, nsid).emit()
        parent, _, leaf = module.rpartition(".")
        main = world.docs[nsid]["defs"].get("main", {})
        is_call = main.get("type") in ("query", "procedure")
        if is_call:
            calls[parent][leaf] = main.get("description")
        while parent != package:
            packages.add(parent)
            grand, _, name = parent.rpartition(".")
            if is_call:  # namespaces lead only to packages that hold calls
                children[grand].add(name)
            parent = grand
    for pkg in sorted(packages):
        path = pkg.replace(".", "/") + "/__init__.py"
        if path[: -len("/__init__.py")] + ".py" in files:
            raise CodegenError(f"lexicon module {pkg} would also be a namespace package")
        label = pkg.removeprefix(package).lstrip(".") or f"{package} root"
        preamble = _root_preamble(world) if pkg == package else None
        files[path] = emit_namespace(pkg, label, sorted(children[pkg]), calls[pkg], preamble)
    return files


def _root_preamble(world: World) -> list[str]:
    index = {nsid: world.modules[nsid] for nsid in world.generated}
    official = world.package == "skykit.lex"
    return [
        *(
            []
            if official
            else ["import skykit.lex  # noqa: F401 - registers the official lexicons"]
        ),
        "from skykit.registry import register_lexicons as _register_lexicons",
        "",
        f"INDEX: _t.Final[dict[str, str]] = {literal(index)}",
        '"""Every lexicon generated here: NSID → module."""',
        "",
        "_register_lexicons(INDEX)",
    ]


def write(files: Mapping[str, str], out: Path, package: str) -> list[Path]:
    """Write ``files`` under ``out``, replacing what an earlier run generated there."""
    root = out / package.replace(".", "/")
    if root.exists():
        for old in root.rglob("*.py"):
            if old.read_text(encoding="utf-8").startswith(_MARK):
                old.unlink()
        for folder in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
            if not any(p for p in folder.iterdir() if p.name != "__pycache__"):
                shutil.rmtree(folder)
    written = []
    for relative, text in sorted(files.items()):
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    _format(root)
    return written


def _format(root: Path) -> None:
    """Format with ruff when it is installed: generated code reads like written code."""
    ruff = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff is None:
        return
    subprocess.run([ruff, "format", "--quiet", str(root)], check=True)
    subprocess.run(
        [ruff, "check", "--quiet", "--fix", "--select", "I,UP,F401", str(root)], check=False
    )
