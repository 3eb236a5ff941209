"""``AsyncXrpcClient``: the async XRPC client, a driver of ``_flow`` over
``httpx.AsyncClient`` on anyio (asyncio and trio)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from skykit.xrpc import _flow
from skykit.xrpc._auth import Authenticator
from skykit.xrpc._base import DEFAULT_TIMEOUT, ClientBase
from skykit.xrpc._body import BodyCollector, async_content
from skykit.xrpc._calls import AsyncByteStream, CallOptions, ErrorMap
from skykit.xrpc._errors import NetworkError
from skykit.xrpc._session import Session

if TYPE_CHECKING:
    import httpx


class AsyncXrpcClient(ClientBase):
    """The async twin of ``XrpcClient``: the same options, methods and behaviour."""

    def __init__(
        self,
        service_url: str,
        *,
        http: httpx.AsyncClient | None = None,
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
        self._http = http or httpx.AsyncClient(timeout=timeout, follow_redirects=False)
        self._owns_http = http is None
        import anyio  # here, not at import: `import skykit` stays cheap

        self._refresh_lock = anyio.Lock()

    async def login(
        self, identifier: str, password: str, *, auth_factor_token: str | None = None
    ) -> Session:
        """Log in with a handle, DID or email and a password (an app password for bots)."""
        session: Session = await self._run(
            _flow.login(self._state, identifier, password, auth_factor_token)
        )
        return session

    async def refresh_session(self) -> Authenticator:
        await self._refresh(self._state.box.generation)
        return _flow.require_session(self._state)

    async def logout(self) -> None:
        """End the session on the server and forget it here."""
        await self._run(_flow.logout(self._state))

    async def _refresh(self, generation: int) -> None:
        async with self._refresh_lock:
            await self._run(_flow.refresh(self._state, generation))

    # -- the AsyncCaller protocol of generated calls ---------------------------------

    async def xrpc_json(
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
        return await self._run(_flow.run_call(self._state, call))

    async def xrpc_bytes(
        self, nsid: str, params: Mapping[str, Any], errors: ErrorMap, options: CallOptions | None
    ) -> bytes:
        call = _flow.Call("GET", nsid, params, errors=errors, options=options, expect="bytes")
        result: bytes = await self._run(_flow.run_call(self._state, call))
        return result

    def xrpc_stream(
        self, nsid: str, params: Mapping[str, Any], errors: ErrorMap, options: CallOptions | None
    ) -> AsyncByteStream:
        call = _flow.Call("GET", nsid, params, errors=errors, options=options, expect="stream")
        return self._stream(call)

    @asynccontextmanager
    async def _stream(self, call: _flow.Call) -> AsyncIterator[AsyncIterator[bytes]]:
        response: httpx.Response = await self._run(_flow.run_call(self._state, call))
        try:
            yield _chunks(response, call.nsid)
        finally:
            await response.aclose()

    # -- the driver ---------------------------------------------------------------------

    async def _run(self, flow: Generator[_flow.Action, Any, Any]) -> Any:
        result: Any = None
        while True:
            try:
                action = flow.send(result)
            except StopIteration as stop:
                return stop.value
            result = None
            if isinstance(action, _flow.Send):
                result = await self._send(action)
            elif isinstance(action, _flow.Sleep):
                import anyio

                await anyio.sleep(action.seconds)
            else:
                await self._refresh(action.generation)

    async def _send(self, action: _flow.Send) -> _flow.HttpResult:
        import httpx

        request = self._http.build_request(
            action.method,
            self._url(action.url),
            params=action.params or None,
            headers=action.headers,
            content=async_content(action.content),
            timeout=httpx.USE_CLIENT_DEFAULT if action.timeout is None else action.timeout,
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            return _flow.HttpResult(failure=exc)
        result = _flow.HttpResult(response.status_code, response.headers)
        if action.stream and response.is_success:
            result.response = response
            return result
        collector = BodyCollector(self._state.max_response_bytes, request.url.path)
        try:
            async for chunk in response.aiter_bytes():
                collector.add(chunk)
        except httpx.TransportError as exc:
            return _flow.HttpResult(failure=exc)
        finally:
            await response.aclose()
        result.content = collector.value()
        return result

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncXrpcClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def _chunks(response: httpx.Response, nsid: str) -> AsyncIterator[bytes]:
    import httpx

    try:
        async for chunk in response.aiter_bytes():
            yield chunk
    except httpx.TransportError as exc:
        raise NetworkError(f"stream broke: {type(exc).__name__}: {exc}", nsid=nsid) from exc
