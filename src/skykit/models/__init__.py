"""The runtime of generated lexicon models: base class, field types, unions, registry.

Generated modules (``skykit.lex.*`` and those ``skykit codegen`` writes) build on these;
users meet ``LexModel``'s methods (``to_json``, ``to_data``, ``validate_strict``...), ``Blob``
and ``ModelValidationError``.
"""

from __future__ import annotations

from skykit.models._base import Blob, LexModel, Unknown, UnknownObject
from skykit.models._errors import ModelValidationError
from skykit.models._unions import union
from skykit.models._values import Bytes, CidLink, DataValue
from skykit.registry import catalog, lazy_module, model_for_type, register_lexicons

__all__ = [
    "Blob",
    "Bytes",
    "CidLink",
    "DataValue",
    "LexModel",
    "ModelValidationError",
    "Unknown",
    "UnknownObject",
    "catalog",
    "lazy_module",
    "model_for_type",
    "register_lexicons",
    "union",
]
