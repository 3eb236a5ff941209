"""What the sync and async XRPC clients share that involves no I/O."""

from __future__ import annotations

import copy
import dataclasses
import functools
import inspect
import json
from collections.abc import Callable, Mapping
from typing import Any, Self

from skykit.xrpc import _flow
from skykit.xrpc._auth import Authenticator
from skykit.xrpc._ratelimit import RateLimit
from skykit.xrpc._session import Session

DEFAULT_TIMEOUT = 30.0


class ClientBase:
    _state: _flow.State
    _owns_http: bool

    def _init_state(
        self,
        service_url: str,
        *,
        retry: _flow.RetryPolicy | None,
        headers: Mapping[str, str] | None,
        proxy: str | None,
        labelers: tuple[str, ...] | None,
        max_response_bytes: int,
        on_session_change: Callable[[Authenticator | None], None] | None,
    ) -> None:
        self._state = _flow.State(
            service_url,
            headers=dict(headers or {}),
            retry=retry or _flow.RetryPolicy(),
            max_response_bytes=max_response_bytes,
            proxy=proxy,
            labelers=labelers,
        )
        if on_session_change is not None:
            self._state.box.listeners.append(on_session_change)
        self._urls: dict[str, Any] = {}

    def _url(self, url: str) -> Any:
        """``url`` parsed by httpx once: parsing is a good part of a call's own cost."""
        parsed = self._urls.get(url)
        if parsed is None:
            import httpx

            if len(self._urls) > 512:
                self._urls.clear()
            parsed = self._urls[url] = httpx.URL(url)
        return parsed

    def with_options(
        self,
        *,
        proxy: str | None = None,
        labelers: tuple[str, ...] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Self:
        """A client with other routing headers that shares this one's connections and
        session (e.g. ``with_options(proxy="did:web:api.bsky.chat#bsky_chat")``)."""
        changes: dict[str, Any] = {}
        if proxy is not None:
            changes["proxy"] = proxy
        if labelers is not None:
            changes["labelers"] = labelers
        if headers is not None:
            changes["headers"] = {**self._state.headers, **headers}
        child = copy.copy(self)
        child._state = dataclasses.replace(self._state, **changes)
        child._owns_http = False
        if child.__dict__.get("_client") is self:
            child.__dict__["_client"] = child  # a client that is its own namespace root
        for name, attribute in inspect.getmembers(type(self)):
            if isinstance(attribute, functools.cached_property):
                child.__dict__.pop(name, None)  # namespaces must bind to the new client
        return child

    @property
    def session(self) -> Authenticator | None:
        return self._state.box.session

    @property
    def rate_limit(self) -> RateLimit | None:
        """The rate-limit window the server reported with its last response."""
        return self._state.box.rate_limit

    @property
    def service_url(self) -> str:
        """Where calls go now: the session's PDS once logged in."""
        return self._state.base_url

    def on_session_change(self, listener: Callable[[Authenticator | None], None]) -> None:
        """Call ``listener`` with the new session after login, refresh, resume and logout
        (None after logout): the place to persist ``export_session()``."""
        self._state.box.listeners.append(listener)

    def export_session(self) -> str:
        """The session as JSON text, to store and ``resume_session`` later (it holds the
        tokens: keep it secret)."""
        return json.dumps(_flow.require_session(self._state).export())

    def resume_session(self, data: str | Mapping[str, Any] | Authenticator) -> Authenticator:
        """Continue a session exported earlier (or use a session object, such as an OAuth
        session), without logging in again."""
        session = data if isinstance(data, Authenticator) else Session.load(data)
        self._state.box.set(session)
        return session

    def __repr__(self) -> str:
        session = self._state.box.session
        who = session.handle if session is not None else "not logged in"
        return f"<{type(self).__name__} {self.service_url} ({who})>"
