"""The OAuth helpers as their users run them, against the reference PDS: ``skykit login`` (in
process with the browser step injected, and as a real subprocess with ``--no-browser``), and
the minimal web-app example, with the user's part driven over plain HTTP."""

from __future__ import annotations

import argparse
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from skykit.oauth import ClientMetadata, OAuthClient, SQLiteSessionStore
from skykit.oauth.cli import add_login_command
from tests.corpora import ROOT
from tests.dns_server import DnsServer
from tests.network.harness import Account, Network
from tests.network.oauth_consent import approve

pytestmark = pytest.mark.network

WAIT = 120.0  # seconds any one step of a subprocess may take


@pytest.fixture(scope="module")
def dns() -> Iterator[DnsServer]:
    with DnsServer() as server:
        yield server


@pytest.fixture
def account(pds_network: Network) -> Account:
    return pds_network.create_account("apps")


def dev_args(network: Network, dns: DnsServer) -> list[str]:
    return [
        "--dev",
        "--plc-url", network.plc_url,
        "--handle-base-url", network.pds_url,
        "--dns-server", f"127.0.0.1:{dns.port}",
    ]  # fmt: skip


def stored_did(store: Path, account: Account) -> str | None:
    value = SQLiteSessionStore(store).get(account.did)
    return None if value is None else str(value["did"])


def test_login_command_with_the_browser_step_injected(
    pds_network: Network,
    dns: DnsServer,
    account: Account,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    opened: list[str] = []

    def browser(url: str) -> None:
        opened.append(url)

        def user() -> None:  # signs in, then "the browser" follows the redirect back
            callback = approve(url, account.handle, account.password)
            httpx.get(callback, trust_env=False, timeout=30.0)

        threading.Thread(target=user, daemon=True).start()

    parser = argparse.ArgumentParser(prog="skykit")
    add_login_command(parser.add_subparsers(dest="command"), open_browser=browser)
    store = tmp_path / "sessions.sqlite"
    args = parser.parse_args(
        [
            "login",
            account.handle,
            "--store",
            str(store),
            "--timeout",
            "60",
            *dev_args(pds_network, dns),
        ]
    )
    assert args.run(args) == 0
    out = capsys.readouterr().out
    assert f"Signed in as {account.handle} ({account.did})" in out
    assert len(opened) == 1
    assert stored_did(store, account) == account.did
    # The stored session works from another process's point of view: a new client on the store.
    metadata = ClientMetadata.loopback(
        ["http://127.0.0.1/callback"], scope="atproto transition:generic"
    )
    with OAuthClient(
        metadata, session_store=SQLiteSessionStore(store), allow_loopback_http=True
    ) as oauth:
        session = oauth.restore(account.did)
        with oauth.client(session) as client:
            assert client.com.atproto.server.get_session().did == account.did
        oauth.revoke(session)


def read_lines(stream: object, into: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)


def test_skykit_login_subprocess_without_a_browser(
    pds_network: Network, dns: DnsServer, account: Account, tmp_path: Path
) -> None:
    store = tmp_path / "cli.sqlite"
    command = [sys.executable, "-m", "skykit", "login", account.did, "--no-browser", "--store", str(store), *dev_args(pds_network, dns)]  # fmt: skip
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    ) as proc:
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=read_lines, args=(proc.stdout, lines), daemon=True).start()
        try:
            url = ""
            for _ in range(10):
                line = lines.get(timeout=WAIT)
                if line.startswith("http"):
                    url = line.strip()
                    break
            assert url, "the command printed no URL"
            callback = approve(url, account.handle, account.password)
            assert callback.startswith("http://127.0.0.1:")
            page = httpx.get(callback, trust_env=False, timeout=30.0)
            assert page.status_code == 200
            assert proc.wait(WAIT) == 0, proc.stderr.read() if proc.stderr else ""
        finally:
            if proc.poll() is None:
                proc.kill()
        rest = []
        while not lines.empty():
            rest.append(lines.get_nowait())
    assert f"({account.did})" in "".join(rest)
    assert stored_did(store, account) == account.did


def test_web_app_example_signs_in_posts_and_signs_out(
    pds_network: Network, dns: DnsServer, account: Account, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "SKYKIT_DEV": "1",
        "SKYKIT_PLC_URL": pds_network.plc_url,
        "SKYKIT_HANDLE_BASE_URL": pds_network.pds_url,
        "SKYKIT_DNS": f"127.0.0.1:{dns.port}",
    }
    command = [sys.executable, str(ROOT / "examples" / "oauth_web_app.py"), "--port", "0", "--store", str(tmp_path / "app.sqlite")]  # fmt: skip
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as proc:
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=read_lines, args=(proc.stdout, lines), daemon=True).start()
        try:
            first = lines.get(timeout=WAIT)
            assert first.startswith("listening on "), first
            base = first.split()[-1]
            with httpx.Client(base_url=base, trust_env=False, timeout=30.0) as browser:
                assert "Sign in" in browser.get("/").text
                login = browser.post("/login", data={"handle": account.handle})
                assert login.status_code == 303
                callback = approve(login.headers["location"], account.handle, account.password)
                assert callback.startswith(f"{base}/oauth/callback?")
                back = browser.get(callback)
                assert back.status_code == 303
                assert "sid" in browser.cookies
                home = browser.get("/").text
                assert f"Signed in as <b>{account.handle}</b>" in home
                assert browser.post("/post", data={"text": "from the web app"}).status_code == 303
                with pds_network.http() as pds:
                    records = pds.get(
                        "/xrpc/com.atproto.repo.listRecords",
                        params={"repo": account.did, "collection": "app.bsky.feed.post"},
                    ).json()["records"]
                assert [r["value"]["text"] for r in records] == ["from the web app"]
                assert browser.post("/logout").status_code == 303
                assert "Sign in" in browser.get("/").text
                bad = browser.get("/oauth/callback?state=forged&iss=x&code=y")
                assert bad.status_code == 400
                assert "unknown, expired or already used" in bad.text
        finally:
            proc.terminate()
            proc.wait(WAIT)
