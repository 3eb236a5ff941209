"""atproto OAuth scopes: every fixture in real/indigo/scopes/ behaves as it says, typed
permissions build back to strings that parse to the same thing, and scope sets answer what
they allow."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skykit.oauth import (
    AccountPermission,
    BlobPermission,
    GenericScope,
    IdentityPermission,
    IncludePermission,
    RepoPermission,
    RpcPermission,
    ScopeError,
    Scopes,
    StaticScope,
    parse_scope,
)
from tests import corpora

SCOPES = ("real", "indigo", "scopes")


def generic_cases() -> list[dict[str, object]]:
    if not corpora.available():
        return []
    cases: list[dict[str, object]] = json.loads(
        corpora.CORPORA.joinpath(*SCOPES, "generic_scopes_valid.json").read_text()
    )
    return cases


@pytest.mark.parametrize("case", generic_cases(), ids=lambda c: str(c["scope"]))
def test_generic_syntax_fixture_parses_as_the_fixture_says(case: dict[str, object]) -> None:
    scope = GenericScope.parse(str(case["scope"]))
    expected = case["generic"]
    assert isinstance(expected, dict)
    assert scope.resource == expected["resource"]
    assert scope.positional == expected["positional"]
    assert {k: list(v) for k, v in scope.params.items()} == expected["params"]
    # What it builds back to reads the same.
    assert GenericScope.parse(str(scope)) == scope


@pytest.mark.parametrize("text", corpora.lines(*SCOPES, "generic_scopes_invalid.txt"))
def test_generic_syntax_fixture_is_refused(text: str) -> None:
    with pytest.raises(ScopeError, match="not allowed"):
        GenericScope.parse(text)


@pytest.mark.parametrize("text", corpora.lines(*SCOPES, "permission_scopes_valid.txt"))
def test_valid_permission_fixture_parses_and_round_trips(text: str) -> None:
    scope = parse_scope(text)
    assert not isinstance(scope, StaticScope)
    assert parse_scope(str(scope)) == scope
    assert Scopes.parse(f"atproto {text}").parsed[1] == scope


@pytest.mark.parametrize("text", corpora.lines(*SCOPES, "permission_scopes_invalid.txt"))
def test_invalid_permission_fixture_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ScopeError) as caught:
        parse_scope(text)
    assert repr(text) in str(caught.value)
    with pytest.raises(ScopeError):
        Scopes.parse(f"atproto {text}")


def test_fixture_files_are_not_empty() -> None:
    corpora.path(*SCOPES)
    assert len(generic_cases()) >= 15
    for name in ("permission_scopes_valid.txt", "permission_scopes_invalid.txt"):
        assert len(corpora.lines(*SCOPES, name)) >= 30


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("atproto", StaticScope("atproto")),
        ("transition:generic", StaticScope("transition:generic")),
        ("transition:chat.bsky", StaticScope("transition:chat.bsky")),
        ("repo:app.bsky.feed.post", RepoPermission(("app.bsky.feed.post",))),
        ("repo:*?action=delete", RepoPermission(("*",), ("delete",))),
        ("rpc:app.bsky.feed.getFeed?aud=*", RpcPermission(("app.bsky.feed.getFeed",), "*")),
        ("blob?accept=video/*&accept=text/html", BlobPermission(("video/*", "text/html"))),
        ("account:email?action=manage", AccountPermission("email", "manage")),
        ("account?attr=repo", AccountPermission("repo", "read")),
        ("identity:*", IdentityPermission("*")),
        (
            "include:app.example.authFull?aud=did:web:api.example.com%23svc",
            IncludePermission("app.example.authFull", "did:web:api.example.com#svc"),
        ),
    ],
)
def test_typed_permissions(text: str, expected: object) -> None:
    assert parse_scope(text) == expected


@pytest.mark.parametrize(
    ("permission", "text"),
    [
        (
            RepoPermission(("app.bsky.feed.post",), ("create",)),
            "repo:app.bsky.feed.post?action=create",
        ),
        (RepoPermission(("a.b.c", "d.e.f")), "repo?collection=a.b.c&collection=d.e.f"),
        (RpcPermission(("a.b.c",), "did:web:x.com#svc"), "rpc:a.b.c?aud=did:web:x.com%23svc"),
        (BlobPermission(("image/*",)), "blob:image/*"),
        (AccountPermission("email"), "account:email"),
        (IncludePermission("a.b.authX"), "include:a.b.authX"),
    ],
)
def test_permissions_build_scope_strings(permission: object, text: str) -> None:
    assert str(permission) == text
    assert parse_scope(text) == permission


@pytest.mark.parametrize(
    "text",
    [
        "",
        "transition:other",
        "transition:generic?x=1",
        "atproto:x",
        "repo:a.b.c?action=",
        "x?=y",
        "a?b=%zz",
        "a?b=%ff",
    ],
)
def test_more_refusals(text: str) -> None:
    with pytest.raises(ScopeError):
        parse_scope(text)


def test_scope_sets() -> None:
    scopes = Scopes.of(
        "atproto", RepoPermission(("app.bsky.feed.post",), ("create",)), "blob:image/*"
    )
    assert str(scopes) == "atproto repo:app.bsky.feed.post?action=create blob:image/*"
    assert scopes.has_atproto
    assert scopes.allows_repo("app.bsky.feed.post", "create")
    assert not scopes.allows_repo("app.bsky.feed.post", "delete")
    assert not scopes.allows_repo("app.bsky.feed.like", "create")
    assert scopes.allows_blob("image/png")
    assert not scopes.allows_blob("video/mp4")
    assert not scopes.allows_rpc("app.bsky.feed.getTimeline", "did:web:api.bsky.app#bsky_appview")
    generic = Scopes.parse("atproto transition:generic atproto")
    assert generic.items == ("atproto", "transition:generic")  # duplicates dropped
    assert generic.allows_repo("any.collection.here", "delete")
    assert generic.allows_rpc("app.bsky.feed.getTimeline", "did:web:x#y")
    assert not generic.allows_rpc("chat.bsky.convo.listConvos", "did:web:x#y")
    assert Scopes.parse("atproto transition:chat.bsky").allows_rpc("chat.bsky.convo.getLog", "d")
    assert Scopes.parse("atproto").issubset(generic)
    assert not Scopes.parse("transition:generic").has_atproto
    # A server may grant scopes this version does not know: kept, not refused.
    lenient = Scopes.parse("atproto future:thing?x=1", strict=False)
    assert lenient.parsed[1] == GenericScope("future", "thing", {"x": ("1",)})
    with pytest.raises(ScopeError, match="unknown resource 'future'"):
        Scopes.parse("atproto future:thing")


@given(
    st.from_regex(r"[a-z][a-z-]{0,8}", fullmatch=True),
    st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF), max_size=12),
    st.dictionaries(
        st.from_regex(r"[a-z]{1,5}", fullmatch=True),
        st.lists(st.text(max_size=8), min_size=1, max_size=3),
        max_size=3,
    ),
)
def test_generic_scopes_round_trip(
    resource: str, positional: str, params: dict[str, list[str]]
) -> None:
    scope = GenericScope(resource, positional, {k: tuple(v) for k, v in params.items()})
    text = str(scope)
    assert text.isascii()
    assert " " not in text
    assert GenericScope.parse(text) == scope
