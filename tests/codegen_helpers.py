"""Generate a package into a temporary folder and import it, for codegen tests."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from skykit.cli import main


@contextmanager
def generated_package(sources: list[Path], out: Path, package: str) -> Iterator[ModuleType]:
    """Run ``skykit codegen`` for ``sources``; import and yield the package, then unload it."""
    assert main(["codegen", *map(str, sources), "--out", str(out), "--package", package]) == 0
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(package)
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]
