"""``skykit login``: sign in with OAuth from the terminal.

The command is a public loopback client (``http://localhost`` client id): it serves the
redirect on 127.0.0.1, opens the browser at the authorization page (or prints the URL with
``--no-browser``), waits for the callback, and stores the session (tokens and DPoP key) in
a SQLite file readable only by you.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_SCOPE = "atproto transition:generic"
DEFAULT_TIMEOUT = 300.0  # seconds the user has to sign in

OpenBrowser = Callable[[str], Any]


def default_store() -> Path:
    """``$SKYKIT_OAUTH_STORE``, else ``oauth-sessions.sqlite`` in the user's config folder."""
    chosen = os.environ.get("SKYKIT_OAUTH_STORE")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "skykit" / "oauth-sessions.sqlite"


def add_login_command(
    commands: argparse._SubParsersAction[Any], *, open_browser: OpenBrowser | None = None
) -> argparse.ArgumentParser:
    """Add ``login`` to a ``skykit`` argument parser. ``open_browser`` replaces
    ``webbrowser.open`` (tests drive the user's part over plain HTTP with it)."""
    login: argparse.ArgumentParser = commands.add_parser(
        "login",
        help="sign in with OAuth (opens your browser)",
        description=(
            "Sign in to your PDS with OAuth: the browser opens at your server's sign-in page "
            "and comes back to a one-shot server on 127.0.0.1. The session is stored in a "
            "SQLite file readable only by you."
        ),
    )
    login.add_argument("account", help="your handle or DID, or your PDS/entryway URL")
    login.add_argument("--scope", default=DEFAULT_SCOPE, help=f"scopes (default {DEFAULT_SCOPE!r})")
    login.add_argument("--store", type=Path, default=None, help="session store (SQLite file)")
    login.add_argument(
        "--no-browser", action="store_true", help="print the URL instead of opening a browser"
    )
    login.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds to wait for the browser"
    )
    login.add_argument("--plc-url", default=None, help="PLC directory (development)")
    login.add_argument(
        "--dev",
        action="store_true",
        help="development only: accept http servers and identity lookups on loopback",
    )
    # Development networks only (see ResolverConfig): where handles and DNS are looked up.
    login.add_argument("--handle-base-url", default=None, help=argparse.SUPPRESS)
    login.add_argument("--dns-server", type=_host_port, default=None, help=argparse.SUPPRESS)
    login.set_defaults(run=lambda args: run_login(args, open_browser=open_browser))
    return login


def _host_port(text: str) -> tuple[str, int]:
    host, _, port = text.partition(":")
    if not host or not (port or "53").isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST[:PORT], got {text!r}")
    return host, int(port or 53)


def _print_url(url: str) -> None:
    print(f"Open this URL in your browser to sign in:\n{url}", flush=True)


def run_login(args: argparse.Namespace, *, open_browser: OpenBrowser | None = None) -> int:
    import webbrowser

    from skykit.identity import Resolver, ResolverConfig
    from skykit.oauth._client import OAuthClient
    from skykit.oauth._client_metadata import ClientMetadata
    from skykit.oauth._loopback import login_with_browser
    from skykit.oauth._stores import SQLiteSessionStore

    store_path: Path = args.store or default_store()
    store_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    config: dict[str, Any] = {}
    if args.plc_url:
        config["plc_url"] = args.plc_url
    if args.dev:
        config["allow_loopback"] = True
        if args.handle_base_url:
            config["handle_base_url"] = args.handle_base_url
        if args.dns_server:
            config["dns_nameservers"] = (args.dns_server[0],)
            config["dns_port"] = args.dns_server[1]
    metadata = ClientMetadata.loopback(["http://127.0.0.1/callback"], scope=args.scope)
    opener: OpenBrowser = _print_url if args.no_browser else (open_browser or webbrowser.open)
    with (
        Resolver(config=ResolverConfig(**config)) as resolver,
        OAuthClient(
            metadata,
            session_store=SQLiteSessionStore(store_path),
            resolver=resolver,
            allow_loopback_http=args.dev,
        ) as oauth,
    ):
        if not args.no_browser:
            print("Opening your browser to sign in...", file=sys.stderr, flush=True)
        session = login_with_browser(
            oauth, args.account, scope=args.scope, open_browser=opener, timeout=args.timeout
        )
    print(f"Signed in as {session.handle} ({session.did}) on {session.service}")
    print(f"Session stored in {store_path}")
    return 0
