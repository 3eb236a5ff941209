"""Where the shared conformance corpora live, and how tests read them.

The corpora sit outside the project (``../shared/corpora`` beside the checkout) and are
read in place. ``SKYKIT_CORPORA`` overrides the location. Tests that need them skip when
the folder is absent, unless ``SKYKIT_REQUIRE_CORPORA=1`` (set by CI) turns that into a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("SKYKIT_CORPORA", ROOT.parent / "shared" / "corpora"))
REQUIRED = os.environ.get("SKYKIT_REQUIRE_CORPORA") == "1"


def available() -> bool:
    return CORPORA.is_dir()


def path(*parts: str) -> Path:
    """The path of a corpus file; skips (or fails under CI) when the corpora are absent."""
    if not available():
        message = f"conformance corpora not found at {CORPORA} (set SKYKIT_CORPORA)"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return CORPORA.joinpath(*parts)


def lines(*parts: str) -> list[str]:
    """Test values of a line-oriented interop file: comments and empty lines dropped,
    only the line terminator removed (whitespace in values is deliberate)."""
    if not available():
        return []
    text = CORPORA.joinpath(*parts).read_text(encoding="utf-8")
    return [line for line in text.split("\n") if line and not line.startswith("#")]
