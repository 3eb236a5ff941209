"""A minimal web app that signs users in with OAuth and posts for them (standard library
``http.server`` only).

Local development (a loopback client: nothing to publish)::

    python examples/oauth_web_app.py --port 8080     # then open http://127.0.0.1:8080

Deployed behind https (a public web client; the app serves its own client metadata)::

    python examples/oauth_web_app.py --public-url https://app.example.com

Sessions (tokens and DPoP keys) go to ``--store`` (SQLite), or memory. For a local reference
PDS set ``SKYKIT_DEV=1`` with ``SKYKIT_PLC_URL``, ``SKYKIT_HANDLE_BASE_URL`` and ``SKYKIT_DNS``
(``host:port``) so that identity lookups stay on the machine.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import secrets
import threading
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from skykit.errors import SkykitError
from skykit.identity import ResolverConfig
from skykit.oauth import ClientMetadata, OAuthClient, SessionNotFoundError, SQLiteSessionStore

SCOPE = "atproto transition:generic"
CALLBACK = "/oauth/callback"
METADATA = "/oauth/client-metadata.json"
MAX_FORM = 10_000


def make_oauth(public_url: str | None, port: int, store: str | None) -> OAuthClient:
    if public_url:
        base = public_url.rstrip("/")
        metadata = ClientMetadata.web(
            f"{base}{METADATA}", [f"{base}{CALLBACK}"], SCOPE, client_name="skykit example"
        )
    else:  # a development client: the AS reads the metadata from the client id itself
        metadata = ClientMetadata.loopback([f"http://127.0.0.1:{port}{CALLBACK}"], SCOPE)
    dev = os.environ.get("SKYKIT_DEV") == "1"
    config: dict[str, Any] = {}
    if os.environ.get("SKYKIT_PLC_URL"):
        config["plc_url"] = os.environ["SKYKIT_PLC_URL"]
    if dev:
        config["allow_loopback"] = True
        if os.environ.get("SKYKIT_HANDLE_BASE_URL"):
            config["handle_base_url"] = os.environ["SKYKIT_HANDLE_BASE_URL"]
        if os.environ.get("SKYKIT_DNS"):
            host, _, dns_port = os.environ["SKYKIT_DNS"].partition(":")
            config.update(dns_nameservers=(host,), dns_port=int(dns_port or 53))
    return OAuthClient(
        metadata,
        session_store=SQLiteSessionStore(store) if store else None,
        resolver=ResolverConfig(**config),
        allow_loopback_http=dev,
    )


class App:
    """Who is signed in, by browser: a random cookie → the account's DID."""

    def __init__(self, oauth: OAuthClient, redirect_uri: str) -> None:
        self.oauth = oauth
        self.redirect_uri = redirect_uri
        self.lock = threading.Lock()
        self.browsers: dict[str, str] = {}

    def who(self, cookie: str | None) -> str | None:
        with self.lock:
            return self.browsers.get(cookie or "")

    def remember(self, did: str) -> str:
        cookie = secrets.token_urlsafe(32)
        with self.lock:
            self.browsers[cookie] = did
        return cookie

    def forget(self, cookie: str | None) -> str | None:
        with self.lock:
            return self.browsers.pop(cookie or "", None)


def page(body: str) -> bytes:
    return (
        "<!doctype html><meta charset=utf-8><title>skykit OAuth example</title>"
        f"<h1>skykit OAuth example</h1>{body}"
    ).encode()


def handler(app: App) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/":
                self.home()
            elif url.path == CALLBACK:
                self.callback(url.query)
            elif url.path == METADATA and not app.oauth.metadata.is_loopback:
                self.reply(
                    200, json.dumps(app.oauth.metadata.to_json()).encode(), "application/json"
                )
            else:
                self.reply(404, page("<p>Not found.</p>"))

        def do_POST(self) -> None:
            form = self.form()
            path = urlsplit(self.path).path
            try:
                if path == "/login":
                    target = form.get("handle", "").strip()
                    self.redirect(app.oauth.authorize(target, redirect_uri=app.redirect_uri))
                elif path == "/post":
                    self.post(form.get("text", ""))
                elif path == "/logout":
                    did = app.forget(self.cookie())
                    if did is not None:
                        app.oauth.revoke(did)
                    self.redirect("/", cookie="")
                else:
                    self.reply(404, page("<p>Not found.</p>"))
            except SkykitError as exc:
                self.reply(400, page(f"<p>Failed: {html.escape(str(exc))}</p><a href=/>back</a>"))

        def home(self) -> None:
            did = app.who(self.cookie())
            if did is None:
                self.reply(
                    200,
                    page(
                        "<form method=post action=/login><input name=handle placeholder=handle>"
                        "<button>Sign in</button></form>"
                    ),
                )
                return
            session = app.oauth.restore(did)
            self.reply(
                200,
                page(
                    f"<p>Signed in as <b>{html.escape(session.handle)}</b> ({html.escape(did)})</p>"
                    "<form method=post action=/post><input name=text><button>Post</button></form>"
                    "<form method=post action=/logout><button>Sign out</button></form>"
                ),
            )

        def callback(self, query: str) -> None:
            try:
                session = app.oauth.callback(query).session
            except SkykitError as exc:
                self.reply(400, page(f"<p>Sign-in failed: {html.escape(str(exc))}</p>"))
                return
            self.redirect("/", cookie=app.remember(session.did))

        def post(self, text: str) -> None:
            did = app.who(self.cookie())
            if did is None:
                self.redirect("/")
                return
            try:
                session = app.oauth.restore(did)
            except SessionNotFoundError:
                app.forget(self.cookie())
                self.redirect("/", cookie="")
                return
            with app.oauth.client(session) as client:
                client.post(text)
            self.redirect("/")

        # -- plumbing -----------------------------------------------------------------

        def form(self) -> dict[str, str]:
            length = min(int(self.headers.get("Content-Length") or 0), MAX_FORM)
            return dict(parse_qsl(self.rfile.read(length).decode("utf-8", "replace")))

        def cookie(self) -> str | None:
            jar = SimpleCookie(self.headers.get("Cookie") or "")
            return jar["sid"].value if "sid" in jar else None

        def redirect(self, location: str, *, cookie: str | None = None) -> None:
            self.send_response(303)
            self.send_header("Location", location)
            if cookie is not None:
                age = "" if cookie else "; Max-Age=0"
                self.send_header("Set-Cookie", f"sid={cookie}; Path=/; HttpOnly; SameSite=Lax{age}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def reply(self, status: int, body: bytes, kind: str = "text/html; charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # request lines hold authorization codes: keep them out of logs

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (0: any)")
    parser.add_argument("--public-url", help="the https URL the app is served at, if deployed")
    parser.add_argument("--store", help="SQLite file for sessions (default: memory)")
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", args.port), BaseHTTPRequestHandler)
    port = server.server_address[1]
    oauth = make_oauth(args.public_url, port, args.store)
    redirect = oauth.metadata.redirect_uris[0]
    server.RequestHandlerClass = handler(App(oauth, redirect))
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        oauth.close()


if __name__ == "__main__":
    main()
