"""Errors of the data model layer."""

from __future__ import annotations

from skykit.errors import SkykitError


class DataModelError(SkykitError, ValueError):
    """A value is not valid atproto data: bad DAG-CBOR, bad JSON form, or a bad CID."""
