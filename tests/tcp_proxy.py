"""A loopback TCP proxy a test controls: cut every connection, or swallow traffic."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class Proxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.stalled = False  # accept connections but pass nothing on
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def cut(self) -> None:
        """Drop every open connection, as a server restart or network fault would."""
        with self._lock:
            for conn in self._connections:
                with suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self._connections.clear()

    def close(self) -> None:
        self._stop.set()
        self.cut()
        self.listener.close()
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        for _ in range(1_000_000):  # bounded: far more connections than any test makes
            if self._stop.is_set():
                return
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.stalled:
                with self._lock:
                    self._connections.append(client)
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            with self._lock:
                self._connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        source.settimeout(None)
        try:
            for _ in range(10_000_000):
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for conn in (source, sink):
                with suppress(OSError):
                    conn.close()


@contextmanager
def tcp_proxy(target_port: int) -> Iterator[Proxy]:
    proxy = Proxy(target_port)
    try:
        yield proxy
    finally:
        proxy.close()
