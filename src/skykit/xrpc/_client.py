"""``XrpcClient``: the sync XRPC client, a driver of ``_flow`` over ``httpx.Client``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from skykit.xrpc import _flow
from skykit.xrpc._auth import Authenticator
from skykit.xrpc._base import DEFAULT_TIMEOUT, ClientBase
from skykit.xrpc._body import BodyCollector, sync_content
from skykit.xrpc._calls import ByteStream, CallOptions, ErrorMap
from skykit.xrpc._errors import NetworkError
from skykit.xrpc._session import Session

if TYPE_CHECKING:
    import httpx


class XrpcClient(ClientBase):
    """A sync XRPC client for one service (a PDS, an AppView, an entryway).

    ``http`` injects your own ``httpx.Client`` (transport, proxies, limits); otherwise one
    is made, and closed with this client. Calls time out after ``timeout`` seconds, retry
    as ``retry`` says, and refresh the session once when its access token expires.
    """

    def __init__(
        self,
        service_url: str,
        *,
        http: httpx.Client | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: _flow.RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        proxy: str | None = None,
        labelers: tuple[str, ...] | None = None,
        max_response_bytes: int = 32 * 1024 * 1024,
        on_session_change: Callable[[Authenticator | None], None] | None = None,
    ) -> None:
        import httpx

        self._init_state(
            service_url,
            retry=retry,
            headers=headers,
            proxy=proxy,
            labelers=labelers,
            max_response_bytes=max_response_bytes,
            on_session_change=on_session_change,
        )
        self._http = http or httpx.Client(timeout=timeout, follow_redirects=False)
        self._owns_http = http is None
        self._refresh_lock = threading.Lock()

    def login(
        self, identifier: str, password: str, *, auth_factor_token: str | None = None
    ) -> Session:
        """Log in with a handle, DID or email and a password (an app password for bots)."""
        session: Session = self._run(
            _flow.login(self._state, identifier, password, auth_factor_token)
        )
        return session

    def refresh_session(self) -> Authenticator:
        self._refresh(self._state.box.generation)
        return _flow.require_session(self._state)

    def logout(self) -> None:
        """End the session on the server and forget it here."""
        self._run(_flow.logout(self._state))

    def _refresh(self, generation: int) -> None:
        with self._refresh_lock:
            self._run(_flow.refresh(self._state, generation))

    # -- the Caller protocol of generated calls --------------------------------------

    def xrpc_json(
        self,
        method: str,
        nsid: str,
        params: Mapping[str, Any],
        body: Any,
        encoding: str | None,
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> Any:
        call = _flow.Call(method, nsid, params, body, encoding, errors, options)
        return self._run(_flow.run_call(self._state, call))

    def xrpc_bytes(
        self, nsid: str, params: Mapping[str, Any], errors: ErrorMap, options: CallOptions | None
    ) -> bytes:
        call = _flow.Call("GET", nsid, params, errors=errors, options=options, expect="bytes")
        result: bytes = self._run(_flow.run_call(self._state, call))
        return result

    def xrpc_stream(
        self, nsid: str, params: Mapping[str, Any], errors: ErrorMap, options: CallOptions | None
    ) -> ByteStream:
        call = _flow.Call("GET", nsid, params, errors=errors, options=options, expect="stream")
        return self._stream(call)

    @contextmanager
    def _stream(self, call: _flow.Call) -> Iterator[Iterator[bytes]]:
        response: httpx.Response = self._run(_flow.run_call(self._state, call))
        try:
            yield _chunks(response, call.nsid)
        finally:
            response.close()

    # -- the driver ---------------------------------------------------------------------

    def _run(self, flow: Generator[_flow.Action, Any, Any]) -> Any:
        result: Any = None
        while True:
            try:
                action = flow.send(result)
            except StopIteration as stop:
                return stop.value
            result = None
            if isinstance(action, _flow.Send):
                result = self._send(action)
            elif isinstance(action, _flow.Sleep):
                time.sleep(action.seconds)
            else:
                self._refresh(action.generation)

    def _send(self, action: _flow.Send) -> _flow.HttpResult:
        import httpx

        request = self._http.build_request(
            action.method,
            self._url(action.url),
            params=action.params or None,
            headers=action.headers,
            content=sync_content(action.content),
            timeout=httpx.USE_CLIENT_DEFAULT if action.timeout is None else action.timeout,
        )
        try:
            response = self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            return _flow.HttpResult(failure=exc)
        result = _flow.HttpResult(response.status_code, response.headers)
        if action.stream and response.is_success:
            result.response = response
            return result
        collector = BodyCollector(self._state.max_response_bytes, request.url.path)
        try:
            for chunk in response.iter_bytes():
                collector.add(chunk)
        except httpx.TransportError as exc:
            return _flow.HttpResult(failure=exc)
        finally:
            response.close()
        result.content = collector.value()
        return result

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> XrpcClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _chunks(response: httpx.Response, nsid: str) -> Iterator[bytes]:
    import httpx

    try:
        yield from response.iter_bytes()
    except httpx.TransportError as exc:
        raise NetworkError(f"stream broke: {type(exc).__name__}: {exc}", nsid=nsid) from exc
