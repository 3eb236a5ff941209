"""Starts and stops the reference AT Protocol network (``launcher.mjs``) from Python.

``start_network("pds")`` gives PLC + PDS; ``start_network("full")`` adds the AppView, Ozone and
bsync on a throwaway Postgres cluster. The launcher runs in its own session with its stdin on a
pipe: it shuts everything down (network, Postgres, its run folder) when that pipe closes, so a
killed test run leaves nothing behind. Every server binds 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import queue
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import httpx

from tests.network.install import (
    HERE,
    Installation,
    NetworkError,
    NetworkUnavailable,
    cache_dir,
    ensure_installed,
    tail,
)

__all__ = [
    "Account",
    "Installation",
    "Kind",
    "Network",
    "NetworkError",
    "NetworkUnavailable",
    "ensure_installed",
    "start_network",
]

Kind = Literal["pds", "full"]
PREFIX = "SKYKIT-NETWORK "
RUN_DIR_PREFIX = "skykit-network-"
START_TIMEOUT = 180.0  # seconds; the full network starts in ~5-10 s when the machine is idle
STOP_TIMEOUT = 40.0  # the launcher forces its own exit after 30 s
HTTP_TIMEOUT = 30.0
KEEP_LOGS = 20
PG_VERSIONS = ("15", "16", "17", "14", "13")


@dataclass(frozen=True)
class Account:
    did: str
    handle: str
    password: str = field(repr=False)
    access_jwt: str = field(repr=False)
    refresh_jwt: str = field(repr=False)

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_jwt}"}


def postgres_bin_dir() -> Path:
    """The Postgres server binaries: ``$SKYKIT_PG_BIN``, else Debian's ``/usr/lib/postgresql``."""
    chosen = os.environ.get("SKYKIT_PG_BIN")
    if chosen:
        candidates = [Path(chosen)]
    else:
        candidates = [Path(f"/usr/lib/postgresql/{version}/bin") for version in PG_VERSIONS]
    for candidate in candidates:
        if all((candidate / tool).is_file() for tool in ("initdb", "postgres", "pg_isready")):
            return candidate
    where = f"SKYKIT_PG_BIN={chosen}" if chosen else "/usr/lib/postgresql/15/bin"
    raise NetworkUnavailable(
        f"the full network needs the Postgres server binaries (initdb, postgres, pg_isready) in "
        f"{where}: apt-get install postgresql-15 (Debian 12), or set SKYKIT_PG_BIN"
    )


def start_network(
    kind: Kind = "pds",
    *,
    port_base: int = 0,
    timeout: float = START_TIMEOUT,
    installation: Installation | None = None,
    preloads: Sequence[Path] = (),
    env: Mapping[str, str] | None = None,
) -> Network:
    """Starts a network and returns once it is ready. ``port_base`` 0 picks free ports; otherwise
    PLC, PDS, AppView, Postgres and Ozone listen on base, +1, +2, +3 and +5.

    ``preloads`` are extra ES modules Node loads (``--import``) before the servers, after the
    loopback guard; ``env`` adds environment variables for them (e.g. ``reroute_fetch.mjs`` and
    its ``SKYKIT_REROUTE_FILE``)."""
    pg_bin = postgres_bin_dir() if kind == "full" else None
    installation = installation or ensure_installed()
    sweep_stale_run_dirs()
    return Network(kind, installation, pg_bin, port_base, timeout, preloads, env)


class Network:
    """A running reference network; close it (or use ``with``) to stop it."""

    def __init__(
        self,
        kind: Kind,
        installation: Installation,
        pg_bin: Path | None,
        port_base: int,
        timeout: float,
        preloads: Sequence[Path] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.kind = kind
        self.run_dir = Path(tempfile.mkdtemp(prefix=RUN_DIR_PREFIX))
        # Postgres runs as another user when we are root: it must be able to reach its folder.
        self.run_dir.chmod(0o711)
        (self.run_dir / "tmp").mkdir()
        self.log_path = _new_log_path(kind)
        self._log = self.log_path.open("a", buffering=1)
        self._replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._handles = itertools.count(1)
        self._closed = False
        began = time.monotonic()
        imports = [
            (HERE / "loopback.mjs").as_uri(),
            *(Path(p).resolve().as_uri() for p in preloads),
        ]
        command = [
            str(installation.node),
            *(arg for uri in imports for arg in ("--import", uri)),
            str(HERE / "launcher.mjs"),
            "--modules", str(installation.root),
            "--kind", kind,
            "--run-dir", str(self.run_dir),
            "--port-base", str(port_base),
        ]  # fmt: skip
        if pg_bin is not None:
            command += ["--pg-bin", str(pg_bin)]
        # The servers keep their files in TMPDIR (a private folder the launcher removes).
        env = {**os.environ, **(env or {}), "TMPDIR": str(self.run_dir / "tmp")}
        env.pop("NODE_OPTIONS", None)
        try:
            self._proc = subprocess.Popen(
                command,
                cwd=self.run_dir,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._log,
                text=True,
                start_new_session=True,  # Ctrl-C reaches us, not it: it stops on stdin EOF
            )
        except OSError as exc:
            self._log.close()
            shutil.rmtree(self.run_dir, ignore_errors=True)
            raise NetworkError(f"could not start {installation.node}: {exc}") from exc
        self.pid = self._proc.pid
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()
        try:
            ready = self._wait_ready(timeout)
        except BaseException:
            self.close()
            raise
        self.startup_seconds = time.monotonic() - began
        self.info: dict[str, Any] = ready
        self.plc_url: str = ready["plc"]["url"]
        self.pds_url: str = ready["pds"]["url"]
        self.pds_did: str = ready["pds"]["did"]
        self.appview_url: str | None = (ready["appview"] or {}).get("url")
        self.appview_did: str | None = (ready["appview"] or {}).get("did")
        self.ozone_url: str | None = (ready["ozone"] or {}).get("url")
        self.postgres_url: str | None = (ready["postgres"] or {}).get("url")
        self.admin_username: str = ready["admin"]["username"]
        self.admin_password: str = ready["admin"]["password"]

    def __repr__(self) -> str:
        return f"<Network {self.kind} pds={self.pds_url} pid={self.pid}>"

    def __enter__(self) -> Network:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        """The launcher's exit code once it has exited."""
        return self._proc.poll()

    @property
    def admin_auth(self) -> tuple[str, str]:
        """For ``httpx``'s ``auth=``: HTTP basic auth of the PDS admin."""
        return (self.admin_username, self.admin_password)

    @property
    def admin_headers(self) -> dict[str, str]:
        token = base64.b64encode(f"{self.admin_username}:{self.admin_password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def http(self, base_url: str | None = None) -> httpx.Client:
        """A client for the network; it ignores proxy variables, so traffic stays on loopback."""
        return httpx.Client(
            base_url=base_url or self.pds_url, timeout=HTTP_TIMEOUT, trust_env=False
        )

    def create_account(
        self, handle_prefix: str = "user", *, password: str | None = None
    ) -> Account:
        """Creates an account with a fresh handle ``<prefix>-<unique>.test`` on the PDS."""
        prefix = handle_prefix.lower()
        valid = all(c.isascii() and (c.isalnum() or c == "-") for c in prefix)
        if not valid or not prefix[:1].isalnum():
            raise ValueError(f"handle_prefix: ASCII letters, digits, '-'; not {handle_prefix!r}")
        # The PDS takes 3-18 characters before `.test`.
        unique = f"{next(self._handles):x}{secrets.token_hex(2)}"
        handle = f"{prefix[: 17 - len(unique)]}-{unique}.test"
        password = password or secrets.token_urlsafe(12)
        body = {"handle": handle, "email": f"{handle}@example.com", "password": password}
        with self.http() as client:
            response = client.post("/xrpc/com.atproto.server.createAccount", json=body)
        if response.status_code != 200:
            raise NetworkError(f"createAccount {handle}: {response.status_code} {response.text}")
        data = response.json()
        return Account(data["did"], data["handle"], password, data["accessJwt"], data["refreshJwt"])

    def process_all(self, timeout: float = 30.0) -> None:
        """Waits until the PDS's background work, and on the full network the AppView's and
        Ozone's indexing of everything written so far, is done."""
        self._request({"cmd": "processAll", "timeoutMs": int(timeout * 1000)}, timeout + 10)

    def ping(self) -> None:
        self._request({"cmd": "ping"}, 10.0)

    def close(self) -> None:
        """Stops the launcher (stdin EOF, then SIGTERM, then SIGKILL of its process group) and
        removes its run folder. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._proc.stdin:
                self._proc.stdin.close()
        except OSError:
            pass
        for sig, wait in ((None, STOP_TIMEOUT), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            if sig is signal.SIGKILL:
                _kill_group(self.pid)
            elif sig is not None:
                self._proc.send_signal(sig)
            try:
                self._proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                self._log.write(f"[harness] launcher still running after {wait} s\n")
        if self._proc.returncode != 0:
            # It did not shut down by itself: whatever is left of its group (Postgres) goes too.
            _kill_group(self.pid)
        self._reader.join(5.0)
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        for _ in range(10):  # a dying Postgres may still be writing into its folder
            shutil.rmtree(self.run_dir, ignore_errors=True)
            if not self.run_dir.exists():
                break
            time.sleep(0.2)
        self._log.write(f"[harness] launcher exited with {self._proc.returncode}\n")
        self._log.close()

    def log_tail(self) -> str:
        return tail(self.log_path)

    def _read_stdout(self) -> None:
        stdout: IO[str] | None = self._proc.stdout
        if stdout is None:
            return
        for line in stdout:
            if line.startswith(PREFIX):
                try:
                    self._replies.put(json.loads(line[len(PREFIX) :]))
                    continue
                except ValueError:
                    pass
            if not self._log.closed:
                self._log.write(line)

    def _next_message(self, deadline: float, what: str) -> dict[str, Any]:
        while True:  # bounded by deadline
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise NetworkError(
                    f"{what}: no answer in time; log {self.log_path}:\n{tail(self.log_path)}"
                )
            try:
                return self._replies.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                if self._proc.poll() is not None and self._replies.empty():
                    self._reader.join(2.0)
                    if self._replies.empty():
                        raise NetworkError(
                            f"{what}: the launcher exited with {self._proc.returncode}; "
                            f"log {self.log_path}:\n{tail(self.log_path)}"
                        ) from None

    def _wait_ready(self, timeout: float) -> dict[str, Any]:
        message = self._next_message(
            time.monotonic() + timeout, f"starting the {self.kind} network"
        )
        if message.get("event") != "ready":
            raise NetworkError(
                f"the {self.kind} network failed to start: {message.get('error', message)}\n"
                f"log {self.log_path}:\n{tail(self.log_path)}"
            )
        return message

    def _request(self, command: dict[str, Any], timeout: float) -> Any:
        with self._lock:
            if self._closed or self._proc.stdin is None:
                raise NetworkError("the network is closed")
            command = {**command, "id": next(self._ids)}
            try:
                self._proc.stdin.write(json.dumps(command) + "\n")
                self._proc.stdin.flush()
            except OSError as exc:
                raise NetworkError(f"the launcher is gone: {exc}\n{tail(self.log_path)}") from exc
            deadline = time.monotonic() + timeout
            for _ in range(1000):  # replies of earlier, timed-out requests are skipped
                reply = self._next_message(deadline, f"{command['cmd']}")
                if reply.get("id") == command["id"]:
                    break
            else:
                raise NetworkError(f"{command['cmd']}: no matching reply")
        if not reply.get("ok"):
            raise NetworkError(f"{command['cmd']} failed: {reply.get('error')}")
        return reply.get("result")


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _new_log_path(kind: str) -> Path:
    """A fresh log file in the cache's ``logs/`` folder, keeping only the newest few."""
    logs = cache_dir() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for old in sorted(logs.glob("*.log"), key=lambda p: p.stat().st_mtime)[:-KEEP_LOGS]:
        old.unlink(missing_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return logs / f"{kind}-{stamp}-{os.getpid()}-{secrets.token_hex(2)}.log"


def _pid_alive(pid_file: Path) -> bool:
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, 0)
    except PermissionError:
        return True  # alive, and someone else's (Postgres runs as `postgres` when we are root)
    except (OSError, ValueError, IndexError):
        return False
    return True


def sweep_stale_run_dirs(min_age: float = 120.0) -> list[Path]:
    """Removes run folders left by launchers that were killed outright (SIGKILL leaves no time
    to clean up); a folder is stale when neither its launcher nor its Postgres is running."""
    removed = []
    root = Path(tempfile.gettempdir())
    for run_dir in itertools.islice(root.glob(f"{RUN_DIR_PREFIX}*"), 200):
        try:
            if time.time() - run_dir.stat().st_mtime < min_age:
                continue
        except OSError:
            continue
        pg_pid = run_dir / "pg" / "data" / "postmaster.pid"
        if _pid_alive(run_dir / "launcher.pid") or _pid_alive(pg_pid):
            continue
        shutil.rmtree(run_dir, ignore_errors=True)
        removed.append(run_dir)
    return removed


JWT_SECRET = b"jwt-secret"  # the dev-env PDS's secret for its HS256 tokens


def expired(token: str) -> str:
    """The same access token with ``exp`` in the past, re-signed as the dev PDS would (a
    DPoP binding is kept): the PDS answers it with ``ExpiredToken`` (bearer) or
    ``invalid_token`` (OAuth)."""
    import base64
    import hashlib
    import hmac
    import json
    import time

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header, payload, _ = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["exp"] = int(time.time()) - 60
    body = f"{header}.{b64(json.dumps(claims).encode())}"
    return f"{body}.{b64(hmac.new(JWT_SECRET, body.encode(), hashlib.sha256).digest())}"
