"""A tiny HTTP server on 127.0.0.1 that serves fixed documents by path: a confidential OAuth
client's metadata and JWKS (fetched by the PDS through ``reroute_fetch.mjs``), or a fake
authorization server's metadata for discovery tests.

It runs on a thread, answers 404 for unknown paths, counts hits per path, and stops on
``close()`` or after ``max_lifetime`` seconds, so a forgotten server cannot outlive a run.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class DocServer:
    def __init__(self, *, max_lifetime: float = 900.0) -> None:
        self.docs: dict[str, tuple[int, str, bytes]] = {}
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                with server._lock:
                    server.hits[path] += 1
                    status, kind, body = server.docs.get(path, (404, "text/plain", b"not found"))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._timer = threading.Timer(max_lifetime, self.close)
        self._timer.daemon = True
        self._timer.start()
        self.started = time.monotonic()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def json(self, path: str, document: Any, *, status: int = 200) -> None:
        with self._lock:
            self.docs[path] = (status, "application/json", json.dumps(document).encode())

    def raw(self, path: str, body: bytes, *, status: int = 200, kind: str = "text/plain") -> None:
        with self._lock:
            self.docs[path] = (status, kind, body)

    def close(self) -> None:
        self._timer.cancel()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> DocServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
