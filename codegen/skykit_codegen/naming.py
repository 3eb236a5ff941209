"""Python names for lexicon things: modules, classes, fields, constants."""

from __future__ import annotations

import keyword
import re

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

# Attributes of pydantic models (and our base) that a field must not shadow.
_RESERVED_FIELDS = frozenset(
    {
        "check",
        "construct",
        "copy",
        "dict",
        "from_orm",
        "json",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "schema",
        "schema_json",
        "to_cid",
        "to_dag_cbor",
        "to_data",
        "to_json",
        "update_forward_refs",
        "validate",
        "validate_strict",
        "py_type",
    }
)


def snake_case(name: str) -> str:
    """``createdAt`` → ``created_at``, ``getDIDDoc`` → ``get_did_doc``."""
    return _WORD_BOUNDARY.sub("_", name).replace("-", "_").lower()


def pascal_case(name: str) -> str:
    """``replyRef`` → ``ReplyRef``."""
    parts = re.split(r"[-_]", name)
    return "".join(part[:1].upper() + part[1:] for part in parts if part)


def upper_snake(name: str) -> str:
    return snake_case(name).upper()


def safe_identifier(name: str) -> str:
    """Escape Python keywords and names that would break a model (``from`` → ``from_``)."""
    if keyword.iskeyword(name) or name.startswith("model_"):
        return name + "_"
    if name in _RESERVED_FIELDS:
        return name + "_"
    return name


def field_name(property_name: str) -> str:
    return safe_identifier(snake_case(property_name))


def module_segments(nsid: str) -> list[str]:
    """``app.bsky.feed.getTimeline`` → ``["app", "bsky", "feed", "get_timeline"]``."""
    return [safe_identifier(snake_case(segment)) for segment in nsid.split(".")]


def module_alias(nsid: str) -> str:
    """The private name under which a generated module imports the module of ``nsid``."""
    return "_" + "_".join(module_segments(nsid))
