"""Errors of generated models."""

from __future__ import annotations

from typing import Any

from skykit.errors import SkykitError


class ModelValidationError(SkykitError, ValueError):
    """Data does not fit a generated model's types (wrong type, missing field, bad union).

    ``errors`` lists each problem as pydantic reports it (``loc``, ``msg``, ``type``).
    """

    def __init__(self, message: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.errors = errors
