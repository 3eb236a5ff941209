"""skykit.syntax against the atproto interop files, plus the validate() contract."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import skykit
from skykit import syntax
from skykit.syntax import (
    DID,
    NSID,
    TID,
    AtIdentifier,
    AtUri,
    CidString,
    Datetime,
    Handle,
    InvalidSyntaxError,
    Language,
    RecordKey,
    UnknownFormatError,
    Uri,
    is_valid,
    validate,
)
from skykit.syntax._base import SyntaxStr
from tests import corpora

SYNTAX_DIR = ("interop", "syntax")

# File-name prefix -> lexicon format name.
FORMAT_OF_PREFIX = {
    "atidentifier": "at-identifier",
    "aturi": "at-uri",
    "cid": "cid",
    "datetime": "datetime",
    "did": "did",
    "handle": "handle",
    "language": "language",
    "nsid": "nsid",
    "recordkey": "record-key",
    "tid": "tid",
    "uri": "uri",
}
KINDS = ("syntax_valid", "syntax_invalid", "parse_invalid")

TYPE_OF_FORMAT: dict[str, type[SyntaxStr]] = {
    "at-identifier": AtIdentifier,
    "at-uri": AtUri,
    "cid": CidString,
    "datetime": Datetime,
    "did": DID,
    "handle": Handle,
    "language": Language,
    "nsid": NSID,
    "record-key": RecordKey,
    "tid": TID,
    "uri": Uri,
}


def _short(value: str) -> str:
    shown = ascii(value)
    return shown if len(shown) <= 32 else f"{shown[:24]}...({len(value)}ch)"


def _split_name(path: Path) -> tuple[str, str]:
    """``datetime_parse_invalid.txt`` -> (``"datetime"``, ``"parse_invalid"``)."""
    for kind in KINDS:
        suffix = f"_{kind}"
        if path.stem.endswith(suffix):
            return path.stem[: -len(suffix)], kind
    raise AssertionError(f"{path.name}: not a *_syntax_valid/_syntax_invalid/_parse_invalid file")


def _corpus_cases() -> list[Any]:
    """One case per value line of every file under interop/syntax, id'd by file and line."""
    if not corpora.available():
        return [pytest.param(None, None, None, None, id="corpora-missing")]
    cases = []
    for path in sorted(corpora.CORPORA.joinpath(*SYNTAX_DIR).glob("*.txt")):
        prefix, kind = _split_name(path)
        numbered = [
            (number, line)
            for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1)
            if line and not line.startswith("#")
        ]
        # The line numbers are ours; the values must be exactly what corpora.lines() reads.
        assert [line for _, line in numbered] == corpora.lines(*SYNTAX_DIR, path.name)
        for number, line in numbered:
            case_id = f"{path.name}:{number}={_short(line)}"
            cases.append(pytest.param(path.name, prefix, kind, line, id=case_id))
    return cases


CORPUS_CASES = _corpus_cases()


@pytest.mark.parametrize(("file_name", "prefix", "kind", "value"), CORPUS_CASES)
def test_interop_line(file_name: str | None, prefix: str, kind: str, value: str) -> None:
    if file_name is None:
        corpora.path(*SYNTAX_DIR)  # skips (or fails under CI) with the reason
        return
    assert prefix in FORMAT_OF_PREFIX, f"{file_name}: no format mapped for {prefix!r}"
    fmt = FORMAT_OF_PREFIX[prefix]
    typed = TYPE_OF_FORMAT[fmt]
    if kind == "syntax_valid":
        validate(fmt, value)  # raises when rejected
        assert is_valid(fmt, value)
        assert typed(value) == (value.lower() if fmt == "handle" else value)
        return
    with pytest.raises(InvalidSyntaxError) as caught:
        validate(fmt, value)
    assert type(caught.value) is InvalidSyntaxError
    assert caught.value.format == fmt
    assert caught.value.value == value
    assert str(caught.value).startswith(f"invalid {fmt} ")
    assert caught.value.reason
    assert caught.value.reason in str(caught.value)
    assert not is_valid(fmt, value)
    with pytest.raises(InvalidSyntaxError):
        typed(value)


SYNTAX_ONLY_CHECKS = {"datetime": Datetime.check_syntax, "language": Language.check_syntax}


@pytest.mark.parametrize(
    ("file_name", "prefix", "kind", "value"),
    [case for case in CORPUS_CASES if case.values[1] in (None, *SYNTAX_ONLY_CHECKS)],
)
def test_interop_line_syntax_only_check(
    file_name: str | None, prefix: str, kind: str, value: str
) -> None:
    """The syntax-only checks accept what is merely semantically wrong (parse_invalid)."""
    if file_name is None:
        corpora.path(*SYNTAX_DIR)
        return
    check_syntax = SYNTAX_ONLY_CHECKS[prefix]
    if kind == "syntax_invalid":
        with pytest.raises(InvalidSyntaxError):
            check_syntax(value)
    else:
        check_syntax(value)  # raises when rejected


def test_every_corpus_file_is_covered() -> None:
    directory = corpora.path(*SYNTAX_DIR)
    names = sorted(path.name for path in directory.glob("*.txt"))
    assert len(names) == 24
    prefixes = {_split_name(Path(name))[0] for name in names}
    assert prefixes == set(FORMAT_OF_PREFIX)
    # INDEX.md of the pinned snapshot lists 536 values across the 24 files.
    assert len([case for case in CORPUS_CASES if case.values[0] is not None]) == 536


# -- validate(): the contract other layers rely on -----------------------------------------


def test_formats_are_the_lexicon_string_formats() -> None:
    assert set(syntax.FORMATS) == set(FORMAT_OF_PREFIX.values())


@pytest.mark.parametrize("fmt", sorted(FORMAT_OF_PREFIX.values()))
@pytest.mark.parametrize("value", [None, 0, 3.5, b"did:plc:abc", ["x"], object()])
def test_non_str_values_are_invalid_syntax_not_type_errors(fmt: str, value: object) -> None:
    with pytest.raises(InvalidSyntaxError, match=f"^invalid {fmt}: expected a str, got "):
        validate(fmt, value)
    assert not is_valid(fmt, value)
    with pytest.raises(InvalidSyntaxError):
        TYPE_OF_FORMAT[fmt](value)


def test_invalid_syntax_error_is_a_skykit_error_and_a_value_error() -> None:
    with pytest.raises(InvalidSyntaxError) as caught:
        validate("handle", "foo..bar")
    error = caught.value
    assert isinstance(error, skykit.SkykitError)
    assert isinstance(error, ValueError)
    assert str(error) == "invalid handle 'foo..bar': empty label"
    assert (error.format, error.value, error.reason) == ("handle", "foo..bar", "empty label")
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error)
    assert copy.reason == "empty label"


@pytest.mark.parametrize("fmt", ["date", "DID", "", "at_uri", None, 3])
def test_unknown_format_names_the_known_ones(fmt: Any) -> None:
    with pytest.raises(UnknownFormatError) as caught:
        validate(fmt, "x")
    assert isinstance(caught.value, skykit.SkykitError)
    assert not isinstance(caught.value, InvalidSyntaxError)
    assert "known formats: at-identifier, at-uri, cid, datetime" in str(caught.value)
    with pytest.raises(UnknownFormatError):
        is_valid(fmt, "x")


@pytest.mark.parametrize(
    ("fmt", "value", "reason"),
    [
        ("did", "did:plc:", "empty method-specific identifier"),
        ("did", "did:PLC:abc", "method 'PLC' must be lowercase ASCII letters"),
        ("did", "did:web:a%2", "'%' must be followed by two hex digits"),
        ("did", "did:web:a%zz", "'%' must be followed by two hex digits"),
        ("did", "did:web:abc:", "must not end with ':'"),
        ("handle", "john", "needs at least two labels, like 'name.example.com'"),
        ("handle", "john.0aa", "top-level domain '0aa' starts with a digit"),
        ("handle", "-a.com", "label '-a' starts or ends with a hyphen"),
        ("handle", "jo hn.com", "disallowed character ' ' (allowed: ASCII letters, digits"),
        ("nsid", "com.example", "needs at least three segments"),
        ("nsid", "com.example.foo-bar", "name 'foo-bar' must be letters and digits"),
        ("at-uri", "at://did:plc:abc#frag", "query and fragment parts are not allowed"),
        ("at-uri", "at://did:plc:abc/app.bsky.feed.post/a/b", "too many path segments"),
        ("at-uri", "at://name/app.bsky.feed.post", "authority 'name' is not a handle or DID"),
        ("at-uri", "at://a.com/short/x", "collection 'short' is not an NSID"),
        ("at-uri", "at://a.com/a.b.c/..", "record key '..' is invalid"),
        ("record-key", "..", "'.' and '..' are not allowed"),
        ("record-key", "#extra", "disallowed character '#'"),
        ("tid", "3jzfcijpj2z2", "must be 13 characters, got 12"),
        ("tid", "3JZFCIJPJ2Z2A", "disallowed character 'J'"),
        ("datetime", "1985-04-12T23:20:50.123z", "'T' and 'Z' must be uppercase"),
        ("datetime", "1985-04-12T23:20:50", "a timezone is required"),
        ("datetime", "1985-04-12T23:20:50-00:00", "'-00:00' is not allowed"),
        ("datetime", "1985-02-29T00:00:00Z", "day 29 is out of range for 1985-02"),
        ("datetime", "1985-04-12T23:59:60Z", "leap seconds are not accepted"),
        ("datetime", "9999-12-31T23:00:00-01:00", "normalizes to a time after year 9999"),
        ("language", "JA", "primary language subtag 'JA' must be lowercase"),
        ("language", "en-a-foo-A-bar", "extension singleton 'A' is repeated"),
        ("language", "de-419-DE", "unexpected subtag 'DE'"),
        ("language", "en-x", "private-use singleton 'x' has no subtags"),
        ("cid", "Qm" + "a" * 44, "CIDv0"),
        ("cid", "bafy0000", "character '0' is not in the base of multibase prefix 'b'"),
        ("uri", "https:", "nothing after the scheme"),
        ("uri", "1http://x", "scheme '1http' must be a letter"),
        ("uri", "https://a.com/\u2003", "whitespace or control character"),
    ],
)
def test_messages_say_what_is_wrong(fmt: str, value: str, reason: str) -> None:
    with pytest.raises(InvalidSyntaxError) as caught:
        validate(fmt, value)
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("fmt", "value"),
    [
        # Python's `$` and `\d` would let these through; fullmatch and [0-9] do not.
        ("did", "did:plc:abc\n"),
        ("handle", "john.test\n"),
        ("nsid", "com.example.foo\n"),
        ("tid", "3jzfcijpj2z2a\n"),
        ("record-key", "self\n"),
        ("datetime", "1985-04-12T23:20:50.123Z\n"),
        ("datetime", "\u0661985-04-12T23:20:50.123Z"),  # Arabic-Indic digit one
        ("language", "en\n"),
        ("cid", "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm\n"),
        ("uri", "https://example.com\n"),
        ("at-uri", "at://did:plc:abc\n"),
        # A '#'-led value the interop runners skip as a comment (recordkey_syntax_invalid:5).
        ("record-key", "#extra"),
        ("at-identifier", "did:plc:abc:"),
        ("uri", "https://example.com/\ud800"),  # lone surrogate
    ],
)
def test_edge_values_are_rejected(fmt: str, value: str) -> None:
    assert not is_valid(fmt, value)


@pytest.mark.parametrize(
    ("fmt", "value"),
    [
        ("datetime", "2000-02-29T00:00:00Z"),  # leap year by the 400 rule
        ("datetime", "0000-02-29T00:00:00Z"),  # year 0000 is a leap year
        ("datetime", "0000-01-01T01:00:00+01:00"),  # exactly year 0000 in UTC
        ("datetime", "9999-12-31T23:59:59.999999Z"),
        ("uri", "https://ja.wikipedia.org/wiki/\u65e5\u672c"),  # IRIs are kept as given
        ("language", "i-DEFAULT"),  # grandfathered tags match case-insensitively
        ("language", "zh-yue-HK"),  # extlang
        ("did", "did:web:localhost%3a8080"),
        ("cid", "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"),
    ],
)
def test_edge_values_are_accepted(fmt: str, value: str) -> None:
    validate(fmt, value)


def test_datetime_leap_day_rules() -> None:
    assert not is_valid("datetime", "1900-02-29T00:00:00Z")
    assert not is_valid("datetime", "2023-02-29T00:00:00Z")
    assert is_valid("datetime", "2024-02-29T00:00:00Z")
    assert not is_valid("datetime", "2024-04-31T00:00:00Z")


def test_length_limits_are_exact() -> None:
    assert is_valid("did", "did:m:" + "a" * (2048 - 6))
    assert not is_valid("did", "did:m:" + "a" * (2048 - 5))
    assert is_valid("record-key", "k" * 512)
    assert not is_valid("record-key", "k" * 513)
    prefix = "at://did:plc:abc/app.bsky.feed.post/"
    assert not is_valid("at-uri", prefix + "k" * (8192 - len(prefix) + 1))
    assert is_valid("uri", "https://a/" + "x" * (8192 - 10))
    assert not is_valid("uri", "https://a/" + "x" * (8192 - 9))
    assert not is_valid("uri", "https://a/" + "\u00e9" * 4100)  # 8 KiB counts UTF-8 bytes
    assert is_valid("datetime", "1985-04-12T23:20:50." + "1" * 43 + "Z")  # 64 characters
    assert not is_valid("datetime", "1985-04-12T23:20:50." + "1" * 44 + "Z")


def test_import_is_light() -> None:
    code = (
        "import sys, skykit.syntax; "
        "heavy = [m for m in ('pydantic', 'httpx', 'multiformats', 'libipld', 'cbor2', "
        "'cryptography', 'skykit.data') if m in sys.modules]; print(heavy)"
    )
    src = Path(__file__).resolve().parent.parent / "src"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(src)},
    )
    assert result.stdout.strip() == "[]"
