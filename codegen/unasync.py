"""Derive the sync twin of an async module, so sync and async code are written once.

    python codegen/unasync.py          # rewrite the sync modules
    python codegen/unasync.py --check  # fail if any is out of date (CI, tests)

Each pair is (async source, sync output). The rewrite is token by token: ``async def`` →
``def``, ``await x`` → ``x``, ``AsyncClient`` → ``Client`` and so on, by the table below.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAIRS = [
    ("src/skykit/xrpc/_async_calls.py", "src/skykit/xrpc/_sync_calls.py"),
    ("src/skykit/client/_async.py", "src/skykit/client/_sync.py"),
]

# Whole words replaced, in this order.
WORDS = {
    "AsyncIterator": "Iterator",
    "AsyncIterable": "Iterable",
    "AsyncGenerator": "Generator",
    "AsyncXrpcCall": "XrpcCall",
    "AsyncXrpcClient": "XrpcClient",
    "AsyncCaller": "Caller",
    "AsyncByteStream": "ByteStream",
    "AsyncNamespace": "Namespace",
    "AsyncClient": "Client",
    "AsyncCall": "Call",
    "_async_client": "_client",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "__aiter__": "__iter__",
    "__anext__": "__next__",
    "aclose": "close",
    "asynccontextmanager": "contextmanager",
    "AbstractAsyncContextManager": "AbstractContextManager",
    "StopAsyncIteration": "StopIteration",
}
PHRASES = [
    (re.compile(r"^.*# async only\n", re.MULTILINE), ""),  # lines the sync twin leaves out
    (re.compile(r"\basync (def|for|with)\b"), r"\1"),
    (re.compile(r"\bawait "), ""),
    (re.compile(r"\(\s*await\s+"), "("),
    (re.compile(r"\ban async\b"), "a"),  # what is left of "async" is prose
    (re.compile(r"\basync "), ""),
]
HEADER = "# Generated from {source} by codegen/unasync.py. Do not edit by hand.\n"


def unasync(text: str, source: str) -> str:
    for pattern, replacement in PHRASES:
        text = pattern.sub(replacement, text)
    for word, replacement in WORDS.items():
        text = re.sub(rf"\b{word}\b", replacement, text)
    return _format(HEADER.format(source=source) + text)


def _format(text: str) -> str:
    """Formatted as the rest of the code (shorter lines may now fit on one)."""
    ruff = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff is None:
        raise SystemExit("unasync needs ruff (pip install -e '.[dev]')")
    for command in (["check", "--select", "I", "--fix", "--quiet"], ["format"]):
        text = subprocess.run(
            [ruff, *command, "--stdin-filename", "generated.py", "-"],
            input=text,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
    return text


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for source, target in PAIRS:
        wanted = unasync((ROOT / source).read_text(encoding="utf-8"), Path(source).name)
        path = ROOT / target
        if path.exists() and path.read_text(encoding="utf-8") == wanted:
            continue
        stale.append(target)
        if not check:
            path.write_text(wanted, encoding="utf-8")
    if check and stale:
        print(f"out of date (run python codegen/unasync.py): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
