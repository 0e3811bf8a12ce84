"""A small transparency log and witnesses over real HTTP, for the witness tests."""

from __future__ import annotations

import base64
import hashlib
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consult.ledger import merkle, notes
from consult.witness import state
from consult.witness.server import make_server


class Log:
    """A log with its own key: leaves, signed checkpoints and consistency proofs."""

    def __init__(self, origin: str = "log.example/record", key: Ed25519PrivateKey | None = None):
        self.origin = origin
        self.key = key or Ed25519PrivateKey.generate()
        self.leaves: list[bytes] = []

    @property
    def vkey(self) -> str:
        return str(notes.Vkey(self.origin, notes.ED25519, notes.public_of(self.key)))

    def grow(self, count: int, tag: str = "a") -> None:
        start = len(self.leaves)
        self.leaves += [merkle.leaf_hash(f"{tag}{start + i}".encode()) for i in range(count)]

    def node(self, level: int, index: int) -> bytes:
        width = 1 << level
        return merkle.root(self.leaves[index * width : (index + 1) * width])

    def body(self, size: int | None = None) -> bytes:
        size = len(self.leaves) if size is None else size
        root = base64.b64encode(merkle.root(self.leaves[:size])).decode()
        return f"{self.origin}\n{size}\n{root}\n".encode()

    def note(self, size: int | None = None, key: Ed25519PrivateKey | None = None) -> str:
        body = self.body(size)
        return body.decode() + "\n" + notes.sign_note(key or self.key, self.origin, body).line()

    def proof(self, old: int, size: int | None = None) -> list[bytes]:
        size = len(self.leaves) if size is None else size
        if old in (0, size) or old > size:
            return []
        return merkle.consistency_proof(old, size, self.node)

    def request(self, old: int, size: int | None = None, **note_args) -> bytes:
        lines = [f"old {old}", *(base64.b64encode(h).decode() for h in self.proof(old, size))]
        return ("\n".join(lines) + "\n\n" + self.note(size, **note_args)).encode()


def post(url: str, body: bytes) -> tuple[int, str, str]:
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 (a test URL)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def new_witness(directory: Path, name: str, *logs: Log) -> state.Witness:
    witness = state.init(directory, name)
    for log in logs:
        witness.add_log(log.origin, log.vkey)
    return witness


@contextmanager
def serving(witness: state.Witness) -> Iterator[str]:
    """The witness's HTTP API on a free port, in a thread; yields its URL."""
    server = make_server(witness, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def independent_cosignature_check(vkey: str, body: bytes, line: str) -> int:
    """Check a cosignature line by the spec's bytes, without consult.ledger.notes: the
    key id, the timestamp and the Ed25519 signature; returns the timestamp."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    name, hex_id, encoded = vkey.split("+", 2)
    raw = base64.b64decode(encoded)
    assert raw[0] == 0x04
    assert len(raw) == 33
    public = raw[1:]
    assert hashlib.sha256(name.encode() + b"\n\x04" + public).digest()[:4].hex() == hex_id
    assert line.startswith("\u2014 " + name + " ")
    assert line.endswith("\n")
    blob = base64.b64decode(line.rstrip("\n").split(" ")[2])
    assert len(blob) == 4 + 8 + 64
    assert blob[:4].hex() == hex_id
    timestamp = int.from_bytes(blob[4:12], "big")
    assert timestamp > 0
    message = b"cosignature/v1\n" + b"time " + str(timestamp).encode() + b"\n" + body
    Ed25519PublicKey.from_public_bytes(public).verify(blob[12:], message)  # raises if bad
    return timestamp


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (a test URL)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
