"""Command line for the reference network.

    python -m tests.network install [--force]     # what CI runs before pytest
    python -m tests.network start [--full] [--port-base N] [--json] [--max-hours H]

``start`` runs a network until Ctrl-C (or SIGTERM, or --max-hours), printing its URLs; with the
default --port-base 2582, PLC, PDS, AppView, Postgres and Ozone listen on 2582, 2583, 2584, 2585
and 2587 (127.0.0.1). --port-base 0 picks free ports. --json prints one JSON line instead.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from types import FrameType

from tests.network.harness import (
    Network,
    NetworkError,
    NetworkUnavailable,
    ensure_installed,
    start_network,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.network", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    install = commands.add_parser("install", help="install (or reuse) the pinned servers")
    install.add_argument("--force", action="store_true", help="reinstall even when cached")
    start = commands.add_parser("start", help="run a network until Ctrl-C")
    start.add_argument("--full", action="store_true", help="add AppView + Ozone (Postgres)")
    start.add_argument("--port-base", type=int, default=2582, help="0 picks free ports")
    start.add_argument("--json", action="store_true", help="print one JSON line when ready")
    start.add_argument("--max-hours", type=float, default=12.0, help="stop after this long")
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            found = ensure_installed(force=args.force)
            action = "installed" if found.fresh else "reusing cached install"
            print(f"{action} at {found.root} ({found.seconds:.1f} s)")
            return 0
        return run(args.full, args.port_base, args.json, args.max_hours)
    except (NetworkError, NetworkUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(full: bool, port_base: int, as_json: bool, max_hours: float) -> int:
    signal.signal(signal.SIGTERM, _stop)
    network = start_network("full" if full else "pds", port_base=port_base)
    with network:
        describe(network, as_json)
        deadline = time.monotonic() + max_hours * 3600
        try:
            while network.alive and time.monotonic() < deadline:
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("stopping...", file=sys.stderr, flush=True)
        if not network.alive:
            print(f"the launcher exited; log: {network.log_path}", file=sys.stderr)
            return 1
    return 0


def describe(network: Network, as_json: bool) -> None:
    if as_json:
        info = {**network.info, "runDir": str(network.run_dir), "log": str(network.log_path)}
        print(json.dumps(info), flush=True)
        return
    rows = [
        ("PLC directory", network.plc_url),
        ("PDS", f"{network.pds_url}  ({network.pds_did})"),
        ("AppView", network.appview_url),
        ("Ozone", network.ozone_url),
        ("Postgres", network.postgres_url),
        ("admin", f"{network.admin_username} / {network.admin_password}"),
        ("log", str(network.log_path)),
    ]
    print(f"{network.kind} network ready in {network.startup_seconds:.1f} s:")
    for name, value in rows:
        if value:
            print(f"  {name:14} {value}")
    print("handles must end in .test; Ctrl-C stops everything", flush=True)


if __name__ == "__main__":
    sys.exit(main())
