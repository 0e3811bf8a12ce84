"""Signed promises of inclusion: what a participant holds the moment a submission is stored.

When a submission is stored, its ``submission_received`` event is a leaf of the tree at
once, but the next checkpoint comes within a minute. To make a deletion in that minute (or
at any time after) provable, the log signs a promise at once, in the same transaction, with
the same Ed25519 key as the checkpoints, like Certificate Transparency's signed certificate
timestamp. The signed bytes are UTF-8 lines, each ending in a newline::

    consult-promise/v1
    consult.example.nl/record
    1234
    <base64 of the 32-byte leaf hash>
    time 2026-03-01T09:00:00.000Z

Line 1 is the fixed prefix (no log's name ends in anything but ``/record``, so a promise can
never be read as a checkpoint, nor a checkpoint as a promise); line 2 the log's name (its
origin); line 3 the leaf index; line 4 the RFC 9162 leaf hash (SHA-256 of 0x00 and the
event's canonical bytes) in standard base64; line 5 the moment of receipt (UTC,
milliseconds). :func:`note` renders it as a C2SP signed note (text, a blank line, the
signature line with the key name and the 4-byte key hash), which is what receipts show.

A promise is kept when a checkpoint signed later holds that leaf, with that hash, at that
index (an inclusion proof shows it). ``consult record verify``, the bundle's ``verify.py``
and the receipt page check each promise that way; a promise whose leaf is gone or changed
is proof, signed by the log itself, that something acknowledged was removed.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from consult.ledger import canonical, checkpoints, signing
from consult.ledger.models import RecordEvent, RecordPromise

PREFIX = "consult-promise/v1"


def signed_text(origin: str, leaf_index: int, leaf_hash: bytes, made_at: datetime) -> bytes:
    """The exact bytes a promise's signature covers (see the module docstring)."""
    leaf = base64.b64encode(leaf_hash).decode("ascii")
    return (
        f"{PREFIX}\n{origin}\n{leaf_index}\n{leaf}\ntime {canonical.moment(made_at)}\n"
    ).encode()


def text_of(promise: Any) -> bytes:
    return signed_text(
        promise.origin, promise.leaf_index, bytes.fromhex(promise.leaf_hash), promise.made_at
    )


def note(promise: RecordPromise, public: bytes) -> str:
    """The promise as a C2SP signed note (its text, a blank line, the signature line)."""
    signature = base64.b64decode(promise.signature)
    key_hash = signing.note_key_hash(promise.origin, public)
    line = base64.b64encode(key_hash + signature).decode("ascii")
    return f"{text_of(promise).decode()}\n\u2014 {promise.origin} {line}\n"


# The promises this session made, by (event kind, object id); one whose savepoint or
# transaction rolled back is no longer persistent in the session and is not used.
_MADE = "consult.ledger.promises.made"


def make(session: Session, event: RecordEvent) -> RecordPromise:
    """Sign and store the promise that ``event`` is leaf ``event.leaf_index`` of the log,
    in the caller's transaction (flushes). Raises :class:`checkpoints.OriginError` when the
    configuration names the log otherwise than its stored name."""
    name = checkpoints.signing_origin(session)
    made_at = canonical.to_millisecond(event.occurred_at)
    leaf = bytes.fromhex(event.leaf_hash)
    key_id, signature = signing.sign(signed_text(name, event.leaf_index, leaf, made_at))
    promise = RecordPromise(
        leaf_index=event.leaf_index,
        leaf_hash=event.leaf_hash,
        origin=name,
        made_at=made_at,
        key_id=key_id,
        signature=signature,
    )
    session.add(promise)
    session.flush()
    # The receipt mail of this transaction quotes it: no need to read it back.
    session.info.setdefault(_MADE, {})[(event.kind, event.object_id)] = promise
    return promise


def _made_here(session: Session, kind: str, object_id: str) -> RecordPromise | None:
    promise = session.info.get(_MADE, {}).get((kind, object_id))
    if promise is None or not inspect(promise).persistent or promise not in session:
        return None
    return promise


def note_of_object(session: Session, kind: str, object_id: str) -> str | None:
    """The signed note of the promise for the first event of ``kind`` about ``object_id``
    (a submission's arrival, by its tracking code), for a receipt; None without one."""
    promise = _made_here(session, kind, object_id) or session.scalar(
        select(RecordPromise)
        .join(RecordEvent, RecordEvent.leaf_index == RecordPromise.leaf_index)
        .where(RecordEvent.kind == kind, RecordEvent.object_id == object_id)
        .order_by(RecordPromise.leaf_index)
        .limit(1)
    )
    if promise is None:
        return None
    public = signing.trusted_keys().get(promise.key_id)
    return note(promise, public) if public is not None else None


def of_leaf(session: Session, leaf_index: int) -> RecordPromise | None:
    return session.scalar(select(RecordPromise).where(RecordPromise.leaf_index == leaf_index))


def signature_valid(promise: Any, keys: dict[str, bytes]) -> bool:
    """Whether ``promise`` (a row or anything with its columns) is signed by a key of
    ``keys``."""
    public = keys.get(promise.key_id)
    return public is not None and signing.signature_valid(
        public, text_of(promise), promise.signature
    )
