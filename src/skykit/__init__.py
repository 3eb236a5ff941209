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
    from skykit.client import AsyncClient, Client
    from skykit.syntax import now
    from skykit.xrpc import XrpcError

__all__ = ["AsyncClient", "Client", "SkykitError", "XrpcError", "crypto", "data", "now", "syntax"]
__version__ = "0.1.0.dev0"

# name → module it comes from; loaded on first use so that `import skykit` stays cheap
_LAZY = {
    "crypto": None,
    "data": None,
    "firehose": None,
    "identity": None,
    "lexicon": None,
    "models": None,
    "oauth": None,
    "repo": None,
    "richtext": None,
    "syntax": None,
    "xrpc": None,
    "Client": "skykit.client",
    "AsyncClient": "skykit.client",
    "XrpcError": "skykit.xrpc",
    "now": "skykit.syntax",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'skykit' has no attribute {name!r}")
    source = _LAZY[name]
    if source is None:
        return importlib.import_module(f"skykit.{name}")
    return getattr(importlib.import_module(source), name)
