#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The key schedule of an authenticated halo_blk connection, in Python.

Written from Documentation/plans/halo_blk-data-path.md (3.2) with the
standard library's hmac and hashlib, independently of kernel/halo_blk/kdf.c:
it makes selftests/blk_auth_vectors.json, which the host unit lane
(selftests/unit/kdf_test.c) checks kdf.c against, and the test clients
that talk to halo_blk use it.

    blk_kdf.py --write FILE   write the vectors
    blk_kdf.py --check FILE   exit 1 if FILE differs from what this computes
"""

import hashlib
import hmac
import json
import struct
import sys


def hm(key, *parts):
    return hmac.new(key, b"".join(parts), hashlib.sha256).digest()


def label(s):
    return s.encode() + b"\0"


def peer_key(cluster_key, purpose="halo_blk"):
    """halo.ko's halo_peer_key(): the key halo_blk gets, from the key-file."""
    return hm(cluster_key, label("halo derive v1"), purpose.encode())


def dev_key(k_blk, name, id_a, id_b, port):
    raw = name.encode()
    if not raw or len(raw) >= 32:
        raise ValueError("device name must be 1-31 bytes")
    return hm(k_blk, label("halo-blk dev v6"), raw.ljust(32, b"\0"),
              struct.pack(">IIH", min(id_a, id_b), max(id_a, id_b), port))


def tag_l(k_dev, t1, nonce_l, key_gen):
    return hm(k_dev, label("halo-blk L v6"), t1, nonce_l, struct.pack(">I", key_gen))


def tag_d(k_dev, t2):
    return hm(k_dev, label("halo-blk D v6"), t2)


def hkdf_extract(salt, ikm):
    return hm(salt or bytes(32), ikm)


def hkdf_expand(prk, info, length):
    out, t, i = b"", b"", 0
    while len(out) < length:
        i += 1
        t = hm(prk, t, info, bytes([i]))
        out += t
    return out[:length]


def session(k_dev, nonce_d, nonce_l, th):
    prk = hkdf_extract(nonce_d + nonce_l, k_dev)
    return {
        "k_dl": hkdf_expand(prk, label("halo-blk v6 D>L") + th, 32),
        "k_ld": hkdf_expand(prk, label("halo-blk v6 L>D") + th, 32),
        "sid": hkdf_expand(prk, label("halo-blk v6 sid") + th, 16),
    }


def seeded(what, n=32):
    return hashlib.sha256(what.encode()).digest()[:n]


def vectors():
    base = {
        "cluster_key": seeded("cluster key"),
        "name": "r0", "id_a": 2, "id_b": 1, "port": 7789,
        "t1": seeded("t1"), "t2": seeded("t2"), "th": seeded("th"),
        "nonce_d": seeded("nonce d"), "nonce_l": seeded("nonce l"),
        "key_gen": 0,
    }
    changes = [
        {},
        {"cluster_key": seeded("another cluster key")},
        {"name": "a-device-name-of-31-bytes-long."},
        {"id_a": 1, "id_b": 2},  # the same key: the ids in either order
        {"id_a": 3, "id_b": 1},
        {"port": 7790},
        {"t1": seeded("t1'")},
        {"t2": seeded("t2'")},
        {"th": seeded("th'")},
        {"nonce_d": seeded("nonce d'")},
        {"nonce_l": seeded("nonce l'")},
        {"key_gen": 1},
    ]
    out = []
    for ch in changes:
        v = dict(base, **ch)
        k_blk = peer_key(v["cluster_key"])
        k_dev = dev_key(k_blk, v["name"], v["id_a"], v["id_b"], v["port"])
        s = session(k_dev, v["nonce_d"], v["nonce_l"], v["th"])
        case = {k: (x.hex() if isinstance(x, bytes) else x) for k, x in v.items()}
        case.update({
            "k_blk": k_blk.hex(), "k_dev": k_dev.hex(),
            "tag_l": tag_l(k_dev, v["t1"], v["nonce_l"], v["key_gen"]).hex(),
            "tag_d": tag_d(k_dev, v["t2"]).hex(),
            "k_dl": s["k_dl"].hex(), "k_ld": s["k_ld"].hex(), "sid": s["sid"].hex(),
        })
        out.append(case)
    return {"doc": "halo_blk key schedule vectors: selftests/blk_kdf.py --write",
            "cases": out}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("--write", "--check"):
        sys.exit(__doc__)
    text = json.dumps(vectors(), indent=1) + "\n"
    if sys.argv[1] == "--write":
        with open(sys.argv[2], "w") as f:
            f.write(text)
        return
    with open(sys.argv[2]) as f:
        if f.read() != text:
            sys.exit("%s differs from what blk_kdf.py computes" % sys.argv[2])
    print("ok: %s matches" % sys.argv[2])


if __name__ == "__main__":
    main()
