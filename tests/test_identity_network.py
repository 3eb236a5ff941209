"""Identity against the reference network: accounts created on the PDS resolve by DID
(through the PLC directory) and by handle (through the PDS's /.well-known/atproto-did),
their PLC audit logs verify, and a handle change is seen once the cache expires.

All traffic stays on 127.0.0.1: the PLC and PDS listen there, DNS goes to a loopback server
that knows no names, and the handle lookups use the explicit development base URL.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import anyio
import httpx
import pytest

from skykit.identity import (
    AsyncResolver,
    DidDocument,
    HandleMismatchError,
    HandleNotFoundError,
    Resolver,
    ResolverConfig,
)
from tests.dns_server import DnsServer
from tests.network.harness import Account, Network

pytestmark = pytest.mark.network


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def dns_server() -> Iterator[DnsServer]:
    with DnsServer() as server:
        yield server


@pytest.fixture(scope="module")
def base_config(pds_network: Network, dns_server: DnsServer) -> ResolverConfig:
    # 127.0.0.1 rather than the harness's "localhost", which may also mean ::1.
    return ResolverConfig(
        plc_url=pds_network.plc_url.replace("//localhost:", "//127.0.0.1:"),
        handle_base_url=pds_network.pds_url.replace("//localhost:", "//127.0.0.1:"),
        allow_loopback=True,
        dns_nameservers=("127.0.0.1",),
        dns_port=dns_server.port,
        timeout=15.0,
    )


@pytest.fixture(scope="module")
def alice(pds_network: Network) -> Account:
    return pds_network.create_account("alice")


def change_handle(network: Network, account: Account) -> str:
    new_handle = f"n{secrets.token_hex(4)}.test"
    with network.http() as client:
        response = client.post(
            "/xrpc/com.atproto.identity.updateHandle",
            json={"handle": new_handle},
            headers=account.auth_headers,
        )
    assert response.status_code == 200, response.text
    return new_handle


def plc_document(network: Network, did: str) -> Any:
    with httpx.Client(base_url=network.plc_url, trust_env=False, timeout=15.0) as plc:
        response = plc.get(f"/{did}")
    assert response.status_code == 200, response.text
    return response.json()


def essentials(document: DidDocument) -> tuple[Any, ...]:
    """What atproto reads from a document, independent of the key encoding used."""
    return (
        document.did,
        document.also_known_as,
        document.handle,
        document.pds_endpoint,
        document.signing_key,
        document.services,
    )


def wait_for(check: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_account_resolves_by_did_and_by_handle(
    pds_network: Network, base_config: ResolverConfig, alice: Account
) -> None:
    with Resolver(config=base_config) as resolver:
        by_did = resolver.resolve(alice.did)
        by_handle = resolver.resolve(alice.handle)
        assert resolver.resolve_handle(alice.handle) == alice.did
        document = resolver.resolve_did(alice.did)
    for identity in (by_did, by_handle):
        assert identity.did == alice.did
        assert identity.handle == alice.handle
        assert identity.pds_endpoint == pds_network.pds_url
        assert identity.signing_key is not None
    assert document == DidDocument.from_json(plc_document(pds_network, alice.did), alice.did)


def test_new_accounts_signing_key_is_the_one_the_pds_signs_with(
    pds_network: Network, base_config: ResolverConfig, alice: Account
) -> None:
    """The key read from the PLC document verifies the signed commit of the account's repo."""
    from skykit.data import decode_dag_cbor, encode_dag_cbor
    from skykit.repo.car import read_car

    with pds_network.http() as client:
        response = client.get("/xrpc/com.atproto.sync.getRepo", params={"did": alice.did})
    assert response.status_code == 200
    car = read_car(response.content)
    commit = decode_dag_cbor(next(b.data for b in car if b.cid == car.roots[0]))
    signature = commit.pop("sig")
    assert isinstance(signature, bytes)
    with Resolver(config=base_config) as resolver:
        key = resolver.resolve(alice.did).signing_key
    assert key is not None
    assert key.verify(encode_dag_cbor(commit), signature)


def test_plc_audit_log_of_a_new_account_verifies(
    pds_network: Network, base_config: ResolverConfig, alice: Account
) -> None:
    with Resolver(config=base_config) as resolver:
        log = resolver.resolve_plc_log(alice.did)
        document = resolver.resolve_did(alice.did)
    assert log.did == alice.did
    assert log.entries[0].operation.prev is None
    # This PLC server renders keys in the legacy form; the log's state renders Multikey.
    assert document.verification_methods[0].type == "EcdsaSecp256k1VerificationKey2019"
    assert essentials(log.document()) == essentials(document)
    assert log.document().handle == alice.handle


def test_handle_change_is_seen_after_the_cache_expires(
    pds_network: Network, base_config: ResolverConfig
) -> None:
    clock = FakeClock()
    config = replace(base_config, clock=clock, cache_ttl=60.0, cache_stale_ttl=0.0)
    bob = pds_network.create_account("bob")
    with Resolver(config=config) as resolver:
        assert resolver.resolve(bob.did).handle == bob.handle
        new_handle = change_handle(pds_network, bob)
        # Cached: the old answers stand until they expire.
        assert resolver.resolve(bob.did).handle == bob.handle
        assert resolver.resolve_handle(bob.handle) == bob.did
        clock.advance(61.0)
        identity = resolver.resolve(bob.did)
        assert identity.handle == new_handle
        assert resolver.resolve(new_handle).did == bob.did
        with pytest.raises(HandleNotFoundError, match=bob.handle):
            resolver.resolve_handle(bob.handle)


def test_stale_answer_is_served_while_it_is_refreshed(
    pds_network: Network, base_config: ResolverConfig
) -> None:
    clock = FakeClock()
    config = replace(base_config, clock=clock, cache_ttl=60.0, cache_stale_ttl=600.0)
    carol = pds_network.create_account("carol")
    with Resolver(config=config) as resolver:
        assert resolver.resolve_did(carol.did).handle == carol.handle
        new_handle = change_handle(pds_network, carol)
        clock.advance(61.0)  # stale, not expired: answered at once, refreshed behind
        assert resolver.resolve_did(carol.did).handle == carol.handle
        assert wait_for(lambda: resolver.resolve_did(carol.did).handle == new_handle)
        # The old handle now points to nothing, so asking for it by name fails both ways.
        clock.advance(61.0 + 600.0)
        with pytest.raises((HandleNotFoundError, HandleMismatchError)):
            resolver.resolve(carol.handle)


@pytest.mark.anyio
async def test_async_account_resolves_by_did_and_by_handle(
    pds_network: Network, base_config: ResolverConfig, alice: Account
) -> None:
    async with AsyncResolver(config=base_config) as resolver:
        by_did = await resolver.resolve(alice.did)
        by_handle = await resolver.resolve(alice.handle)
        log = await resolver.resolve_plc_log(alice.did)
    assert by_did == by_handle
    assert by_did.handle == alice.handle
    assert by_did.pds_endpoint == pds_network.pds_url
    assert essentials(log.document()) == essentials(by_did.document)


@pytest.mark.anyio
async def test_async_handle_change_with_background_refresh(
    pds_network: Network, base_config: ResolverConfig
) -> None:
    clock = FakeClock()
    config = replace(base_config, clock=clock, cache_ttl=60.0, cache_stale_ttl=600.0)
    dave = pds_network.create_account("dave")
    async with AsyncResolver(config=config) as resolver:
        assert (await resolver.resolve(dave.did)).handle == dave.handle
        new_handle = change_handle(pds_network, dave)
        clock.advance(61.0)
        assert (await resolver.resolve(dave.did)).handle == dave.handle  # stale, refreshing
        with anyio.fail_after(15):
            for _ in range(1000):
                if (await resolver.resolve(dave.did)).handle == new_handle:
                    break
                await anyio.sleep(0.02)
        assert (await resolver.resolve(dave.did)).handle == new_handle
