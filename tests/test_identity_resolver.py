"""Resolvers against real servers on loopback: a DNS server (``tests/dns_server.py``) and
small HTTP servers that play PLC directories, did:web hosts and handle hosts, well-behaved or
faulty. Every test runs through the sync ``Resolver`` and through ``AsyncResolver`` on
asyncio and on trio.

Faults (malformed documents, documents of another DID, oversize bodies, redirect loops,
slow servers, forbidden addresses) must each end in a specific ``IdentityError`` subclass,
and timeouts within the configured time.
"""

from __future__ import annotations

import contextlib
import json
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from anyio.from_thread import start_blocking_portal

from skykit.crypto import Keypair
from skykit.errors import SkykitError
from skykit.identity import (
    AmbiguousHandleError,
    AsyncResolver,
    DidDeactivatedError,
    DidDocumentMismatchError,
    DidNotFoundError,
    ForbiddenAddressError,
    HandleMismatchError,
    HandleNotFoundError,
    HttpStatusError,
    IdentityError,
    InvalidDidDocumentError,
    NetworkError,
    PlcVerificationError,
    RedirectError,
    ResolutionTimeoutError,
    Resolver,
    ResolverConfig,
    ResponseTooLargeError,
    UnsupportedDidError,
    UnsupportedHandleError,
)
from skykit.syntax import InvalidSyntaxError
from tests import corpora
from tests.dns_server import DnsServer

TIMEOUT = 1.0
SLACK = 0.75  # scheduling and thread start-up on a busy 2-core machine
PLC_DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
OTHER_PLC_DID = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"
KEY = Keypair.generate().public_key

# -- a small scriptable HTTP server ----------------------------------------------------------

Handler = Callable[[BaseHTTPRequestHandler, "WebServer"], None]


class WebServer:
    """An HTTP/1.0 server on 127.0.0.1 whose answers are set per (host, path) or per path.
    Slow handlers end when the server closes, so no thread outlives a test."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[tuple[str | None, str], Handler] = {}
        self.hits: list[tuple[str, str]] = []
        self.closing = threading.Event()
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
                server.hits.append((host, self.path))
                route = server.routes.get((host, self.path)) or server.routes.get((None, self.path))
                with contextlib.suppress(OSError):
                    (route or reply(404, "not found"))(self, server)

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self._httpd.daemon_threads = True
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.port: int = self._httpd.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def route(self, path: str, handler: Handler, host: str | None = None) -> None:
        self.routes[(host, path)] = handler

    def close(self) -> None:
        self.closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5.0)


def reply(
    status: int, body: str | bytes, content_type: str = "text/plain", **headers: str
) -> Handler:
    data = body.encode() if isinstance(body, str) else body

    def handle(request: BaseHTTPRequestHandler, server: WebServer) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            request.send_header(name.replace("_", "-"), value)
        request.end_headers()
        request.wfile.write(data)

    return handle


def json_reply(value: Any, status: int = 200) -> Handler:
    return reply(status, json.dumps(value), "application/json")


def redirect(location: str, status: int = 302) -> Handler:
    return reply(status, "", Location=location)


def stall(request: BaseHTTPRequestHandler, server: WebServer) -> None:
    """Accept the request and never answer (until the server closes, at most 30 s)."""
    server.closing.wait(30)


def trickle(request: BaseHTTPRequestHandler, server: WebServer) -> None:
    """Answer at once, then send the body one byte every 50 ms."""
    request.send_response(200)
    request.send_header("Content-Length", "100000")
    request.end_headers()
    for _ in range(600):
        if server.closing.wait(0.05):
            return
        request.wfile.write(b" ")
        request.wfile.flush()


def unbounded_body(request: BaseHTTPRequestHandler, server: WebServer) -> None:
    """A body without Content-Length that goes on and on."""
    request.send_response(200)
    request.end_headers()
    chunk = b"x" * 65536
    for _ in range(200):
        if server.closing.is_set():
            return
        request.wfile.write(chunk)


def did_doc(
    did: str, handle: str | None = "alice.example.com", pds: str = "https://pds.example.com"
) -> dict[str, Any]:
    return {
        "id": did,
        "alsoKnownAs": [f"at://{handle}"] if handle else [],
        "verificationMethod": [
            {
                "id": f"{did}#atproto",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": KEY.multibase(),
            }
        ],
        "service": [
            {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": pds}
        ],
    }


# -- fixtures: servers, configuration, the three drivers -------------------------------------


@pytest.fixture
def dns() -> Iterator[DnsServer]:
    with DnsServer() as server:
        yield server


@pytest.fixture
def web() -> Iterator[WebServer]:
    server = WebServer()
    yield server
    server.close()


@pytest.fixture
def config(dns: DnsServer, web: WebServer) -> ResolverConfig:
    """Development settings: everything on loopback, did:web:localhost allowed."""
    return ResolverConfig(
        plc_url=web.url,
        handle_base_url=web.url,
        allow_loopback=True,
        allow_localhost_did_web=True,
        dns_nameservers=("127.0.0.1",),
        dns_port=dns.port,
        timeout=TIMEOUT,
    )


@pytest.fixture
def web_did(web: WebServer) -> str:
    return f"did:web:localhost%3A{web.port}"


Call = Callable[..., Any]


@contextlib.contextmanager
def open_resolver(driver: str, config: ResolverConfig) -> Iterator[Call]:
    """``call(method, *args)`` on a resolver kept open across calls: sync, or async in an
    event loop of the given backend running on a portal thread."""
    if driver == "sync":
        with Resolver(config=config) as resolver:
            yield lambda method, *args: getattr(resolver, method)(*args)
        return
    with (
        start_blocking_portal(backend=driver) as portal,
        portal.wrap_async_context_manager(AsyncResolver(config=config)) as resolver,
    ):
        yield lambda method, *args: portal.call(getattr(resolver, method), *args)


@pytest.fixture(params=["sync", "asyncio", "trio"])
def driver(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def resolve(driver: str, config: ResolverConfig) -> Iterator[Call]:
    with open_resolver(driver, config) as call:
        yield call


def timed_failure(
    call: Call, method: str, arg: str, kind: type[Exception]
) -> tuple[Exception, float]:
    started = time.monotonic()
    with pytest.raises(kind) as caught:
        call(method, arg)
    return caught.value, time.monotonic() - started


# -- handles over DNS ------------------------------------------------------------------------


def test_txt_record_names_the_did(resolve: Call, dns: DnsServer, web: WebServer) -> None:
    dns.txt["_atproto.alice.example.com"] = ["v=spf1 -all", f"did={PLC_DID}", "did", "did:x"]
    assert resolve("resolve_handle", "Alice.Example.COM") == PLC_DID
    assert web.hits == []  # DNS answered, so HTTPS was not asked


def test_same_did_twice_is_one_answer(resolve: Call, dns: DnsServer) -> None:
    dns.txt["_atproto.alice.example.com"] = [f"did={PLC_DID}", f"did={PLC_DID} "]
    assert resolve("resolve_handle", "alice.example.com") == PLC_DID


def test_different_dids_in_dns_are_ambiguous(resolve: Call, dns: DnsServer, web: WebServer) -> None:
    dns.txt["_atproto.alice.example.com"] = [f"did={PLC_DID}", f"did={OTHER_PLC_DID}"]
    web.route("/.well-known/atproto-did", reply(200, PLC_DID), host="alice.example.com")
    with pytest.raises(AmbiguousHandleError, match=f"{OTHER_PLC_DID}, {PLC_DID}"):
        resolve("resolve_handle", "alice.example.com")
    assert web.hits == []


def test_txt_character_strings_are_joined(resolve: Call, dns: DnsServer) -> None:
    dns.txt["_atproto.alice.example.com"] = [("did=did:plc:ewvi7nxzy", "oun6zhxrhs64oiz")]
    assert resolve("resolve_handle", "alice.example.com") == PLC_DID


def test_large_txt_answer_is_fetched_over_tcp(resolve: Call, dns: DnsServer) -> None:
    junk: list[str | tuple[str, ...]] = [(f"{i}" + "x" * 200, "y" * 200) for i in range(12)]
    dns.txt["_atproto.alice.example.com"] = [*junk, f"did={PLC_DID}"]
    assert resolve("resolve_handle", "alice.example.com") == PLC_DID
    assert dns.queried("_atproto.alice.example.com") == 2  # truncated over UDP, then TCP


def test_nxdomain_falls_back_to_https(resolve: Call, dns: DnsServer, web: WebServer) -> None:
    web.route("/.well-known/atproto-did", reply(200, f"  {PLC_DID}\n"), host="alice.example.com")
    assert resolve("resolve_handle", "alice.example.com") == PLC_DID
    assert dns.queried("_atproto.alice.example.com") == 1
    assert web.hits == [("alice.example.com", "/.well-known/atproto-did")]


def test_dns_wins_when_the_methods_disagree(resolve: Call, dns: DnsServer, web: WebServer) -> None:
    dns.txt["_atproto.alice.example.com"] = [f"did={PLC_DID}"]
    web.route("/.well-known/atproto-did", reply(200, OTHER_PLC_DID), host="alice.example.com")
    assert resolve("resolve_handle", "alice.example.com") == PLC_DID


def test_no_answer_from_either_method_is_not_found(resolve: Call, dns: DnsServer) -> None:
    dns.txt["_atproto.alice.example.com"] = ["did=not-a-did"]
    with pytest.raises(HandleNotFoundError) as caught:
        resolve("resolve_handle", "alice.example.com")
    message = str(caught.value)
    assert "alice.example.com" in message
    assert "'not-a-did' is not a valid DID" in message
    assert "HTTP 404" in message
    assert caught.value.identifier == "alice.example.com"


def test_dns_timeout_falls_back_to_https(resolve: Call, dns: DnsServer, web: WebServer) -> None:
    dns.drop.add("_atproto.alice.example.com")
    web.route("/.well-known/atproto-did", reply(200, PLC_DID), host="alice.example.com")
    assert resolve("resolve_handle", "alice.example.com") == PLC_DID


def test_dns_timeout_without_other_answer_is_a_timeout(resolve: Call, dns: DnsServer) -> None:
    dns.drop.add("_atproto.alice.example.com")
    error, elapsed = timed_failure(
        resolve, "resolve_handle", "alice.example.com", ResolutionTimeoutError
    )
    assert elapsed < TIMEOUT + SLACK
    assert "DNS" in str(error)
    assert "timeout" in str(error)


def test_dns_servfail_is_a_network_error(resolve: Call, dns: DnsServer) -> None:
    dns.servfail.add("_atproto.alice.example.com")
    with pytest.raises(NetworkError, match="SERVFAIL"):
        resolve("resolve_handle", "alice.example.com")


def test_special_use_tld_is_never_looked_up(resolve: Call, dns: DnsServer, web: WebServer) -> None:
    for handle in ("alice.local", "alice.onion", "x.internal"):
        with pytest.raises(UnsupportedHandleError, match="special-use TLD"):
            resolve("resolve_handle", handle)
    assert dns.queries == []
    assert web.hits == []


def test_handle_too_long_for_dns_uses_https_only(
    resolve: Call, dns: DnsServer, web: WebServer
) -> None:
    handle = ".".join(["a" * 60] * 4) + ".com"  # 248 characters; "_atproto." makes 257
    web.route("/.well-known/atproto-did", reply(200, PLC_DID), host=handle)
    assert resolve("resolve_handle", handle) == PLC_DID
    assert dns.queries == []


def test_bad_syntax_is_refused_before_any_lookup(resolve: Call, dns: DnsServer) -> None:
    for bad in ("not a handle", "did:plc", "-bad.com", "a" * 300):
        with pytest.raises(InvalidSyntaxError):
            resolve("resolve", bad)
    assert dns.queries == []


# -- handles over HTTPS well-known -----------------------------------------------------------


@pytest.mark.parametrize(
    ("handler", "error", "message"),
    [
        (reply(200, "<html>hello</html>"), HandleNotFoundError, "not a DID"),
        (reply(200, b"\xff\xfe"), HandleNotFoundError, "not UTF-8"),
        (reply(403, "forbidden"), HandleNotFoundError, "HTTP 403"),
        (reply(503, "busy"), HttpStatusError, "HTTP 503"),
        (reply(200, "did:plc:" + "a" * 5000), ResponseTooLargeError, "larger than 4096"),
        (redirect("/.well-known/atproto-did"), RedirectError, "more than 5"),
    ],
    ids=["html", "not utf-8", "403", "503", "oversize", "redirect loop"],
)
def test_well_known_faults(
    resolve: Call, web: WebServer, handler: Handler, error: type[Exception], message: str
) -> None:
    web.route("/.well-known/atproto-did", handler)
    with pytest.raises(error, match=message) as caught:
        resolve("resolve_handle", "alice.example.com")
    assert isinstance(caught.value, IdentityError)


def test_well_known_slow_server_times_out(resolve: Call, web: WebServer) -> None:
    web.route("/.well-known/atproto-did", stall)
    error, elapsed = timed_failure(
        resolve, "resolve_handle", "alice.example.com", ResolutionTimeoutError
    )
    assert elapsed < TIMEOUT + SLACK
    assert "alice.example.com" in str(error)


def test_loopback_is_refused_unless_allowed(
    driver: str, config: ResolverConfig, web: WebServer
) -> None:
    web.route("/.well-known/atproto-did", reply(200, PLC_DID))
    with (
        open_resolver(driver, replace(config, allow_loopback=False)) as call,
        pytest.raises(ForbiddenAddressError, match="loopback"),
    ):
        call("resolve_handle", "alice.example.com")
    assert web.hits == []


# -- did:web ---------------------------------------------------------------------------------


def test_did_web_on_localhost_resolves_in_development(
    resolve: Call, web: WebServer, web_did: str
) -> None:
    web.route("/.well-known/did.json", json_reply(did_doc(web_did)))
    document = resolve("resolve_did", web_did)
    assert document.did == web_did
    assert document.pds_endpoint == "https://pds.example.com"
    assert document.signing_key == KEY
    assert web.hits == [("localhost", "/.well-known/did.json")]


def test_did_web_on_localhost_needs_the_opt_in(
    driver: str, config: ResolverConfig, web: WebServer, web_did: str
) -> None:
    with (
        open_resolver(driver, replace(config, allow_localhost_did_web=False)) as call,
        pytest.raises(UnsupportedDidError, match="development only"),
    ):
        call("resolve_did", web_did)
    assert web.hits == []


@pytest.mark.parametrize(
    ("did", "problem"),
    [
        ("did:web:example.com%3A8443", "port only on localhost"),
        ("did:web:example.com:user:alice", "path-based"),
        ("did:web:Example.com", "lowercase"),
        ("did:web:example.local", "special-use TLD"),
        ("did:web:com", "not a valid hostname"),
        ("did:web:localhost%3A99999", "invalid did:web port"),
        ("did:key:zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF", "did:plc and did:web only"),
        ("did:plc:short", "not a valid did:plc"),
        ("did:plc:ewvi7nxzyoun6zhxrhs64oi1", "not a valid did:plc"),
    ],
)
def test_unresolvable_dids_are_refused_before_any_request(
    resolve: Call, dns: DnsServer, web: WebServer, did: str, problem: str
) -> None:
    with pytest.raises(UnsupportedDidError, match=problem):
        resolve("resolve_did", did)
    assert web.hits == []
    assert dns.queries == []


def test_did_web_by_hostname_resolves_through_dns(
    driver: str, config: ResolverConfig, dns: DnsServer
) -> None:
    """A real hostname is looked up in DNS and the address vetted before connecting. Here it
    points at 127.0.0.1 (allowed) where nothing listens on 443."""
    dns.a["alice.example.org"] = ["127.0.0.1"]
    url = "https://alice.example.org/.well-known/did.json"
    with (
        open_resolver(driver, config) as call,
        pytest.raises(NetworkError, match=re.escape(f"GET {url} failed")),
    ):
        call("resolve_did", "did:web:alice.example.org")
    assert dns.queried("alice.example.org", "A") == 1


@pytest.mark.parametrize(
    ("records", "problem"),
    [
        ({"a": ["10.1.2.3"]}, "private"),
        ({"a": ["192.168.0.10"]}, "private"),
        ({"a": ["169.254.169.254"]}, "link-local"),
        ({"a": ["100.64.0.1"]}, "private"),
        ({"a": ["127.0.0.1"]}, "loopback"),
        ({"aaaa": ["::1"]}, "loopback"),
        ({"aaaa": ["fe80::1"]}, "link-local"),
        ({"aaaa": ["::ffff:127.0.0.1"]}, "loopback"),
        ({"a": ["0.0.0.0"]}, "unspecified"),
    ],
)
def test_did_web_host_resolving_to_a_forbidden_address_is_refused(
    driver: str, config: ResolverConfig, dns: DnsServer, records: dict[str, list[str]], problem: str
) -> None:
    for kind, values in records.items():
        getattr(dns, kind)["internal.example.org"] = values
    with (
        open_resolver(driver, replace(config, allow_loopback=False)) as call,
        pytest.raises(ForbiddenAddressError, match=problem) as caught,
    ):
        call("resolve_did", "did:web:internal.example.org")
    assert caught.value.identifier == "did:web:internal.example.org"


def test_host_without_address_is_a_network_error(resolve: Call) -> None:
    with pytest.raises(NetworkError, match="no A or AAAA record"):
        resolve("resolve_did", "did:web:gone.example.org")


DID_WEB_FAULTS: dict[str, tuple[Callable[[str], Handler], type[IdentityError], str]] = {
    "not json": (lambda did: reply(200, "not json"), InvalidDidDocumentError, "not valid JSON"),
    "array": (lambda did: json_reply([1, 2]), InvalidDidDocumentError, "must be a JSON object"),
    "no id": (
        lambda did: json_reply({"alsoKnownAs": []}),
        InvalidDidDocumentError,
        "no valid 'id'",
    ),
    "bad service": (
        lambda did: json_reply({"id": did, "service": {"id": "#atproto_pds"}}),
        InvalidDidDocumentError,
        "'service' must be a list",
    ),
    "another did": (
        lambda did: json_reply(did_doc(OTHER_PLC_DID)),
        DidDocumentMismatchError,
        OTHER_PLC_DID,
    ),
    "404": (lambda did: reply(404, "no"), DidNotFoundError, "not found"),
    "410": (lambda did: reply(410, "gone"), DidDeactivatedError, "deactivated"),
    "500": (lambda did: reply(500, "oops"), HttpStatusError, "HTTP 500"),
    "oversize": (lambda did: reply(200, "x" * 70_000), ResponseTooLargeError, "larger than 65536"),
    "oversize unbounded": (lambda did: unbounded_body, ResponseTooLargeError, "larger than 65536"),
    "redirect loop": (lambda did: redirect("/.well-known/did.json"), RedirectError, "more than 5"),
    "to https": (
        lambda did: redirect("https://localhost/.well-known/did.json"),
        RedirectError,
        "another scheme",
    ),
    "to file": (lambda did: redirect("file:///etc/passwd"), RedirectError, "another scheme"),
    "no location": (lambda did: reply(302, ""), RedirectError, "without Location"),
    "bad location host": (lambda did: redirect("http://[::1"), RedirectError, "invalid URL"),
    "bad location port": (
        lambda did: redirect("http://localhost:99999/x"),
        RedirectError,
        "invalid URL",
    ),
    "location with space": (lambda did: redirect("/a b"), RedirectError, "invalid URL"),
}


@pytest.mark.parametrize("case", list(DID_WEB_FAULTS))
def test_did_web_faults(
    driver: str, config: ResolverConfig, web: WebServer, web_did: str, case: str
) -> None:
    make_handler, error, message = DID_WEB_FAULTS[case]
    web.route("/.well-known/did.json", make_handler(web_did))
    with open_resolver(driver, replace(config, max_response_bytes=65536)) as call:
        started = time.monotonic()
        with pytest.raises(error, match=message) as caught:
            call("resolve_did", web_did)
    assert time.monotonic() - started < TIMEOUT + SLACK
    assert isinstance(caught.value, SkykitError)
    assert caught.value.identifier == web_did


@pytest.mark.parametrize("handler", [stall, trickle], ids=["no answer", "trickled body"])
def test_did_web_slow_server_times_out_within_the_timeout(
    resolve: Call, web: WebServer, web_did: str, handler: Handler
) -> None:
    web.route("/.well-known/did.json", handler)
    error, elapsed = timed_failure(resolve, "resolve_did", web_did, ResolutionTimeoutError)
    assert elapsed < TIMEOUT + SLACK
    assert web_did in str(error)
    assert isinstance(error, TimeoutError)


def test_redirects_within_the_limit_are_followed(
    resolve: Call, web: WebServer, web_did: str
) -> None:
    web.route("/.well-known/did.json", redirect("/hop1", 301))
    web.route("/hop1", redirect(f"http://127.0.0.1:{web.port}/hop2", 307))
    web.route("/hop2", json_reply(did_doc(web_did)))
    assert resolve("resolve_did", web_did).did == web_did
    assert [path for _, path in web.hits] == ["/.well-known/did.json", "/hop1", "/hop2"]


def test_redirect_to_a_forbidden_host_is_refused(
    resolve: Call, dns: DnsServer, web: WebServer, web_did: str
) -> None:
    dns.a["metadata.example.org"] = ["169.254.169.254"]
    web.route("/.well-known/did.json", redirect(f"http://metadata.example.org:{web.port}/latest"))
    with pytest.raises(ForbiddenAddressError, match=r"metadata\.example\.org"):
        resolve("resolve_did", web_did)


# -- TLS: connect to the vetted address, verify the certificate for the name ---------------


def certificate(directory: Path, hostname: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A throwaway CA and a certificate for ``hostname``: (server context, client context
    trusting only that CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("skykit test CA"))
        .issuer_name(name("skykit test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name(hostname))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = directory / f"{hostname}.pem", directory / f"{hostname}.key"
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    return server, client


@pytest.mark.parametrize(
    ("cert_name", "trusted", "outcome"),
    [
        ("pds.example.org", True, None),
        ("other.example.org", True, "match|certificate|SSL"),
        ("pds.example.org", False, "certificate|SSL"),
    ],
    ids=["verified", "wrong name", "unknown CA"],
)
def test_https_lookup_connects_to_the_vetted_address_and_verifies_the_name(
    driver: str,
    config: ResolverConfig,
    dns: DnsServer,
    tmp_path: Path,
    cert_name: str,
    trusted: bool,
    outcome: str | None,
) -> None:
    """``https://pds.example.org:<port>`` is looked up in DNS (127.0.0.1), connected to by
    address, and its certificate checked against the name (SNI) — not the address."""
    server_tls, client_tls = certificate(tmp_path, cert_name)
    secure = WebServer(tls=server_tls)
    try:
        secure.route("/.well-known/atproto-did", reply(200, PLC_DID), host="alice.example.com")
        dns.a["pds.example.org"] = ["127.0.0.1"]
        settings = replace(
            config,
            handle_base_url=f"https://pds.example.org:{secure.port}",
            ssl_context=client_tls if trusted else None,
        )
        with open_resolver(driver, settings) as call:
            if outcome is None:
                assert call("resolve_handle", "alice.example.com") == PLC_DID
                assert secure.hits == [("alice.example.com", "/.well-known/atproto-did")]
            else:
                with pytest.raises(NetworkError, match=outcome):
                    call("resolve_handle", "alice.example.com")
                assert secure.hits == []
    finally:
        secure.close()


# -- the PLC directory -----------------------------------------------------------------------


def test_plc_document(resolve: Call, web: WebServer) -> None:
    web.route(f"/{PLC_DID}", json_reply(did_doc(PLC_DID)))
    document = resolve("resolve_did", PLC_DID)
    assert (document.did, document.handle, document.signing_key) == (
        PLC_DID,
        "alice.example.com",
        KEY,
    )


@pytest.mark.parametrize(
    ("handler", "error"),
    [
        (reply(404, "DID not registered"), DidNotFoundError),
        (reply(410, "DID not available"), DidDeactivatedError),
        (reply(502, "bad gateway"), HttpStatusError),
        (json_reply(did_doc(OTHER_PLC_DID)), DidDocumentMismatchError),
        (reply(200, "{"), InvalidDidDocumentError),
        (stall, ResolutionTimeoutError),
    ],
)
def test_plc_faults(
    resolve: Call, web: WebServer, handler: Handler, error: type[Exception]
) -> None:
    web.route(f"/{PLC_DID}", handler)
    started = time.monotonic()
    with pytest.raises(error, match=PLC_DID):
        resolve("resolve_did", PLC_DID)
    assert time.monotonic() - started < TIMEOUT + SLACK


def test_plc_audit_log_is_fetched_and_verified(resolve: Call, web: WebServer) -> None:
    did = "did:plc:z72i7hdynmk6r22z27h6tvur"
    body = corpora.path("real", "atproto-dart", "plc-audit_log_bsky.json").read_text()
    web.route(f"/{did}/log/audit", reply(200, body, "application/json"))
    log = resolve("resolve_plc_log", did)
    assert len(log.entries) == 4
    assert log.document().handle == "bsky.app"
    web.route(
        f"/{did}/log/audit", reply(200, body.replace("bsky.app", "evil.com"), "application/json")
    )
    with pytest.raises(PlcVerificationError, match="hashes to"):
        resolve("resolve_plc_log", did)
    with pytest.raises(UnsupportedDidError, match="not a did:plc"):
        resolve("resolve_plc_log", "did:web:example.com")


# -- the bidirectional check -----------------------------------------------------------------


def test_identity_from_a_did_has_the_verified_handle(
    resolve: Call, dns: DnsServer, web: WebServer, web_did: str
) -> None:
    web.route("/.well-known/did.json", json_reply(did_doc(web_did, "alice.example.com")))
    dns.txt["_atproto.alice.example.com"] = [f"did={web_did}"]
    identity = resolve("resolve", web_did)
    assert (identity.did, identity.handle, identity.pds_endpoint) == (
        web_did,
        "alice.example.com",
        "https://pds.example.com",
    )
    assert identity.signing_key == KEY
    assert resolve("resolve", "alice.example.com") == identity


@pytest.mark.parametrize(
    "records",
    [[f"did={PLC_DID}"], [], [f"did={OTHER_PLC_DID}", f"did={PLC_DID}"]],
    ids=["points elsewhere", "does not resolve", "ambiguous"],
)
def test_identity_from_a_did_drops_an_unverified_handle(
    resolve: Call,
    dns: DnsServer,
    web: WebServer,
    web_did: str,
    records: list[str | tuple[str, ...]],
) -> None:
    web.route("/.well-known/did.json", json_reply(did_doc(web_did, "alice.example.com")))
    if records:
        dns.txt["_atproto.alice.example.com"] = records
    identity = resolve("resolve", web_did)
    assert identity.handle is None
    assert identity.display_handle == "handle.invalid"
    assert identity.pds_endpoint == "https://pds.example.com"


def test_identity_from_a_handle_must_be_claimed_back(
    resolve: Call, dns: DnsServer, web: WebServer, web_did: str
) -> None:
    web.route("/.well-known/did.json", json_reply(did_doc(web_did, "bob.example.com")))
    dns.txt["_atproto.alice.example.com"] = [f"did={web_did}"]
    with pytest.raises(
        HandleMismatchError, match=r"alice.example.com points to .* claims bob.example.com"
    ):
        resolve("resolve", "alice.example.com")


# -- caching ---------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_answers_are_cached_until_they_expire(
    driver: str, config: ResolverConfig, dns: DnsServer
) -> None:
    clock = FakeClock()
    dns.txt["_atproto.alice.example.com"] = [f"did={PLC_DID}"]
    settings = replace(config, clock=clock, cache_ttl=10.0, cache_stale_ttl=0.0)
    with open_resolver(driver, settings) as call:
        assert call("resolve_handle", "alice.example.com") == PLC_DID
        dns.txt["_atproto.alice.example.com"] = [f"did={OTHER_PLC_DID}"]
        clock.now += 9.0
        assert call("resolve_handle", "ALICE.example.com") == PLC_DID
        assert dns.queried("_atproto.alice.example.com") == 1
        clock.now += 2.0
        assert call("resolve_handle", "alice.example.com") == OTHER_PLC_DID
        assert dns.queried("_atproto.alice.example.com") == 2


def test_not_found_is_remembered_briefly(
    driver: str, config: ResolverConfig, dns: DnsServer, web: WebServer
) -> None:
    clock = FakeClock()
    with open_resolver(driver, replace(config, clock=clock, negative_cache_ttl=5.0)) as call:
        for _ in range(3):
            with pytest.raises(HandleNotFoundError):
                call("resolve_handle", "alice.example.com")
        assert dns.queried("_atproto.alice.example.com") == 1
        assert len(web.hits) == 1
        dns.txt["_atproto.alice.example.com"] = [f"did={PLC_DID}"]
        clock.now += 6.0
        assert call("resolve_handle", "alice.example.com") == PLC_DID


def test_transient_failures_are_not_cached(
    driver: str, config: ResolverConfig, dns: DnsServer
) -> None:
    dns.servfail.add("_atproto.alice.example.com")
    with open_resolver(driver, config) as call:
        with pytest.raises(NetworkError):
            call("resolve_handle", "alice.example.com")
        dns.servfail.clear()
        dns.txt["_atproto.alice.example.com"] = [f"did={PLC_DID}"]
        assert call("resolve_handle", "alice.example.com") == PLC_DID


def test_stale_answer_is_served_and_refreshed_in_the_background(
    driver: str, config: ResolverConfig, dns: DnsServer
) -> None:
    clock = FakeClock()
    dns.txt["_atproto.alice.example.com"] = [f"did={PLC_DID}"]
    settings = replace(config, clock=clock, cache_ttl=10.0, cache_stale_ttl=100.0)
    with open_resolver(driver, settings) as call:
        call("resolve_handle", "alice.example.com")
        dns.txt["_atproto.alice.example.com"] = [f"did={OTHER_PLC_DID}"]
        dns.drop.add("_atproto.alice.example.com")  # the refresh will hang until its timeout
        clock.now += 11.0
        started = time.monotonic()
        assert call("resolve_handle", "alice.example.com") == PLC_DID
        assert time.monotonic() - started < TIMEOUT / 2  # answered without waiting
        dns.drop.clear()
        deadline = time.monotonic() + 10 * TIMEOUT
        while call("resolve_handle", "alice.example.com") != OTHER_PLC_DID:
            assert time.monotonic() < deadline, "the background refresh never landed"
            time.sleep(0.02)


def test_purge_forgets_an_answer(driver: str, config: ResolverConfig, dns: DnsServer) -> None:
    dns.txt["_atproto.alice.example.com"] = [f"did={PLC_DID}"]
    with open_resolver(driver, config) as call:
        call("resolve_handle", "alice.example.com")
        dns.txt["_atproto.alice.example.com"] = [f"did={OTHER_PLC_DID}"]
        call("purge", "Alice.Example.com")
        assert call("resolve_handle", "alice.example.com") == OTHER_PLC_DID


def test_closed_resolver_refuses_work(config: ResolverConfig) -> None:
    resolver = Resolver(config=config)
    resolver.close()
    resolver.close()
    with pytest.raises(IdentityError, match="closed"):
        resolver.resolve_handle("alice.example.com")


# -- async specifics -------------------------------------------------------------------------


@pytest.mark.anyio
async def test_concurrent_resolutions_share_one_resolver(
    config: ResolverConfig, dns: DnsServer
) -> None:
    import anyio

    handles = [f"user{i}.example.com" for i in range(12)]
    for index, handle in enumerate(handles):
        dns.txt[f"_atproto.{handle}"] = [f"did=did:plc:{chr(97 + index) * 24}"]
    results: dict[str, str] = {}
    async with AsyncResolver(config=config) as resolver:

        async def one(handle: str) -> None:
            results[handle] = await resolver.resolve_handle(handle)

        async with anyio.create_task_group() as group:
            for handle in handles:
                group.start_soon(one, handle)
    assert results == {h: f"did:plc:{chr(97 + i) * 24}" for i, h in enumerate(handles)}


@pytest.mark.anyio
async def test_cancelled_resolution_leaves_the_resolver_usable(
    config: ResolverConfig, web: WebServer, web_did: str
) -> None:
    import anyio

    web.route("/.well-known/did.json", stall)
    async with AsyncResolver(config=replace(config, timeout=30.0)) as resolver:
        with anyio.move_on_after(0.2) as scope:
            await resolver.resolve_did(web_did)
        assert scope.cancelled_caught
        web.route("/.well-known/did.json", json_reply(did_doc(web_did)))
        assert (await resolver.resolve_did(web_did)).did == web_did


@pytest.mark.anyio
async def test_without_a_task_group_a_stale_answer_is_refreshed_inline(
    config: ResolverConfig, dns: DnsServer
) -> None:
    clock = FakeClock()
    dns.txt["_atproto.alice.example.com"] = [f"did={PLC_DID}"]
    resolver = AsyncResolver(
        config=replace(config, clock=clock, cache_ttl=10.0, cache_stale_ttl=100.0)
    )
    try:
        assert await resolver.resolve_handle("alice.example.com") == PLC_DID
        clock.now += 11.0
        dns.txt["_atproto.alice.example.com"] = [f"did={OTHER_PLC_DID}"]
        assert await resolver.resolve_handle("alice.example.com") == OTHER_PLC_DID
        clock.now += 11.0
        dns.servfail.add("_atproto.alice.example.com")  # refresh fails: the stale answer stands
        assert await resolver.resolve_handle("alice.example.com") == OTHER_PLC_DID
    finally:
        await resolver.aclose()
