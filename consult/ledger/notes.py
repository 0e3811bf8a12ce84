"""C2SP signed notes, verifier keys and tlog-cosignature/v1, both ways.

Shared by the platform (which sends checkpoints to witnesses and checks what comes back,
:mod:`consult.ledger.cosignatures`) and by the standalone witness (:mod:`consult.witness`),
so both read and write the same bytes:

- a *signed note* (https://c2sp.org/signed-note): a text of lines each ending in a
  newline, a blank line, then signature lines ``— <key name> <base64(key id || sig)>``;
- a *verifier key* (vkey): ``<name>+<hex key id>+<base64(type || public key)>``, with type
  0x01 for an Ed25519 note signature (the log's checkpoints) and 0x04 for an Ed25519
  cosignature (a witness); the key id is ``SHA-256(name || "\\n" || type || key)[:4]``;
- a *cosignature* (https://c2sp.org/tlog-cosignature, Ed25519 ``cosignature/v1``): the
  signature blob is ``key id (4) || timestamp (8, big-endian POSIX seconds) || Ed25519
  signature (64)`` over ``"cosignature/v1\\n" "time <timestamp>\\n"`` followed by the
  checkpoint's whole body (extension lines included).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01
COSIGNATURE_ED25519 = 0x04
COSIGNATURE_HEADER = b"cosignature/v1\n"
DASH = "\u2014"
MAX_TIMESTAMP = (1 << 63) - 1


class NoteError(ValueError):
    """Text that is not a well-formed signed note, vkey or signature line."""


def key_id(name: str, kind: int, public: bytes) -> bytes:
    """The 4-byte key id of a signed-note key: ``SHA-256(name || "\\n" || type || key)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public).digest()[:4]


def valid_name(name: str) -> bool:
    """A key name: non-empty, no spaces or plus signs, printable (signed-note rules)."""
    return (
        bool(name)
        and "+" not in name
        and not any(c.isspace() for c in name)
        and (name.isprintable())
    )


@dataclass(frozen=True)
class Vkey:
    """A verifier key: the key's name, its signature type and its 32-byte Ed25519 key."""

    name: str
    kind: int
    public: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.kind, self.public)

    def __str__(self) -> str:
        encoded = base64.b64encode(bytes([self.kind]) + self.public).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{encoded}"


def parse_vkey(text: str, kinds: tuple[int, ...] = (ED25519, COSIGNATURE_ED25519)) -> Vkey:
    """A vkey from its text; raises :class:`NoteError` naming what is wrong."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise NoteError(f"{text!r} is not a verifier key (name+hex key id+base64 key)")
    name, hex_id, encoded = parts
    if not valid_name(name):
        raise NoteError(f"{name!r} is not a valid key name")
    try:
        raw = base64.b64decode(encoded, validate=True)
        wanted = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError):
        raise NoteError(f"{text!r}: the key id or key is not hex and base64") from None
    if len(raw) != 33 or raw[0] not in kinds:
        raise NoteError(f"{text!r} is not an Ed25519 key of type {' or '.join(map(hex, kinds))}")
    vkey = Vkey(name, raw[0], raw[1:])
    if len(wanted) != 4 or vkey.key_id != wanted:
        raise NoteError(f"{text!r}: the key id does not match the name and key")
    return vkey


def public_of(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def ed25519_valid(public: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


# -- notes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """One signature line: the key name and the decoded blob (key id first)."""

    name: str
    blob: bytes

    @property
    def key_id(self) -> bytes:
        return self.blob[:4]

    def line(self) -> str:
        return f"{DASH} {self.name} {base64.b64encode(self.blob).decode('ascii')}\n"


def parse_signature_line(line: str) -> Signature:
    """``— <name> <base64>`` (without or with its newline)."""
    parts = line.rstrip("\n").split(" ")
    if len(parts) != 3 or parts[0] != DASH or not valid_name(parts[1]):
        raise NoteError(f"{line!r} is not a signature line")
    try:
        blob = base64.b64decode(parts[2], validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{line!r}: the signature is not base64") from None
    if len(blob) < 5:
        raise NoteError(f"{line!r}: the signature is too short")
    return Signature(parts[1], blob)


def parse_signature_lines(text: str) -> list[Signature]:
    """Signature lines, each ending in a newline (a witness's answer)."""
    if not text.endswith("\n"):
        raise NoteError("signature lines must end in a newline")
    return [parse_signature_line(line) for line in text[:-1].split("\n")]


def split_note(text: str) -> tuple[bytes, list[Signature]]:
    """A signed note's body (the signed bytes, ending in a newline) and its signatures."""
    body, blank, signatures = text.rpartition("\n\n")
    if not blank or not body or "\n\n" in body or not signatures.endswith("\n"):
        raise NoteError("not a signed note: text, a blank line, then signature lines")
    return (body + "\n").encode("utf-8"), parse_signature_lines(signatures)


def note_signature_valid(vkey: Vkey, body: bytes, signature: Signature) -> bool:
    """An Ed25519 note signature (type 0x01) by ``vkey`` over ``body``."""
    return (
        vkey.kind == ED25519
        and signature.name == vkey.name
        and signature.key_id == vkey.key_id
        and len(signature.blob) == 68
        and ed25519_valid(vkey.public, signature.blob[4:], body)
    )


def sign_note(private: Ed25519PrivateKey, name: str, body: bytes) -> Signature:
    public = public_of(private)
    return Signature(name, key_id(name, ED25519, public) + private.sign(body))


# -- checkpoints ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """The first three lines of a C2SP checkpoint body (extension lines may follow)."""

    origin: str
    size: int
    root: bytes


def parse_checkpoint(body: bytes) -> Checkpoint:
    """Origin, size and root of a checkpoint body (https://c2sp.org/tlog-checkpoint)."""
    try:
        lines = body.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        raise NoteError("the checkpoint is not UTF-8") from None
    if len(lines) < 4 or lines[-1] != "" or any(line == "" for line in lines[:-1]):
        raise NoteError("a checkpoint has an origin, a size and a root hash line")
    origin, size, root = lines[0], lines[1], lines[2]
    if not size.isdigit() or (size != "0" and size.startswith("0")):
        raise NoteError(f"{size!r} is not a tree size")
    try:
        raw = base64.b64decode(root, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError("the root hash is not base64") from None
    if len(raw) != 32 or not origin:
        raise NoteError("the root hash is not 32 bytes")
    return Checkpoint(origin, int(size), raw)


# -- cosignatures ----------------------------------------------------------------------------


def cosigned_message(body: bytes, timestamp: int) -> bytes:
    """What an Ed25519 ``cosignature/v1`` signs: header, time line, the checkpoint body."""
    return COSIGNATURE_HEADER + f"time {timestamp}\n".encode() + body


def cosign(private: Ed25519PrivateKey, name: str, body: bytes, timestamp: int) -> Signature:
    """A witness's cosignature of a checkpoint body at ``timestamp`` (POSIX seconds)."""
    if not 0 < timestamp <= MAX_TIMESTAMP:
        raise ValueError("a cosignature's timestamp is positive and below 2**63")
    public = public_of(private)
    signature = private.sign(cosigned_message(body, timestamp))
    return Signature(
        name, key_id(name, COSIGNATURE_ED25519, public) + struct.pack(">Q", timestamp) + signature
    )


def cosignature_time(vkey: Vkey, body: bytes, signature: Signature) -> int | None:
    """The timestamp of a valid cosignature by ``vkey`` on ``body``; None when it is not one
    (another key, a malformed blob, a bad signature, a zero time)."""
    if (
        vkey.kind != COSIGNATURE_ED25519
        or signature.name != vkey.name
        or signature.key_id != vkey.key_id
        or len(signature.blob) != 76
    ):
        return None
    (timestamp,) = struct.unpack(">Q", signature.blob[4:12])
    if not 0 < timestamp <= MAX_TIMESTAMP:
        return None
    if not ed25519_valid(vkey.public, signature.blob[12:], cosigned_message(body, timestamp)):
        return None
    return int(timestamp)
