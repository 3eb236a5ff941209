"""skykit: a typed, exact and fast Python SDK for the AT Protocol.

Submodules load on first use (``skykit.data``, ``skykit.syntax``, ...) so that
``import skykit`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from skykit.errors import SkykitError

if TYPE_CHECKING:
    from skykit import crypto, data, syntax

__all__ = ["SkykitError", "crypto", "data", "syntax"]
__version__ = "0.1.0.dev0"

_LAZY_SUBMODULES = frozenset({"crypto", "data", "syntax"})


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"skykit.{name}")
    raise AttributeError(f"module 'skykit' has no attribute {name!r}")
