"""XRPC under faults: a misbehaving local server and injected transport failures.

Every case ends in the documented error or a successful retry, within a bounded time.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from skykit import Client
from skykit.client import AsyncClient
from skykit.xrpc import (
    AuthRequiredError,
    BadRequestError,
    CallOptions,
    InvalidResponseError,
    NetworkError,
    RateLimitedError,
    TimeoutError,
    UpstreamError,
)
from skykit.xrpc._flow import RetryPolicy

FAST = RetryPolicy(max_retries=3, base_delay=0.001, max_delay=2.0, total_timeout=10.0)
SERVICE = "http://127.0.0.1:9"  # never contacted: the mock transport answers


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=payload, headers=headers)


class Script:
    """A mock transport answering from a list, recording what it was asked."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def _client(script: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> Client:
    http = httpx.Client(transport=httpx.MockTransport(script))
    return Client(SERVICE, http=http, retry=kwargs.pop("retry", FAST), **kwargs)


DESCRIBE = {"did": "did:web:pds.test", "availableUserDomains": [".test"]}


def describe(client: Client) -> Any:
    return client.com.atproto.server.describe_server()


def test_a_503_burst_is_retried_then_succeeds() -> None:
    script = Script(
        _json(503, {"error": "Unavailable"}),
        _json(503, {"error": "Unavailable"}),
        _json(200, DESCRIBE),
    )
    assert describe(_client(script)).did == "did:web:pds.test"
    assert len(script.requests) == 3


def test_5xx_that_never_ends_gives_upstream_error_after_the_retry_budget() -> None:
    script = Script(_json(502, {"error": "BadGateway", "message": "upstream down"}))
    with pytest.raises(UpstreamError, match="upstream down") as caught:
        describe(_client(script))
    assert caught.value.status == 502
    assert len(script.requests) == 4  # the first try and three retries


def test_429_waits_for_the_reset_then_succeeds() -> None:
    reset = {"retry-after": "0", "ratelimit-limit": "10", "ratelimit-remaining": "0"}
    script = Script(_json(429, {"error": "RateLimitExceeded"}, reset), _json(200, DESCRIBE))
    client = _client(script)
    describe(client)
    assert len(script.requests) == 2


def test_429_beyond_the_wait_budget_raises_with_the_reset_time() -> None:
    reset_at = int(time.time()) + 3600
    headers = {
        "ratelimit-limit": "10",
        "ratelimit-remaining": "0",
        "ratelimit-reset": str(reset_at),
    }
    script = Script(_json(429, {"error": "RateLimitExceeded", "message": "slow down"}, headers))
    client = _client(script)
    with pytest.raises(RateLimitedError) as caught:
        describe(client)
    assert caught.value.reset_at == reset_at
    assert len(script.requests) == 1  # an hour is beyond max_delay: no pointless wait
    assert client.rate_limit is not None
    assert client.rate_limit.remaining == 0


def test_procedures_are_not_retried_on_5xx() -> None:
    script = Script(_json(500, {"error": "InternalServerError"}), _json(200, {}))
    client = _client(script)
    client.resume_session(_session())
    with pytest.raises(UpstreamError):
        client.com.atproto.repo.delete_record(repo="did:plc:abc", collection="a.b.c", rkey="x")
    assert len(script.requests) == 1


def test_procedures_are_retried_when_the_connection_was_never_made() -> None:
    script = Script(httpx.ConnectError("refused"), _json(200, {}))
    client = _client(script)
    client.resume_session(_session())
    client.com.atproto.repo.delete_record(repo="did:plc:abc", collection="a.b.c", rkey="x")
    assert len(script.requests) == 2


def test_malformed_json_is_an_invalid_response() -> None:
    script = Script(
        httpx.Response(200, content=b'{"did": ', headers={"content-type": "application/json"})
    )
    with pytest.raises(InvalidResponseError, match="malformed JSON"):
        describe(_client(script))


def test_an_html_error_page_is_reported_with_its_status() -> None:
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    script = Script(httpx.Response(400, content=page, headers={"content-type": "text/html"}))
    with pytest.raises(BadRequestError, match="502 Bad Gateway") as caught:
        describe(_client(script))
    assert caught.value.error is None


def test_an_html_success_page_is_not_taken_for_json() -> None:
    script = Script(
        httpx.Response(200, content=b"<html></html>", headers={"content-type": "text/html"})
    )
    with pytest.raises(InvalidResponseError, match="expected JSON"):
        describe(_client(script))


def test_a_response_of_the_wrong_shape_is_an_invalid_response() -> None:
    script = Script(_json(200, {"did": 42}))
    with pytest.raises(InvalidResponseError, match="does not match the lexicon"):
        describe(_client(script))


def test_an_oversize_body_is_refused() -> None:
    script = Script(
        httpx.Response(200, content=b"x" * 5000, headers={"content-type": "application/json"})
    )
    with pytest.raises(InvalidResponseError, match="limit"):
        describe(_client(script, max_response_bytes=1000))


def test_a_network_error_on_a_query_is_retried_then_reported() -> None:
    script = Script(httpx.ReadError("connection reset by peer"))
    with pytest.raises(NetworkError, match="reset"):
        describe(_client(script))
    assert len(script.requests) == 4


# -- a real socket server that misbehaves ----------------------------------------------


@contextmanager
def misbehaving_server(behaviour: Callable[[socket.socket], None]) -> Iterator[str]:
    """A loopback TCP server running ``behaviour`` on each connection (at most 20)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        for _ in range(20):
            if stop.is_set():
                return
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    conn.recv(65536)
                    behaviour(conn)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)


def _stall(conn: socket.socket) -> None:
    time.sleep(1.5)  # never answers within the client's timeout


def _reset_mid_body(conn: socket.socket) -> None:
    body = json.dumps(DESCRIBE).encode()
    head = (
        f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    conn.sendall(head.encode() + body[:10])
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def test_a_read_timeout_is_a_timeout_error_after_retries() -> None:
    with misbehaving_server(_stall) as url:
        client = Client(url, timeout=0.2, retry=RetryPolicy(max_retries=1, base_delay=0.001))
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            describe(client)
        assert time.monotonic() - started < 5


def test_a_connection_reset_mid_body_is_a_network_error() -> None:
    with misbehaving_server(_reset_mid_body) as url:
        client = Client(url, timeout=2, retry=RetryPolicy(max_retries=1, base_delay=0.001))
        with pytest.raises(NetworkError):
            describe(client)


def test_a_connection_refused_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = Client(f"http://127.0.0.1:{port}", timeout=1, retry=FAST)
    with pytest.raises(NetworkError):
        describe(client)


# -- async, on both backends -------------------------------------------------------


@pytest.mark.anyio
async def test_async_retries_and_errors() -> None:
    script = Script(_json(503, {}), _json(200, DESCRIBE))
    http = httpx.AsyncClient(transport=httpx.MockTransport(script))
    async with AsyncClient(SERVICE, http=http, retry=FAST) as client:
        assert (await client.com.atproto.server.describe_server()).did == "did:web:pds.test"
    script = Script(
        httpx.Response(200, content=b"nope", headers={"content-type": "application/json"})
    )
    http = httpx.AsyncClient(transport=httpx.MockTransport(script))
    async with AsyncClient(SERVICE, http=http, retry=FAST) as client:
        with pytest.raises(InvalidResponseError):
            await client.com.atproto.server.describe_server()


@pytest.mark.anyio
async def test_async_read_timeout() -> None:
    with misbehaving_server(_stall) as url:
        async with AsyncClient(url, timeout=0.2, retry=RetryPolicy(max_retries=0)) as client:
            with pytest.raises(TimeoutError):
                await client.com.atproto.server.describe_server()


def _session() -> dict[str, Any]:
    return {
        "did": "did:plc:abc",
        "handle": "abc.test",
        "service": SERVICE,
        "accessJwt": "access-token-secret",
        "refreshJwt": "refresh-token-secret",
    }


def test_tokens_never_show_in_repr_or_errors() -> None:
    script = Script(_json(401, {"error": "AuthRequired", "message": "Bad token"}))
    client = _client(script)
    session = client.resume_session(_session())
    with pytest.raises(AuthRequiredError) as caught:
        client.com.atproto.repo.delete_record(repo="did:plc:abc", collection="a.b.c", rkey="x")
    for text in (repr(client), repr(session), str(caught.value), repr(caught.value)):
        assert "token-secret" not in text
    assert script.requests[0].headers["authorization"] == "Bearer access-token-secret"


def test_query_parameters_follow_the_xrpc_encoding() -> None:
    script = Script(_json(200, {"posts": []}))
    client = _client(script)
    client.app.bsky.feed.get_posts(uris=["at://a/b/c", "at://d/e/f"])
    assert script.requests[0].url.query == b"uris=at%3A%2F%2Fa%2Fb%2Fc&uris=at%3A%2F%2Fd%2Fe%2Ff"
    assert script.requests[0].headers["user-agent"].startswith("skykit/")
    from skykit.xrpc._flow import encode_params

    assert encode_params({"a": True, "b": False, "n": 5, "skip": None, "l": [1, 2]}) == [
        ("a", "true"),
        ("b", "false"),
        ("n", "5"),
        ("l", "1"),
        ("l", "2"),
    ]


def test_headers_per_client_and_per_call() -> None:
    script = Script(_json(200, DESCRIBE))
    client = _client(script, labelers=("did:plc:labeler",))
    chat = client.with_options(proxy="did:web:api.bsky.chat#bsky_chat")
    chat.com.atproto.server.describe_server()
    describe(client)
    client.com.atproto.server.describe_server(options=CallOptions(headers={"x-trace": "1"}))
    first, second, third = script.requests
    assert first.headers["atproto-proxy"] == "did:web:api.bsky.chat#bsky_chat"
    assert first.headers["atproto-accept-labelers"] == "did:plc:labeler"
    assert "atproto-proxy" not in second.headers
    assert third.headers["x-trace"] == "1"
    assert chat._http is client._http  # derived clients share the connection pool
