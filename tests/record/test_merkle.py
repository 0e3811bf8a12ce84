"""The record's Merkle tree against RFC 9162 section 2.1: known vectors and properties.

The known vectors are the 8-leaf tree of Certificate Transparency's reference tests
(originally certificate-transparency's C++ ``merkle_tree_test.cc``), as carried on in
transparency-dev/merkle, ``proof/verify_test.go`` (Apache License 2.0): the leaf inputs,
the root of each tree size 1..8, and the inclusion and consistency proofs listed there.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consult.ledger import merkle

# -- the CT reference vectors ------------------------------------------------------------------

LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = [
    bytes.fromhex(h)
    for h in [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]
# (leaf number from 1, as the source counts them; tree size; audit path)
INCLUSION = [
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        2,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# (first size, second size, consistency proof)
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


# -- a reference straight from the RFC's recursive definitions ----------------------------------


def mth(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 2.1.1, over leaf hashes, recursively."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 2.1.3.1."""
    if len(leaves) == 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 9162 2.1.4.1."""
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*subproof(m, leaves[:k], whole), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def getter(leaves: list[bytes]) -> merkle.NodeGetter:
    """``node(level, index)`` over an in-memory tree, refusing anything but a perfect
    subtree inside it (as the stored tree would)."""
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append(
            [merkle.node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
        )

    def node(level: int, index: int) -> bytes:
        assert (index + 1) << level <= len(leaves), f"node {level}/{index} is not complete"
        return levels[level][index]

    return node


def leaf_hashes(count: int, seed: int = 0) -> list[bytes]:
    return [merkle.leaf_hash(f"{seed}:{i}".encode()) for i in range(count)]


def flipped(value: bytes, position: int) -> bytes:
    position %= len(value)
    return value[:position] + bytes([value[position] ^ 0x01]) + value[position + 1 :]


# -- known vectors -------------------------------------------------------------------------------


def test_the_empty_tree_and_the_leaf_and_node_hashes():
    assert merkle.root([]) == bytes.fromhex(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert merkle.leaf_hash(b"") == ROOTS[0]  # a one-leaf tree's root is its leaf hash
    assert merkle.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_of_the_reference_tree(size):
    hashes = [merkle.leaf_hash(d) for d in LEAVES[:size]]
    assert merkle.root(hashes) == ROOTS[size - 1]
    frontier = merkle.Frontier()
    for leaf in hashes:
        frontier.append(leaf)
    assert frontier.root() == ROOTS[size - 1]


@pytest.mark.parametrize(("number", "size", "expected"), INCLUSION)
def test_inclusion_proofs_of_the_reference_tree(number, size, expected):
    hashes = [merkle.leaf_hash(d) for d in LEAVES[:size]]
    proof = merkle.inclusion_proof(number - 1, size, getter(hashes))
    assert [p.hex() for p in proof] == expected
    assert merkle.verify_inclusion(number - 1, size, hashes[number - 1], proof, ROOTS[size - 1])
    # The probes the reference tests use: each must fail.
    leaf, root = hashes[number - 1], ROOTS[size - 1]
    wrong = [
        (number - 2, size, leaf, proof, root),
        (number, size, leaf, proof, root),
        ((number - 1) ^ 2, size, leaf, proof, root),
        (number - 1, size * 2, leaf, proof, root),
        (number - 1, size // 2, leaf, proof, root),
        (number - 1, size, merkle.leaf_hash(b"WrongLeaf"), proof, root),
        (number - 1, size, leaf, proof, merkle.EMPTY_ROOT),
        (number - 1, size, leaf, [*proof, root], root),
        (number - 1, size, leaf, [root, *proof], root),
        (number - 1, size, leaf, proof[:-1], root),
        *[
            (number - 1, size, leaf, [*proof[:i], flipped(proof[i], 0), *proof[i + 1 :]], root)
            for i in range(len(proof))
        ],
    ]
    for probe in wrong:
        assert not merkle.verify_inclusion(*probe), probe[:2]


@pytest.mark.parametrize(("first", "second", "expected"), CONSISTENCY)
def test_consistency_proofs_of_the_reference_tree(first, second, expected):
    hashes = [merkle.leaf_hash(d) for d in LEAVES[:second]]
    proof = merkle.consistency_proof(first, second, getter(hashes))
    assert [p.hex() for p in proof] == expected
    root1, root2 = ROOTS[first - 1], ROOTS[second - 1]
    assert merkle.verify_consistency(first, second, root1, root2, proof)
    if not proof:
        return
    wrong = [
        (first - 1, second, root1, root2, proof),
        (first + 1, second, root1, root2, proof),
        (first ^ 2, second, root1, root2, proof),
        (first, second * 2, root1, root2, proof),
        (first, second // 2, root1, root2, proof),
        (first, second, root2, root1, proof),
        (first, second, root1, root2, []),
        (first, second, root1, root2, [*proof, root1]),
        (first, second, root1, root2, [root2, *proof]),
        (first, second, root1, root2, [proof[0], *proof]),
        (first, second, root1, root2, proof[:-1]),
        *[
            (first, second, root1, root2, [*proof[:i], flipped(proof[i], 4), *proof[i + 1 :]])
            for i in range(len(proof))
        ],
    ]
    for probe in wrong:
        assert not merkle.verify_consistency(*probe), probe[:2]


def test_trivial_consistency_cases():
    root = ROOTS[0]
    assert merkle.verify_consistency(0, 0, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [])
    assert merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, ROOTS[4], [])
    assert merkle.verify_consistency(1, 1, root, root, [])
    assert not merkle.verify_consistency(1, 1, root, ROOTS[1], [])
    assert not merkle.verify_consistency(1, 1, root, root, [root])
    assert not merkle.verify_consistency(2, 1, ROOTS[1], root, [])
    assert not merkle.verify_consistency(1, 2, root, ROOTS[1], [])


def test_impossible_proofs_are_refused():
    node = getter(leaf_hashes(4))
    with pytest.raises(ValueError, match="not in a tree"):
        merkle.inclusion_proof(4, 4, node)
    with pytest.raises(ValueError, match="no consistency proof"):
        merkle.consistency_proof(5, 4, node)
    assert not merkle.verify_inclusion(0, 0, ROOTS[0], [], ROOTS[0])
    assert not merkle.verify_inclusion(0, 1, b"short", [], b"short")


# -- properties ----------------------------------------------------------------------------------

sizes = st.integers(min_value=1, max_value=300)


@settings(max_examples=150, deadline=None)
@given(size=sizes, data=st.data())
def test_inclusion_proofs_follow_the_rfc_and_verify(size, data):
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    leaves = leaf_hashes(size)
    root = mth(leaves)
    proof = merkle.inclusion_proof(index, size, getter(leaves))
    assert proof == path(index, leaves)
    assert merkle.verify_inclusion(index, size, leaves[index], proof, root)
    if proof:
        element = data.draw(st.integers(0, len(proof) - 1), label="element")
        byte = data.draw(st.integers(0, 31), label="byte")
        broken = [*proof[:element], flipped(proof[element], byte), *proof[element + 1 :]]
        assert not merkle.verify_inclusion(index, size, leaves[index], broken, root)
    byte = data.draw(st.integers(0, 31), label="leaf byte")
    assert not merkle.verify_inclusion(index, size, flipped(leaves[index], byte), proof, root)
    assert not merkle.verify_inclusion(index, size, leaves[index], proof, flipped(root, byte))
    if size > 1:
        other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index), label="other")
        assert not merkle.verify_inclusion(other, size, leaves[index], proof, root)


@settings(max_examples=150, deadline=None)
@given(second=sizes, data=st.data())
def test_consistency_proofs_follow_the_rfc_and_verify(second, data):
    first = data.draw(st.integers(min_value=1, max_value=second), label="first")
    leaves = leaf_hashes(second)
    root1, root2 = mth(leaves[:first]), mth(leaves)
    proof = merkle.consistency_proof(first, second, getter(leaves))
    assert proof == (subproof(first, leaves, True) if first < second else [])
    assert merkle.verify_consistency(first, second, root1, root2, proof)
    byte = data.draw(st.integers(0, 31), label="byte")
    if proof:
        element = data.draw(st.integers(0, len(proof) - 1), label="element")
        broken = [*proof[:element], flipped(proof[element], byte), *proof[element + 1 :]]
        assert not merkle.verify_consistency(first, second, root1, root2, broken)
    assert not merkle.verify_consistency(first, second, flipped(root1, byte), root2, proof)
    assert not merkle.verify_consistency(first, second, root1, flipped(root2, byte), proof)
    # A tree that differs in one earlier leaf is not an extension of the first.
    changed = data.draw(st.integers(0, first - 1), label="changed leaf")
    other = [*leaves[:changed], flipped(leaves[changed], byte), *leaves[changed + 1 :]]
    assert not merkle.verify_consistency(first, second, root1, mth(other), proof)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(min_value=0, max_value=600))
def test_the_frontier_yields_each_perfect_subtree_once_and_the_root(size):
    leaves = leaf_hashes(size, seed=7)
    frontier = merkle.Frontier()
    completed: dict[tuple[int, int], bytes] = {}
    for leaf in leaves:
        for level, index, value in frontier.append(leaf):
            assert (level, index) not in completed
            completed[(level, index)] = value
        if frontier.size % 41 == 0 or frontier.size == size:
            assert frontier.root() == mth(leaves[: frontier.size])
    # Exactly the perfect subtrees of levels >= 1 that fit, with their hashes.
    expected = {
        (level, index)
        for level in range(1, max(size, 1).bit_length())
        for index in range(size >> level)
    }
    assert set(completed) == expected
    node = getter(leaves)
    assert all(value == node(*key) for key, value in completed.items())
    # A frontier rebuilt from its stored hashes goes on the same way.
    again = merkle.Frontier(frontier.size, frontier.hashes)
    more = leaf_hashes(3, seed=8)
    for leaf in more:
        again.append(leaf)
    assert again.root() == mth(leaves + more)


def test_a_frontier_with_the_wrong_number_of_hashes_is_refused():
    with pytest.raises(ValueError, match="frontier"):
        merkle.Frontier(3, [ROOTS[0]])
