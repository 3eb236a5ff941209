"""OAuth against the reference PDS with ``AsyncOAuthClient`` and ``AsyncClient``, on asyncio and
trio: the same plans as the blocking client, so the same flow, refresh, nonce handling,
revoke and refusals."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

import skykit
from skykit.identity import ResolverConfig
from skykit.lex.app.bsky.feed import post
from skykit.oauth import (
    AsyncOAuthClient,
    ClientMetadata,
    DpopError,
    DpopKey,
    IssuerMismatchError,
    OAuthSession,
    ScopeMissingError,
    SessionEndedError,
    StateError,
)
from skykit.oauth._loopback import async_login_with_browser
from tests.dns_server import DnsServer
from tests.network.harness import Account, Network, expired
from tests.network.oauth_consent import approve, resolver_config

pytestmark = [pytest.mark.network, pytest.mark.anyio]

SCOPE = "atproto transition:generic"
DECLARED = "http://127.0.0.1/callback"
REDIRECT = "http://127.0.0.1:54321/callback"


@pytest.fixture(scope="module")
def dns() -> Iterator[DnsServer]:
    with DnsServer() as server:
        yield server


@pytest.fixture(scope="module")
def config(pds_network: Network, dns: DnsServer) -> ResolverConfig:
    config: ResolverConfig = resolver_config(pds_network, dns.port)
    return config


@pytest.fixture
def account(pds_network: Network) -> Account:
    return pds_network.create_account("aoauth")


def oauth_client(config: ResolverConfig, scope: str = SCOPE, **options: Any) -> AsyncOAuthClient:
    metadata = ClientMetadata.loopback([DECLARED], scope=scope)
    return AsyncOAuthClient(metadata, resolver=config, allow_loopback_http=True, **options)


async def consent(url: str, account: Account, **options: Any) -> str:
    """The user's part, on a worker thread (it is plain blocking HTTP)."""
    return await anyio.to_thread.run_sync(
        lambda: approve(url, account.handle, account.password, **options)
    )


async def sign_in(
    oauth: AsyncOAuthClient, account: Account, scope: str | None = None
) -> OAuthSession:
    url = await oauth.authorize(account.handle, redirect_uri=REDIRECT, scope=scope)
    result = await oauth.callback(await consent(url, account))
    return result.session


class Requests:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def hook(self, request: httpx.Request) -> None:
        self.sent.append((request.method, request.url.path))

    def count(self, path: str) -> int:
        return sum(1 for _, p in self.sent if p == path)

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=30.0, event_hooks={"request": [self.hook]}, trust_env=False
        )


async def test_async_flow_refresh_nonce_rotation_and_revoke(
    config: ResolverConfig, account: Account
) -> None:
    async with oauth_client(config) as oauth:
        session = await sign_in(oauth, account)
        assert session.did == account.did
        assert session.handle == account.handle
        requests = Requests()
        async with requests.http() as http, oauth.client(session, http=http) as client:
            me = await client.com.atproto.server.get_session()
            assert me.did == account.did
            created = await client.com.atproto.repo.create_record(
                repo=account.did,
                collection=post.NSID,
                record=post.Record(text="async over OAuth", created_at=skykit.now()),
            )
            assert created.uri.startswith(f"at://{account.did}/")

            renewed = await client.refresh_session()
            assert isinstance(renewed, OAuthSession)
            assert renewed.refresh_token != session.refresh_token
            assert oauth.session_store.get(account.did) == renewed.export()

            renewed._lineage.nonces.set(renewed.service, "a-rotated-away-nonce")
            sent = len(requests.sent)
            assert (await client.com.atproto.server.get_session()).did == account.did
            assert len(requests.sent) - sent == 2

            await client.logout()
        assert oauth.session_store.get(account.did) is None


async def test_async_expired_token_refreshes_once_for_many_tasks(
    config: ResolverConfig, account: Account
) -> None:
    async with oauth_client(config) as oauth:
        session = await sign_in(oauth, account)
        stale = dataclasses.replace(session, access_token=expired(session.access_token))
        requests = Requests()
        results: list[str] = []
        async with requests.http() as http, oauth.client(stale, http=http) as client:

            async def call() -> None:
                results.append((await client.com.atproto.server.get_session()).did)

            async with anyio.create_task_group() as group:
                for _ in range(8):
                    group.start_soon(call)
        assert results == [account.did] * 8
        assert requests.count("/oauth/token") == 1
        restored = await oauth.restore(account.did)
        assert restored.refresh_token != session.refresh_token
    # Another client on the same store, the session about to expire: restore refreshes it
    # before handing it out.
    stored = oauth.session_store.get(account.did)
    assert stored is not None
    oauth.session_store.save(account.did, {**stored, "expires_at": time.time() + 1})
    async with oauth_client(config, session_store=oauth.session_store) as later:
        fresh = await later.restore(account.did)
        assert fresh.access_token != restored.access_token
        await later.revoke(fresh)


async def test_async_refusals(
    pds_network: Network, config: ResolverConfig, account: Account
) -> None:
    async with oauth_client(config, scope="atproto") as oauth:
        url = await oauth.authorize(account.handle, redirect_uri=REDIRECT)
        callback = await consent(url, account)
        with pytest.raises(StateError):
            await oauth.callback(callback.replace("state=", "state=x"))
        with pytest.raises(IssuerMismatchError):
            await oauth.callback(callback.replace("iss=http", "iss=https"))
        url = await oauth.authorize(account.handle, redirect_uri=REDIRECT)
        session = (await oauth.callback(await consent(url, account))).session
        async with oauth.client(session) as client:
            with pytest.raises(ScopeMissingError, match=r"repo:app\.bsky\.feed\.post"):
                await client.post("not allowed with scope 'atproto' alone")
        wrong = dataclasses.replace(session, dpop_key=DpopKey.generate())
        async with oauth.client(wrong) as client:
            with pytest.raises(DpopError):
                await client.com.atproto.server.get_session()
        old = session.export()
        await oauth.restore(account.did, refresh=True)
        async with oauth_client(config, scope="atproto") as elsewhere:
            elsewhere.session_store.save(account.did, old)
            with pytest.raises(SessionEndedError):
                await elsewhere.restore(account.did, refresh=True)


async def test_async_login_with_browser(config: ResolverConfig, account: Account) -> None:
    """The loopback redirect server for CLIs, with the browser replaced by plain HTTP."""
    opened: list[str] = []

    def browser(url: str) -> None:
        opened.append(url)

        def user() -> None:
            callback = approve(url, account.handle, account.password)
            httpx.get(callback, trust_env=False, timeout=30.0)  # the browser comes back

        import threading

        threading.Thread(target=user, daemon=True).start()

    async with oauth_client(config) as oauth:
        session = await async_login_with_browser(
            oauth, account.did, open_browser=browser, timeout=60
        )
        assert session.did == account.did
        assert len(opened) == 1
        await oauth.revoke(session)
