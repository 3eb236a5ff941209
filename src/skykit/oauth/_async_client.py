"""``AsyncOAuthClient``: the anyio driver of the OAuth plans (asyncio or trio), on
``httpx.AsyncClient`` and a ``skykit.identity.AsyncResolver``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from skykit.errors import SkykitError
from skykit.oauth import _authorize
from skykit.oauth._base import (
    DEFAULT_TIMEOUT,
    MAX_RESPONSE_BYTES,
    STATE_TTL,
    OAuthClientBase,
    too_many_steps,
)
from skykit.oauth._client_metadata import ClientMetadata
from skykit.oauth._keys import ClientKey
from skykit.oauth._ops import MAX_STEPS, Plan, Resolve
from skykit.oauth._session import OAuthSession, revoke_session
from skykit.oauth._stores import SessionStore, StateStore
from skykit.xrpc._body import BodyCollector
from skykit.xrpc._flow import HttpResult, Send, Sleep

if TYPE_CHECKING:
    import httpx

    from skykit.client import AsyncClient
    from skykit.identity import AsyncResolver, ResolverConfig

T = TypeVar("T")


class AsyncOAuthClient(OAuthClientBase):
    """The async twin of ``OAuthClient``: the same options, methods and behaviour, for
    asyncio or trio. Close it with ``aclose()`` or ``async with``."""

    def __init__(
        self,
        metadata: ClientMetadata,
        *,
        keys: Sequence[ClientKey] = (),
        state_store: StateStore | None = None,
        session_store: SessionStore | None = None,
        resolver: AsyncResolver | ResolverConfig | None = None,
        http: httpx.AsyncClient | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        allow_loopback_http: bool = False,
        state_ttl: float = STATE_TTL,
    ) -> None:
        import httpx

        self._init_context(
            metadata,
            keys=keys,
            state_store=state_store,
            session_store=session_store,
            allow_loopback_http=allow_loopback_http,
            state_ttl=state_ttl,
        )
        self._http = http or httpx.AsyncClient(timeout=timeout, follow_redirects=False)
        self._owns_http = http is None
        from skykit.identity import ResolverConfig

        self._resolver_config = resolver if isinstance(resolver, ResolverConfig) else None
        self._resolver = None if isinstance(resolver, ResolverConfig) else resolver
        self._owns_resolver = self._resolver is None

    async def authorize(
        self,
        target: str,
        *,
        redirect_uri: str | None = None,
        scope: str | None = None,
        prompt: _authorize.Prompt | None = None,
        app_state: Any = None,
    ) -> str:
        """See ``OAuthClient.authorize``."""
        url: str = await self._run(
            _authorize.begin(
                self._context,
                target,
                redirect_uri=redirect_uri,
                scope=scope,
                prompt=prompt,
                app_state=app_state,
            )
        )
        return url

    async def callback(self, callback: str | Mapping[str, str]) -> _authorize.CallbackResult:
        """See ``OAuthClient.callback``."""
        result: _authorize.CallbackResult = await self._run(
            _authorize.finish(self._context, callback)
        )
        return result

    async def restore(self, did: str, *, refresh: bool | Literal["auto"] = "auto") -> OAuthSession:
        """See ``OAuthClient.restore``."""
        session: OAuthSession = await self._run(
            _authorize.restore(self._context, did, refresh=refresh)
        )
        return session

    async def revoke(self, session: OAuthSession | str) -> None:
        """See ``OAuthClient.revoke``."""
        if isinstance(session, str):
            session = await self.restore(session, refresh=False)
        await self._run(revoke_session(session))

    def client(self, session: OAuthSession, **options: Any) -> AsyncClient:
        """A ``skykit.AsyncClient`` calling the session's PDS as its account."""
        from skykit.client import AsyncClient

        client = AsyncClient(session.service, **options)
        client.resume_session(session)
        return client

    # -- the driver ------------------------------------------------------------------

    async def _run(self, plan: Plan[T]) -> T:
        outcome: Any = None
        error: BaseException | None = None
        try:
            for _ in range(MAX_STEPS):
                try:
                    op = plan.throw(error) if error is not None else plan.send(outcome)
                except StopIteration as stop:
                    result: T = stop.value
                    return result
                outcome, error = None, None
                if isinstance(op, Send):
                    outcome = await self._send(op)
                elif isinstance(op, Sleep):
                    import anyio

                    await anyio.sleep(op.seconds)
                elif isinstance(op, Resolve):
                    try:
                        outcome = await self._resolver_now().resolve(op.identifier)
                    except SkykitError as exc:
                        error = exc
            raise too_many_steps()
        finally:
            plan.close()

    def _resolver_now(self) -> AsyncResolver:
        if self._resolver is None:
            from skykit.identity import AsyncResolver

            self._resolver = AsyncResolver(config=self._resolver_config)
        return self._resolver

    async def _send(self, send: Send) -> HttpResult:
        import httpx

        request = self._http.build_request(
            send.method,
            send.url,
            headers=send.headers,
            content=send.content,
            timeout=httpx.USE_CLIENT_DEFAULT if send.timeout is None else send.timeout,
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            return HttpResult(failure=exc)
        collector = BodyCollector(MAX_RESPONSE_BYTES, request.url.path)
        try:
            async for chunk in response.aiter_bytes():
                collector.add(chunk)
        except (httpx.HTTPError, SkykitError) as exc:  # SkykitError: over the size limit
            return HttpResult(failure=exc)
        finally:
            await response.aclose()
        return HttpResult(response.status_code, response.headers, collector.value())

    async def aclose(self) -> None:
        """Close connections (and the resolver this client made)."""
        if self._owns_http:
            await self._http.aclose()
        if self._owns_resolver and self._resolver is not None:
            await self._resolver.aclose()

    async def __aenter__(self) -> AsyncOAuthClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
