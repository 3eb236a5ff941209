"""Repositories: CAR files (and, as they land, the MST, commits and verification)."""

from __future__ import annotations

from skykit.repo._errors import CarError, RepoError
from skykit.repo.car import Block, CarReader, read_car, write_car

__all__ = ["Block", "CarError", "CarReader", "RepoError", "read_car", "write_car"]
