"""The OAuth plans without I/O: a scripted authorization server and PDS answer the requests
the plans yield, so every check of the flow can be driven exactly (PAR fields, PKCE, DPoP
proofs and nonces, client assertions, token-response rules, the ``sub`` authority check,
refresh without replay) and every refusal is a named ``SkykitError`` without secrets."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from skykit.crypto import PublicKey
from skykit.errors import SkykitError
from skykit.identity import DidDocument, DidNotFoundError, Identity
from skykit.oauth import (
    AuthorizationDeniedError,
    AuthorizationError,
    ClientConfigError,
    ClientKey,
    ClientMetadata,
    DiscoveryError,
    DpopError,
    InvalidGrantError,
    IssuerMismatchError,
    MemorySessionStore,
    MemoryStateStore,
    OAuthSession,
    ScopeMissingError,
    SessionEndedError,
    StateError,
    SubjectMismatchError,
    TokenError,
)
from skykit.oauth._authorize import begin, callback_params, finish, pkce_challenge, restore
from skykit.oauth._context import ClientContext
from skykit.oauth._ops import MAX_STEPS, Resolve
from skykit.oauth._session import refresh_session
from skykit.xrpc._flow import HttpResult, Send, Sleep

ISSUER = "https://pds.example.com"
OTHER = "https://elsewhere.example.com"
DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
REDIRECT = "http://127.0.0.1:4000/callback"


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decode_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    header, claims, signature = token.split(".")
    return (
        json.loads(b64decode(header)),
        json.loads(b64decode(claims)),
        f"{header}.{claims}".encode(),
        b64decode(signature),
    )


def key_of(jwk: dict[str, str]) -> PublicKey:
    return PublicKey(b"\x04" + b64decode(jwk["x"]) + b64decode(jwk["y"]), "p256")


def verify_dpop(send: Send, *, nonce: str | None, token: str | None = None) -> dict[str, Any]:
    header, claims, signed, signature = decode_jwt(send.headers["DPoP"])
    assert header["typ"] == "dpop+jwt"
    assert header["alg"] == "ES256"
    assert set(header["jwk"]) == {"kty", "crv", "x", "y"}  # public only
    assert key_of(header["jwk"]).verify(signed, signature)
    assert claims["htm"] == send.method
    assert claims["htu"] == send.url.split("?")[0]
    assert abs(claims["iat"] - time.time()) < 60
    assert len(claims["jti"]) >= 16
    assert claims.get("nonce") == nonce
    if token is not None:
        assert (
            claims["ath"]
            == base64.urlsafe_b64encode(__import__("hashlib").sha256(token.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
    else:
        assert "ath" not in claims
    return claims


def answer(status: int, body: Any = None, **headers: str) -> HttpResult:
    content = json.dumps(body).encode() if body is not None else b""
    all_headers = {"content-type": "application/json", **headers} if body is not None else headers
    return HttpResult(status, all_headers, content)


def server_doc(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "pushed_authorization_request_endpoint": f"{issuer}/oauth/par",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
        "scopes_supported": ["atproto", "transition:generic"],
        "authorization_response_iss_parameter_supported": True,
        "require_pushed_authorization_requests": True,
        "dpop_signing_alg_values_supported": ["ES256"],
        "client_id_metadata_document_supported": True,
    }


def identity(did: str, pds: str, handle: str = "alice.example.com") -> Identity:
    document = DidDocument.from_json(
        {
            "id": did,
            "alsoKnownAs": [f"at://{handle}"],
            "service": [
                {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": pds}
            ],
        },
        did,
    )
    return Identity.of(document, handle)  # type: ignore[arg-type]


class World:
    """A scripted authorization server and PDSes. ``routes`` answer by (method, URL); the
    default ones serve valid metadata, PAR (asking once for a DPoP nonce) and tokens."""

    def __init__(self) -> None:
        self.sent: list[Send] = []
        self.sleeps = 0
        self.identities: dict[str, Identity] = {
            DID: identity(DID, ISSUER),
            "alice.example.com": identity(DID, ISSUER),
        }
        self.nonce = "nonce-1"
        self.token_response: dict[str, Any] = {
            "access_token": "at-" + "a" * 40,
            "refresh_token": "rt-" + "r" * 40,
            "token_type": "DPoP",
            "scope": "atproto transition:generic",
            "sub": DID,
            "expires_in": 300,
        }
        self.routes: dict[tuple[str, str], Callable[[Send], HttpResult]] = {}
        for issuer in (ISSUER, OTHER):
            self.routes[("GET", f"{issuer}/.well-known/oauth-protected-resource")] = (
                lambda send, i=issuer: answer(200, {"resource": i, "authorization_servers": [i]})
            )
            self.routes[("GET", f"{issuer}/.well-known/oauth-authorization-server")] = (
                lambda send, i=issuer: answer(200, server_doc(i))
            )
            self.routes[("POST", f"{issuer}/oauth/par")] = self.par
            self.routes[("POST", f"{issuer}/oauth/token")] = self.token
            self.routes[("POST", f"{issuer}/oauth/revoke")] = lambda send: answer(200, {})

    def wants_nonce(self, send: Send) -> bool:
        _, claims, _, _ = decode_jwt(send.headers["DPoP"])
        return claims.get("nonce") != self.nonce

    def par(self, send: Send) -> HttpResult:
        if self.wants_nonce(send):
            return answer(400, {"error": "use_dpop_nonce"}, **{"DPoP-Nonce": self.nonce})
        return answer(
            201, {"request_uri": "urn:ietf:params:oauth:request_uri:req-1", "expires_in": 60}
        )

    def token(self, send: Send) -> HttpResult:
        if self.wants_nonce(send):
            return answer(400, {"error": "use_dpop_nonce"}, **{"DPoP-Nonce": self.nonce})
        return answer(200, self.token_response, **{"DPoP-Nonce": self.nonce})

    def form(self, send: Send) -> dict[str, str]:
        return dict(parse_qsl(send.content.decode()))

    def sent_to(self, path: str) -> list[Send]:
        return [s for s in self.sent if urlsplit(s.url).path == path]

    def run(self, plan: Any) -> Any:
        outcome: Any = None
        error: BaseException | None = None
        for _ in range(MAX_STEPS):
            try:
                op = plan.throw(error) if error is not None else plan.send(outcome)
            except StopIteration as stop:
                return stop.value
            outcome, error = None, None
            if isinstance(op, Send):
                self.sent.append(op)
                route = self.routes.get((op.method, op.url))
                outcome = route(op) if route else answer(404, {"error": "NotFound"})
            elif isinstance(op, Sleep):
                self.sleeps += 1
            elif isinstance(op, Resolve):
                found = self.identities.get(op.identifier)
                if found is None:
                    error = DidNotFoundError(f"no {op.identifier}", op.identifier)
                outcome = found
        raise AssertionError("plan did not finish")


def context(**options: Any) -> ClientContext:
    metadata = options.pop("metadata", None) or ClientMetadata.loopback(
        ["http://127.0.0.1/callback"], scope="atproto transition:generic"
    )
    return ClientContext(
        metadata,
        options.pop("keys", ()),
        options.pop("states", MemoryStateStore()),
        options.pop("sessions", MemorySessionStore()),
        allow_loopback_http=False,
        state_ttl=600.0,
        **options,
    )


def start(
    world: World, ctx: ClientContext, target: str = "alice.example.com", **options: Any
) -> str:
    url: str = world.run(begin(ctx, target, redirect_uri=REDIRECT, **options))
    return url


def state_of(world: World) -> str:
    return world.form(world.sent_to("/oauth/par")[-1])["state"]


def callback_for(world: World, **changes: str) -> dict[str, str]:
    return {"state": state_of(world), "iss": ISSUER, "code": "cod-" + "c" * 40, **changes}


# -- authorization request ---------------------------------------------------------------


def test_par_carries_pkce_state_login_hint_and_dpop() -> None:
    world, ctx = World(), context()
    url = start(world, ctx, app_state={"back": "/home"})
    first, second = world.sent_to("/oauth/par")
    verify_dpop(first, nonce=None)
    verify_dpop(second, nonce="nonce-1")  # resent once with the server's nonce
    fields = world.form(second)
    assert fields["client_id"] == ctx.client_id
    assert fields["response_type"] == "code"
    assert fields["code_challenge_method"] == "S256"
    assert fields["redirect_uri"] == REDIRECT
    assert fields["scope"] == "atproto transition:generic"
    assert fields["login_hint"] == "alice.example.com"
    assert len(fields["state"]) >= 43
    stored = ctx.states.pop(fields["state"])
    assert stored is not None
    assert pkce_challenge(stored["verifier"]) == fields["code_challenge"]
    assert stored["expected_did"] == DID
    assert stored["app_state"] == {"back": "/home"}
    assert dict(parse_qsl(urlsplit(url).query)) == {
        "client_id": ctx.client_id,
        "request_uri": "urn:ietf:params:oauth:request_uri:req-1",
    }
    assert url.startswith(f"{ISSUER}/oauth/authorize?")
    # A new flow: another state, verifier and DPoP key.
    start(world, ctx)
    again = world.form(world.sent_to("/oauth/par")[-1])
    assert again["state"] != fields["state"]
    assert again["code_challenge"] != fields["code_challenge"]


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"redirect_uri": "http://127.0.0.1:4000/other"}, "not declared"),
        ({"scope": "atproto transition:chat.bsky"}, "does not declare"),
        ({"scope": "transition:generic"}, "'atproto'"),
    ],
)
def test_request_options_are_checked_before_any_request(
    options: dict[str, Any], reason: str
) -> None:
    world, ctx = World(), context()
    with pytest.raises(ClientConfigError, match=reason):
        world.run(begin(ctx, "alice.example.com", **options))
    assert world.sent == []


def test_unresolvable_account_is_a_discovery_error() -> None:
    world, ctx = World(), context()
    with pytest.raises(DiscoveryError, match=r"could not resolve 'bob\.example\.com'") as caught:
        start(world, ctx, "bob.example.com")
    assert isinstance(caught.value.__cause__, DidNotFoundError)
    world.identities["carol.example.com"] = Identity(
        DID,
        None,
        None,
        None,
        world.identities[DID].document,  # type: ignore[arg-type]
    )
    with pytest.raises(DiscoveryError, match="names no PDS"):
        start(world, ctx, "carol.example.com")


def test_par_without_request_uri_is_refused() -> None:
    world, ctx = World(), context()
    world.routes[("POST", f"{ISSUER}/oauth/par")] = lambda send: answer(201, {"expires_in": 60})
    with pytest.raises(TokenError, match="request_uri"):
        start(world, ctx)


# -- the callback --------------------------------------------------------------------------


def test_callback_exchanges_the_code_with_the_verifier_and_dpop() -> None:
    world, ctx = World(), context()
    start(world, ctx, app_state=[1, 2])
    pending = dict(ctx.states.pop(state_of(world)) or {})
    ctx.states.save(pending["state"], pending)
    session, app_state = world.run(finish(ctx, callback_for(world)))
    assert app_state == [1, 2]
    (token_request,) = world.sent_to("/oauth/token")  # the PAR's nonce was kept: no retry
    verify_dpop(token_request, nonce="nonce-1")
    assert world.form(token_request) == {
        "grant_type": "authorization_code",
        "code": "cod-" + "c" * 40,
        "redirect_uri": REDIRECT,
        "code_verifier": pending["verifier"],
        "client_id": ctx.client_id,
    }
    assert (session.did, session.service, session.issuer) == (DID, ISSUER, ISSUER)
    assert session.dpop_key.export() == pending["dpop_key"]  # the key of the PAR
    assert ctx.sessions.get(DID) == session.export()
    assert "at-aaaa" not in repr(session)
    assert "rt-rrrr" not in repr(session)


@pytest.mark.parametrize(
    ("changes", "error", "reason"),
    [
        ({"state": "forged"}, StateError, "unknown, expired or already used"),
        ({"iss": OTHER}, IssuerMismatchError, "'iss'"),
        ({"iss": ""}, IssuerMismatchError, "'iss'"),
        ({"code": ""}, AuthorizationError, "neither 'code' nor 'error'"),
        (
            {"error": "access_denied", "error_description": "no"},
            AuthorizationDeniedError,
            "refused",
        ),
    ],
)
def test_callback_refusals(changes: dict[str, str], error: type[Exception], reason: str) -> None:
    world, ctx = World(), context()
    start(world, ctx)
    params = callback_for(world, **changes)
    if changes.get("code") == "":
        del params["code"]
    with pytest.raises(error, match=reason) as caught:
        world.run(finish(ctx, params))
    assert isinstance(caught.value, SkykitError)
    assert world.sent_to("/oauth/token") == []


def test_a_pending_request_is_used_once_and_expires() -> None:
    world = World()
    now = [1_000_000.0]
    ctx = context(clock=lambda: now[0])
    start(world, ctx)
    params = callback_for(world)
    now[0] += 601
    with pytest.raises(StateError, match="expired"):
        world.run(finish(ctx, params))
    with pytest.raises(StateError, match="already used"):
        world.run(finish(ctx, params))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"token_type": "Bearer"}, "must be DPoP"),
        ({"scope": "transition:generic"}, "lacks 'atproto'"),
        ({"scope": None}, "no 'scope'"),
        ({"sub": "alice.example.com"}, "'sub' must be the account's DID"),
        ({"access_token": ""}, "access_token"),
        ({"refresh_token": 12}, "refresh_token"),
    ],
)
def test_token_responses_the_profile_forbids(changes: dict[str, Any], reason: str) -> None:
    world, ctx = World(), context()
    world.token_response = {
        k: v for k, v in {**world.token_response, **changes}.items() if v is not None
    }
    start(world, ctx)
    with pytest.raises(TokenError, match=reason) as caught:
        world.run(finish(ctx, callback_for(world)))
    assert "rt-rrrr" not in str(caught.value)
    assert "cod-cccc" not in str(caught.value)
    assert ctx.sessions.get(DID) is None


def test_sub_of_another_account_is_refused_and_its_tokens_revoked() -> None:
    world, ctx = World(), context()
    world.token_response["sub"] = "did:plc:someoneelse7nxzyoun6zhxr"
    start(world, ctx)
    with pytest.raises(SubjectMismatchError, match="did:plc:someoneelse"):
        world.run(finish(ctx, callback_for(world)))
    assert len(world.sent_to("/oauth/revoke")) == 1
    assert ctx.sessions.get(DID) is None


def test_from_a_server_url_the_sub_must_be_served_by_that_server() -> None:
    world, ctx = World(), context()
    start(world, ctx, ISSUER)
    assert "login_hint" not in world.form(world.sent_to("/oauth/par")[-1])
    # The account is hosted elsewhere, by a PDS whose authorization server is not ISSUER.
    world.identities[DID] = identity(DID, OTHER)
    with pytest.raises(SubjectMismatchError, match=f"whose authorization server is {OTHER}"):
        world.run(finish(ctx, callback_for(world)))
    assert len(world.sent_to("/oauth/revoke")) == 1
    # Hosted by ISSUER's PDS: accepted, with the handle verified by the resolver.
    world.identities[DID] = identity(DID, ISSUER)
    start(world, ctx, ISSUER)
    session, _ = world.run(finish(ctx, callback_for(world)))
    assert session.did == DID
    assert session.handle == "alice.example.com"


def test_confidential_clients_send_a_fresh_assertion_every_time() -> None:
    key = ClientKey.generate("k1")
    metadata = ClientMetadata.confidential(
        "https://app.example.com/client-metadata.json", ["https://app.example.com/cb"], keys=[key]
    )
    world, ctx = World(), context(metadata=metadata, keys=[key])
    world.run(begin(ctx, "alice.example.com"))
    assertions = [world.form(s)["client_assertion"] for s in world.sent_to("/oauth/par")]
    assert len(assertions) == 2
    assert assertions[0] != assertions[1]
    for assertion in assertions:
        header, claims, signed, signature = decode_jwt(assertion)
        assert header == {"typ": "JWT", "kid": "k1", "alg": "ES256"}
        assert key.keypair.verify(signed, signature)
        assert claims["iss"] == claims["sub"] == metadata.client_id
        assert claims["aud"] == ISSUER
        assert claims["exp"] - claims["iat"] == 60
    form = world.form(world.sent_to("/oauth/par")[-1])
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    state = form["state"]
    session, _ = world.run(finish(ctx, {"state": state, "iss": ISSUER, "code": "c" * 20}))
    assert session.client_kid == "k1"
    assert "client_assertion" in world.form(world.sent_to("/oauth/token")[-1])


# -- sessions --------------------------------------------------------------------------------


def signed_in(world: World, ctx: ClientContext) -> OAuthSession:
    start(world, ctx)
    session: OAuthSession = world.run(finish(ctx, callback_for(world)))[0]
    return session


def test_session_requests_carry_dpop_bound_to_the_token() -> None:
    world, ctx = World(), context()
    session = signed_in(world, ctx)
    send = Send(
        "GET", f"{ISSUER}/xrpc/com.atproto.server.getSession", (("a", "b"),), {}, None, None, False
    )
    authorized = session.authorize(send, "access")
    assert authorized.headers["Authorization"] == f"DPoP {session.access_token}"
    verify_dpop(authorized, nonce="nonce-1", token=session.access_token)
    # A resource server asking for another nonce: recorded for its origin, resent once.
    challenge = 'DPoP algs="ES256", error="use_dpop_nonce"'
    asked = answer(
        401, {"error": "use_dpop_nonce"}, **{"WWW-Authenticate": challenge, "DPoP-Nonce": "n2"}
    )
    assert session.retry_once(asked)
    verify_dpop(session.authorize(send, "access"), nonce="n2", token=session.access_token)
    expired = answer(
        401, {"error": "invalid_token"}, **{"WWW-Authenticate": 'DPoP error="invalid_token"'}
    )
    assert not session.retry_once(expired)
    assert session.expired(expired)
    assert not session.expired(answer(400, {"error": "InvalidRequest"}))
    with pytest.raises(ScopeMissingError) as caught:
        session.expired(
            answer(
                403,
                {
                    "error": "ScopeMissingError",
                    "message": 'Missing required scope "repo:a.b.c?action=create"',
                },
            )
        )
    assert caught.value.scope == "repo:a.b.c?action=create"
    binding = 'DPoP error="invalid_token", error_description="Invalid DPoP key binding"'
    with pytest.raises(DpopError, match="not the one the tokens are bound to"):
        session.expired(answer(401, {"error": "invalid_token"}, **{"WWW-Authenticate": binding}))


def test_refresh_sends_each_refresh_token_once() -> None:
    world, ctx = World(), context()
    session = signed_in(world, ctx)
    world.token_response = {
        **world.token_response,
        "access_token": "at2-" + "b" * 40,
        "refresh_token": "rt2-" + "s" * 40,
    }
    renewed = world.run(refresh_session(session))
    assert renewed.access_token.startswith("at2-")
    assert ctx.sessions.get(DID) == renewed.export()
    refresh = world.sent_to("/oauth/token")[-1]
    assert world.form(refresh) == {
        "grant_type": "refresh_token",
        "refresh_token": session.refresh_token,
        "client_id": ctx.client_id,
    }
    verify_dpop(refresh, nonce="nonce-1")
    # The old session object takes the new tokens instead of replaying its own.
    sent = len(world.sent)
    assert world.run(refresh_session(session)) == renewed
    assert len(world.sent) == sent
    # Even when nothing newer is known, a spent token is not sent again.
    ctx.sessions.delete(DID)
    session._lineage.latest = None
    with pytest.raises(SessionEndedError, match="already used"):
        world.run(refresh_session(session))
    assert len(world.sent) == sent


def test_a_refresh_running_elsewhere_is_waited_for() -> None:
    world, ctx = World(), context()
    session = signed_in(world, ctx)
    lineage = session._lineage
    lineage.refreshing = True
    plan = refresh_session(session)
    assert isinstance(next(plan), Sleep)  # waits while the other refresh runs
    newer = session.__class__(**{**session.__dict__, "refresh_token": "rt-new" + "x" * 30})
    lineage.latest, lineage.refreshing = newer, False
    with pytest.raises(StopIteration) as done:
        plan.send(None)
    assert done.value.value is newer
    assert world.sent_to("/oauth/token")[1:] == []


def test_a_refused_refresh_ends_the_session_and_redacts_the_server_text() -> None:
    world, ctx = World(), context()
    session = signed_in(world, ctx)
    token = session.refresh_token
    world.routes[("POST", f"{ISSUER}/oauth/token")] = lambda send: answer(
        400, {"error": "invalid_grant", "error_description": f"Refresh token replayed: {token}"}
    )
    with pytest.raises(SessionEndedError) as caught:
        world.run(refresh_session(session))
    assert isinstance(caught.value, InvalidGrantError)
    assert caught.value.error == "invalid_grant"
    assert "replayed" in str(caught.value)
    assert token is not None
    assert token not in str(caught.value)
    assert "[redacted]" in str(caught.value)
    assert ctx.sessions.get(DID) is None
    with pytest.raises(SessionEndedError, match="has ended"):
        world.run(refresh_session(session))


def test_restore_refreshes_only_when_needed() -> None:
    world = World()
    now = [time.time()]
    ctx = context(clock=lambda: now[0])
    session = signed_in(world, ctx)
    assert world.run(restore(ctx, DID)) == session
    now[0] += 250  # 50 s left of the 300: within the refresh margin
    world.token_response = {**world.token_response, "refresh_token": "rt3-" + "t" * 40}
    assert world.run(restore(ctx, DID)).refresh_token.startswith("rt3-")


def test_callback_parameters() -> None:
    assert callback_params("https://app.example/cb?state=s&iss=i&code=c") == {
        "state": "s",
        "iss": "i",
        "code": "c",
    }
    assert callback_params("?state=s") == {"state": "s"}
    assert callback_params({"state": "s"}) == {"state": "s"}
    with pytest.raises(AuthorizationError, match="repeated"):
        callback_params("state=a&state=b")
    with pytest.raises(AuthorizationError, match="usable"):
        callback_params({"state": "x" * 5000})


def test_a_refresh_that_never_left_may_be_retried_one_that_may_have_may_not() -> None:
    import httpx

    world, ctx = World(), context()
    session = signed_in(world, ctx)
    token_route = world.routes[("POST", f"{ISSUER}/oauth/token")]
    world.routes[("POST", f"{ISSUER}/oauth/token")] = lambda send: HttpResult(
        failure=httpx.ConnectError("connection refused")
    )
    with pytest.raises(TokenError, match="no answer") as caught:
        world.run(refresh_session(session))
    assert caught.value.sent is False
    world.routes[("POST", f"{ISSUER}/oauth/token")] = token_route
    world.token_response = {**world.token_response, "refresh_token": "rt4-" + "u" * 40}
    renewed = world.run(refresh_session(session))  # the token never left: no replay
    assert renewed.refresh_token.startswith("rt4-")
    world.routes[("POST", f"{ISSUER}/oauth/token")] = lambda send: HttpResult(
        failure=httpx.ReadTimeout("no answer")
    )
    with pytest.raises(TokenError, match="no answer") as caught:
        world.run(refresh_session(renewed))
    assert caught.value.sent is True
    ctx.sessions.delete(DID)
    with pytest.raises(SessionEndedError, match="already used"):
        world.run(refresh_session(renewed))  # it may have arrived: never sent again
