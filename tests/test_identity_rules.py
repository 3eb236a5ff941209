"""The I/O-free parts of identity: address policy, did:web and did:plc rules, TXT record
rules, the answer cache, configuration checks, and the resolution plans driven by a scripted
driver (which shows that the logic does no I/O of its own)."""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from skykit.identity import (
    AmbiguousHandleError,
    HandleNotFoundError,
    IdentityError,
    RedirectError,
    ResolverConfig,
    UnsupportedDidError,
)
from skykit.identity._addresses import UNRESTRICTED, AddressPolicy, parse_ip
from skykit.identity._base import RefreshSlots
from skykit.identity._cache import AnswerCache
from skykit.identity._config import ResolverConfigError
from skykit.identity._core import IdentityCore
from skykit.identity._handle_rules import did_from_txt, dns_name
from skykit.identity._methods import check_plc, did_web_url
from skykit.identity._ops import (
    DnsAnswer,
    DnsQuery,
    Failure,
    HttpGet,
    HttpResponse,
    Op,
    Outcome,
    Plan,
    Refresh,
)
from skykit.syntax import DID, Handle

PLC_DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"

# -- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "default", "loopback", "private"),
    [
        ("93.184.216.34", True, True, True),
        ("2606:2800:220:1:248:1893:25c8:1946", True, True, True),
        ("127.0.0.1", False, True, False),
        ("127.9.9.9", False, True, False),
        ("::1", False, True, False),
        ("::ffff:127.0.0.1", False, True, False),
        ("10.0.0.1", False, False, True),
        ("172.16.5.5", False, False, True),
        ("192.168.1.1", False, False, True),
        ("100.64.0.1", False, False, True),
        ("169.254.169.254", False, False, True),
        ("fe80::1", False, False, True),
        ("fc00::1", False, False, True),
        ("::ffff:10.0.0.1", False, False, True),
        ("0.0.0.0", False, False, False),
        ("::", False, False, False),
        ("224.0.0.1", False, False, False),
        ("ff02::1", False, False, False),
    ],
)
def test_address_policy(address: str, default: bool, loopback: bool, private: bool) -> None:
    ip = ipaddress.ip_address(address)
    assert (AddressPolicy().problem(ip) is None) == default
    assert (AddressPolicy(allow_loopback=True).problem(ip) is None) == loopback
    assert (AddressPolicy(allow_private=True).problem(ip) is None) == private
    assert UNRESTRICTED.problem(ip) is None


def test_parse_ip_takes_literals_only() -> None:
    assert parse_ip("[::1]") == ipaddress.ip_address("::1")
    assert parse_ip("127.0.0.1") == ipaddress.ip_address("127.0.0.1")
    assert parse_ip("localhost") is None
    assert parse_ip("example.com") is None


# -- DID methods -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("did", "localhost", "url"),
    [
        ("did:web:example.com", False, "https://example.com/.well-known/did.json"),
        ("did:web:sub.example.co.uk", False, "https://sub.example.co.uk/.well-known/did.json"),
        ("did:web:localhost", True, "http://localhost/.well-known/did.json"),
        ("did:web:localhost%3A2583", True, "http://localhost:2583/.well-known/did.json"),
        ("did:web:localhost%3a2583", True, "http://localhost:2583/.well-known/did.json"),
    ],
)
def test_did_web_url(did: str, localhost: bool, url: str) -> None:
    assert did_web_url(DID(did), allow_localhost=localhost) == url


@pytest.mark.parametrize(
    "did",
    [
        "did:web:localhost",
        "did:web:localhost%3A80",
        "did:web:example.com%3A443",
        "did:web:example.com:path",
        "did:web:exa%2Dmple.com",
        "did:web:localhost%3A0",
        "did:web:localhost%3A080",
        "did:web:localhost%3A1%3A2",
        "did:web:example.onion",
        "did:web:x.localhost",
        "did:web:192.168.0.1",
    ],
)
def test_did_web_refusals(did: str) -> None:
    with pytest.raises(UnsupportedDidError, match=did.split(":", 2)[2][:8]):
        did_web_url(DID(did), allow_localhost=did == "did:web:localhost%3A0")


def test_did_plc_syntax() -> None:
    check_plc(DID(PLC_DID))
    for bad in (
        "did:plc:EWVI7NXZYOUN6ZHXRHS64OIZ",
        "did:plc:ewvi7nxzyoun6zhxrhs64oi",
        "did:plc:ewvi7nxzyoun6zhxrhs64oi0",
    ):
        with pytest.raises(UnsupportedDidError):
            check_plc(DID(bad))


# -- TXT records -----------------------------------------------------------------------------


def test_txt_rules() -> None:
    handle = Handle("alice.example.com")
    assert did_from_txt(handle, ("x", f"did={PLC_DID}")).did == PLC_DID
    assert did_from_txt(handle, (f"did={PLC_DID}", f"did= {PLC_DID}")).did == PLC_DID
    assert did_from_txt(handle, ()).did is None
    assert did_from_txt(handle, ("DID=" + PLC_DID,)).did is None  # the prefix is exact
    assert "not a valid DID" in did_from_txt(handle, ("did=nope",)).detail
    with pytest.raises(AmbiguousHandleError):
        did_from_txt(handle, (f"did={PLC_DID}", "did=did:web:example.com"))


def test_dns_name_limit() -> None:
    assert dns_name(Handle("a.com")) == "_atproto.a.com"
    assert (
        dns_name(Handle("a" * 61 + "." + "b" * 61 + "." + "c" * 61 + "." + "d" * 61 + ".com"))
        is None
    )


# -- the cache -------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def cache(clock: Clock, size: int = 3) -> AnswerCache[str, int]:
    return AnswerCache(ttl=10, stale_ttl=5, negative_ttl=2, max_entries=size, clock=clock)


def test_cache_freshness_and_expiry() -> None:
    clock = Clock()
    answers = cache(clock)
    answers.put("a", 1)
    hit = answers.get("a")
    assert hit is not None
    assert (hit.value, hit.fresh) == (1, True)
    clock.now = 12
    hit = answers.get("a")
    assert hit is not None
    assert (hit.value, hit.fresh) == (1, False)
    clock.now = 15.5
    assert answers.get("a") is None
    assert len(answers) == 0


def test_cache_negative_entries_expire_sooner() -> None:
    clock = Clock()
    answers = cache(clock)
    answers.put_error("a", HandleNotFoundError("gone", "a"))
    hit = answers.get("a")
    assert hit is not None
    assert isinstance(hit.error, HandleNotFoundError)
    clock.now = 2.5
    assert answers.get("a") is None


def test_cache_is_bounded_least_recently_used_first() -> None:
    answers = cache(Clock(), size=2)
    answers.put("a", 1)
    answers.put("b", 2)
    assert answers.get("a") is not None  # a is now the most recent
    answers.put("c", 3)
    assert answers.get("b") is None
    assert answers.get("a") is not None
    assert answers.get("c") is not None
    assert len(answers) == 2


def test_cache_of_size_zero_stores_nothing_and_refresh_claims_are_exclusive() -> None:
    answers = cache(Clock(), size=0)
    answers.put("a", 1)
    assert answers.get("a") is None
    assert answers.start_refresh("a")
    assert not answers.start_refresh("a")
    answers.end_refresh("a")
    assert answers.start_refresh("a")


# -- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"plc_url": "ftp://plc.example.com"},
        {"plc_url": "https://plc.example.com?x=1"},
        {"plc_url": "plc.example.com"},
        {"handle_base_url": "http://127.0.0.1:2583/base"},
        {"handle_base_url": "http://127.0.0.1:99999"},
        {"timeout": 0},
        {"timeout": 601},
        {"max_response_bytes": 10},
        {"max_redirects": -1},
        {"max_redirects": 21},
        {"dns_nameservers": ()},
        {"dns_nameservers": ("dns.google",)},
        {"dns_port": 0},
        {"cache_ttl": -1},
        {"cache_size": -1},
    ],
)
def test_config_refuses_unusable_values(options: dict[str, Any]) -> None:
    with pytest.raises(ResolverConfigError) as caught:
        ResolverConfig(**options)
    assert isinstance(caught.value, IdentityError)
    assert isinstance(caught.value, ValueError)


def test_config_defaults_are_safe() -> None:
    config = ResolverConfig(plc_url="https://plc.example.com/", handle_base_url=None)
    assert config.plc_url == "https://plc.example.com"
    assert config.allow_loopback is False
    assert config.allow_private is False
    assert config.allow_localhost_did_web is False
    assert config.handle_base_url is None
    assert ResolverConfig(plc_url="https://mirror.example.com/plc").plc_url.endswith("/plc")


# -- plans under a scripted driver -----------------------------------------------------------

Script = Callable[[Op], Outcome]


def drive(plan: Plan[Any], script: Script, limit: int = 50) -> tuple[Any, list[Op]]:
    """Run a plan, answering each operation from ``script``; return its result and the
    operations it asked for."""
    asked: list[Op] = []
    outcome: Outcome = None
    for _ in range(limit):
        try:
            op = plan.send(outcome)
        except StopIteration as stop:
            return stop.value, asked
        asked.append(op)
        outcome = script(op)
    raise AssertionError("plan did not finish")


def core(**options: Any) -> IdentityCore:
    return IdentityCore(ResolverConfig(dns_nameservers=("127.0.0.1",), **options))


def test_handle_plan_asks_dns_then_https() -> None:
    def script(op: Op) -> Outcome:
        if isinstance(op, DnsQuery):
            if op.rdtype == "TXT":
                return DnsAnswer((), exists=False)
            return DnsAnswer(("93.184.216.34",), exists=True)
        assert isinstance(op, HttpGet)
        return HttpResponse(200, (), PLC_DID.encode())

    did, asked = drive(core().resolve_handle("alice.example.com"), script)
    assert did == PLC_DID
    assert [type(op).__name__ for op in asked] == ["DnsQuery", "DnsQuery", "HttpGet"]
    txt, address, get = asked
    assert isinstance(txt, DnsQuery)
    assert (txt.name, txt.rdtype) == ("_atproto.alice.example.com", "TXT")
    assert isinstance(address, DnsQuery)
    assert (address.name, address.rdtype) == ("alice.example.com", "A")
    assert isinstance(get, HttpGet)
    assert get.url == "https://93.184.216.34:443/.well-known/atproto-did"
    assert (get.host_header, get.sni_hostname, get.max_bytes) == (
        "alice.example.com",
        "alice.example.com",
        4096,
    )


def test_second_address_is_tried_after_a_connection_failure() -> None:
    def script(op: Op) -> Outcome:
        if isinstance(op, DnsQuery):
            return DnsAnswer(("93.184.216.34", "93.184.216.35"), exists=True)
        assert isinstance(op, HttpGet)
        if "216.34" in op.url:
            return Failure("network", "refused", 0.1)
        return HttpResponse(200, (), b"{}")

    response, asked = drive(_fetch("https://example.org/x"), script)
    assert response.status == 200
    assert [op.url for op in asked if isinstance(op, HttpGet)] == [
        "https://93.184.216.34:443/x",
        "https://93.184.216.35:443/x",
    ]


def test_redirect_to_another_scheme_is_refused_by_the_plan() -> None:
    def script(op: Op) -> Outcome:
        if isinstance(op, DnsQuery):
            return DnsAnswer(("93.184.216.34",), exists=True)
        return HttpResponse(301, (("Location", "http://example.org/x"),), b"")

    with pytest.raises(RedirectError, match="another scheme"):
        drive(_fetch("https://example.org/x"), script)


def test_time_budget_is_shared_across_redirects() -> None:
    timeouts: list[float] = []

    def script(op: Op) -> Outcome:
        if isinstance(op, DnsQuery):
            return DnsAnswer(("93.184.216.34",), exists=True, elapsed=0.5)
        assert isinstance(op, HttpGet)
        timeouts.append(op.timeout)
        return HttpResponse(302, (("Location", "/again"),), b"", elapsed=1.0)

    with pytest.raises(IdentityError, match="timed out after 4 s"):
        drive(_fetch("https://example.org/x", timeout=4.0), script)
    assert timeouts == [3.5, 2.0, 0.5]


def test_stale_entry_asks_the_driver_for_a_background_refresh() -> None:
    clock = Clock()
    resolver = core(clock=clock, cache_ttl=10, cache_stale_ttl=10)
    answers = {"did": PLC_DID}

    def script(op: Op) -> Outcome:
        if isinstance(op, Refresh):
            return True  # accepted: the driver would run op.plan elsewhere
        assert isinstance(op, DnsQuery)
        return DnsAnswer((f"did={answers['did']}",), exists=True)

    assert drive(resolver.resolve_handle("alice.example.com"), script)[0] == PLC_DID
    clock.now = 11
    answers["did"] = "did:web:example.com"
    result, asked = drive(resolver.resolve_handle("alice.example.com"), script)
    assert result == PLC_DID
    assert len(asked) == 1
    refresh = asked[0]
    assert isinstance(refresh, Refresh)
    drive(refresh.plan, script)  # what the driver does in the background
    assert drive(resolver.resolve_handle("alice.example.com"), script)[0] == "did:web:example.com"


def _fetch(url: str, timeout: float = 5.0) -> Plan[HttpResponse]:
    from skykit.identity._fetch import FetchSpec, fetch

    spec = FetchSpec(url, "testing", "x", AddressPolicy(), timeout, 1000, 5, "*/*")
    return fetch(spec)


# -- import cost -----------------------------------------------------------------------------


def test_importing_identity_loads_no_network_library() -> None:
    code = (
        "import sys, skykit.identity as i; i.Resolver; i.AsyncResolver; i.DidDocument; "
        "print(sorted(m for m in ('httpx', 'httpcore', 'dns', 'anyio', 'cryptography', "
        "'skykit.data') if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "[]"


def test_purging_a_did_also_forgets_the_handle_it_claimed() -> None:
    resolver = core()
    document = json.dumps(
        {"id": PLC_DID, "alsoKnownAs": ["at://alice.example.com"], "service": []}
    ).encode()
    asked: list[Op] = []

    def script(op: Op) -> Outcome:
        asked.append(op)
        if isinstance(op, DnsQuery):
            return DnsAnswer((f"did={PLC_DID}",), exists=True)
        return HttpResponse(200, (), document)

    identity, _ = drive(resolver.resolve(PLC_DID), script)
    assert identity.handle == "alice.example.com"
    drive(resolver.resolve(PLC_DID), script)
    assert len(asked) == 2  # the document and the TXT record, once each
    resolver.purge(PLC_DID)
    drive(resolver.resolve(PLC_DID), script)
    assert len(asked) == 4


def test_refresh_slots_are_bounded() -> None:
    slots = RefreshSlots(limit=2)
    assert slots.acquire()
    assert slots.acquire()
    assert not slots.acquire()
    slots.release()
    assert slots.acquire()


def test_resolvers_satisfy_the_injection_protocols() -> None:
    from skykit.identity import AsyncIdentityResolver, AsyncResolver, IdentityResolver, Resolver

    sync: IdentityResolver = Resolver()
    asynchronous: AsyncIdentityResolver = AsyncResolver()
    assert isinstance(sync, IdentityResolver)
    assert isinstance(asynchronous, AsyncIdentityResolver)
    assert not isinstance(object(), IdentityResolver)
    assert "plc.directory" in repr(sync)
