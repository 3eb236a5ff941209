"""A one-shot redirect server on 127.0.0.1 for CLIs and desktop apps (RFC 8252): the
browser comes back to ``http://127.0.0.1:<port>/callback?...`` and the app reads the query.

``login_with_browser`` puts it together: start the server, open the authorization URL
(through an injectable ``open_browser``), wait for the callback, finish the flow.
"""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from skykit.oauth._errors import AuthorizationError

if TYPE_CHECKING:
    from skykit.oauth._async_client import AsyncOAuthClient
    from skykit.oauth._client import OAuthClient
    from skykit.oauth._session import OAuthSession

DEFAULT_TIMEOUT = 300.0
MAX_TIMEOUT = 3600.0
PAGE = (
    "<!doctype html><meta charset=utf-8><title>skykit</title>"
    "<p>{message}</p><p>You can close this window.</p>"
)

OpenBrowser = Callable[[str], Any]


class LoopbackServer:
    """Waits for one OAuth redirect on ``http://127.0.0.1:<port><path>`` (port 0: any free
    port). Use it as a context manager; ``redirect_uri`` is the URI to authorize with."""

    def __init__(self, *, port: int = 0, path: str = "/callback") -> None:
        if not path.startswith("/"):
            raise AuthorizationError("the callback path must start with '/'")
        self._path = path
        self._query: str | None = None
        self._done = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{self._path}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != owner._path or owner._done.is_set():
                    self._reply(404, "Not the sign-in callback.")
                    return
                owner._query = parts.query
                owner._done.set()
                failed = "error=" in parts.query
                self._reply(200, "Sign-in refused." if failed else "Signed in.")

            def _reply(self, status: int, message: str) -> None:
                body = PAGE.format(message=message).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the query holds the authorization code: never log it

        return Handler

    def wait(self, timeout: float = DEFAULT_TIMEOUT) -> str:
        """The callback's query string, once the browser arrives (``AuthorizationError``
        after ``timeout`` seconds)."""
        if not self._done.wait(min(max(timeout, 0.0), MAX_TIMEOUT)) or self._query is None:
            raise AuthorizationError(f"no sign-in callback arrived within {timeout:g} s")
        return self._query

    async def wait_async(self, timeout: float = DEFAULT_TIMEOUT) -> str:
        """``wait`` for async code (asyncio or trio), without blocking the event loop."""
        import anyio

        with anyio.move_on_after(min(max(timeout, 0.0), MAX_TIMEOUT)):
            while not self._done.is_set():  # bounded by the deadline above
                await anyio.sleep(0.05)
        if self._query is None:
            raise AuthorizationError(f"no sign-in callback arrived within {timeout:g} s")
        return self._query

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5.0)

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _listen_on(redirect_uris: tuple[str, ...]) -> tuple[int, str]:
    """The port (0: any) and path of the first declared 127.0.0.1 redirect URI."""
    for uri in redirect_uris:
        parts = urlsplit(uri)
        if parts.scheme == "http" and parts.hostname == "127.0.0.1":
            return parts.port or 0, parts.path or "/"
    raise AuthorizationError(
        "the client declares no http://127.0.0.1 redirect URI to receive the callback on"
    )


def login_with_browser(
    oauth: OAuthClient,
    target: str,
    *,
    scope: str | None = None,
    open_browser: OpenBrowser = webbrowser.open,
    timeout: float = DEFAULT_TIMEOUT,
) -> OAuthSession:
    """Sign ``target`` in from a CLI: serve the redirect on 127.0.0.1 (at the client's
    first declared ``http://127.0.0.1`` redirect URI), open the browser at the
    authorization URL, wait for the callback, and return the stored session."""
    port, path = _listen_on(oauth.metadata.redirect_uris)
    with LoopbackServer(port=port, path=path) as server:
        url = oauth.authorize(target, redirect_uri=server.redirect_uri, scope=scope)
        open_browser(url)
        query = server.wait(timeout)
    return oauth.callback(query).session


async def async_login_with_browser(
    oauth: AsyncOAuthClient,
    target: str,
    *,
    scope: str | None = None,
    open_browser: OpenBrowser = webbrowser.open,
    timeout: float = DEFAULT_TIMEOUT,
) -> OAuthSession:
    """``login_with_browser`` for async code."""
    port, path = _listen_on(oauth.metadata.redirect_uris)
    with LoopbackServer(port=port, path=path) as server:
        url = await oauth.authorize(target, redirect_uri=server.redirect_uri, scope=scope)
        open_browser(url)
        query = await server.wait_async(timeout)
    result = await oauth.callback(query)
    return result.session
