"""The runnable examples run, offline, and print what they promise."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from skykit.client import Client
from tests.corpora import ROOT
from tests.dns_server import DnsServer
from tests.network.harness import Account, Network


def test_hello_data_example_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "hello_data.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "CID          bafyrei" in result.stdout
    assert "valid: True" in result.stdout


def _run_example(name: str, env: dict[str, str], *args: str) -> str:
    import os

    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _login_env(network: Network, prefix: str) -> tuple[dict[str, str], Account]:
    account = network.create_account(prefix)
    env = {
        "SKYKIT_SERVICE": network.pds_url,
        "SKYKIT_HANDLE": account.handle,
        "SKYKIT_PASSWORD": account.password,
    }
    return env, account


def test_echo_bot_answers_a_mention(full_network: Network) -> None:
    bot_env, bot = _login_env(full_network, "echobot")
    fan = Client(full_network.pds_url)
    user = full_network.create_account("fan")
    fan.login(user.handle, user.password)
    mention = fan.post(f"hey @{bot.handle} say something")
    full_network.process_all()
    out = _run_example("echo_bot.py", bot_env, "--polls", "1", "--interval", "0")
    assert "answered 1 mention(s)" in out
    full_network.process_all()
    thread = fan.get_post_thread(mention.uri).thread
    replies = [r.post.record.text for r in thread.replies]
    assert replies == [f"echo: hey @{bot.handle} say something"]


def test_codegen_example_writes_and_reads_a_custom_record(pds_network: Network) -> None:
    env, _ = _login_env(pds_network, "bookmarks")
    out = _run_example("codegen_bookmarks.py", env)
    assert "('read later', via 'atproto')" in out
    created, computed = (
        out.strip().splitlines()[-1].removeprefix("record CID ").split(", computed locally ")
    )
    assert created == computed


def test_firehose_watcher_prints_new_posts(pds_network: Network) -> None:
    account = pds_network.create_account("watched")
    client = Client(pds_network.pds_url)
    client.login(account.handle, account.password)
    for text in ("first 🌱", "second"):
        client.post(text)
    url = pds_network.pds_url.replace("http", "ws")
    args = ("--cursor", "0", "--repo", account.did, "--limit", "2")
    lines = _run_example("firehose_watcher.py", {}, url, *args).splitlines()
    assert [line.split(": ", 1)[1] for line in lines[:2]] == ["first 🌱", "second"]
    assert lines[2].startswith("resume with --cursor ")


def test_export_repo_writes_json_lines(pds_network: Network, tmp_path: Path) -> None:
    account = pds_network.create_account("exported")
    client = Client(pds_network.pds_url)
    client.login(account.handle, account.password)
    uris = [client.post(f"export me {i}").uri for i in range(3)]
    client.like(uris[0])
    with DnsServer() as dns:  # handle lookups stay on loopback: NXDOMAIN, then HTTPS
        env = {
            "SKYKIT_PLC": pds_network.plc_url,
            "SKYKIT_HANDLE_BASE": pds_network.pds_url.replace("//localhost:", "//127.0.0.1:"),
            "SKYKIT_DNS": f"127.0.0.1:{dns.port}",
        }
        out = _run_example("export_repo.py", env, account.handle, "--out", str(tmp_path))
        assert dns.queried(f"_atproto.{account.handle}") == 1
    assert out.splitlines() == ["app.bsky.feed.like\t1", "app.bsky.feed.post\t3"]
    lines = [json.loads(line) for line in (tmp_path / "app.bsky.feed.post.jsonl").open()]
    assert sorted(line["uri"] for line in lines) == sorted(uris)
    assert all(line["value"]["$type"] == "app.bsky.feed.post" for line in lines)
