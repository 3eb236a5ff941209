"""Build a post record, encode it as DAG-CBOR, compute its CID, sign it and check it.

Runs offline: `python examples/hello_data.py`.
"""

from __future__ import annotations

import skykit.crypto
import skykit.data
import skykit.syntax

# A record as it travels in atproto JSON (what an XRPC call sends or returns).
wire = {
    "$type": "app.bsky.feed.post",
    "text": "hello from skykit 🦋",
    "createdAt": skykit.syntax.now(),
    "langs": ["en"],
}

record = skykit.data.from_json(wire)
block = skykit.data.encode_dag_cbor(record)
cid = skykit.data.cid_of(record)
rkey = skykit.syntax.next_tid()  # record keys of posts are TIDs from a monotonic clock

print(
    f"record key   {rkey}  (made at {skykit.syntax.TID(rkey).to_datetime():%Y-%m-%d %H:%M:%S} UTC)"
)
print(f"DAG-CBOR     {len(block)} bytes: {block.hex()[:48]}...")
print(f"CID          {cid}")

# Decoding gives back the same value, and so the same bytes and CID.
assert skykit.data.decode_dag_cbor(block) == record
assert skykit.data.CID.compute(block) == cid

# Sign the block the way a repository signs its commits, and verify through the did:key.
key = skykit.crypto.Keypair.generate("k256")
signature = key.sign(block)
print(f"signed by    {key.did_key()}")
print(
    f"signature    {signature.hex()[:48]}... valid: "
    f"{skykit.crypto.verify_signature(key.did_key(), block, signature)}"
)

# Identifiers are checked strictly.
uri = skykit.syntax.AtUri(f"at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/{rkey}")
print(f"AT-URI       {uri} -> collection {uri.collection}, rkey {uri.rkey}")
