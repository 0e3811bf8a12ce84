"""The platform's Ed25519 key that signs checkpoints of the record.

The private key lives in a file (``RECORD_KEY_PATH``, default
``<instance>/record_signing_key``; ``CONSULT_RECORD_KEY_PATH`` overrides), PKCS#8 PEM or the
raw 32-byte seed, mode 0600. It is generated on first use; two processes starting at once
end up with the same key, because the file is created whole or not at all (a hard link of
a finished temporary file). The public key is published (as base64 of its 32 raw bytes),
and its ``key_id`` (the first 16 hex digits of its SHA-256) names it in each checkpoint.

For witnesses using standard transparency-log tools, :func:`verifier_key` gives the key in
the C2SP signed-note form (``<name>+<hex key hash>+<base64(0x01 || key)>``).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import threading
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask import Flask, current_app

log = logging.getLogger(__name__)

KEY_FILE_NAME = "record_signing_key"
ED25519_NOTE_ALGORITHM = b"\x01"  # the signed-note signature type of Ed25519

_keys: dict[Path, Ed25519PrivateKey] = {}
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


def signing_key(app: Flask | None = None) -> Ed25519PrivateKey:
    """The platform's key, generated on first use."""
    path = key_path(app)
    with _lock:
        key = _keys.get(path)
        if key is None:
            key = _keys[path] = load_or_create(path)
        return key


def public_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: bytes) -> str:
    """The first 16 hex digits of SHA-256 of the raw public key."""
    return hashlib.sha256(public).hexdigest()[:16]


def public_key_b64(app: Flask | None = None) -> str:
    return base64.b64encode(public_bytes(signing_key(app))).decode("ascii")


def current_key_id(app: Flask | None = None) -> str:
    return key_id(public_bytes(signing_key(app)))


def trusted_keys(app: Flask | None = None) -> dict[str, bytes]:
    """The keys whose checkpoints ``verify`` accepts, by key id: the instance's own (none
    while it has no key yet; verifying never makes one)."""
    if not key_path(app).exists():
        return {}
    public = public_bytes(signing_key(app))
    return {key_id(public): public}


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
