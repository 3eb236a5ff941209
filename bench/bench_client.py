"""Per-call client overhead: skykit versus the ``atproto`` package, same local server.

Run: ``python bench/bench_client.py [CALLS]``. A minimal HTTP/1.1 server in another
process (127.0.0.1) answers every request with the same small describeServer JSON, so the
figures are the clients' own cost per call: building the request, sending it through
httpx, reading and parsing the typed response. A raw ``httpx.Client.get`` gives the floor.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import best_of, table

SERVER = r"""
import asyncio, json, sys
body = json.dumps({"did": "did:web:pds.test", "availableUserDomains": [".test"],
                   "inviteCodeRequired": False, "links": {}, "contact": {}}).encode()
response = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length:
                await reader.readexactly(length)
            writer.write(response)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.sleep(600)  # the benchmark stops it long before

asyncio.run(main())
"""


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        run(url, calls)
    finally:
        server.terminate()
        server.wait(timeout=10)


def run(url: str, calls: int) -> None:
    import httpx
    from atproto import Client as PeerClient

    import skykit

    ours = skykit.Client(url)
    theirs = PeerClient(base_url=url)
    raw = httpx.Client()
    endpoint = f"{url}/xrpc/com.atproto.server.describeServer"
    assert ours.com.atproto.server.describe_server().did == "did:web:pds.test"
    assert theirs.com.atproto.server.describe_server().did == "did:web:pds.test"

    # Rounds alternate between the three so that the server's and the machine's drift
    # falls on all of them alike; each keeps its best round.
    floor = skykit_call = peer_call = float("inf")
    for _ in range(7):
        floor = min(floor, best_of(lambda: raw.get(endpoint).json(), repeat=1, number=calls))
        skykit_call = min(
            skykit_call, best_of(ours.com.atproto.server.describe_server, repeat=1, number=calls)
        )
        peer_call = min(
            peer_call, best_of(theirs.com.atproto.server.describe_server, repeat=1, number=calls)
        )
    us = 1_000_000
    table(
        f"Per call, {calls} calls to describeServer on a local server (best of 7 rounds)",
        [
            ("whole call", skykit_call * us, peer_call * us, "us"),
            (
                "over a raw httpx GET + json()",
                (skykit_call - floor) * us,
                (peer_call - floor) * us,
                "us",
            ),
        ],
    )
    print(f"\n  raw httpx GET + json(): {floor * us:.1f}us per call")
    ours.close()
    raw.close()
    in_process(calls)


def in_process(calls: int) -> None:
    """The same calls through httpx.MockTransport: client CPU cost alone, no socket."""
    import httpx
    from atproto import Client as PeerClient

    import skykit

    body = b'{"did":"did:web:pds.test","availableUserDomains":[".test"],"links":{},"contact":{}}'

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    transport = httpx.MockTransport(answer)
    ours = skykit.Client("http://127.0.0.1:1", http=httpx.Client(transport=transport))
    theirs = PeerClient(base_url="http://127.0.0.1:1")
    theirs._request._client = httpx.Client(transport=transport)  # its httpx client, rerouted
    raw = httpx.Client(transport=transport)
    endpoint = "http://127.0.0.1:1/xrpc/com.atproto.server.describeServer"
    floor = best_of(lambda: raw.get(endpoint).json(), repeat=7, number=calls)
    skykit_call = best_of(ours.com.atproto.server.describe_server, repeat=7, number=calls)
    peer_call = best_of(theirs.com.atproto.server.describe_server, repeat=7, number=calls)
    us = 1_000_000
    table(
        f"Per call, {calls} calls through httpx.MockTransport (CPU only, best of 7 rounds)",
        [
            ("whole call", skykit_call * us, peer_call * us, "us"),
            (
                "over a raw httpx GET + json()",
                (skykit_call - floor) * us,
                (peer_call - floor) * us,
                "us",
            ),
        ],
    )
    print(f"\n  raw httpx GET + json(): {floor * us:.1f}us per call")


if __name__ == "__main__":
    main()
