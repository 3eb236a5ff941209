"""A small authoritative DNS server on 127.0.0.1 for tests, built on dnspython.

It answers TXT, A and AAAA from dictionaries the test fills, NXDOMAIN for unknown names,
SERVFAIL for names in ``servfail``, and nothing at all for names in ``drop`` (to make the
client time out). UDP answers too big for the client's buffer are truncated, and the
client's TCP retry is served too. Every query is logged in ``queries``.

The server runs on a thread, listens on loopback only, and stops on ``close()`` (or leaving
the ``with`` block); it also stops by itself after ``max_lifetime`` seconds or
``max_queries`` queries, so a forgotten server cannot outlive a test run.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from collections.abc import Iterable

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

HOST = "127.0.0.1"
TCP_READ_TIMEOUT = 2.0


class DnsServer:
    """``txt[name]`` is a list of records, each a string or a tuple of character-strings;
    ``a[name]`` / ``aaaa[name]`` are lists of addresses. Names are written without the
    trailing dot and matched case-insensitively."""

    def __init__(self, *, max_lifetime: float = 600.0, max_queries: int = 100_000) -> None:
        self.txt: dict[str, list[str | tuple[str, ...]]] = {}
        self.a: dict[str, list[str]] = {}
        self.aaaa: dict[str, list[str]] = {}
        self.drop: set[str] = set()
        self.servfail: set[str] = set()
        self.queries: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._max_lifetime = max_lifetime
        self._max_queries = max_queries
        self._udp, self._tcp = _bind_pair()
        self.port: int = self._udp.getsockname()[1]
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._thread = threading.Thread(target=self._serve, name="test-dns-server", daemon=True)
        self._thread.start()

    def __enter__(self) -> DnsServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"x")
        self._thread.join(5.0)
        for sock in (self._udp, self._tcp, self._wake_reader, self._wake_writer):
            with contextlib.suppress(OSError):
                sock.close()

    def reset(self) -> None:
        with self._lock:
            for table in (self.txt, self.a, self.aaaa):
                table.clear()
            self.drop.clear()
            self.servfail.clear()
            self.queries.clear()

    def queried(self, name: str, rdtype: str = "TXT") -> int:
        """How many times ``name`` was asked for ``rdtype``."""
        with self._lock:
            return self.queries.count((name.lower(), rdtype))

    def _serve(self) -> None:
        started = time.monotonic()
        served = 0
        while not self._stop.is_set() and served < self._max_queries:
            if time.monotonic() - started > self._max_lifetime:
                break
            try:
                readable, _, _ = select.select(
                    [self._udp, self._tcp, self._wake_reader], [], [], 1.0
                )
            except OSError:
                break
            for sock in readable:
                served += 1
                if sock is self._udp:
                    self._serve_udp()
                elif sock is self._tcp:
                    self._serve_tcp()

    def _serve_udp(self) -> None:
        try:
            wire, peer = self._udp.recvfrom(65535)
        except OSError:
            return
        reply = self._reply(wire, tcp=False)
        if reply is not None:
            with contextlib.suppress(OSError):
                self._udp.sendto(reply, peer)

    def _serve_tcp(self) -> None:
        try:
            conn, _ = self._tcp.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(TCP_READ_TIMEOUT)
            try:
                (size,) = struct.unpack("!H", _read_exactly(conn, 2))
                reply = self._reply(_read_exactly(conn, size), tcp=True)
                if reply is not None:
                    conn.sendall(struct.pack("!H", len(reply)) + reply)
            except (OSError, struct.error):
                return

    def _reply(self, wire: bytes, *, tcp: bool) -> bytes | None:
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        if not query.question:
            return None
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        with self._lock:
            self.queries.append((name, rdtype))
            if name in self.drop:
                return None
            response = dns.message.make_response(query)
            response.flags |= dns.flags.AA
            if name in self.servfail:
                response.set_rcode(dns.rcode.SERVFAIL)
                return response.to_wire()
            if not any(name in table for table in (self.txt, self.a, self.aaaa)):
                response.set_rcode(dns.rcode.NXDOMAIN)
                return response.to_wire()
            values: list[str | tuple[str, ...]] = []
            if rdtype == "TXT":
                values = self.txt.get(name, [])
            elif rdtype in ("A", "AAAA"):
                values = [*(self.a if rdtype == "A" else self.aaaa).get(name, [])]
            if values:
                response.answer.append(_rrset(question.name, rdtype, values))
        limit = 65535 if tcp else max(query.payload, 512)
        try:
            return response.to_wire(max_size=limit)
        except dns.exception.TooBig:
            response.answer.clear()
            response.flags |= dns.flags.TC
            return response.to_wire()


def _rrset(
    name: dns.name.Name, rdtype: str, values: Iterable[str | tuple[str, ...]]
) -> dns.rrset.RRset:
    rdatas = []
    for value in values:
        if rdtype == "TXT":
            parts = (value,) if isinstance(value, str) else value
            text = " ".join(
                '"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"' for part in parts
            )
        else:
            assert isinstance(value, str)
            text = value
        rdatas.append(dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rdtype), text))
    return dns.rrset.from_rdata_list(name, 300, rdatas)


def _bind_pair() -> tuple[socket.socket, socket.socket]:
    """A UDP and a TCP socket on the same free loopback port (DNS uses both)."""
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind((HOST, 0))
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            tcp.bind((HOST, udp.getsockname()[1]))
            tcp.listen(16)
        except OSError:  # the port is taken for TCP: try another
            udp.close()
            tcp.close()
            continue
        return udp, tcp
    raise OSError("no free loopback port for both UDP and TCP")


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    for _ in range(size + 1):  # each recv returns at least one byte or ends the loop
        if len(data) >= size:
            break
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise OSError("connection closed mid-message")
        data += chunk
    return data
