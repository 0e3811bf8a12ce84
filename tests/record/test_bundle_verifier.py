"""The standalone verifier's own parts, against the libraries the platform trusts.

``verify.py`` may use the standard library only, so it carries its own Ed25519 (RFC 8032),
RFC 8785 canonical JSON and RFC 9162 proof checks. Each is held here to the real thing:
Ed25519 to the ``cryptography`` library and the RFC's test vectors, canonical JSON to the
``rfc8785`` library the record appends with, the proofs to :mod:`consult.ledger.merkle`.
"""

from __future__ import annotations

import ast
import hashlib
import math
from pathlib import Path

import pytest
import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consult.evidence import bundle_verifier as verifier
from consult.ledger import canonical, merkle

# -- Ed25519 -----------------------------------------------------------------------------------

# RFC 8032 section 7.1: TEST 1, TEST 2, TEST 3 and TEST SHA(abc) (secret, public, message, sig).
RFC8032_VECTORS = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"
        "39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f"
        "3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67"
        "f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
    (
        "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        hashlib.sha512(b"abc").hexdigest(),
        "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfb"
        "c7c66431e0303dca179c138ac17ad9bef1177331a704",
    ),
]


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032_VECTORS)
def test_ed25519_accepts_the_rfc_8032_vectors(secret, public, message, signature):
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret))
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert raw.hex() == public  # the vector is copied right
    public_bytes, data, sig = (
        bytes.fromhex(public),
        bytes.fromhex(message),
        bytes.fromhex(signature),
    )
    assert verifier.ed25519_verify(public_bytes, data, sig)
    assert not verifier.ed25519_verify(public_bytes, data + b"x", sig)
    flipped = bytearray(sig)
    flipped[5] ^= 0x01
    assert not verifier.ed25519_verify(public_bytes, data, bytes(flipped))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.binary(min_size=32, max_size=32), message=st.binary(max_size=300))
def test_ed25519_agrees_with_the_cryptography_library(seed, message):
    key = Ed25519PrivateKey.from_private_bytes(seed)
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    signature = key.sign(message)
    assert verifier.ed25519_verify(public, message, signature)
    other = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed).digest())
    other_public = other.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert not verifier.ed25519_verify(other_public, message, signature)
    assert not verifier.ed25519_verify(public, message + b"\x00", signature)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.binary(min_size=32, max_size=32),
    position=st.integers(min_value=0, max_value=63),
    bit=st.integers(min_value=0, max_value=7),
)
def test_ed25519_refuses_every_changed_signature_bit(seed, position, bit):
    key = Ed25519PrivateKey.from_private_bytes(seed)
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    signature = bytearray(key.sign(b"checkpoint"))
    signature[position] ^= 1 << bit
    assert not verifier.ed25519_verify(public, b"checkpoint", bytes(signature))


def test_ed25519_refuses_malformed_input():
    _secret, public, message, signature = RFC8032_VECTORS[1]
    public_bytes, sig = bytes.fromhex(public), bytes.fromhex(signature)
    assert not verifier.ed25519_verify(public_bytes[:31], bytes.fromhex(message), sig)
    assert not verifier.ed25519_verify(public_bytes, bytes.fromhex(message), sig[:63])
    # S not below the group order (RFC 8032 5.1.7: the signature is malleable otherwise)
    s = int.from_bytes(sig[32:], "little") + verifier._L
    assert s < 2**256
    assert not verifier.ed25519_verify(
        public_bytes, bytes.fromhex(message), sig[:32] + s.to_bytes(32, "little")
    )
    # a y coordinate that is not below p is not a point
    assert not verifier.ed25519_verify(b"\xff" * 32, bytes.fromhex(message), sig)


# -- RFC 8785 canonical JSON ---------------------------------------------------------------------

keys = st.text(max_size=8)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_canonical_json_is_byte_for_byte_rfc8785(value):
    assert verifier.canonical(value) == rfc8785.dumps(value)


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_are_written_as_ecmascript_writes_them(number):
    assert verifier.canonical(number) == rfc8785.dumps(number)
    assert float(verifier.canonical(number)) == number or number == 0


def test_keys_sort_by_utf16_code_units_and_controls_are_escaped():
    # U+1F600 is a surrogate pair (D83D DE00) in UTF-16, so it sorts before U+E000.
    value = {"\ue000": 1, "\U0001f600": 2, "b": "\u2028\x7f\x01\n", "a": [1.5e-7, 1e21, -0.0]}
    expected = '{"a":[1.5e-7,1e+21,0],"b":"\u2028\x7f\\u0001\\n","\U0001f600":2,"\ue000":1}'
    assert verifier.canonical(value) == expected.encode()
    assert verifier.canonical(value) == rfc8785.dumps(value)
    with pytest.raises(verifier.CanonicalError):
        verifier.canonical(math.nan)
    with pytest.raises(verifier.CanonicalError):
        verifier.canonical({"big": 2**53})


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.from_regex(canonical.KEY, fullmatch=True),
        st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=10),
        max_size=5,
    )
)
def test_an_event_hashes_the_same_in_the_verifier_and_the_record(payload):
    from datetime import UTC, datetime

    body = canonical.event_body(
        leaf_index=7,
        chain="regiovisie",
        seq=3,
        kind="submission_received",
        occurred_at=datetime(2026, 3, 1, 9, 15, 2, 250000, tzinfo=UTC),
        actor_role="participant",
        object_type="submission",
        object_id="ABCD-EFGH",
        payload=payload,
        prev_hash="ab" * 32,
    )
    data = canonical.canonical_bytes(body)
    assert verifier.canonical(body) == data
    assert verifier.leaf_hash(data).hex() == canonical.leaf_hash(data)


# -- RFC 9162 proofs -----------------------------------------------------------------------------


def _tree(size: int):
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(size)]
    return leaves, (lambda level, index: merkle.root(leaves[index << level : (index + 1) << level]))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 70).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_inclusion_proofs_of_the_record_check_out_in_the_verifier(size_index):
    size, index = size_index
    leaves, node = _tree(size)
    root = merkle.root(leaves)
    proof = merkle.inclusion_proof(index, size, node)
    assert verifier.verify_inclusion(index, size, leaves[index], proof, root)
    assert not verifier.verify_inclusion(index, size, merkle.leaf_hash(b"other"), proof, root)
    if proof:
        changed = [*proof[:-1], merkle.leaf_hash(b"x")]
        assert not verifier.verify_inclusion(index, size, leaves[index], changed, root)
    if size > 1:
        other = (index + 1) % size
        assert not verifier.verify_inclusion(other, size, leaves[index], proof, root)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 70).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_consistency_proofs_of_the_record_check_out_in_the_verifier(sizes):
    first, second = sizes
    leaves, node = _tree(second)
    first_root, second_root = merkle.root(leaves[:first]), merkle.root(leaves)
    proof = merkle.consistency_proof(first, second, node)
    assert verifier.verify_consistency(first, second, first_root, second_root, proof)
    assert verifier.verify_consistency(first, second, first_root, second_root, proof) == (
        merkle.verify_consistency(first, second, first_root, second_root, proof)
    )
    wrong = merkle.leaf_hash(b"rewritten")
    assert not verifier.verify_consistency(first, second, wrong, second_root, proof)
    if first < second:
        assert not verifier.verify_consistency(first, second, first_root, wrong, proof)


# -- what the file may use -----------------------------------------------------------------------


def test_the_verifier_needs_only_the_standard_library_of_python_3_9():
    source = Path(verifier.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source, feature_version=(3, 9))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= {
        "__future__",
        "argparse",
        "base64",
        "binascii",
        "collections",
        "hashlib",
        "json",
        "math",
        "os",
        "re",
        "sys",
        "typing",
        "zipfile",
    }
    # Newer than 3.9 and easy to slip in (the parser above refuses match statements and the
    # like, not library calls): itertools.pairwise, int.bit_count, zip(strict=), datetime.UTC.
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            assert node.attr not in {"pairwise", "bit_count", "UTC"}, node.attr
        elif isinstance(node, ast.keyword):
            assert node.arg != "strict"
        elif isinstance(node, ast.Name):
            assert node.id not in {"pairwise", "UTC"}, node.id
