"""OAuth against the reference PDS (its own authorization server), blocking client: a public
loopback client signs in with the user's part driven over plain HTTP, then calls the PDS
with DPoP-bound tokens through ``skykit.Client``; refresh, nonce rotation, revoke; and the
failures a client must catch, each as its own ``SkykitError`` with no token in it."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import skykit
from skykit.errors import SkykitError
from skykit.identity import ResolverConfig
from skykit.lex.app.bsky.feed import post
from skykit.oauth import (
    AuthorizationDeniedError,
    ClientMetadata,
    DpopError,
    DpopKey,
    IssuerMismatchError,
    MemoryStateStore,
    OAuthClient,
    OAuthSession,
    ScopeMissingError,
    SessionEndedError,
    SessionNotFoundError,
    SQLiteSessionStore,
    StateError,
    SubjectMismatchError,
)
from skykit.oauth._dpop import proof
from skykit.xrpc import ForbiddenError
from tests.dns_server import DnsServer
from tests.network.harness import Account, Network, expired
from tests.network.oauth_consent import approve, resolver_config

pytestmark = pytest.mark.network

SCOPE = "atproto transition:generic"
DECLARED = "http://127.0.0.1/callback"
REDIRECT = "http://127.0.0.1:54321/callback"  # never contacted: the test reads the redirect


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
    return pds_network.create_account("oauth")


def oauth_client(config: ResolverConfig, scope: str = SCOPE, **options: Any) -> OAuthClient:
    metadata = ClientMetadata.loopback([DECLARED], scope=scope)
    return OAuthClient(metadata, resolver=config, allow_loopback_http=True, **options)


def sign_in(
    oauth: OAuthClient, account: Account, target: str | None = None, scope: str | None = None
) -> OAuthSession:
    url = oauth.authorize(target or account.handle, redirect_uri=REDIRECT, scope=scope)
    return oauth.callback(approve(url, account.handle, account.password)).session


class Requests:
    """Counts what an httpx client sends, by method and path."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: list[tuple[str, str]] = []

    def hook(self, request: httpx.Request) -> None:
        with self.lock:
            self.sent.append((request.method, request.url.path))

    def count(self, path: str) -> int:
        with self.lock:
            return sum(1 for _, p in self.sent if p == path)

    def http(self) -> httpx.Client:
        return httpx.Client(timeout=30.0, event_hooks={"request": [self.hook]}, trust_env=False)


def raw_get_session(session: OAuthSession, token: str | None = None) -> httpx.Response:
    """getSession with the session's key but any token, outside the SDK."""
    token = token or session.access_token
    url = f"{session.service}/xrpc/com.atproto.server.getSession"
    for _ in range(2):
        nonce = session._lineage.nonces.get(url)
        headers = {
            "Authorization": f"DPoP {token}",
            "DPoP": proof(session.dpop_key, "GET", url, nonce=nonce, access_token=token),
        }
        response = httpx.get(url, headers=headers, trust_env=False, timeout=30.0)
        session._lineage.nonces.remember(url, response.headers)
        if "use_dpop_nonce" not in response.headers.get("www-authenticate", ""):
            break
    return response


def no_secret_in(text: str, *sessions: OAuthSession) -> None:
    for session in sessions:
        for secret in (session.access_token, session.refresh_token, session.dpop_key.export()["d"]):
            assert secret
            assert secret not in text


# -- the full flow -----------------------------------------------------------------------


def test_loopback_client_signs_in_calls_refreshes_and_revokes(
    pds_network: Network, config: ResolverConfig, account: Account
) -> None:
    with oauth_client(config) as oauth:
        session = sign_in(oauth, account)
        assert (session.did, session.handle) == (account.did, account.handle)
        assert session.service == session.issuer == pds_network.pds_url
        assert session.scope.split() == SCOPE.split()
        assert session.expires_at is not None
        assert session.expires_at > time.time()
        no_secret_in(repr(session), session)
        assert oauth.session_store.get(account.did) == session.export()

        requests = Requests()
        with requests.http() as http, oauth.client(session, http=http) as client:
            assert client.com.atproto.server.get_session().did == account.did
            created = client.com.atproto.repo.create_record(
                repo=account.did,
                collection=post.NSID,
                record=post.Record(text="posted over OAuth", created_at=skykit.now()),
            )
            assert created.uri.startswith(f"at://{account.did}/{post.NSID}/")
            rkey = created.uri.rsplit("/", 1)[1]
            got = client.com.atproto.repo.get_record(
                repo=account.did, collection=post.NSID, rkey=rkey
            )
            assert got.value.text == "posted over OAuth"

            # Refresh: new tokens, the old refresh token is never sent again.
            before = session
            renewed = client.refresh_session()
            assert isinstance(renewed, OAuthSession)
            assert renewed.access_token != before.access_token
            assert renewed.refresh_token != before.refresh_token
            assert oauth.session_store.get(account.did) == renewed.export()
            assert client.com.atproto.server.get_session().did == account.did
            assert raw_get_session(before).status_code == 401  # the old access token is dead

            # A nonce the PDS no longer accepts: one 401 use_dpop_nonce, one resend, success.
            renewed._lineage.nonces.set(renewed.service, "a-rotated-away-nonce")
            sent = len(requests.sent)
            assert client.com.atproto.server.get_session().did == account.did
            assert len(requests.sent) - sent == 2
            assert renewed._lineage.nonces.get(renewed.service) != "a-rotated-away-nonce"

            # The same at the authorization server (the same origin here): refresh once more.
            renewed._lineage.nonces.set(renewed.issuer, "a-rotated-away-nonce")
            tokens_before = requests.count("/oauth/token")
            third = client.refresh_session()
            assert requests.count("/oauth/token") - tokens_before == 2  # use_dpop_nonce, then ok
            assert isinstance(third, OAuthSession)
            assert third.access_token != renewed.access_token

            # Sign out: both tokens revoked, the session forgotten.
            client.logout()
            assert client.session is None
        assert raw_get_session(third).status_code == 401
        assert oauth.session_store.get(account.did) is None
        with pytest.raises(SessionNotFoundError, match=account.did):
            oauth.restore(account.did)


def test_sign_in_from_the_pds_url_checks_the_account_afterwards(
    pds_network: Network, config: ResolverConfig, account: Account
) -> None:
    with oauth_client(config) as oauth:
        session = sign_in(oauth, account, target=pds_network.pds_url)
        assert session.did == account.did
        assert session.handle == account.handle  # verified both ways after the fact
        with oauth.client(session) as client:
            assert client.com.atproto.server.get_session().handle == account.handle
        oauth.revoke(session)


def test_sign_in_by_did_and_a_sqlite_store_that_outlives_the_client(
    config: ResolverConfig, account: Account, tmp_path: Path
) -> None:
    store = tmp_path / "sessions.sqlite"
    with oauth_client(config, session_store=SQLiteSessionStore(store)) as oauth:
        session = sign_in(oauth, account, target=account.did)
    assert store.stat().st_mode & 0o077 == 0  # readable by its owner only
    with oauth_client(config, session_store=SQLiteSessionStore(store)) as later:
        restored = later.restore(account.did)
        assert restored == session  # not near expiry: the same tokens
        with later.client(restored) as client:
            assert client.com.atproto.server.get_session().did == account.did
        # About to expire: restore refreshes first.
        stored = later.session_store.get(account.did)
        assert stored is not None
        later.session_store.save(account.did, {**stored, "expires_at": time.time() + 5})
        refreshed = later.restore(account.did)
        assert refreshed.access_token != session.access_token
        assert refreshed.expires_at is not None
        assert refreshed.expires_at > time.time() + 60
        later.revoke(account.did)
        assert later.session_store.get(account.did) is None


def test_expired_access_token_refreshes_once_under_concurrency(
    config: ResolverConfig, account: Account
) -> None:
    with oauth_client(config) as oauth:
        session = sign_in(oauth, account)
        stale = dataclasses.replace(session, access_token=expired(session.access_token))
        assert raw_get_session(stale).json()["error"] == "invalid_token"
        requests = Requests()
        with requests.http() as http, oauth.client(stale, http=http) as client:
            results: list[str] = []
            errors: list[BaseException] = []

            def call() -> None:
                try:
                    results.append(client.com.atproto.server.get_session().did)
                except BaseException as exc:  # pragma: no cover - reported below
                    errors.append(exc)

            threads = [threading.Thread(target=call) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60.0)
            assert not errors, errors
            assert results == [account.did] * 8
            assert requests.count("/oauth/token") == 1
            assert isinstance(client.session, OAuthSession)
            assert client.session.refresh_token != session.refresh_token
        oauth.revoke(account.did)


# -- what the client must refuse ------------------------------------------------------------


def test_scope_too_narrow_is_a_scope_missing_error(
    config: ResolverConfig, account: Account
) -> None:
    granular = "atproto repo:app.bsky.feed.post?action=create"
    with oauth_client(config, scope=f"{SCOPE} {granular.split()[1]}") as oauth:
        session = sign_in(oauth, account, scope=granular)
        assert session.scope.split() == granular.split()
        with oauth.client(session) as client:
            assert client.com.atproto.server.get_session().did == account.did
            created = client.post("allowed by repo:app.bsky.feed.post?action=create")
            with pytest.raises(ScopeMissingError) as caught:
                client.delete_post(created.uri)
        error = caught.value
        assert isinstance(error, ForbiddenError)
        assert isinstance(error, SkykitError)
        assert error.scope == "repo:app.bsky.feed.post?action=delete"
        assert error.status == 403
        assert error.error == "ScopeMissingError"
        no_secret_in(str(error), session)
        oauth.revoke(session)


def test_wrong_state_and_replayed_callbacks_are_refused(
    config: ResolverConfig, account: Account
) -> None:
    with oauth_client(config) as oauth:
        url = oauth.authorize(account.handle, redirect_uri=REDIRECT)
        callback = approve(url, account.handle, account.password)
        forged = callback.replace("state=", "state=forged")
        with pytest.raises(StateError, match="unknown, expired or already used"):
            oauth.callback(forged)
        with pytest.raises(StateError, match="no 'state'"):
            oauth.callback({"code": "x", "iss": "y"})
        session = oauth.callback(callback).session  # the real one still works, once
        assert session.did == account.did
        with pytest.raises(StateError) as caught:
            oauth.callback(callback)
        assert "code=" not in str(caught.value)
        assert "cod-" not in str(caught.value)
        oauth.revoke(session)


def test_wrong_iss_is_refused(config: ResolverConfig, account: Account) -> None:
    with oauth_client(config) as oauth:
        url = oauth.authorize(account.handle, redirect_uri=REDIRECT)
        callback = approve(url, account.handle, account.password)
        wrong = callback.replace("iss=http", "iss=https")
        with pytest.raises(IssuerMismatchError, match="'iss'") as caught:
            oauth.callback(wrong)
        assert "cod-" not in str(caught.value)
        assert oauth.session_store.get(account.did) is None


def test_denied_request_is_reported(config: ResolverConfig, account: Account) -> None:
    with oauth_client(config) as oauth:
        url = oauth.authorize(account.handle, redirect_uri=REDIRECT)
        callback = approve(url, account.handle, account.password, approve=False)
        with pytest.raises(AuthorizationDeniedError, match="access_denied") as caught:
            oauth.callback(callback)
        assert caught.value.error == "access_denied"


class SwapDid(MemoryStateStore):
    """A state store whose pending authorizations come back for another account: what a
    server authenticating someone else than the resolved account would look like."""

    def __init__(self, other_did: str) -> None:
        super().__init__()
        self.other_did = other_did

    def pop(self, state: str) -> dict[str, Any] | None:
        value = super().pop(state)
        return None if value is None else {**value, "expected_did": self.other_did}


def test_sub_that_is_not_the_resolved_account_is_refused(
    pds_network: Network, config: ResolverConfig, account: Account
) -> None:
    other = pds_network.create_account("other")
    with oauth_client(config, state_store=SwapDid(other.did)) as oauth:
        with pytest.raises(SubjectMismatchError, match=other.did):
            sign_in(oauth, account)
        assert oauth.session_store.get(account.did) is None
        assert oauth.session_store.get(other.did) is None


def test_replayed_refresh_token_is_never_sent_by_one_client_and_ends_the_session(
    config: ResolverConfig, account: Account
) -> None:
    with oauth_client(config) as oauth:
        session = sign_in(oauth, account)
        old = session.export()
        renewed = oauth.restore(account.did, refresh=True)
        assert renewed.refresh_token != session.refresh_token
        # Within one client, an old session object takes the newer tokens: no replay.
        with oauth.client(session) as client:
            assert client.refresh_session() == renewed
        # Another client (another process) with the old export replays the used token.
        with oauth_client(config) as elsewhere:
            elsewhere.session_store.save(account.did, old)
            with pytest.raises(SessionEndedError, match="sign in again") as caught:
                elsewhere.restore(account.did, refresh=True)
            assert elsewhere.session_store.get(account.did) is None
        no_secret_in(str(caught.value), session, renewed)
        # The server ended the whole session: the renewed tokens are dead too.
        with oauth.client(renewed) as client, pytest.raises(SessionEndedError):
            client.com.atproto.server.get_session()


def test_dpop_key_mismatch_is_refused_without_refreshing(
    config: ResolverConfig, account: Account
) -> None:
    with oauth_client(config) as oauth:
        session = sign_in(oauth, account)
        wrong = dataclasses.replace(session, dpop_key=DpopKey.generate())
        requests = Requests()
        with (
            requests.http() as http,
            oauth.client(wrong, http=http) as client,
            pytest.raises(DpopError, match="DPoP key") as caught,
        ):
            client.com.atproto.server.get_session()
        assert requests.count("/oauth/token") == 0  # a refresh would have killed the session
        no_secret_in(str(caught.value), session)
        with oauth.client(session) as client:
            assert client.com.atproto.server.get_session().did == account.did
        oauth.revoke(session)


def test_no_secret_reaches_the_logs(
    config: ResolverConfig, account: Account, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with oauth_client(config) as oauth:
        url = oauth.authorize(account.handle, redirect_uri=REDIRECT)
        with caplog.at_level(logging.CRITICAL):  # the browser's part (not the SDK) sees the code
            callback = approve(url, account.handle, account.password)
        session = oauth.callback(callback).session
        with oauth.client(session) as client:
            client.com.atproto.server.get_session()
            renewed = client.refresh_session()
            assert isinstance(renewed, OAuthSession)
            client.logout()
    code = dict(httpx.URL(callback).params)["code"]
    assert "oauth/token" in caplog.text  # the SDK's requests were logged, without secrets
    assert any(record.name == "skykit.oauth" for record in caplog.records)
    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert code not in logged
    no_secret_in(logged, session, renewed)
