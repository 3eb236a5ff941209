"""Regenerate the official bindings: ``python -m skykit_codegen``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from skykit_codegen import generate

ROOT = Path(__file__).resolve().parent.parent.parent


def main() -> int:
    started = time.perf_counter()
    written = generate([ROOT / "lexicons"], ROOT / "src", "skykit.lex")
    print(f"wrote {len(written)} files to src/skykit/lex in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
