"""Download an account's whole repository and write its records as JSON lines.

    python examples/export_repo.py alice.example.com --out export/

Writes one ``<collection>.jsonl`` per collection (atproto JSON, one record per line),
after checking every block against its CID and the commit's signature against the
account's key.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import skykit
from skykit.data import to_json
from skykit.identity import Resolver, ResolverConfig
from skykit.repo import Repo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("account", help="handle or DID")
    parser.add_argument("--out", type=Path, default=Path("export"))
    args = parser.parse_args()

    # SKYKIT_PLC / SKYKIT_HANDLE_BASE / SKYKIT_DNS point lookups at a local test network
    dns_host, _, dns_port = os.environ.get("SKYKIT_DNS", "").partition(":")
    config = ResolverConfig(
        plc_url=os.environ.get("SKYKIT_PLC", "https://plc.directory"),
        allow_loopback="SKYKIT_PLC" in os.environ,
        handle_base_url=os.environ.get("SKYKIT_HANDLE_BASE"),
        dns_nameservers=(dns_host,) if dns_host else None,
        dns_port=int(dns_port or 53),
    )
    with Resolver(config=config) as resolver:
        identity = resolver.resolve(args.account)  # DID, PDS and signing key, cross-checked
    client = skykit.Client(identity.pds_endpoint)
    with tempfile.NamedTemporaryFile(suffix=".car") as car:
        with client.com.atproto.sync.get_repo.stream(did=identity.did) as chunks:
            for chunk in chunks:  # streamed to disk: large repos never sit in memory
                car.write(chunk)
        car.flush()
        with Repo.from_car(car.name) as repo:
            repo.verify(identity.signing_key)
            args.out.mkdir(parents=True, exist_ok=True)
            counts: dict[str, int] = {}
            files = {}
            for record in repo.records():
                if record.collection not in files:
                    files[record.collection] = (args.out / f"{record.collection}.jsonl").open("w")
                line = {"uri": f"at://{repo.did}/{record.path}", "cid": str(record.cid)}
                line["value"] = to_json(record.value)
                files[record.collection].write(json.dumps(line, ensure_ascii=False) + "\n")
                counts[record.collection] = counts.get(record.collection, 0) + 1
            for file in files.values():
                file.close()
    for collection, count in sorted(counts.items()):
        print(f"{collection}\t{count}")


if __name__ == "__main__":
    main()
