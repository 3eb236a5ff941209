"""pytest fixtures for the reference network: ``pds_network`` (PLC + PDS) and ``full_network``
(+ AppView, Ozone), both session-scoped.

Tests that use them are marked ``network`` (automatically, too). When a prerequisite (npm, the
Postgres server binaries) is missing they skip, unless ``SKYKIT_REQUIRE_NETWORK=1`` (set by CI)
turns that into a failure. A failed install or start is always an error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import NoReturn

import pytest

from tests.network.harness import (
    Installation,
    Kind,
    Network,
    NetworkUnavailable,
    ensure_installed,
    start_network,
)

REQUIRED = os.environ.get("SKYKIT_REQUIRE_NETWORK") == "1"
FIXTURES = frozenset({"pds_network", "full_network", "network_installation"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "network: needs the reference AT Protocol servers (Node 22 + @atproto/dev-env, "
        "installed and started by tests/network); skipped when npm or Postgres is missing "
        "unless SKYKIT_REQUIRE_NETWORK=1",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.network)


def unavailable(reason: str) -> NoReturn:
    if REQUIRED:
        pytest.fail(f"SKYKIT_REQUIRE_NETWORK=1 but the reference network is unavailable: {reason}")
    pytest.skip(f"reference network unavailable: {reason}")


@pytest.fixture(scope="session")
def network_installation() -> Installation:
    try:
        return ensure_installed()
    except NetworkUnavailable as exc:
        unavailable(str(exc))


def _network(kind: Kind, installation: Installation) -> Iterator[Network]:
    try:
        network = start_network(kind, installation=installation)
    except NetworkUnavailable as exc:
        unavailable(str(exc))
    with network:
        yield network


@pytest.fixture(scope="session")
def pds_network(network_installation: Installation) -> Iterator[Network]:
    """PLC + PDS; ``appview_url`` is None."""
    yield from _network("pds", network_installation)


@pytest.fixture(scope="session")
def full_network(network_installation: Installation) -> Iterator[Network]:
    """PLC + PDS + AppView + Ozone on a throwaway Postgres; call ``process_all()`` after writes
    before asserting on what the AppView returns."""
    yield from _network("full", network_installation)
