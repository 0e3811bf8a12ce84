"""Signed checkpoints of the record: the tree's size and root at a moment, signed Ed25519.

The signed bytes are a C2SP tlog-checkpoint body (https://c2sp.org/tlog-checkpoint) with
one extension line for the time, in UTF-8, each line ending in a newline::

    consult.example.nl/record
    1234
    <base64 of the 32-byte root hash>
    time 2026-03-01T09:00:00.000Z

Line 1 is the origin, the log's fixed name (see "The log's name" below), line 2
the tree size in decimal, line 3 the RFC 9162 root hash in standard base64, line 4 the
moment it was made (UTC, milliseconds). The signature is Ed25519 over exactly those bytes.
:func:`note` renders it as a C2SP signed note, which standard transparency-log tools
(witnesses) can check with :func:`consult.ledger.signing.verifier_key`.

When one is made:
- ``state_change``: always, right after the event that records a consultation's state
  change (the caller calls :func:`make` in the same transaction);
- ``hourly`` and ``manual``: only when the tree grew since the latest checkpoint (a
  second signature over the same size and root would add nothing to check), or when the
  signing key changed since (after ``consult record key rotate``: the new key's first
  checkpoint marks where it takes over).
:func:`hourly_due` tells the clock when a regular one is due: the tree grew since the
latest checkpoint, and that one is ``REGULAR`` (half a minute) old or more. So every event,
including every acknowledged submission, is in a signed checkpoint within about a minute
(plus one clock tick); the reason stays ``hourly`` for rows made by the clock.

The log's name
--------------
The origin is set once: the first checkpoint ever signed takes it from the configuration
(``<host>[/<path>]/record`` of ``CONSULT_BASE_URL``) and keeps it in its row, which the
database never lets change. Every later checkpoint, promise, proof, bundle and page uses
that stored name (:func:`log_origin`). Signing while the configuration gives another name
is refused (:class:`OriginError`), so a command run without ``CONSULT_BASE_URL`` cannot
sign under a stray name. A checkpoint that an older version did sign under another name
stays in its table (it cannot be removed), but it is not of this log: it is left out of
:func:`latest`, proofs and consistency, and ``verify``, the bundle's verifier and the pages
name it as foreign, with a warning, never as a failure or as support for anything.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult import signals
from consult.db import utcnow
from consult.ledger import canonical, merkle, signing
from consult.ledger.models import CheckpointReason, RecordCheckpoint
from consult.ledger.services import head

REGULAR = timedelta(seconds=30)
HOURLY = REGULAR  # the old name of the interval


class OriginError(RuntimeError):
    """The configuration names the log otherwise than the log's stored name."""


def origin(app: Flask | None = None) -> str:
    """The configured name: ``<host>[/<path>]/record`` of the BASE_URL (only the first
    checkpoint takes it; afterwards :func:`log_origin` is the name)."""
    parts = urlsplit((app or current_app).config["BASE_URL"])
    return f"{parts.netloc}{parts.path.rstrip('/')}/record"


def stored_origin(session: Session) -> str | None:
    """The origin of the first checkpoint ever signed: the log's name (None before it)."""
    return session.scalar(select(RecordCheckpoint.origin).order_by(RecordCheckpoint.id).limit(1))


def log_origin(session: Session) -> str:
    """The log's name: the stored one, or (before the first checkpoint) the configured one."""
    return stored_origin(session) or origin()


def signing_origin(session: Session) -> str:
    """The name to sign under now; raises :class:`OriginError` when the configuration gives
    another name than the log's stored one."""
    configured, stored = origin(), stored_origin(session)
    if stored is not None and stored != configured:
        raise OriginError(
            f"refusing to sign: this log is named {stored!r}, but the configured "
            f"CONSULT_BASE_URL ({current_app.config['BASE_URL']}) gives {configured!r}. "
            "Set CONSULT_BASE_URL to the site's public address; a signature under another "
            "name would not verify."
        )
    return configured


def of_log() -> Any:
    """SQL: a checkpoint of the log's own name (the first checkpoint's origin)."""
    first = select(RecordCheckpoint.origin).order_by(RecordCheckpoint.id).limit(1)
    return RecordCheckpoint.origin == first.scalar_subquery()


def is_foreign(checkpoint: RecordCheckpoint, log_name: str) -> bool:
    """Signed under another name than the log's: kept, but no part of this log."""
    return checkpoint.origin != log_name


def signed_text(origin: str, tree_size: int, root_hash: bytes, made_at: datetime) -> bytes:
    """The exact bytes a checkpoint's signature covers (see the module docstring)."""
    root = base64.b64encode(root_hash).decode("ascii")
    return f"{origin}\n{tree_size}\n{root}\ntime {canonical.moment(made_at)}\n".encode()


def text_of(checkpoint: RecordCheckpoint) -> bytes:
    return signed_text(
        checkpoint.origin,
        checkpoint.tree_size,
        bytes.fromhex(checkpoint.root_hash),
        checkpoint.made_at,
    )


def note(checkpoint: RecordCheckpoint, public: bytes) -> str:
    """The checkpoint as a C2SP signed note: its text, a blank line, the signature line."""
    signature = base64.b64decode(checkpoint.signature)
    key_hash = signing.note_key_hash(checkpoint.origin, public)
    line = base64.b64encode(key_hash + signature).decode("ascii")
    return f"{text_of(checkpoint).decode()}\n\u2014 {checkpoint.origin} {line}\n"


def latest(session: Session) -> RecordCheckpoint | None:
    """The latest checkpoint of this log (one signed under another name is left out)."""
    return session.scalar(
        select(RecordCheckpoint).where(of_log()).order_by(RecordCheckpoint.id.desc()).limit(1)
    )


def make(
    session: Session, reason: CheckpointReason | str, now: datetime | None = None
) -> RecordCheckpoint | None:
    """Sign a checkpoint of the tree as it is in this transaction (None when skipped: an
    empty tree, or an hourly/manual one for a tree that did not grow, signed by the same
    key). Sends :data:`consult.signals.checkpoint_signed`, so the witnesses are asked to
    cosign it once the transaction commits (:mod:`consult.evidence.witnessing`)."""
    reason = CheckpointReason(reason)
    # Refused first, even when there is nothing to sign: a misconfigured cron job is found
    # at once, not at the next event.
    name = signing_origin(session)
    current = head(session, lock=True)  # the size and root cannot move while we sign
    if current.tree_size == 0:
        return None
    previous = latest(session)
    if (
        reason is not CheckpointReason.STATE_CHANGE
        and previous is not None
        and previous.tree_size >= current.tree_size
        and previous.key_id == signing.current_key_id()
    ):
        return None
    root_hash = merkle.Frontier(
        current.tree_size, [bytes.fromhex(h) for h in current.frontier]
    ).root()
    made_at = canonical.to_millisecond(now or utcnow())
    key_id, signature = signing.sign(signed_text(name, current.tree_size, root_hash, made_at))
    checkpoint = RecordCheckpoint(
        origin=name,
        tree_size=current.tree_size,
        root_hash=root_hash.hex(),
        made_at=made_at,
        key_id=key_id,
        signature=signature,
        reason=reason,
    )
    session.add(checkpoint)
    current.checkpoint_count += 1  # so a deleted checkpoint row is missed (verify)
    session.flush()
    signals.checkpoint_signed.send(session, checkpoint=checkpoint)  # the witnesses' turn
    return checkpoint


def hourly_due(session: Session, now: datetime, *, active: bool = True) -> bool:
    """Whether the clock should make a regular checkpoint now (see the module docstring):
    the tree grew since the latest checkpoint, which is half a minute old or more. (``active``
    is no longer needed: every new leaf, open consultation or not, is signed within a
    minute.)"""
    size = head(session).tree_size
    previous = latest(session)
    if previous is None:
        return size > 0
    return size > previous.tree_size and previous.made_at <= now - REGULAR


def signature_valid(checkpoint: RecordCheckpoint, keys: dict[str, bytes]) -> bool:
    public = keys.get(checkpoint.key_id)
    return public is not None and signing.signature_valid(
        public, text_of(checkpoint), checkpoint.signature
    )
