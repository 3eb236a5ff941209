"""The reference network harness itself: the install cache is reused, both network kinds run in
one session on 127.0.0.1 only (checked against the OS's socket table), and the launcher leaves
no process or Postgres cluster behind when its parent is killed, its stdin closes or it gets
SIGTERM."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.network import procfs
from tests.network.harness import (
    RUN_DIR_PREFIX,
    START_TIMEOUT,
    Installation,
    Network,
    ensure_installed,
    start_network,
    sweep_stale_run_dirs,
)
from tests.network.install import REPO

GONE_WITHIN = 45.0  # seconds for everything to disappear once the launcher is told to stop


def wait_until_gone(pids: set[int], folder: Path) -> float:
    """Seconds until none of ``pids`` runs and ``folder`` is gone; fails after GONE_WITHIN."""
    began = time.monotonic()
    for _ in range(int(GONE_WITHIN / 0.1)):
        if not any(procfs.alive(pid) for pid in pids) and not folder.exists():
            return time.monotonic() - began
        time.sleep(0.1)
    left = sorted(pid for pid in pids if procfs.alive(pid))
    pytest.fail(f"still running after {GONE_WITHIN} s: {left}; folder exists: {folder.exists()}")


@pytest.mark.network
def test_second_install_reuses_the_cache(network_installation: Installation) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tests.network", "install"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "reusing cached install" in result.stdout
    again = ensure_installed()
    assert not again.fresh
    assert again.seconds < 1.0


@pytest.mark.network
def test_both_kinds_listen_on_loopback_only(pds_network: Network, full_network: Network) -> None:
    for network in (pds_network, full_network):
        assert network.alive
        info = network.info
        expected = {info["plc"]["port"], info["pds"]["port"]}
        if network.kind == "full":
            expected |= {info["appview"]["port"], info["ozone"]["port"]}
            expected.add(int(info["postgres"]["url"].rsplit(":", 1)[1].split("/")[0]))
        sockets = procfs.listening(procfs.descendants(network.pid))
        assert expected <= {port for _, port, _ in sockets}, sockets
        assert {address for address, _, _ in sockets} == {"127.0.0.1"}, sockets


@pytest.mark.network
def test_killed_parent_leaves_no_server_or_cluster_behind(
    network_installation: Installation,
) -> None:
    # The dev script is the parent here; SIGKILL gives it no chance to clean up, so only the
    # launcher's stdin EOF can stop the servers.
    parent = subprocess.Popen(
        [sys.executable, "-m", "tests.network", "start", "--full", "--port-base", "0", "--json"],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    assert parent.stdout is not None
    stdout = parent.stdout
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    tree: set[int] = set()
    run_dir = Path("/nonexistent")
    try:
        info = json.loads(lines.get(timeout=START_TIMEOUT))
        run_dir = Path(info["runDir"])
        tree = procfs.descendants(info["pid"])
        assert info["postgres"]["pid"] in tree
        assert (run_dir / "pg" / "data" / "PG_VERSION").is_file()
        parent.kill()
        parent.wait(10)
        seconds = wait_until_gone(tree, run_dir)
        print(
            f"launcher, {len(tree) - 1} children and the cluster gone {seconds:.1f} s after the kill"
        )
    finally:
        parent.kill()
        for pid in tree:
            if procfs.alive(pid):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(run_dir, ignore_errors=True)


@pytest.mark.network
def test_killed_launcher_takes_postgres_down(network_installation: Installation) -> None:
    # SIGKILL gives the launcher no time to stop Postgres: the kernel's parent-death signal must,
    # and the harness then removes the run folder.
    network = start_network("full", installation=network_installation)
    try:
        tree = procfs.descendants(network.pid)
        assert network.info["postgres"]["pid"] in tree
        os.kill(network.pid, signal.SIGKILL)
        network.close()
        wait_until_gone(tree, network.run_dir)
    finally:
        network.close()


@pytest.mark.network
@pytest.mark.parametrize("how", ["stdin-eof", "sigterm"])
def test_launcher_stops_cleanly(network_installation: Installation, how: str) -> None:
    network = start_network("pds", installation=network_installation)
    tree = procfs.descendants(network.pid)
    began = time.monotonic()
    try:
        if how == "sigterm":
            os.kill(network.pid, signal.SIGTERM)
            wait_until_gone(tree, network.run_dir)
        network.close()  # closes stdin first, and escalates only after 40 s
        assert time.monotonic() - began < 30
        assert network.returncode == 0, network.log_tail()
        wait_until_gone(tree, network.run_dir)
    finally:
        network.close()


def test_sweep_removes_only_run_folders_whose_launcher_is_gone() -> None:
    # A launcher killed with SIGKILL cannot remove its folder; the next start sweeps it.
    dead_pid = subprocess.Popen(["true"])
    dead_pid.wait(10)
    stale = Path(tempfile.mkdtemp(prefix=f"{RUN_DIR_PREFIX}test-"))
    live = Path(tempfile.mkdtemp(prefix=f"{RUN_DIR_PREFIX}test-"))
    try:
        (stale / "launcher.pid").write_text(str(dead_pid.pid))
        (live / "launcher.pid").write_text(str(os.getpid()))
        old = time.time() - 3600
        for folder in (stale, live):
            os.utime(folder, (old, old))
        removed = sweep_stale_run_dirs()
        assert stale in removed
        assert not stale.exists()
        assert live.exists()
    finally:
        shutil.rmtree(stale, ignore_errors=True)
        shutil.rmtree(live, ignore_errors=True)
