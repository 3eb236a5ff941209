"""atproto OAuth scopes (atproto.com/specs/permission): parse, check and build them.

A scope string is ``resource[:positional][?name=value&...]`` in printable ASCII with
percent-encoding. ``GenericScope.parse`` reads that syntax for any resource;
``parse_scope`` also checks the meaning of the atproto ones (``atproto``,
``transition:*``, ``repo``, ``rpc``, ``blob``, ``account``, ``identity``, ``include``) and
returns a typed permission. ``Scopes`` is a whole space-separated scope parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal, NoReturn
from urllib.parse import quote

from skykit.oauth._errors import ScopeError
from skykit.syntax._did import did_problem
from skykit.syntax._nsid import nsid_problem

MAX_SCOPE_LENGTH = 2048
REPO_ACTIONS = ("create", "update", "delete")
ACCOUNT_ATTRS = ("email", "repo")
ACCOUNT_ACTIONS = ("read", "manage")
IDENTITY_ATTRS = ("handle", "*")
TRANSITIONS = ("generic", "chat.bsky", "email")
_MIME_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}")
_FRAGMENT = re.compile(r"[A-Za-z0-9._~-]+")
_SAFE = ":/*.-_~@+,!$'()"


# -- the generic syntax ----------------------------------------------------------------


def _decode(text: str, scope: str) -> str:
    """Strict percent-decoding: every ``%`` starts two hex digits, and the bytes are UTF-8."""
    if "%" not in text:
        return text
    out = bytearray()
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%":
            pair = text[i + 1 : i + 3]
            if len(pair) != 2 or not all(c in "0123456789abcdefABCDEF" for c in pair):
                raise ScopeError(f"scope {scope!r}: bad percent-encoding at {text[i : i + 3]!r}")
            out.append(int(pair, 16))
            i += 3
        else:
            out += char.encode("ascii")
            i += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        raise ScopeError(f"scope {scope!r}: percent-encoded bytes are not UTF-8") from None


def _encode(value: str) -> str:
    return quote(value, safe=_SAFE)


@dataclass(frozen=True)
class GenericScope:
    """Any scope string split into its parts, percent-decoded. ``positional`` is ``""``
    when absent; ``params`` maps each name to its values in order."""

    resource: str
    positional: str = ""
    params: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> GenericScope:
        if not isinstance(text, str) or not text:
            raise ScopeError("a scope must be a non-empty string")
        if len(text) > MAX_SCOPE_LENGTH:
            raise ScopeError(f"a scope is at most {MAX_SCOPE_LENGTH} characters")
        bad = next((c for c in text if not "!" <= c <= "~"), None)
        if bad is not None:
            raise ScopeError(
                f"scope {text!r}: {bad!r} is not allowed (printable ASCII without spaces only)"
            )
        head, _, query = text.partition("?")
        resource, _, positional = head.partition(":")
        if not resource:
            raise ScopeError(f"scope {text!r} has no resource name")
        params: dict[str, list[str]] = {}
        for part in query.split("&"):
            if not part:
                continue
            name, _, value = part.partition("=")
            if not name:
                raise ScopeError(f"scope {text!r}: parameter {part!r} has no name")
            params.setdefault(_decode(name, text), []).append(_decode(value, text))
        frozen = {name: tuple(values) for name, values in params.items()}
        return cls(resource, _decode(positional, text), frozen)

    def __str__(self) -> str:
        text = self.resource
        if self.positional:
            text += ":" + _encode(self.positional)
        pairs = [f"{_encode(k)}={_encode(v)}" for k, values in self.params.items() for v in values]
        return f"{text}?{'&'.join(pairs)}" if pairs else text


# -- typed permissions -----------------------------------------------------------------


class _Reader:
    """Reads one resource's parameters, refusing unknown names and positional duplicates."""

    def __init__(self, scope: GenericScope, text: str, positional: str | None, names: set[str]):
        self.scope, self.text = scope, text
        unknown = sorted(set(scope.params) - names)
        if unknown:
            self.fail(f"unknown parameter {unknown[0]!r}")
        if positional is None and scope.positional:
            self.fail("takes no positional part")
        if positional is not None and scope.positional and positional in scope.params:
            self.fail(f"{positional!r} is given both positionally and as a parameter")
        self.positional_name = positional

    def fail(self, reason: str) -> NoReturn:
        raise ScopeError(f"invalid {self.scope.resource} scope {self.text!r}: {reason}")

    def many(self, name: str) -> tuple[str, ...]:
        if name == self.positional_name and self.scope.positional:
            return (self.scope.positional,)
        return self.scope.params.get(name, ())

    def one(self, name: str) -> str | None:
        values = self.many(name)
        if len(values) > 1:
            self.fail(f"{name!r} takes a single value")
        return values[0] if values else None

    def required(self, name: str) -> str:
        value = self.one(name)
        if not value:
            self.fail(f"{name!r} is required")
        return value


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _did_ref_problem(aud: str) -> str | None:
    did, hash_sign, fragment = aud.partition("#")
    problem = did_problem(did)
    if problem:
        return f"audience {aud!r} is not a DID: {problem}"
    if not hash_sign or not _FRAGMENT.fullmatch(fragment):
        return f"audience {aud!r} needs a service fragment (did:...#service_id)"
    return None


def _mime_problem(pattern: str) -> str | None:
    kind, slash, sub = pattern.partition("/")
    if not slash:
        return f"{pattern!r} is not a MIME type or pattern (type/subtype)"
    if kind == "*":
        return None if sub == "*" else f"{pattern!r}: only '*/*' may wildcard the type"
    if not _MIME_TOKEN.fullmatch(kind) or (sub != "*" and not _MIME_TOKEN.fullmatch(sub)):
        return f"{pattern!r} is not a MIME type or pattern"
    return None


@dataclass(frozen=True)
class StaticScope:
    """``atproto`` or a transitional scope (``transition:generic``, ``transition:chat.bsky``,
    ``transition:email``)."""

    value: str

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class RepoPermission:
    """Write records of ``collections`` (NSIDs, or ``*`` for all) with ``actions``."""

    collections: tuple[str, ...]
    actions: tuple[str, ...] = REPO_ACTIONS
    resource: ClassVar[str] = "repo"

    @classmethod
    def _read(cls, r: _Reader) -> RepoPermission:
        collections = _unique(r.many("collection"))
        if not collections:
            r.fail("'collection' is required")
        for collection in collections:
            if collection != "*" and nsid_problem(collection):
                r.fail(f"collection {collection!r} is not an NSID or '*'")
        actions = _unique(r.many("action")) or REPO_ACTIONS
        for action in actions:
            if action not in REPO_ACTIONS:
                r.fail(f"action {action!r} is not one of {', '.join(REPO_ACTIONS)}")
        return cls(collections, actions)

    def allows(self, collection: str, action: str) -> bool:
        return action in self.actions and (
            "*" in self.collections or collection in self.collections
        )

    def __str__(self) -> str:
        params: dict[str, tuple[str, ...]] = {}
        positional = ""
        if len(self.collections) == 1:
            positional = self.collections[0]
        else:
            params["collection"] = self.collections
        if set(self.actions) != set(REPO_ACTIONS):
            params["action"] = self.actions
        return str(GenericScope("repo", positional, params))


@dataclass(frozen=True)
class RpcPermission:
    """Call ``lxms`` (method NSIDs, or ``*``) on the service ``aud`` (``did#id`` or ``*``)
    through the PDS or with service auth."""

    lxms: tuple[str, ...]
    aud: str
    resource: ClassVar[str] = "rpc"

    @classmethod
    def _read(cls, r: _Reader) -> RpcPermission:
        lxms = _unique(r.many("lxm"))
        if not lxms:
            r.fail("'lxm' is required")
        for lxm in lxms:
            if lxm != "*" and nsid_problem(lxm):
                r.fail(f"lxm {lxm!r} is not an NSID or '*'")
        aud = r.required("aud")
        if aud != "*":
            problem = _did_ref_problem(aud)
            if problem:
                r.fail(problem)
        elif "*" in lxms:
            r.fail("'lxm' and 'aud' cannot both be '*'")
        return cls(lxms, aud)

    def allows(self, lxm: str, aud: str) -> bool:
        return ("*" in self.lxms or lxm in self.lxms) and self.aud in ("*", aud)

    def __str__(self) -> str:
        if len(self.lxms) == 1:
            return str(GenericScope("rpc", self.lxms[0], {"aud": (self.aud,)}))
        return str(GenericScope("rpc", "", {"lxm": self.lxms, "aud": (self.aud,)}))


@dataclass(frozen=True)
class BlobPermission:
    """Upload blobs whose MIME type matches ``accept`` (``image/png``, ``image/*``, ``*/*``)."""

    accept: tuple[str, ...]
    resource: ClassVar[str] = "blob"

    @classmethod
    def _read(cls, r: _Reader) -> BlobPermission:
        accept = _unique(r.many("accept"))
        if not accept:
            r.fail("'accept' is required")
        for pattern in accept:
            problem = _mime_problem(pattern)
            if problem:
                r.fail(problem)
        return cls(accept)

    def allows(self, mime: str) -> bool:
        kind = mime.partition("/")[0]
        return any(p in ("*/*", mime, f"{kind}/*") for p in self.accept)

    def __str__(self) -> str:
        if len(self.accept) == 1:
            return str(GenericScope("blob", self.accept[0]))
        return str(GenericScope("blob", "", {"accept": self.accept}))


@dataclass(frozen=True)
class AccountPermission:
    """Read or manage an account attribute (``email``, ``repo``)."""

    attr: Literal["email", "repo"]
    action: Literal["read", "manage"] = "read"
    resource: ClassVar[str] = "account"

    @classmethod
    def _read(cls, r: _Reader) -> AccountPermission:
        attr = r.required("attr")
        if attr not in ACCOUNT_ATTRS:
            r.fail(f"attr {attr!r} is not one of {', '.join(ACCOUNT_ATTRS)}")
        action = r.one("action") or "read"
        if action not in ACCOUNT_ACTIONS:
            r.fail(f"action {action!r} is not one of {', '.join(ACCOUNT_ACTIONS)}")
        return cls(attr, action)  # type: ignore[arg-type]

    def __str__(self) -> str:
        params = {"action": (self.action,)} if self.action != "read" else {}
        return str(GenericScope("account", self.attr, params))


@dataclass(frozen=True)
class IdentityPermission:
    """Change the handle (``handle``) or the whole identity (``*``)."""

    attr: Literal["handle", "*"]
    resource: ClassVar[str] = "identity"

    @classmethod
    def _read(cls, r: _Reader) -> IdentityPermission:
        attr = r.required("attr")
        if attr not in IDENTITY_ATTRS:
            r.fail(f"attr {attr!r} is not one of {', '.join(IDENTITY_ATTRS)}")
        return cls(attr)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return str(GenericScope("identity", self.attr))


@dataclass(frozen=True)
class IncludePermission:
    """Everything the permission set ``nsid`` grants, with ``aud`` passed to its
    ``inheritAud`` rpc permissions."""

    nsid: str
    aud: str | None = None
    resource: ClassVar[str] = "include"

    @classmethod
    def _read(cls, r: _Reader) -> IncludePermission:
        nsid = r.required("nsid")
        problem = nsid_problem(nsid)
        if problem:
            r.fail(f"{nsid!r} is not an NSID: {problem}")
        aud = r.one("aud")
        if aud is not None:
            problem = _did_ref_problem(aud)
            if problem:
                r.fail(problem)
        return cls(nsid, aud)

    def __str__(self) -> str:
        params = {"aud": (self.aud,)} if self.aud is not None else {}
        return str(GenericScope("include", self.nsid, params))


Permission = (
    RepoPermission
    | RpcPermission
    | BlobPermission
    | AccountPermission
    | IdentityPermission
    | IncludePermission
)
Scope = StaticScope | Permission

_PERMISSIONS: dict[str, tuple[type[Permission], str, set[str]]] = {
    "repo": (RepoPermission, "collection", {"collection", "action"}),
    "rpc": (RpcPermission, "lxm", {"lxm", "aud"}),
    "blob": (BlobPermission, "accept", {"accept"}),
    "account": (AccountPermission, "attr", {"attr", "action"}),
    "identity": (IdentityPermission, "attr", {"attr"}),
    "include": (IncludePermission, "nsid", {"nsid", "aud"}),
}


_KNOWN_RESOURCES = frozenset({*_PERMISSIONS, "atproto", "transition"})


def parse_scope(text: str) -> Scope:
    """One scope string as a typed scope; ``ScopeError`` saying why when it is not a valid
    atproto scope."""
    generic = GenericScope.parse(text)
    if text == "atproto" or (
        generic.resource == "transition"
        and generic.positional in TRANSITIONS
        and text == f"transition:{generic.positional}"
    ):
        return StaticScope(text)
    entry = _PERMISSIONS.get(generic.resource)
    if entry is None:
        raise ScopeError(f"scope {text!r}: unknown resource {generic.resource!r}")
    cls, positional, names = entry
    return cls._read(_Reader(generic, text, positional, names))


@dataclass(frozen=True)
class Scopes:
    """A space-separated scope parameter, parsed. ``items`` keeps the original strings in
    order (without duplicates); ``parsed`` the typed scopes. With ``strict=False`` scopes
    of resources this version does not know are kept in their generic form instead of
    refused (a server may grant them); a malformed known scope is refused either way."""

    items: tuple[str, ...]
    parsed: tuple[Scope | GenericScope, ...] = field(repr=False, compare=False)

    @classmethod
    def parse(cls, text: str, *, strict: bool = True) -> Scopes:
        if not isinstance(text, str):
            raise ScopeError("a scope parameter must be a string")
        items = _unique(part for part in text.split(" ") if part)
        parsed: list[Scope | GenericScope] = []
        for item in items:
            try:
                parsed.append(parse_scope(item))
            except ScopeError:
                generic = GenericScope.parse(item)
                if strict or generic.resource in _KNOWN_RESOURCES:
                    raise
                parsed.append(generic)
        return cls(items, tuple(parsed))

    @classmethod
    def of(cls, *scopes: Scope | str) -> Scopes:
        """Build a scope parameter from typed scopes and strings (each checked)."""
        return cls.parse(" ".join(str(s) for s in scopes))

    def __str__(self) -> str:
        return " ".join(self.items)

    def __contains__(self, item: object) -> bool:
        return str(item) in self.items

    @property
    def has_atproto(self) -> bool:
        return "atproto" in self.items

    def issubset(self, other: Scopes) -> bool:
        return set(self.items) <= set(other.items)

    def allows_repo(self, collection: str, action: str) -> bool:
        """Whether the scopes let the session write ``collection`` records with ``action``."""
        if "transition:generic" in self.items:
            return True
        return any(
            isinstance(p, RepoPermission) and p.allows(collection, action) for p in self.parsed
        )

    def allows_blob(self, mime: str) -> bool:
        if "transition:generic" in self.items:
            return True
        return any(isinstance(p, BlobPermission) and p.allows(mime) for p in self.parsed)

    def allows_rpc(self, lxm: str, aud: str) -> bool:
        if lxm.startswith("chat.bsky.") and "transition:chat.bsky" in self.items:
            return True
        if "transition:generic" in self.items and not lxm.startswith("chat.bsky."):
            return True
        return any(isinstance(p, RpcPermission) and p.allows(lxm, aud) for p in self.parsed)
