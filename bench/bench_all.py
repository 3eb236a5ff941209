"""Run every benchmark, side by side with the ``atproto`` package, and print the results.

    python bench/bench_all.py

Each benchmark runs in its own process; their tables are printed under a header naming
the machine and the versions measured. The performance page of the docs shows this output.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    ("Import, models and parsing", ["bench_models.py"]),
    ("Client per-call overhead", ["bench_client.py", "2000"]),
    ("Firehose frames", ["bench_firehose.py"]),
    ("Repository walk", ["bench_repo.py"]),
]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    packages = ", ".join(
        f"{name} {version(name)}" for name in ("skykit", "atproto", "pydantic", "libipld", "httpx")
    )
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}\n"
        f"Python {platform.python_version()}; {packages}"
    )


def main() -> int:
    print(machine())
    failed = 0
    for title, command in BENCHMARKS:
        print(f"\n## {title}", flush=True)
        result = subprocess.run([sys.executable, str(HERE / command[0]), *command[1:]], check=False)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
