"""The typed values of skykit.syntax: parts, normalisation, exactness, str behaviour."""

from __future__ import annotations

import copy
import pickle
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from skykit.syntax import (
    DID,
    DISALLOWED_TLDS,
    INVALID_HANDLE,
    NSID,
    AtIdentifier,
    AtUri,
    CidString,
    Datetime,
    Handle,
    InvalidSyntaxError,
    Language,
    OutOfRangeError,
    RecordKey,
    Uri,
    is_disallowed_tld,
    is_valid,
    now,
)
from skykit.syntax._base import SyntaxStr

# -- str behaviour shared by every typed value ---------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        DID("did:plc:ewvi7nxzyoun6zhxrhs64oiz"),
        NSID("app.bsky.feed.post"),
        AtUri("at://did:plc:abc/app.bsky.feed.post/3jzfcijpj2z2a"),
        RecordKey("self"),
        Datetime("1985-04-12T23:20:50.000Z"),
        Language("pt-BR"),
        CidString("bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"),
        Uri("https://example.com"),
        AtIdentifier("alice.example.com"),
    ],
)
def test_typed_values_behave_as_the_plain_string(value: SyntaxStr) -> None:
    plain = str(value)
    assert isinstance(value, str)
    assert type(plain) is str
    assert value == plain
    assert hash(value) == hash(plain)
    assert {plain: 1}[value] == 1
    assert f"{value}" == plain
    assert repr(value) == f"{type(value).__name__}({plain!r})"
    assert type(value)(value) is value  # already valid: no re-check, no copy
    for clone in (pickle.loads(pickle.dumps(value)), copy.copy(value), copy.deepcopy(value)):
        assert clone == value
        assert type(clone) is type(value)


def test_the_base_type_cannot_be_built() -> None:
    with pytest.raises(TypeError, match="abstract"):
        SyntaxStr("x")


def test_is_valid_classmethod() -> None:
    assert DID.is_valid("did:web:example.com")
    assert not DID.is_valid("did:web:")
    assert not DID.is_valid(None)
    assert NSID.is_valid("com.example.fooBar")


# -- DID -----------------------------------------------------------------------------------


def test_did_parts() -> None:
    did = DID("did:web:localhost%3A1234")
    assert (did.method, did.identifier) == ("web", "localhost%3A1234")
    assert DID("did:method::::val").identifier == ":::val"


def test_did_is_case_sensitive_and_kept_exactly() -> None:
    assert DID("did:plc:ABC") == "did:plc:ABC"
    assert DID("did:plc:ABC") != DID("did:plc:abc")


# -- Handle --------------------------------------------------------------------------------


def test_handle_normalises_to_lowercase() -> None:
    handle = Handle("XX.LCS.MIT.EDU")
    assert handle == "xx.lcs.mit.edu"
    assert Handle("Alice.Example.COM") == Handle("alice.example.com")
    assert handle.tld == "edu"


def test_handle_rejects_without_normalising_first() -> None:
    with pytest.raises(InvalidSyntaxError, match=r"^invalid handle 'JOHN\.\.TEST': empty label$"):
        Handle("JOHN..TEST")


@pytest.mark.parametrize("tld", sorted(DISALLOWED_TLDS))
def test_disallowed_tlds_are_valid_syntax_but_flagged(tld: str) -> None:
    handle = Handle(f"laptop.{tld.upper()}")
    assert handle.is_disallowed_tld
    assert is_disallowed_tld(f"laptop.{tld.upper()}")
    assert is_valid("handle", f"laptop.{tld}")


def test_ordinary_tlds_are_not_flagged() -> None:
    assert not Handle("alice.bsky.social").is_disallowed_tld
    assert not is_disallowed_tld("john.test")
    assert not is_disallowed_tld("local.example.com")  # only the last label counts


def test_invalid_handle_marker() -> None:
    assert Handle(INVALID_HANDLE) == "handle.invalid"
    assert is_disallowed_tld(INVALID_HANDLE)


# -- NSID ----------------------------------------------------------------------------------


def test_nsid_parts() -> None:
    nsid = NSID("app.bsky.feed.post")
    assert nsid.authority == "feed.bsky.app"
    assert nsid.name == "post"
    assert nsid.segments == ("app", "bsky", "feed", "post")


def test_nsid_from_parts_round_trips() -> None:
    nsid = NSID.from_parts("feed.bsky.app", "post")
    assert nsid == "app.bsky.feed.post"
    assert type(nsid) is NSID
    assert NSID.from_parts(nsid.authority, nsid.name) == nsid
    with pytest.raises(InvalidSyntaxError):
        NSID.from_parts("example", "fooBar")  # authority needs two segments
    with pytest.raises(InvalidSyntaxError, match="expected a str, got NoneType"):
        NSID.from_parts(None, "x")  # type: ignore[arg-type]


def test_nsid_keeps_case_and_normalises_only_on_request() -> None:
    nsid = NSID("COM.Example.fooBar")
    assert nsid == "COM.Example.fooBar"
    normalized = nsid.normalized()
    assert normalized == "com.example.fooBar"  # the name stays case-sensitive
    assert type(normalized) is NSID


# -- AT-URI --------------------------------------------------------------------------------


def test_aturi_parts_of_a_record() -> None:
    text = "at://did:plc:asdf123/com.atproto.feed.post/3jzfcijpj2z2a"
    uri = AtUri(text)
    assert str(uri) == text
    assert uri.authority == "did:plc:asdf123"
    assert type(uri.authority) is AtIdentifier
    assert uri.authority.is_did
    assert uri.collection == "com.atproto.feed.post"
    assert type(uri.collection) is NSID
    assert uri.rkey == "3jzfcijpj2z2a"
    assert type(uri.rkey) is RecordKey


def test_aturi_authority_only_and_collection() -> None:
    repo = AtUri("at://User.Bsky.Social")
    assert (repo.authority, repo.collection, repo.rkey) == ("User.Bsky.Social", None, None)
    assert repo.authority.is_handle
    assert repo.authority.as_typed() == Handle("user.bsky.social")
    collection = AtUri("at://did:abc:123/io.nsid.someFunc")
    assert collection.collection == "io.nsid.someFunc"
    assert collection.rkey is None


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("did:plc:abc",), "at://did:plc:abc"),
        (("did:plc:abc", "app.bsky.feed.post"), "at://did:plc:abc/app.bsky.feed.post"),
        (("alice.test", "app.bsky.feed.post", "self"), "at://alice.test/app.bsky.feed.post/self"),
    ],
)
def test_aturi_make_round_trips(parts: tuple[str, ...], expected: str) -> None:
    uri = AtUri.make(*parts)
    assert uri == expected
    assert type(uri) is AtUri
    assert tuple(part for part in (uri.authority, uri.collection, uri.rkey) if part) == parts


def test_aturi_make_rejects_bad_parts() -> None:
    with pytest.raises(InvalidSyntaxError, match="needs a collection"):
        AtUri.make("did:plc:abc", rkey="self")
    with pytest.raises(InvalidSyntaxError, match="is not an NSID"):
        AtUri.make("did:plc:abc", "posts", "self")
    with pytest.raises(InvalidSyntaxError, match="expected a str, got int"):
        AtUri.make("did:plc:abc", 5)  # type: ignore[arg-type]


def test_at_identifier_as_typed() -> None:
    did = AtIdentifier("did:plc:abc").as_typed()
    assert type(did) is DID
    handle = AtIdentifier("Alice.Test").as_typed()
    assert type(handle) is Handle
    assert handle == "alice.test"
    assert AtIdentifier("Alice.Test") == "Alice.Test"  # kept as given


# -- Datetime ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1985-04-12T23:20:50.000Z",
        "1985-04-12T23:20:50Z",
        "1985-04-12T23:20:50.120000Z",
        "1985-04-12T23:20:50.123+00:00",
        "1985-04-12T23:20:50.1235678912345Z",
    ],
)
def test_datetime_is_kept_exactly(text: str) -> None:
    value = Datetime(text)
    assert str(value) == text
    assert pickle.loads(pickle.dumps(value)) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1985-04-12T23:20:50.123Z", datetime(1985, 4, 12, 23, 20, 50, 123000, tzinfo=UTC)),
        ("1985-04-12T23:20:50Z", datetime(1985, 4, 12, 23, 20, 50, tzinfo=UTC)),
        (
            "1985-04-12T23:20:50.1234567891Z",  # digits beyond microseconds are dropped
            datetime(1985, 4, 12, 23, 20, 50, 123456, tzinfo=UTC),
        ),
        (
            "1985-04-12T23:20:50.1-07:00",
            datetime(1985, 4, 12, 23, 20, 50, 100000, tzinfo=timezone(-timedelta(hours=7))),
        ),
        (
            "0001-01-01T00:30:00+01:45",
            datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1, minutes=45))),
        ),
    ],
)
def test_datetime_to_datetime(text: str, expected: datetime) -> None:
    parsed = Datetime(text).to_datetime()
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


def test_datetime_year_zero_is_valid_but_not_a_python_datetime() -> None:
    value = Datetime("0000-01-01T00:00:00.000Z")
    with pytest.raises(OutOfRangeError, match="year 0000"):
        value.to_datetime()


def test_datetime_check_syntax_is_the_weaker_check() -> None:
    Datetime.check_syntax("1985-13-12T23:20:50.123Z")
    with pytest.raises(InvalidSyntaxError, match="month 13"):
        Datetime("1985-13-12T23:20:50.123Z")
    with pytest.raises(InvalidSyntaxError, match="timezone is required"):
        Datetime.check_syntax("1985-04-12T23:20:50")
    with pytest.raises(InvalidSyntaxError, match="expected a str"):
        Datetime.check_syntax(5)


def test_datetime_from_datetime_writes_the_preferred_form() -> None:
    moment = datetime(1985, 4, 12, 16, 20, 50, 123456, tzinfo=timezone(-timedelta(hours=7)))
    assert Datetime.from_datetime(moment) == "1985-04-12T23:20:50.123Z"
    assert Datetime.from_datetime(moment, timespec="microseconds") == "1985-04-12T23:20:50.123456Z"
    assert Datetime.from_datetime(datetime(5, 1, 1, tzinfo=UTC)) == "0005-01-01T00:00:00.000Z"
    with pytest.raises(InvalidSyntaxError, match="naive datetime"):
        Datetime.from_datetime(datetime(1985, 4, 12))
    with pytest.raises(InvalidSyntaxError, match="expected a datetime, got str"):
        Datetime.from_datetime("1985-04-12T23:20:50Z")  # type: ignore[arg-type]
    with pytest.raises(OutOfRangeError):
        Datetime.from_datetime(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))))


def test_now_is_spec_preferred_and_current() -> None:
    before = datetime.now(UTC)
    value = now()
    after = datetime.now(UTC)
    assert type(value) is Datetime
    assert re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z", value)
    assert before - timedelta(milliseconds=1) <= value.to_datetime() <= after
    assert is_valid("datetime", Datetime.now())


# -- the rest ------------------------------------------------------------------------------


def test_language_parts_and_strictness() -> None:
    assert Language("pt-BR").primary == "pt"
    Language.check_syntax("de-DE-1901-1901")
    with pytest.raises(InvalidSyntaxError, match="repeated"):
        Language("de-DE-1901-1901")
    with pytest.raises(InvalidSyntaxError, match="must be lowercase"):
        Language.check_syntax("JA")


def test_cid_string_and_uri_parts() -> None:
    assert CidString("zdj7WWeQ43G6JJvLWQWZpyHuAMq6uYWRjkBXFad11vE2LHhQ7").multibase_prefix == "z"
    assert Uri("at://handle.example.com/nsid/rkey").scheme == "at"
    assert Uri("microsoft.windows.camera:thing").scheme == "microsoft.windows.camera"
