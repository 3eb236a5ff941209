"""``OAuthClient``: the blocking driver of the OAuth plans, on ``httpx.Client`` and a
``skykit.identity.Resolver``."""

from __future__ import annotations

import time
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

    from skykit.client import Client
    from skykit.identity import Resolver, ResolverConfig

T = TypeVar("T")


class OAuthClient(OAuthClientBase):
    """Signs users in with OAuth and keeps their sessions (blocking).

    ``metadata`` says what kind of client this is (``ClientMetadata.loopback`` for CLIs,
    ``.web`` or ``.confidential`` for web apps, with ``keys`` for the latter). Pending
    sign-ins and sessions live in ``state_store`` / ``session_store`` (memory by default).
    Handles and DIDs are resolved by ``resolver`` (a ``Resolver``, or a ``ResolverConfig``
    for one this client makes and closes; a default ``Resolver`` otherwise).
    ``allow_loopback_http`` accepts http servers on loopback hosts, for a local PDS only.
    """

    def __init__(
        self,
        metadata: ClientMetadata,
        *,
        keys: Sequence[ClientKey] = (),
        state_store: StateStore | None = None,
        session_store: SessionStore | None = None,
        resolver: Resolver | ResolverConfig | None = None,
        http: httpx.Client | None = None,
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
        self._http = http or httpx.Client(timeout=timeout, follow_redirects=False)
        self._owns_http = http is None
        from skykit.identity import ResolverConfig

        self._resolver_config = resolver if isinstance(resolver, ResolverConfig) else None
        self._resolver = None if isinstance(resolver, ResolverConfig) else resolver
        self._owns_resolver = self._resolver is None

    def authorize(
        self,
        target: str,
        *,
        redirect_uri: str | None = None,
        scope: str | None = None,
        prompt: _authorize.Prompt | None = None,
        app_state: Any = None,
    ) -> str:
        """Start signing in the account ``target`` (a handle or DID; or a PDS/entryway
        URL when the user does not know theirs). Returns the URL to send the user to.
        ``app_state`` (JSON-ready) comes back with the callback's result."""
        url: str = self._run(
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

    def callback(self, callback: str | Mapping[str, str]) -> _authorize.CallbackResult:
        """Finish a sign-in from the redirect's query (the URL, its query string, or the
        parameters): checks ``state`` and ``iss``, gets the tokens, checks the account, and
        stores the session. Returns ``(session, app_state)``."""
        result: _authorize.CallbackResult = self._run(_authorize.finish(self._context, callback))
        return result

    def restore(self, did: str, *, refresh: bool | Literal["auto"] = "auto") -> OAuthSession:
        """The stored session of ``did`` (refreshed when about to expire, or when
        ``refresh=True``). ``SessionNotFoundError`` when there is none."""
        session: OAuthSession = self._run(_authorize.restore(self._context, did, refresh=refresh))
        return session

    def revoke(self, session: OAuthSession | str) -> None:
        """Sign out: revoke the session's tokens and delete it from the store."""
        if isinstance(session, str):
            session = self.restore(session, refresh=False)
        self._run(revoke_session(session))

    def client(self, session: OAuthSession, **options: Any) -> Client:
        """A ``skykit.Client`` calling the session's PDS as its account (``options`` go to
        ``Client``)."""
        from skykit.client import Client

        client = Client(session.service, **options)
        client.resume_session(session)
        return client

    # -- the driver ------------------------------------------------------------------

    def _run(self, plan: Plan[T]) -> T:
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
                    outcome = self._send(op)
                elif isinstance(op, Sleep):
                    time.sleep(op.seconds)
                elif isinstance(op, Resolve):
                    try:
                        outcome = self._resolver_now().resolve(op.identifier)
                    except SkykitError as exc:
                        error = exc
            raise too_many_steps()
        finally:
            plan.close()

    def _resolver_now(self) -> Resolver:
        if self._resolver is None:
            from skykit.identity import Resolver

            self._resolver = Resolver(config=self._resolver_config)
        return self._resolver

    def _send(self, send: Send) -> HttpResult:
        import httpx

        request = self._http.build_request(
            send.method,
            send.url,
            headers=send.headers,
            content=send.content,
            timeout=httpx.USE_CLIENT_DEFAULT if send.timeout is None else send.timeout,
        )
        try:
            response = self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            return HttpResult(failure=exc)
        collector = BodyCollector(MAX_RESPONSE_BYTES, request.url.path)
        try:
            for chunk in response.iter_bytes():
                collector.add(chunk)
        except (httpx.HTTPError, SkykitError) as exc:  # SkykitError: over the size limit
            return HttpResult(failure=exc)
        finally:
            response.close()
        return HttpResult(response.status_code, response.headers, collector.value())

    def close(self) -> None:
        """Close connections (and the resolver this client made)."""
        if self._owns_http:
            self._http.close()
        if self._owns_resolver and self._resolver is not None:
            self._resolver.close()

    def __enter__(self) -> OAuthClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
