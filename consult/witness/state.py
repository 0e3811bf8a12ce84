"""A witness's key and state in one directory, and the checks of ``add-checkpoint``.

The directory holds:

- ``witness_key``: the Ed25519 private key (PKCS#8 PEM, mode 0600);
- ``witness.json``: the witness's name, and per log (by origin) the verifier keys it
  accepts and the latest checkpoint it cosigned (size, root, the note, when). Replaced
  whole (a synced temporary file renamed over it), so a crash leaves the old state or the
  new one, never half of either;
- ``refused.jsonl``: every validly signed checkpoint it refused (a fork, a rollback, a bad
  proof), one JSON object a line: evidence of a log's misbehaviour, kept for whoever asks;
- ``lock``: held while a checkpoint is checked and the state written, so two requests (or
  two processes) can never roll the state back (tlog-witness, "persist ... atomically").
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consult.ledger import merkle, notes
from consult.ledger.signing import replace_whole

KEY_FILE = "witness_key"
STATE_FILE = "witness.json"
REFUSED_FILE = "refused.jsonl"
LOCK_FILE = "lock"
MAX_PROOF_LINES = 63
SIZE_TYPE = "text/x.tlog.size"

_threads = threading.Lock()


class WitnessError(RuntimeError):
    """The directory or an argument is unusable; the message says why."""


@dataclass(frozen=True)
class Answer:
    """An HTTP answer to ``add-checkpoint``: status, content type, body."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


def init(directory: Path, name: str) -> Witness:
    """Make a new witness in ``directory``: a key and an empty state. Refuses to overwrite."""
    if not notes.valid_name(name):
        raise WitnessError(
            f"{name!r} is not a usable witness name: use a schema-less URL such as "
            "witness.example.org/consult, without spaces or '+'"
        )
    directory.mkdir(parents=True, exist_ok=True)
    key_file, state_file = directory / KEY_FILE, directory / STATE_FILE
    if key_file.exists() or state_file.exists():
        raise WitnessError(f"{directory} already holds a witness; choose another directory")
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    replace_whole(key_file, pem, 0o600)
    replace_whole(state_file, _dump({"name": name, "logs": {}}), 0o644)
    return Witness(directory)


def _dump(state: dict[str, Any]) -> bytes:
    return (json.dumps(state, indent=2, sort_keys=True) + "\n").encode("utf-8")


def origin_hash(origin: str) -> str:
    """How the monitoring API names a log: lower-case hex SHA-256 of its origin."""
    return hashlib.sha256(origin.encode()).hexdigest()


class Witness:
    """One witness directory. Every method reads the state from disk (another process may
    have changed it); :meth:`add_checkpoint` holds the lock while it checks and writes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        key_file = directory / KEY_FILE
        try:
            data = key_file.read_bytes()
        except OSError as exc:
            raise WitnessError(
                f"{key_file} cannot be read ({exc.strerror}); run `consult witness init` first"
            ) from None
        if key_file.stat().st_mode & 0o077:
            raise WitnessError(f"{key_file} is readable by others: chmod 600 it")
        key = serialization.load_pem_private_key(data, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise WitnessError(f"{key_file} is not an Ed25519 key")
        self.key = key
        self.name = str(self.state()["name"])
        self.vkey = notes.Vkey(self.name, notes.COSIGNATURE_ED25519, notes.public_of(key))

    # state

    def state(self) -> dict[str, Any]:
        path = self.directory / STATE_FILE
        try:
            state = json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise WitnessError(f"{path} is not a witness state ({exc})") from None
        if not isinstance(state, dict) or not isinstance(state.get("logs"), dict):
            raise WitnessError(f"{path} is not a witness state")
        return state

    def _save(self, state: dict[str, Any]) -> None:
        replace_whole(self.directory / STATE_FILE, _dump(state), 0o644)

    @contextmanager
    def locked(self) -> Iterator[None]:
        with _threads, (self.directory / LOCK_FILE).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def add_log(self, origin: str, vkey_text: str) -> notes.Vkey:
        """Accept checkpoints of ``origin`` signed by this log key (more keys may follow,
        for a rotated key); raises :class:`WitnessError` on a bad key."""
        try:
            vkey = notes.parse_vkey(vkey_text, kinds=(notes.ED25519,))
        except notes.NoteError as exc:
            raise WitnessError(f"the log's key: {exc}") from None
        if not origin or "\n" in origin:
            raise WitnessError(f"{origin!r} is not a log origin")
        with self.locked():
            state = self.state()
            log = state["logs"].setdefault(origin, {"vkeys": []})
            if str(vkey) not in log["vkeys"]:
                log["vkeys"].append(str(vkey))
            self._save(state)
        return vkey

    def latest_note(self, hashed_origin: str) -> str | None:
        """The latest cosigned checkpoint of a log by :func:`origin_hash`, with the log's
        signature(s) and this witness's cosignature (the monitoring API)."""
        for origin, log in self.state()["logs"].items():
            if origin_hash(origin) == hashed_origin and log.get("note"):
                return str(log["note"])
        return None

    # the protocol

    def add_checkpoint(self, request: bytes, now: int | None = None) -> Answer:
        """Check one ``add-checkpoint`` request body and cosign, per c2sp.org/tlog-witness."""
        try:
            old, proof, note = _parse_request(request)
            body, signatures = notes.split_note(note)
            checkpoint = notes.parse_checkpoint(body)
        except (notes.NoteError, ValueError) as exc:
            return Answer(400, f"malformed request: {exc}\n")
        with self.locked():
            state = self.state()
            log = state["logs"].get(checkpoint.origin)
            if log is None:
                return Answer(404, f"unknown log {checkpoint.origin!r}\n")
            trusted = [notes.parse_vkey(text) for text in log["vkeys"]]
            verified = []
            for signature in signatures:
                for vkey in trusted:
                    if signature.name == vkey.name and signature.key_id == vkey.key_id:
                        if not notes.note_signature_valid(vkey, body, signature):
                            return Answer(403, "a signature by the log's key does not verify\n")
                        verified.append(signature)
            if not verified:
                return Answer(403, "no signature by a key this witness trusts for the log\n")
            if old > checkpoint.size:
                return Answer(400, "the old size is larger than the checkpoint's size\n")
            known = int(log.get("size", 0))
            if old != known:
                return Answer(409, f"{known}\n", SIZE_TYPE)
            problem = _inconsistency(log, old, proof, checkpoint)
            if problem:
                self._refused(checkpoint, note, old, problem, now)
                return Answer(422, f"{problem}\n")
            moment = int(time.time()) if now is None else now
            cosignature = notes.cosign(self.key, self.name, body, moment)
            log.update(
                size=checkpoint.size,
                root=base64.b64encode(checkpoint.root).decode("ascii"),
                cosigned_at=moment,
                note=body.decode("utf-8")
                + "\n"
                + "".join(s.line() for s in verified)
                + cosignature.line(),
            )
            self._save(state)  # persisted before the answer (tlog-witness)
        return Answer(200, cosignature.line())

    def _refused(
        self, checkpoint: notes.Checkpoint, note: str, old: int, why: str, now: int | None
    ) -> None:
        entry = {
            "at": int(time.time()) if now is None else now,
            "origin": checkpoint.origin,
            "old": old,
            "size": checkpoint.size,
            "why": why,
            "note": note,
        }
        with (self.directory / REFUSED_FILE).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def refused(self) -> list[dict[str, Any]]:
        try:
            lines = (self.directory / REFUSED_FILE).read_text("utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line]


def _parse_request(request: bytes) -> tuple[int, list[bytes], str]:
    """``old N``, up to 63 base64 proof lines, a blank line, the checkpoint note."""
    text = request.decode("utf-8")
    head, blank, note = text.partition("\n\n")
    if not blank:
        raise ValueError("no blank line before the checkpoint")
    lines = head.split("\n")
    first = lines[0]
    size = first[4:]
    if not first.startswith("old ") or not size.isdigit() or (size != "0" and size[0] == "0"):
        raise ValueError("the first line is not 'old <size>'")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise ValueError("more than 63 consistency proof lines")
    proof = []
    for line in lines[1:]:
        try:
            value = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"{line!r} is not a base64 hash") from None
        if len(value) != merkle.HASH_SIZE:
            raise ValueError(f"{line!r} is not a 32-byte hash")
        proof.append(value)
    return int(size), proof, note


def _inconsistency(
    log: dict[str, Any], old: int, proof: list[bytes], checkpoint: notes.Checkpoint
) -> str | None:
    """Why the checkpoint is not consistent with the one cosigned before (None when it is)."""
    if checkpoint.size == 0 and checkpoint.root != merkle.EMPTY_ROOT:
        return "a tree of size zero has the empty tree's root"
    if old == 0:
        return "a proof from the empty tree must be empty" if proof else None
    known_root = base64.b64decode(log["root"])
    if old == checkpoint.size:
        if checkpoint.root != known_root or proof:
            return f"fork: another root for the tree of {old} leaves this witness cosigned"
        return None
    if not merkle.verify_consistency(old, checkpoint.size, known_root, checkpoint.root, proof):
        return (
            f"fork: the tree of {checkpoint.size} leaves does not extend the tree of {old} "
            "leaves this witness cosigned (the consistency proof fails)"
        )
    return None
