"""Every Python snippet in the README and the docs runs, against the reference network
where it needs a server; the site builds in strict mode."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.corpora import ROOT
from tests.dns_server import DnsServer
from tests.network.harness import Network

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
SNIPPET = re.compile(r"```python\n(.*?)```", re.DOTALL)
NEEDS_NETWORK = ("https://bsky.social", "wss://bsky.network", "ResolverConfig()")


def _snippets(page: Path) -> list[str]:
    return SNIPPET.findall(page.read_text(encoding="utf-8"))


# The user's part of an OAuth sign-in, for pages that open a browser: signing in and
# consenting over plain HTTP, then the browser's redirect to the app's loopback server.
SIGN_IN = """
import threading as _threading

import httpx as _httpx

from tests.network.oauth_consent import approve as _approve


def _sign_in(url):
    def user():
        _httpx.get(_approve(url, {handle!r}, {password!r}), timeout=30)

    _threading.Thread(target=user, daemon=True).start()
"""


def _run(page: Path, substitutions: dict[str, str], tmp_path: Path, prelude: str = "") -> None:
    code = prelude + "\n\n".join(_snippets(page))
    for placeholder, value in substitutions.items():
        code = code.replace(placeholder, value)
    script = tmp_path / f"{page.stem}.py"
    script.write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, f"{page}:\n{result.stdout}\n{result.stderr}"


OFFLINE = [p for p in PAGES if _snippets(p) and not any(n in p.read_text() for n in NEEDS_NETWORK)]
ONLINE = [p for p in PAGES if _snippets(p) and any(n in p.read_text() for n in NEEDS_NETWORK)]


@pytest.mark.parametrize("page", OFFLINE, ids=[str(p.relative_to(ROOT)) for p in OFFLINE])
def test_offline_snippets_run(page: Path, tmp_path: Path) -> None:
    _run(page, {}, tmp_path)


@pytest.fixture(scope="module")
def dns() -> Iterator[DnsServer]:
    """Handle lookups go to this loopback server (NXDOMAIN), never to the machine's DNS."""
    with DnsServer() as server:
        yield server


@pytest.mark.parametrize("page", ONLINE, ids=[str(p.relative_to(ROOT)) for p in ONLINE])
def test_snippets_run_against_the_reference_network(
    page: Path, full_network: Network, dns: DnsServer, tmp_path: Path
) -> None:
    alice = full_network.create_account("alice")
    bob = full_network.create_account("bob")
    substitutions = {
        "https://bsky.social": full_network.pds_url,
        "wss://bsky.network": full_network.pds_url.replace("http", "ws"),
        "alice.example.com": alice.handle,
        "bob.example.com": bob.handle,
        "bot.example.com": alice.handle,
        "app-password": alice.password,
        "open_browser=webbrowser.open": "open_browser=_sign_in",
        "OAuthClient(metadata,": "OAuthClient(metadata, allow_loopback_http=True,",
        # the reference network runs on loopback: resolution must be allowed to go there
        "ResolverConfig()": (
            f"ResolverConfig(plc_url={full_network.plc_url!r}, allow_loopback=True,"
            f" handle_base_url={full_network.pds_url.replace('//localhost:', '//127.0.0.1:')!r},"
            f" dns_nameservers=('127.0.0.1',), dns_port={dns.port})"
        ),
    }
    prelude = SIGN_IN.format(handle=alice.handle, password=alice.password)
    _run(page, substitutions, tmp_path, prelude if "webbrowser.open" in page.read_text() else "")


def test_the_docs_site_builds_strictly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "reference" / "client" / "index.html").exists()
