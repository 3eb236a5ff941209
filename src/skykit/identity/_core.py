"""All resolution logic, free of I/O: handle → DID (DNS TXT, then HTTPS well-known), DID →
document (PLC directory, did:web), the bidirectional check, PLC audit logs, and the cache
policy. Each public method returns a plan (see ``_ops``) that a driver runs."""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable
from dataclasses import replace
from typing import TYPE_CHECKING, Final, TypeVar

from skykit.identity._addresses import AddressPolicy
from skykit.identity._cache import AnswerCache
from skykit.identity._config import ResolverConfig
from skykit.identity._document import DidDocument
from skykit.identity._errors import (
    DidDeactivatedError,
    DidNotFoundError,
    FetchError,
    HandleMismatchError,
    HandleNotFoundError,
    HttpStatusError,
    IdentityError,
    NetworkError,
    ResolutionTimeoutError,
    UnsupportedDidError,
    UnsupportedHandleError,
)
from skykit.identity._fetch import FetchSpec, fetch
from skykit.identity._handle_rules import (
    WELL_KNOWN_MAX_BYTES,
    WELL_KNOWN_PATH,
    MethodResult,
    did_from_txt,
    did_from_well_known,
    dns_name,
)
from skykit.identity._identity import Identity
from skykit.identity._methods import LOCALHOST, check_plc, did_web_url
from skykit.identity._ops import DnsQuery, Failure, HttpResponse, Plan, dns, refresh
from skykit.syntax import DID, AtIdentifier, Handle

if TYPE_CHECKING:
    from skykit.identity._plc_log import PlcAuditLog

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DOCUMENT_ACCEPT: Final = "application/did+ld+json, application/json;q=0.9"
NEGATIVE: Final = (DidNotFoundError, HandleNotFoundError)


class IdentityCore:
    """Shared by ``Resolver`` and ``AsyncResolver``; thread-safe (the caches lock)."""

    def __init__(self, config: ResolverConfig) -> None:
        self.config = config
        self._documents: AnswerCache[DID, DidDocument] = _new_cache(config)
        self._handles: AnswerCache[Handle, DID] = _new_cache(config)
        self._policy = AddressPolicy(config.allow_loopback, config.allow_private)

    # -- public plans ---------------------------------------------------------------------

    def resolve_handle(self, handle: str) -> Plan[DID]:
        """Handle → DID, not yet verified against the DID document."""
        return self._cached(self._handles, Handle(handle), self._lookup_handle)

    def resolve_did(self, did: str) -> Plan[DidDocument]:
        """DID → its current document (did:plc from the directory, did:web from the host)."""
        return self._cached(self._documents, DID(did), self._lookup_did)

    def resolve(self, identifier: str) -> Plan[Identity]:
        """A handle or DID → the identity, with the handle checked both ways."""
        ident = AtIdentifier(identifier)
        if ident.is_did:
            return self._resolve_did_identity(DID(ident))
        return self._resolve_handle_identity(Handle(ident))

    def resolve_plc_log(self, did: str) -> Plan[PlcAuditLog]:
        """The verified audit log of a did:plc (not cached)."""
        from skykit.identity._plc_log import PlcAuditLog  # loads DAG-CBOR only when needed

        owner = DID(did)
        if owner.method != "plc":
            raise UnsupportedDidError(f"{owner} is not a did:plc, so it has no PLC log", owner)
        check_plc(owner)
        spec = self._plc_spec(owner, f"{owner}/log/audit")
        response = yield from fetch(spec)
        self._check_document_status(owner, response, spec.url)
        return PlcAuditLog.from_bytes(response.body, owner)

    def purge(self, identifier: str) -> None:
        """Forget cached answers for a handle or DID (e.g. on a firehose #identity event)."""
        typed = AtIdentifier(identifier).as_typed()
        if isinstance(typed, Handle):
            self._handles.discard(typed)
            return
        hit = self._documents.get(typed)
        if hit is not None and hit.value is not None and hit.value.handle is not None:
            self._handles.discard(hit.value.handle)  # the handle it claimed may have moved
        self._documents.discard(typed)

    def clear(self) -> None:
        """Forget every cached answer."""
        self._handles.clear()
        self._documents.clear()

    # -- identity -------------------------------------------------------------------------

    def _resolve_did_identity(self, did: DID) -> Plan[Identity]:
        document = yield from self.resolve_did(did)
        claimed = document.handle
        if claimed is None:
            return Identity.of(document, None)
        try:
            back = yield from self.resolve_handle(claimed)
        except IdentityError:
            back = None  # unverifiable now: the spec says to show no handle
        return Identity.of(document, claimed if back == did else None)

    def _resolve_handle_identity(self, handle: Handle) -> Plan[Identity]:
        did = yield from self.resolve_handle(handle)
        document = yield from self.resolve_did(did)
        if document.handle != handle:
            claimed = document.handle or "no handle"
            raise HandleMismatchError(
                f"handle {handle} points to {did}, but its DID document claims {claimed}", handle
            )
        return Identity.of(document, handle)

    # -- caching --------------------------------------------------------------------------

    def _cached(self, cache: AnswerCache[K, V], key: K, lookup: Callable[[K], Plan[V]]) -> Plan[V]:
        hit = cache.get(key)
        if hit is None:
            return (yield from self._fill(cache, key, lookup))
        if hit.error is not None:
            raise copy.copy(hit.error)
        assert hit.value is not None
        if hit.fresh or not cache.start_refresh(key):
            return hit.value
        job = self._background_fill(cache, key, lookup)
        if (yield from refresh(job)):
            return hit.value  # stale-while-revalidate: the driver refreshes in the background
        job.close()
        try:
            return (yield from self._fill(cache, key, lookup))
        except FetchError:
            return hit.value  # no background worker and the refresh failed: serve stale
        finally:
            cache.end_refresh(key)

    def _fill(self, cache: AnswerCache[K, V], key: K, lookup: Callable[[K], Plan[V]]) -> Plan[V]:
        try:
            value = yield from lookup(key)
        except NEGATIVE as exc:
            cache.put_error(key, exc)
            raise
        cache.put(key, value)
        return value

    def _background_fill(
        self, cache: AnswerCache[K, V], key: K, lookup: Callable[[K], Plan[V]]
    ) -> Plan[None]:
        try:
            yield from self._fill(cache, key, lookup)
        except IdentityError:
            pass  # keep serving the stale answer until it expires
        finally:
            cache.end_refresh(key)

    # -- DID documents --------------------------------------------------------------------

    def _lookup_did(self, did: DID) -> Plan[DidDocument]:
        if did.method == "plc":
            check_plc(did)
            spec = self._plc_spec(did, did)
        elif did.method == "web":
            url = did_web_url(did, allow_localhost=self.config.allow_localhost_did_web)
            policy = self._policy
            if url.startswith(f"http://{LOCALHOST}"):  # the development opt-in implies loopback
                policy = AddressPolicy(allow_loopback=True, allow_private=policy.allow_private)
            spec = self._spec(url, f"resolving {did}", did, policy, DOCUMENT_ACCEPT)
        else:
            raise UnsupportedDidError(
                f"cannot resolve {did}: atproto supports did:plc and did:web only", did
            )
        response = yield from fetch(spec)
        self._check_document_status(did, response, spec.url)
        return DidDocument.from_bytes(response.body, did)

    def _plc_spec(self, did: DID, path: str) -> FetchSpec:
        url = f"{self.config.plc_url}/{path}"
        return self._spec(url, f"resolving {did}", did, None, DOCUMENT_ACCEPT)

    def _check_document_status(self, did: DID, response: HttpResponse, url: str) -> None:
        status = response.status
        if status == 200:
            return
        if status == 404:
            raise DidNotFoundError(f"{did} not found ({url} answered 404)", did)
        if status == 410:
            raise DidDeactivatedError(f"{did} is deactivated ({url} answered 410)", did)
        raise HttpStatusError(f"resolving {did}: {url} answered HTTP {status}", did, url, status)

    # -- handles --------------------------------------------------------------------------

    def _lookup_handle(self, handle: Handle) -> Plan[DID]:
        """DNS first; HTTPS only when DNS has no answer. The spec prefers DNS when the two
        disagree, so a DNS answer settles it without asking HTTPS."""
        if handle.is_disallowed_tld:
            raise UnsupportedHandleError(
                f"handle {handle} has a special-use TLD (.{handle.tld}) and is not resolved",
                handle,
            )
        by_dns = yield from self._handle_by_dns(handle)
        if by_dns.did is not None:
            return by_dns.did
        by_https = yield from self._handle_by_https(handle)
        if by_https.did is not None:
            return by_https.did
        message = f"handle {handle} did not resolve: DNS: {by_dns.detail}; HTTPS: {by_https.detail}"
        failure = by_dns.error or by_https.error
        if failure is None:
            raise HandleNotFoundError(message, handle)
        if isinstance(failure, HttpStatusError):
            raise HttpStatusError(message, handle, failure.url, failure.status)
        raise type(failure)(message, handle, failure.url)

    def _handle_by_dns(self, handle: Handle) -> Plan[MethodResult]:
        name = dns_name(handle)
        if name is None:
            return MethodResult(None, "name too long for DNS")
        outcome = yield from dns(DnsQuery(name, "TXT", self.config.timeout))
        if isinstance(outcome, Failure):
            detail = f"TXT {name} {outcome.kind}: {outcome.detail}"
            return MethodResult(None, detail, _dns_error(outcome, handle, name, detail))
        return did_from_txt(handle, outcome.records)

    def _handle_by_https(self, handle: Handle) -> Plan[MethodResult]:
        base = self.config.handle_base_url
        url = f"{base}{WELL_KNOWN_PATH}" if base else f"https://{handle}{WELL_KNOWN_PATH}"
        spec = replace(
            self._spec(url, f"resolving handle {handle}", handle, self._policy, "text/plain"),
            max_bytes=WELL_KNOWN_MAX_BYTES,
            host_header=handle if base else None,
        )
        try:
            response = yield from fetch(spec)
        except FetchError as exc:
            return MethodResult(None, str(exc).removeprefix(f"{spec.context}: "), exc)
        return did_from_well_known(handle, url, response)

    def _spec(
        self,
        url: str,
        context: str,
        identifier: str,
        policy: AddressPolicy | None,
        accept: str,
    ) -> FetchSpec:
        config = self.config
        return FetchSpec(
            url, context, identifier, policy, config.timeout,
            config.max_response_bytes, config.max_redirects, accept,
        )  # fmt: skip


def _new_cache(config: ResolverConfig) -> AnswerCache[K, V]:
    return AnswerCache(
        ttl=config.cache_ttl,
        stale_ttl=config.cache_stale_ttl,
        negative_ttl=config.negative_cache_ttl,
        max_entries=config.cache_size,
        clock=config.clock,
    )


def _dns_error(failure: Failure, handle: Handle, name: str, detail: str) -> FetchError:
    kind = ResolutionTimeoutError if failure.kind == "timeout" else NetworkError
    return kind(f"resolving handle {handle}: DNS {detail}", handle, name)
