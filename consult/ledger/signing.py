"""The platform's Ed25519 key that signs checkpoints of the record.

The private key lives in a file (``RECORD_KEY_PATH``, default
``<instance>/record_signing_key``; ``CONSULT_RECORD_KEY_PATH`` overrides), PKCS#8 PEM or the
raw 32-byte seed, mode 0600. It is generated on first use; two processes starting at once
end up with the same key, because the file is created whole or not at all (a hard link of
a finished temporary file). The public key is published (as base64 of its 32 raw bytes),
and its ``key_id`` (the first 16 hex digits of its SHA-256) names it in each checkpoint.

For witnesses using standard transparency-log tools, :func:`verifier_key` gives the key in
the C2SP signed-note form (``<name>+<hex key hash>+<base64(0x01 || key)>``).

Rotation (``consult record key rotate``, :func:`rotate`): the current key is retired, its
public key and the period it signed go to ``record_retired_keys.json`` beside the key file
(``<instance>/record_retired_keys.json`` by default), and a new key replaces it. Both files
are replaced whole (a finished temporary file renamed over the old one), the retired list
first, so a crash in between leaves the old key both current and retired, never untrusted.
``verify`` trusts the current key and the retired ones, and nothing else. A process that
holds the key in memory notices the new file on its next signature (the file's identity is
compared on every use), so no worker keeps signing with a retired key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask import Flask, current_app

log = logging.getLogger(__name__)

KEY_FILE_NAME = "record_signing_key"
RETIRED_FILE_NAME = "record_retired_keys.json"
ED25519_NOTE_ALGORITHM = b"\x01"  # the signed-note signature type of Ed25519

# Per key file: the loaded key and the identity of the file it came from (see _stamp).
_keys: dict[Path, tuple[tuple[int, int, int], Ed25519PrivateKey]] = {}
_lock = threading.Lock()


class SigningKeyError(RuntimeError):
    """The key file is there but unusable; the message says which file and why."""


def key_path(app: Flask | None = None) -> Path:
    app = app or current_app
    configured = app.config.get("RECORD_KEY_PATH") or os.environ.get("CONSULT_RECORD_KEY_PATH")
    return Path(configured or Path(app.config["INSTANCE_PATH"]) / KEY_FILE_NAME)


def _create(path: Path) -> None:
    """Write a new key to ``path`` unless one appeared meanwhile; never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
            log.warning("generated a new record signing key in %s; back it up", path)
        except FileExistsError:
            pass  # another process was first: use its key
    finally:
        temporary.unlink(missing_ok=True)


def _load(path: Path) -> Ed25519PrivateKey:
    data = path.read_bytes()
    if path.stat().st_mode & 0o077:
        log.warning("the record signing key %s is readable by others; chmod 600 it", path)
    if len(data) == 32:
        return Ed25519PrivateKey.from_private_bytes(data)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(
            f"{path} is not an unencrypted PEM Ed25519 key or a raw 32-byte seed"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def load_or_create(path: Path) -> Ed25519PrivateKey:
    """The key in ``path``, made first when there is none (safe for racing processes)."""
    if not path.exists():
        _create(path)
    return _load(path)


def _stamp(path: Path) -> tuple[int, int, int]:
    """Which file ``path`` is now: a rotation renames a new file over it."""
    status = path.stat()
    return (status.st_ino, status.st_mtime_ns, status.st_size)


def signing_key(app: Flask | None = None) -> Ed25519PrivateKey:
    """The platform's key, generated on first use (read again after a rotation)."""
    path = key_path(app)
    with _lock:
        if not path.exists():
            _create(path)
        stamp = _stamp(path)
        cached = _keys.get(path)
        if cached is None or cached[0] != stamp:
            cached = _keys[path] = (stamp, _load(path))
        return cached[1]


def public_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: bytes) -> str:
    """The first 16 hex digits of SHA-256 of the raw public key."""
    return hashlib.sha256(public).hexdigest()[:16]


def fingerprint(public: bytes) -> str:
    """SHA-256 of the raw public key in sixteen groups of four hex digits, easy to read out
    and compare by eye: printed on the key page, in the reactienota and the bundle's README,
    so a key can be checked against a copy that did not come from the same page."""
    digest = hashlib.sha256(public).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def current_fingerprint(app: Flask | None = None) -> str | None:
    """:func:`fingerprint` of the key that signs now, None while there is none (looking
    never makes one)."""
    return fingerprint(public_bytes(signing_key(app))) if has_key(app) else None


def public_key_b64(app: Flask | None = None) -> str:
    return base64.b64encode(public_bytes(signing_key(app))).decode("ascii")


def current_key_id(app: Flask | None = None) -> str:
    return key_id(public_bytes(signing_key(app)))


def has_key(app: Flask | None = None) -> bool:
    """Whether the instance has a signing key yet (looking never makes one)."""
    return key_path(app).exists()


def trusted_keys(app: Flask | None = None) -> dict[str, bytes]:
    """The keys whose checkpoints ``verify`` accepts, by key id: the retired ones and the
    current one (none while it has no key yet; verifying never makes one)."""
    keys = {retired.key_id: retired.public for retired in retired_keys(app)}
    if has_key(app):
        public = public_bytes(signing_key(app))
        keys[key_id(public)] = public
    return keys


def sign(data: bytes, app: Flask | None = None) -> tuple[str, str]:
    """(key id, base64 signature) of ``data``."""
    key = signing_key(app)
    return key_id(public_bytes(key)), base64.b64encode(key.sign(data)).decode("ascii")


def signature_valid(public: bytes, data: bytes, signature_b64: str) -> bool:
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        Ed25519PublicKey.from_public_bytes(public).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def note_key_hash(name: str, public: bytes) -> bytes:
    """The 4-byte key hash of a C2SP signed note: SHA-256(name || "\\n" || 0x01 || key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519_NOTE_ALGORITHM + public).digest()[:4]


def verifier_key(name: str, public: bytes) -> str:
    """The C2SP signed-note verifier key: ``<name>+<hex key hash>+<base64(0x01 || key)>``."""
    encoded = base64.b64encode(ED25519_NOTE_ALGORITHM + public).decode("ascii")
    return f"{name}+{note_key_hash(name, public).hex()}+{encoded}"


# -- rotation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetiredKey:
    """A key that signed checkpoints once: its public key and the period it signed (None
    when it signed none)."""

    key_id: str
    public: bytes
    signed_from: datetime | None
    signed_until: datetime | None
    retired_at: datetime

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public).decode("ascii")

    def to_json(self) -> dict[str, Any]:
        def moment(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat(timespec="milliseconds")

        return {
            "key_id": self.key_id,
            "algorithm": "Ed25519",
            "public_key": self.public_b64,
            "signed_from": moment(self.signed_from),
            "signed_until": moment(self.signed_until),
            "retired_at": moment(self.retired_at),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RetiredKey:
        def moment(value: str | None) -> datetime | None:
            return None if value is None else datetime.fromisoformat(value)

        public = base64.b64decode(data["public_key"], validate=True)
        if len(public) != 32 or key_id(public) != data["key_id"]:
            raise ValueError(f"key {data.get('key_id')!r} does not match its public key")
        retired_at = moment(data["retired_at"])
        if retired_at is None:
            raise ValueError(f"key {data['key_id']} has no retirement time")
        return cls(
            key_id=data["key_id"],
            public=public,
            signed_from=moment(data.get("signed_from")),
            signed_until=moment(data.get("signed_until")),
            retired_at=retired_at,
        )


def retired_keys_path(app: Flask | None = None) -> Path:
    """``record_retired_keys.json`` beside the key file."""
    return key_path(app).with_name(RETIRED_FILE_NAME)


def retired_keys(app: Flask | None = None) -> list[RetiredKey]:
    """The retired keys, oldest first (none when no key was ever rotated)."""
    path = retired_keys_path(app)
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return []
    except ValueError as exc:
        raise SigningKeyError(f"{path} is not valid JSON: {exc}") from exc
    try:
        return [RetiredKey.from_json(entry) for entry in data["retired_keys"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise SigningKeyError(f"{path} does not hold a list of retired keys: {exc}") from exc


def replace_whole(path: Path, data: bytes, mode: int) -> None:
    """Put ``data`` in ``path`` whole or not at all: a synced temporary file renamed over it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a crash
    finally:
        os.close(folder)


def rotate(
    signed_from: datetime | None,
    signed_until: datetime | None,
    now: datetime,
    app: Flask | None = None,
) -> tuple[RetiredKey, str]:
    """Retire the current key (which signed from ``signed_from`` to ``signed_until``) and
    make a new one; the retired key and the new key's id.

    The caller signs a checkpoint with the new key right after, so that the record shows
    where one key ends and the next begins.
    """
    path = key_path(app)
    if not path.exists():
        raise SigningKeyError(f"there is no key in {path} to retire yet")
    with _lock:
        public = public_bytes(_load(path))
        retired = RetiredKey(
            key_id=key_id(public),
            public=public,
            signed_from=signed_from,
            signed_until=signed_until,
            retired_at=now,
        )
        kept = [key for key in retired_keys(app) if key.key_id != retired.key_id]
        listing = {"retired_keys": [key.to_json() for key in [*kept, retired]]}
        replace_whole(
            retired_keys_path(app),
            (json.dumps(listing, indent=2) + "\n").encode("utf-8"),
            0o644,
        )
        new_key = Ed25519PrivateKey.generate()
        replace_whole(
            path,
            new_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            0o600,
        )
        _keys.pop(path, None)
    log.warning("retired record signing key %s; the new key is in %s", retired.key_id, path)
    return retired, key_id(public_bytes(new_key))


def public_pem(public: bytes) -> str:
    """The public key as PEM (SubjectPublicKeyInfo), as ``openssl pkey -pubin`` reads it."""
    return (
        Ed25519PublicKey.from_public_bytes(public)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
