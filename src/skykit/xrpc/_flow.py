"""The logic of an XRPC call, free of I/O, shared by the sync and async clients.

A call is a generator that yields what it needs done: ``Send`` a request, ``Sleep``
before a retry, ``Refresh`` the session. The sync client runs it with ``httpx.Client`` and
``time.sleep``; the async client with ``httpx.AsyncClient`` and ``anyio.sleep``. Building
requests, reading responses, deciding retries and refreshing sessions happen here, once.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from skykit.xrpc._auth import Authenticator
from skykit.xrpc._calls import CallOptions, ErrorMap
from skykit.xrpc._errors import (
    AuthRequiredError,
    InvalidResponseError,
    NetworkError,
    TimeoutError,
    XrpcError,
    error_class_for_status,
)
from skykit.xrpc._ratelimit import RateLimit, retry_after
from skykit.xrpc._session import Session, SessionError

if TYPE_CHECKING:
    import httpx  # imported where a request is sent: `import skykit` does not pay for it

USER_AGENT = "skykit/0.1 (+https://github.com/skykit; Python httpx)"
JSON = "application/json"

Expect = Literal["json", "bytes", "stream"]
Auth = Literal["access", "refresh", "none"]


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to retry.

    Queries retry on connection failures, timeouts, 408, 429 and 5xx; procedures only when
    the request provably never reached the handler (the connection was never made, or a
    429 rate-limit rejection). Waits grow exponentially with full jitter, honour
    ``Retry-After``/``ratelimit-reset`` up to ``max_delay``, and stop after ``max_retries``
    retries or ``total_timeout`` seconds, whichever comes first.
    """

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 30.0
    total_timeout: float = 60.0

    def backoff(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


NO_RETRIES = RetryPolicy(max_retries=0)


@dataclass(frozen=True)
class Call:
    """One XRPC call to make."""

    method: str
    nsid: str
    params: Mapping[str, Any] = field(default_factory=dict)
    body: Any = None  # JSON-ready object, or a binary Body
    encoding: str | None = None
    errors: ErrorMap = field(default_factory=dict)
    options: CallOptions | None = None
    expect: Expect = "json"
    auth: Auth = "access"


@dataclass(frozen=True)
class Send:
    """An HTTP request for the driver to send (it adapts ``content`` to its client)."""

    method: str
    url: str
    params: tuple[tuple[str, str], ...]
    headers: dict[str, str]
    content: Any  # bytes, a file object or an iterator of chunks, or None
    timeout: float | None  # None: the client's default
    stream: bool  # hand back the open response (for a 2xx of a streamed call)


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Refresh:
    generation: int  # the session generation whose access token expired


@dataclass
class HttpResult:
    """What the driver got back: a response (body read unless streaming), or a failure."""

    status: int = 0
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes = b""
    response: httpx.Response | None = None  # open, for a 2xx streamed call
    failure: Exception | None = None


Action = Send | Sleep | Refresh


class SessionBox:
    """The session shared by a client and every client derived from it.

    ``generation`` changes whenever the session does, so concurrent calls that all saw
    the same access token expire can tell whether another call already refreshed it.
    """

    def __init__(self) -> None:
        self.session: Authenticator | None = None
        self.generation = 0
        self.rate_limit: RateLimit | None = None
        self.listeners: list[Callable[[Authenticator | None], None]] = []

    def set(self, session: Authenticator | None) -> None:
        self.session = session
        self.generation += 1
        for listener in self.listeners:
            listener(session)


@dataclass(frozen=True)
class State:
    """What a client knows between calls: where to send them, as whom, and how."""

    service: str
    box: SessionBox = field(default_factory=SessionBox)
    headers: Mapping[str, str] = field(default_factory=dict)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_response_bytes: int = 32 * 1024 * 1024
    proxy: str | None = None
    labelers: tuple[str, ...] | None = None

    @property
    def base_url(self) -> str:
        session = self.box.session
        return session.service if session is not None else self.service.rstrip("/")


def encode_params(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Query parameters as the XRPC spec writes them: arrays repeat the key, booleans are
    ``true``/``false``."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, bool):
                pairs.append((key, "true" if item else "false"))
            else:
                pairs.append((key, str(item)))
    return pairs


def build_request(state: State, call: Call) -> Send:
    headers = {"User-Agent": USER_AGENT, **state.headers}
    options = call.options or CallOptions()
    proxy = options.proxy or state.proxy
    if proxy:
        headers["atproto-proxy"] = proxy
    labelers = options.labelers if options.labelers is not None else state.labelers
    if labelers:
        headers["atproto-accept-labelers"] = ", ".join(labelers)
    headers.update(options.headers)
    content: Any = None
    if call.body is not None:
        if call.encoding == JSON:
            content = json.dumps(call.body, ensure_ascii=False, separators=(",", ":")).encode()
        else:
            content = call.body
        headers["Content-Type"] = call.encoding or "application/octet-stream"
    send = Send(
        call.method,
        f"{state.base_url}/xrpc/{call.nsid}",
        tuple(encode_params(call.params)),
        headers,
        content,
        options.timeout,
        call.expect == "stream",
    )
    session = state.box.session
    if session is not None and call.auth != "none":
        send = session.authorize(send, call.auth)
    return send


def _failure_error(exc: Exception, nsid: str) -> XrpcError:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return TimeoutError(f"timed out: {type(exc).__name__}", nsid=nsid)
    return NetworkError(f"{type(exc).__name__}: {exc}", nsid=nsid)


def _never_sent(exc: Exception) -> bool:
    """Whether a failure proves the request never reached the server."""
    import httpx

    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def _error_body(content: bytes) -> tuple[str | None, str]:
    try:
        payload = json.loads(content)
    except ValueError:
        return None, ""
    if not isinstance(payload, dict):
        return None, ""
    name = payload.get("error")
    message = payload.get("message")
    return (name if isinstance(name, str) else None), (message if isinstance(message, str) else "")


def error_for(result: HttpResult, call: Call) -> XrpcError:
    """The exception for a non-2xx response: the lexicon's own class when it names one."""
    name, message = _error_body(result.content)
    if name is None and not message:
        snippet = result.content[:200].decode("utf-8", "replace").strip()
        kind = result.headers.get("content-type", "unknown content")
        message = f"non-XRPC error body ({kind}): {snippet!r}" if snippet else "empty body"
    cls = call.errors.get(name) if name is not None else None
    if cls is None:
        cls = error_class_for_status(result.status)
    return cls(message, status=result.status, error=name, headers=result.headers, nsid=call.nsid)


def _decode_json(result: HttpResult, call: Call) -> Any:
    if not result.content:
        return None
    kind = result.headers.get("content-type", "")
    if not kind.startswith(JSON):
        raise InvalidResponseError(
            f"expected JSON, got {kind or 'no content type'}",
            status=result.status,
            headers=result.headers,
            nsid=call.nsid,
        )
    try:
        return json.loads(result.content)
    except ValueError as exc:
        raise InvalidResponseError(
            f"malformed JSON: {exc}", status=result.status, headers=result.headers, nsid=call.nsid
        ) from None


def _retryable(call: Call, result: HttpResult, error: XrpcError | None) -> bool:
    idempotent = call.method == "GET"
    if result.failure is not None:
        return idempotent or _never_sent(result.failure)
    if result.status == 429:
        return True
    return idempotent and (result.status == 408 or result.status >= 500)


def error_name(result: HttpResult) -> str | None:
    """The XRPC ``error`` of a response body, if it has one."""
    return _error_body(result.content)[0]


def run_call(state: State, call: Call) -> Generator[Action, Any, Any]:
    """The whole call: send, retry, refresh once if the access token expired, decode.

    Returns the decoded JSON (``expect="json"``), the body (``"bytes"``) or the open
    response (``"stream"``).
    """
    options = call.options or CallOptions()
    retries = options.retries if options.retries is not None else state.retry.max_retries
    deadline = time.monotonic() + state.retry.total_timeout
    refreshed = resent = False
    can_resend = call.body is None or isinstance(call.body, bytes | dict | list)
    attempt = 0
    while True:
        generation = state.box.generation
        result: HttpResult = yield build_request(state, call)
        if result.failure is None:
            rate_limit = RateLimit.from_headers(result.headers)
            if rate_limit is not None:
                state.box.rate_limit = rate_limit
            if 200 <= result.status < 300:
                if call.expect == "stream":
                    return result.response
                if call.expect == "bytes":
                    return result.content
                return _decode_json(result, call)
            session = state.box.session
            if session is not None and call.auth != "none" and can_resend:
                if not resent and session.retry_once(result):
                    resent = True  # e.g. the server asked for a new DPoP nonce
                    continue
                if not refreshed and call.auth == "access" and session.expired(result):
                    refreshed = True
                    yield Refresh(generation)
                    continue
        error = None if result.failure is not None else error_for(result, call)
        wait = None
        if can_resend and attempt < retries and _retryable(call, result, error):
            wait = retry_after(result.headers) if result.failure is None else None
            wait = state.retry.backoff(attempt) if wait is None else wait
            if wait > state.retry.max_delay or time.monotonic() + wait > deadline:
                wait = None
        if wait is None:
            if result.failure is not None:
                raise _failure_error(result.failure, call.nsid) from result.failure
            assert error is not None
            raise error
        attempt += 1
        yield Sleep(wait)


def session_errors() -> ErrorMap:
    from skykit.lex.com.atproto.server import create_session

    return create_session.ERRORS


def login(
    state: State, identifier: str, password: str, auth_factor_token: str | None
) -> Generator[Action, Any, Session]:
    body: dict[str, Any] = {"identifier": identifier, "password": password}
    if auth_factor_token is not None:
        body["authFactorToken"] = auth_factor_token
    call = Call(
        "POST",
        "com.atproto.server.createSession",
        body=body,
        encoding=JSON,
        errors=session_errors(),
        auth="none",
    )
    payload = yield from run_call(state, call)
    if not isinstance(payload, dict):
        raise SessionError("createSession did not answer with a JSON object")
    session = Session.from_response(payload, state.service)
    state.box.set(session)
    return session


def refresh(state: State, generation: int) -> Generator[Action, Any, None]:
    """Refresh the session, unless it changed since ``generation`` (another call did it)."""
    if state.box.generation != generation:
        return
    session = require_session(state)
    renewed = yield from session.refresh(state)
    state.box.set(renewed)


def logout(state: State) -> Generator[Action, Any, None]:
    session = require_session(state)
    try:
        yield from session.revoke(state)
    finally:
        state.box.set(None)


def require_session(state: State) -> Authenticator:
    session = state.box.session
    if session is None:
        raise AuthRequiredError("not logged in: call login() or resume_session() first")
    return session
