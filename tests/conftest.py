from __future__ import annotations

import pytest

from tests import corpora

pytest_plugins = ["tests.network.plugin"]


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Async tests (``@pytest.mark.anyio``) run on both event loops skykit supports."""
    backend: str = request.param
    return backend


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A parametrized corpus test collects no cases when the corpora are absent; under CI
    # that must be a failure, not a silent pass.
    if corpora.REQUIRED and not corpora.available():
        raise pytest.UsageError(f"SKYKIT_REQUIRE_CORPORA=1 but {corpora.CORPORA} is missing")
