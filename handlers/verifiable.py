"""Selection algorithm v1 and the hashes of the record: what anyone can recompute (docs/VERIFY.md).

Everything here is specified in docs/VERIFY.md byte for byte, so that a verifier written from that
file alone, in any language, reaches the same winners and hashes. Standard library only.
"""

import hashlib
import hmac
import json
from collections.abc import Iterator, MutableMapping, Sequence

VERSION = 1
GENESIS = "0" * 64  # the `prev` of the first record


def canonical(value) -> bytes:
    """The canonical bytes of a JSON value (RFC 8785 for the values the record holds: objects
    with ASCII keys, strings, integers, arrays, null)."""
    _check(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _check(value) -> None:
    # Floats and big integers have no one JSON spelling across languages: the record has none.
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if abs(value) >= 2**53:
            raise ValueError(f"integer {value} is outside what every JSON reader keeps exactly")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not (isinstance(key, str) and key.isascii()):
                raise ValueError(f"key {key!r} is not an ASCII string")
            _check(item)
    elif isinstance(value, list):
        for item in value:
            _check(item)
    else:
        raise ValueError(f"{type(value).__name__} has no canonical form in the record")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_hash(record: dict) -> str:
    """A record's hash: SHA-256 of its canonical form without its own `hash` field."""
    return sha256(canonical({k: v for k, v in record.items() if k != "hash"}))


def ids_hash(employee_ids: list[str]) -> str:
    """SHA-256 of the canonical form of a list of employee ids, sorted."""
    return sha256(canonical(sorted(employee_ids)))


def seed_hash(server_seed: str) -> str:
    """The commitment to a server seed (hex): SHA-256 of its 32 bytes."""
    return sha256(bytes.fromhex(server_seed))


def draw_seed(server_seed: str, inputs: dict) -> bytes:
    """HMAC-SHA256 keyed with the server seed over the draw's public inputs (see draw_inputs)."""
    return hmac.new(bytes.fromhex(server_seed), canonical(inputs), hashlib.sha256).digest()


def draw_inputs(draw_id: str, commitment: int, roster: str, winners: int, public_value: str | None) -> dict:
    """The public inputs the draw seed is derived from."""
    return {"version": VERSION, "draw_id": draw_id, "commitment": commitment, "roster": roster,
            "winners": winners, "public_value": public_value}


def words(seed: bytes) -> Iterator[int]:
    """The stream: HMAC-SHA256(seed, counter as 8 bytes big-endian) for counter 0, 1, 2, ..., each
    block read as four 64-bit big-endian unsigned integers."""
    counter = 0
    while True:
        block = hmac.new(seed, counter.to_bytes(8, "big"), hashlib.sha256).digest()
        for at in range(0, 32, 8):
            yield int.from_bytes(block[at:at + 8], "big")
        counter += 1


def uniform(stream: Iterator[int], n: int) -> int:
    """A uniform integer in 0..n-1: words at or above the largest multiple of n below 2^64 are
    skipped, so no value is likelier than another (no modulo bias)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    limit = (2**64 // n) * n
    for x in stream:
        if x < limit:
            return x % n
    raise AssertionError("the stream is endless")


def picks(seed: bytes, eligible: int, count: int) -> list[int]:
    """The positions (1-based) step i of the partial Fisher-Yates takes: uniform in 1..eligible-i."""
    stream = words(seed)
    return [1 + uniform(stream, eligible - i) for i in range(count)]


def shuffle(order: MutableMapping[int, object] | list, eligible: int, taken: Sequence[int]) -> list:
    """Apply a draw to the pool `order` (position -> employee, positions 1..eligible can win): step
    i swaps position taken[i] with position eligible-i, whose employee is then the i-th winner.
    The winners, in order; `order` now has the survivors at 1..eligible-len(taken)."""
    winners = []
    for i, at in enumerate(taken):
        last = eligible - i
        order[at], order[last] = order[last], order[at]
        winners.append(order[last])
    return winners


def initial_order(employee_ids: list[str], excluded: set[str]) -> tuple[list[str], int]:
    """A roster generation's pool order: the ids sorted (by code point, which is UTF-8 byte order),
    then each excluded id, in ascending order, swapped with the last eligible one. The order (index
    0 is position 1) and how many can win."""
    order = sorted(employee_ids)
    where = {e: i for i, e in enumerate(order)}
    eligible = len(order)
    for employee_id in sorted(excluded & where.keys()):
        at, last = where[employee_id], eligible - 1
        order[at], order[last] = order[last], order[at]
        where[order[at]], where[order[last]] = at, last
        eligible -= 1
    return order, eligible


# Merkle tree of RFC 9162 (Certificate Transparency 2.0, section 2.1) over the roster sorted by employee_id.

def leaf(employee_id: str, employee_name: str) -> bytes:
    return hashlib.sha256(b"\x00" + canonical({"employee_id": employee_id, "employee_name": employee_name})).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def merkle_root(leaves: Sequence[bytes]) -> str:
    """The tree head of `leaves` (hex). Iterative over levels, which gives RFC 9162's tree: at each
    level a last node without a partner moves up unchanged."""
    if not leaves:
        return sha256(b"")
    level = list(leaves)
    while len(level) > 1:
        paired = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = paired + level[len(paired) * 2:]
    return level[0].hex()


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[str]:
    """The audit path of leaf `index` (RFC 9162 2.1.3.1), hashes hex, leaf side first."""
    if len(leaves) <= 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return inclusion_proof(leaves[:k], index) + [merkle_root(leaves[k:])]
    return inclusion_proof(leaves[k:], index - k) + [merkle_root(leaves[:k])]


def proves_inclusion(leaf_hash: bytes, index: int, size: int, path: list[str], root: str) -> bool:
    """RFC 9162 2.1.3.2: does `path` prove leaf `index` of a tree of `size` leaves has `root`?"""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for hex_hash in path:
        p = bytes.fromhex(hex_hash)
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r.hex() == root


def roster_leaves(employees: list[dict]) -> tuple[list[dict], list[bytes]]:
    """The roster sorted by employee_id, and its leaves."""
    ordered = sorted(employees, key=lambda e: e["employee_id"])
    return ordered, [leaf(e["employee_id"], e["employee_name"]) for e in ordered]
