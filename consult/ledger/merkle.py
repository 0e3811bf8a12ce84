"""The Merkle tree of the record, exactly as RFC 9162 (Certificate Transparency 2.0) section 2.1.

Standard library only, so that this file can be copied as it is into the offline verifier
of an evidence bundle. Hashes are raw 32-byte ``bytes`` here; the database keeps them as hex.

The tree's nodes are addressed as (level, index): the perfect subtree of ``2**level``
leaves that starts at leaf ``index * 2**level``. Level 0 is the leaf hashes themselves.
Proofs are built from such perfect subtrees only, through a ``node(level, index)`` getter,
so a proof needs O(log n) reads and never all leaves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeGetter = Callable[[int, int], bytes]


def leaf_hash(entry: bytes) -> bytes:
    """MTH({d(0)}) = SHA-256(0x00 || d(0)) (RFC 9162 2.1.1)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right) (RFC 9162 2.1.1)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of a list of leaf hashes (RFC 9162 2.1.1); the empty tree's is SHA-256("")."""
    if not leaf_hashes:
        return EMPTY_ROOT
    frontier = Frontier()
    for leaf in leaf_hashes:
        frontier.append(leaf)
    return frontier.root()


# -- the compact range of a growing tree -----------------------------------------------------


class Frontier:
    """The perfect subtrees that make up a tree of ``size`` leaves, largest (leftmost) first.

    This is the "compact range" [0, size): one hash per set bit of ``size``. Appending a
    leaf merges equal-sized subtrees and returns the perfect subtrees it completed, so a
    store can keep every node once, as it completes, in O(log n) per leaf.
    """

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != bin(size).count("1"):
            raise ValueError(f"a tree of {size} leaves has {bin(size).count('1')} frontier hashes")
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; the completed subtrees as (level, index, hash), lowest first."""
        completed = []
        value, index, level = leaf, self.size, 0
        while index & 1:
            value = node_hash(self.hashes.pop(), value)
            index >>= 1
            level += 1
            completed.append((level, index, value))
        self.hashes.append(value)
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        value = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            value = node_hash(left, value)
        return value


# -- proofs ------------------------------------------------------------------------------------


def subtree_hash(start: int, size: int, node: NodeGetter) -> bytes:
    """MTH(D[start:start+size]) where ``start`` is a multiple of the largest power of two
    not above ``size``, as every subtree in RFC 9162's recursions is."""
    if size & (size - 1) == 0:  # a power of two: one stored node
        level = size.bit_length() - 1
        return node(level, start >> level)
    k = _split(size)
    return node_hash(subtree_hash(start, k, node), subtree_hash(start + k, size - k, node))


def inclusion_proof(index: int, size: int, node: NodeGetter) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 2.1.3.1: the audit path of leaf ``index``, leaf to root."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    path: list[bytes] = []
    start, n, m = 0, size, index
    while n > 1:
        k = _split(n)
        if m < k:
            path.append(subtree_hash(start + k, n - k, node))
            n = k
        else:
            path.append(subtree_hash(start, k, node))
            start, n, m = start + k, n - k, m - k
    path.reverse()
    return path


def consistency_proof(first: int, second: int, node: NodeGetter) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 2.1.4.1 between tree sizes ``first`` and ``second``."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first == 0 or first == second:
        return []
    proof: list[bytes] = []
    start, n, m, whole = 0, second, first, True  # SUBPROOF(m, D[start:start+n], whole)
    while m != n:
        k = _split(n)
        if m <= k:
            proof.append(subtree_hash(start + k, n - k, node))
            n = k
        else:
            proof.append(subtree_hash(start, k, node))
            start, n, m, whole = start + k, n - k, m - k, False
    if not whole:
        proof.append(subtree_hash(start, n, node))
    proof.reverse()
    return proof


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    """RFC 9162 2.1.3.2: does ``proof`` show ``leaf`` at ``leaf_index`` under ``root_hash``?"""
    if not 0 <= leaf_index < tree_size:
        return False
    if len(leaf) != HASH_SIZE or len(root_hash) != HASH_SIZE:
        return False
    if any(len(p) != HASH_SIZE for p in proof):
        return False
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: is the tree of ``second`` leaves an extension of that of ``first``?

    The RFC's algorithm covers 0 < first < second; as in the reference implementation, a
    tree is consistent with itself (same root, empty proof) and with the empty tree (empty
    proof).
    """
    if first < 0 or second < first:
        return False
    if any(len(h) != HASH_SIZE for h in (first_root, second_root, *proof)):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0
