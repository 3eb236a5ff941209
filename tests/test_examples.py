"""The runnable examples run, offline, and print what they promise."""

from __future__ import annotations

import subprocess
import sys

from tests.corpora import ROOT


def test_hello_data_example_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "hello_data.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "CID          bafyrei" in result.stdout
    assert "valid: True" in result.stdout
