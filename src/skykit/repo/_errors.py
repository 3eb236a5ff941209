"""Errors of the repository layer."""

from __future__ import annotations

from skykit.errors import SkykitError


class RepoError(SkykitError):
    """A repository, CAR file, MST or commit is invalid or incomplete."""


class CarError(RepoError, ValueError):
    """A CAR file is malformed, exceeds a limit, or holds a block that does not match its CID."""
