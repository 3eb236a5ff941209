"""Shared helpers of the benchmarks: fresh-process runs, timing, ratio tables."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"


def fresh(code: str, runs: int = 5) -> dict[str, float]:
    """Run ``code`` in new interpreters; it prints a JSON object of figures. Medians."""
    results: list[dict[str, float]] = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def best_of(function: Callable[[], object], repeat: int = 7, number: int = 1) -> float:
    """Best wall time of ``number`` calls, over ``repeat`` rounds, in seconds per call."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(number):
            function()
        best = min(best, (time.perf_counter() - started) / number)
    return best


def table(title: str, rows: list[tuple[str, float, float, str]]) -> None:
    """Rows of (what, skykit, peer, unit); the ratio is peer / skykit (>1: skykit ahead)."""
    print(f"\n{title}")
    print(f"  {'measure':<44}{'skykit':>12}{'atproto':>12}  {'atproto/skykit':>14}")
    for what, ours, theirs, unit in rows:
        ratio = theirs / ours if ours else float("inf")
        print(f"  {what:<44}{ours:>10.2f}{unit:<2}{theirs:>10.2f}{unit:<2}  {ratio:>13.2f}x")
