"""Sync modules derived from their async twins are current (``codegen/unasync.py``)."""

from __future__ import annotations

import subprocess
import sys

from tests.corpora import ROOT


def test_sync_twins_are_derived_from_the_async_sources() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "codegen" / "unasync.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
