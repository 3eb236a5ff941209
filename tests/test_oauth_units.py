"""The small parts of skykit.oauth: keys (secrets out of repr and pickles), PKCE and DPoP
building blocks against their RFC vectors, the stores, the loopback redirect server, and a
cheap, lazy ``import skykit.oauth``."""

from __future__ import annotations

import json
import pickle
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

import skykit.oauth
from skykit.errors import SkykitError
from skykit.oauth import (
    AuthorizationError,
    ClientConfigError,
    ClientKey,
    ClientMetadata,
    DpopKey,
    LoopbackServer,
    MemorySessionStore,
    MemoryStateStore,
    OAuthClient,
    SessionLoadError,
    SessionStore,
    SQLiteSessionStore,
    SQLiteStateStore,
    StateStore,
    StoreError,
    login_with_browser,
)
from skykit.oauth._authorize import pkce_challenge
from skykit.oauth._dpop import Nonces, challenge, htu, proof, wants_new_nonce
from skykit.oauth._jwt import b64url_decode, jwk_thumbprint
from skykit.oauth._session import OAuthSession


def test_rfc_vectors() -> None:
    # RFC 7636 appendix B
    assert pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == (
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    # The key of RFC 9449's examples and its "jkt"
    jwk = {
        "kty": "EC",
        "x": "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
        "y": "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
        "crv": "P-256",
    }
    assert jwk_thumbprint(jwk) == "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"


def test_base64url_is_strict() -> None:
    assert b64url_decode("AQID") == b"\x01\x02\x03"
    for bad in ("AQID=", "AQ+D", "A", "AQ I"):
        with pytest.raises(ValueError, match="base64url"):
            b64url_decode(bad)


def test_dpop_pieces() -> None:
    assert htu("https://pds.example/xrpc/a.b.c?limit=5#x") == "https://pds.example/xrpc/a.b.c"
    key = DpopKey.generate()
    one, two = (proof(key, "get", "https://pds.example/x") for _ in range(2))
    assert one != two  # a fresh jti each time
    nonces = Nonces()
    assert nonces.remember("https://pds.example:443/a", {"DPoP-Nonce": "n1"})
    assert nonces.get("https://pds.example/b") == "n1"  # per origin, default port folded
    assert not nonces.remember("https://pds.example/c", {"dpop-nonce": "n1"})
    assert nonces.get("https://other.example/") is None
    assert not nonces.remember("https://pds.example/", {"dpop-nonce": "x" * 2000})
    header = 'DPoP algs="ES256", error="use_dpop_nonce", error_description="Nonce"'
    assert challenge({"WWW-Authenticate": header})["error"] == "use_dpop_nonce"
    assert challenge({"www-authenticate": 'Bearer error="x"'}) == {}
    assert wants_new_nonce(401, {"www-authenticate": header, "dpop-nonce": "n"}, b"")
    assert wants_new_nonce(400, {"dpop-nonce": "n"}, b'{"error":"use_dpop_nonce"}')
    assert not wants_new_nonce(400, {}, b'{"error":"use_dpop_nonce"}')  # no nonce to use
    assert not wants_new_nonce(400, {"dpop-nonce": "n"}, b'{"error":"invalid_grant"}')


def test_keys_keep_their_secrets() -> None:
    dpop = DpopKey.generate()
    assert DpopKey.load(dpop.export()) == dpop
    assert dpop.export()["d"] not in repr(dpop)
    assert repr(dpop) == f"DpopKey(thumbprint={dpop.thumbprint!r})"
    with pytest.raises(SkykitError, match="picklable"):
        pickle.dumps(dpop)
    client = ClientKey.generate("2026-01")
    assert ClientKey.load(client.export()) == client
    assert "d" not in client.public_jwk
    assert client.public_jwk["kid"] == "2026-01"
    assert repr(client) == "ClientKey(kid='2026-01')"
    assert client != ClientKey.generate("2026-01")
    for broken, reason in [
        ({**client.export(), "d": "AAAA"}, "invalid private part"),
        ({**client.export(), "x": dpop.public_jwk["x"]}, "do not belong"),
        ({k: v for k, v in client.export().items() if k != "kid"}, "no 'kid'"),
        ({**client.export(), "crv": "P-384"}, "P-256"),
        ("not a jwk", "P-256"),
    ]:
        with pytest.raises(ClientConfigError, match=reason):
            ClientKey.load(broken)
    with pytest.raises(ClientConfigError, match="kid"):
        ClientKey.generate("")


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_state_stores_hand_out_each_state_once(kind: str, tmp_path: Path) -> None:
    store: StateStore = (
        MemoryStateStore() if kind == "memory" else SQLiteStateStore(tmp_path / "s.sqlite")
    )
    assert isinstance(store, StateStore)
    store.save("s1", {"a": [1, "x"]})
    assert store.pop("s1") == {"a": [1, "x"]}
    assert store.pop("s1") is None
    assert store.pop("never") is None
    stale: StateStore = (
        MemoryStateStore(ttl=-1)
        if kind == "memory"
        else SQLiteStateStore(tmp_path / "t.sqlite", ttl=-1)
    )
    stale.save("s2", {})
    assert stale.pop("s2") is None  # expired


def test_memory_state_store_is_bounded() -> None:
    store = MemoryStateStore(max_entries=3)
    for i in range(10):
        store.save(f"s{i}", {"i": i})
    assert len(store) == 3
    assert store.pop("s0") is None
    assert store.pop("s9") == {"i": 9}


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_session_stores(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    store: SessionStore = MemorySessionStore() if kind == "memory" else SQLiteSessionStore(path)
    assert isinstance(store, SessionStore)
    assert store.get("did:plc:a") is None
    store.save("did:plc:a", {"v": 1})
    store.save("did:plc:a", {"v": 2})
    assert store.get("did:plc:a") == {"v": 2}
    value = store.get("did:plc:a")
    assert value is not None
    value["v"] = 3  # a copy: the store is not changed behind its back
    assert store.get("did:plc:a") == {"v": 2}
    store.delete("did:plc:a")
    store.delete("did:plc:a")
    assert store.get("did:plc:a") is None
    if kind == "sqlite":
        assert path.stat().st_mode & 0o777 == 0o600
        assert SQLiteSessionStore(path).get("did:plc:a") is None
        assert "sessions.sqlite" in repr(store)


def test_sqlite_store_reports_bad_data(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = SQLiteSessionStore(path)
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO skykit_oauth_sessions VALUES ('did:plc:x', 'not json', 0)")
    with pytest.raises(StoreError, match="not JSON"):
        store.get("did:plc:x")
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(StoreError, match=r"cannot open|unable"):
        SQLiteSessionStore(folder)


def test_loopback_server_takes_one_callback() -> None:
    with LoopbackServer(path="/cb") as server:
        assert server.redirect_uri == f"http://127.0.0.1:{server.port}/cb"
        other = httpx.get(f"http://127.0.0.1:{server.port}/favicon.ico", trust_env=False)
        assert other.status_code == 404
        page = httpx.get(f"{server.redirect_uri}?state=s&code=c", trust_env=False)
        assert page.status_code == 200
        assert "Signed in" in page.text
        assert "code" not in page.text
        assert server.wait(5) == "state=s&code=c"
        again = httpx.get(f"{server.redirect_uri}?state=t", trust_env=False)
        assert again.status_code == 404  # one-shot
    with LoopbackServer() as server, pytest.raises(AuthorizationError, match="no sign-in callback"):
        server.wait(0)


class FakeOAuth:
    """What ``login_with_browser`` needs of an OAuth client."""

    def __init__(self) -> None:
        self.metadata = ClientMetadata.loopback(["http://127.0.0.1/done"])
        self.redirect_uri = ""
        self.callback_query = ""

    def authorize(self, target: str, *, redirect_uri: str, scope: str | None) -> str:
        self.redirect_uri = redirect_uri
        return f"https://as.example/authorize?target={target}"

    def callback(self, query: str) -> Any:
        self.callback_query = query
        return type("Result", (), {"session": "the session"})()


def test_login_with_browser_opens_the_url_and_waits_for_the_redirect() -> None:
    oauth = FakeOAuth()
    opened: list[str] = []

    def browser(url: str) -> None:
        opened.append(url)
        target = f"{oauth.redirect_uri}?state=s&iss=i&code=c"
        threading.Thread(target=httpx.get, args=(target,), kwargs={"trust_env": False}).start()

    session = login_with_browser(oauth, "alice.test", open_browser=browser, timeout=30)  # type: ignore[arg-type]
    assert session == "the session"  # type: ignore[comparison-overlap]
    assert opened == ["https://as.example/authorize?target=alice.test"]
    assert oauth.redirect_uri.startswith("http://127.0.0.1:")
    assert oauth.redirect_uri.endswith("/done")
    assert oauth.callback_query == "state=s&iss=i&code=c"


def test_sessions_load_only_for_their_client() -> None:
    with OAuthClient(ClientMetadata.loopback()) as oauth:
        with pytest.raises(SessionLoadError, match="not an exported"):
            OAuthSession.load({"did": "x"}, oauth._context)
        with pytest.raises(SessionLoadError, match="not JSON"):
            OAuthSession.load("{", oauth._context)
        data = {"format": "skykit.oauth.session/1", "client_id": "https://other.example/m.json"}
        with pytest.raises(SessionLoadError, match="belongs to client"):
            OAuthSession.load(data, oauth._context)
        data["client_id"] = oauth.metadata.client_id
        with pytest.raises(SessionLoadError, match="lacks"):
            OAuthSession.load(data, oauth._context)
        assert repr(oauth) == f"<OAuthClient {oauth.metadata.client_id}>"
    with pytest.raises(ClientConfigError, match="ClientMetadata"):
        OAuthClient({"client_id": "http://localhost"})  # type: ignore[arg-type]


def test_import_is_cheap_and_every_name_resolves() -> None:
    code = (
        "import sys, skykit.oauth; "
        "print(json.dumps(sorted(m for m in ('httpx', 'cryptography', 'skykit.xrpc', "
        "'http.server', 'sqlite3') if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import json; " + code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert json.loads(out) == []
    for name in skykit.oauth.__all__:
        assert getattr(skykit.oauth, name) is not None
    assert set(dir(skykit.oauth)) >= set(skykit.oauth.__all__)
