"""The firehose client against the reference PDS: order, resume after a cut, errors."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

import anyio
import pytest

from skykit.client import Client
from skykit.firehose import (
    AsyncFirehose,
    CommitEvent,
    Firehose,
    FutureCursorError,
    StalledStreamError,
    StreamPolicy,
)
from tests.network.harness import Network
from tests.tcp_proxy import tcp_proxy

POLICY = StreamPolicy(receive_timeout=5, max_failures=5, base_delay=0.05, max_delay=0.2)


def _port(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


def _write_posts(network: Network, count: int) -> tuple[str, list[str]]:
    account = network.create_account("fire")
    client = Client(network.pds_url)
    client.login(account.handle, account.password)
    uris = [client.post(f"post {i}").uri for i in range(count)]
    return account.did, uris


def test_records_arrive_in_order_and_a_cut_stream_resumes_without_gaps(
    pds_network: Network,
) -> None:
    did, uris = _write_posts(pds_network, 20)
    seen: list[int] = []
    mine: list[str] = []
    with tcp_proxy(_port(pds_network.pds_url)) as proxy:
        firehose = Firehose(f"ws://127.0.0.1:{proxy.port}", cursor=0, policy=POLICY)
        deadline = time.monotonic() + 60
        for event in firehose:
            assert event.seq is not None
            seen.append(event.seq)
            if isinstance(event, CommitEvent) and event.repo == did:
                mine += [f"at://{did}/{op.path}" for op in event.ops if op.action == "create"]
                if len(mine) == 10:
                    proxy.cut()  # mid-stream: the client must resume after event 10
            if len(mine) == len(uris) or time.monotonic() > deadline:
                firehose.close()
    assert mine == uris
    assert seen == list(range(seen[0], seen[0] + len(seen)))  # no gap, no repeat
    assert firehose.cursor == seen[-1]  # the loop finished with every event it got


def test_a_future_cursor_is_a_typed_error(pds_network: Network) -> None:
    with pytest.raises(FutureCursorError):
        for _ in Firehose(pds_network.pds_url.replace("http", "ws"), cursor=10**12, policy=POLICY):
            pass


def test_a_stalled_connection_is_detected(pds_network: Network) -> None:
    policy = StreamPolicy(receive_timeout=0.3, max_failures=2, base_delay=0.01, max_delay=0.02)
    with tcp_proxy(_port(pds_network.pds_url)) as proxy:
        proxy.stalled = True
        started = time.monotonic()
        with pytest.raises(StalledStreamError):
            for _ in Firehose(f"ws://127.0.0.1:{proxy.port}", policy=policy):
                pass
        assert time.monotonic() - started < 5  # 3 tries of 0.3 s, not httpx's defaults


@pytest.mark.anyio
async def test_async_firehose_sees_new_records(pds_network: Network) -> None:
    did, uris = await anyio.to_thread.run_sync(_write_posts, pds_network, 3)
    found: list[str] = []
    url = pds_network.pds_url.replace("http", "ws")
    with anyio.fail_after(60):
        async with AsyncFirehose(url, cursor=0, policy=POLICY) as firehose:
            async for event in firehose:
                if isinstance(event, CommitEvent) and event.repo == did:
                    found += [f"at://{did}/{op.path}" for op in event.ops]
                    assert all(op.record is not None for op in event.ops)
                if len(found) == len(uris):
                    break
    assert found == uris
    async with AsyncFirehose(url, cursor=10**12, policy=POLICY) as future:
        with pytest.raises(FutureCursorError):
            await future.__anext__()


def test_the_firehose_command_prints_json_lines(pds_network: Network) -> None:
    import json
    import signal
    import subprocess
    import sys

    did, uris = _write_posts(pds_network, 2)
    url = pds_network.pds_url.replace("http", "ws")
    command = [sys.executable, "-m", "skykit", "firehose", url, "--cursor", "0"]
    command += ["--collection", "app.bsky.feed.post"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    watchdog = threading.Timer(60, process.kill)  # reading stdout must not wait forever
    watchdog.start()
    found = []
    try:
        for line in process.stdout:  # the process is killed below if this goes wrong
            event = json.loads(line)
            assert event["commit"]["collection"] == "app.bsky.feed.post"
            if event["did"] == did:
                found.append(f"at://{did}/app.bsky.feed.post/{event['commit']['rkey']}")
            if len(found) == len(uris):
                break
        process.send_signal(signal.SIGINT)  # Ctrl-C: a summary, and a clean exit
        _, errors = process.communicate(timeout=30)
    finally:
        watchdog.cancel()
        process.kill()
    assert found == uris
    assert process.returncode == 0
    assert "events" in errors
    assert "cursor" in errors
