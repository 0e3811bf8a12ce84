"""Witnesses' cosignatures of the record's checkpoints (C2SP tlog-cosignature/v1, Ed25519).

A witness (``consult witness``, or any C2SP witness) run by an outside organisation
cosigns a checkpoint only when it extends the last one that witness cosigned. A
checkpoint cosigned by independent witnesses is one history the operator cannot later
swap for another without them refusing: the record then holds against the whole operator
unless a majority of witnesses colludes.

Which witnesses: ``CONSULT_WITNESSES`` (``app.config["WITNESSES"]``, (vkey, URL) pairs,
see :func:`configured`). :mod:`consult.evidence.witnessing` sends each new checkpoint and
stores what comes back here, after checking it (:func:`store`). Rows are append-only (the
database refuses UPDATE and DELETE, migration 0015_cosignatures), like the rest of the
record; each keeps the witness's public key, so a cosignature can be checked without the
configuration of the day it came.

:func:`cosigned_note` is the checkpoint's signed note with the cosignature lines added
after the log's own signature, as witnesses and ``note`` tools read it.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, current_app
from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from consult.db import Base, utcnow
from consult.ledger import checkpoints, notes
from consult.ledger.models import RecordCheckpoint


class RecordCosignature(Base):
    """A witness's cosignature of one checkpoint: the witness's name and key, the moment it
    cosigned (POSIX seconds, as signed), and the 76-byte signature blob in base64."""

    __tablename__ = "record_cosignatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("record_checkpoints.id"), index=True)
    witness: Mapped[str] = mapped_column(String(200))
    # Base64 of the witness's raw 32-byte Ed25519 key.
    public_key: Mapped[str] = mapped_column(String(44))
    timestamp: Mapped[int] = mapped_column(BigInteger)
    # Base64 of key id (4) || timestamp (8) || Ed25519 signature (64), as on the note line.
    signature: Mapped[str] = mapped_column(String(120))
    received_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("checkpoint_id", "public_key"),)

    @property
    def vkey(self) -> notes.Vkey:
        return notes.Vkey(
            self.witness, notes.COSIGNATURE_ED25519, base64.b64decode(self.public_key)
        )

    @property
    def cosigned_at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, UTC)

    def line(self) -> str:
        """The note signature line: ``— <witness> <base64 blob>``."""
        return f"{notes.DASH} {self.witness} {self.signature}\n"


@dataclass(frozen=True)
class Witness:
    """A configured witness: its verifier key (name and key) and its submission prefix."""

    vkey: notes.Vkey
    url: str

    @property
    def name(self) -> str:
        return self.vkey.name

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.vkey.public).decode("ascii")


class WitnessConfigError(ValueError):
    """``CONSULT_WITNESSES`` names a key that is not an Ed25519 cosignature vkey."""


def configured(app: Flask | None = None) -> list[Witness]:
    """The witnesses of ``CONSULT_WITNESSES``; raises :class:`WitnessConfigError`."""
    found = []
    for vkey, url in (app or current_app).config.get("WITNESSES") or ():
        try:
            parsed = notes.parse_vkey(vkey, kinds=(notes.COSIGNATURE_ED25519,))
        except notes.NoteError as exc:
            raise WitnessConfigError(f"CONSULT_WITNESSES: {exc}") from None
        found.append(Witness(parsed, url))
    return found


def body_of(checkpoint: RecordCheckpoint) -> bytes:
    """The checkpoint's note body, which a cosignature signs (with the time line)."""
    return checkpoints.text_of(checkpoint)


def valid(cosignature: RecordCosignature, checkpoint: RecordCheckpoint) -> bool:
    """Whether the stored cosignature verifies on the checkpoint with its stored key."""
    signature = notes.parse_signature_line(cosignature.line())
    return notes.cosignature_time(cosignature.vkey, body_of(checkpoint), signature) == (
        cosignature.timestamp
    )


def store(
    session: Session, checkpoint: RecordCheckpoint, witness: Witness, signature: notes.Signature
) -> RecordCosignature | None:
    """Keep a cosignature after checking it on ``checkpoint``; None when it does not verify
    (or this witness's cosignature of it is there already)."""
    timestamp = notes.cosignature_time(witness.vkey, body_of(checkpoint), signature)
    if timestamp is None:
        return None
    existing = session.scalar(
        select(RecordCosignature).where(
            RecordCosignature.checkpoint_id == checkpoint.id,
            RecordCosignature.public_key == witness.public_b64,
        )
    )
    if existing is not None:
        return existing
    row = RecordCosignature(
        checkpoint_id=checkpoint.id,
        witness=witness.name,
        public_key=witness.public_b64,
        timestamp=timestamp,
        signature=base64.b64encode(signature.blob).decode("ascii"),
        received_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def of_checkpoints(
    session: Session, checkpoint_ids: Iterable[int]
) -> dict[int, list[RecordCosignature]]:
    """The cosignatures of each checkpoint, by witness name (one query)."""
    wanted = list(checkpoint_ids)
    found: dict[int, list[RecordCosignature]] = {}
    if not wanted:
        return found
    for row in session.scalars(
        select(RecordCosignature)
        .where(RecordCosignature.checkpoint_id.in_(wanted))
        .order_by(RecordCosignature.witness, RecordCosignature.id)
    ):
        found.setdefault(row.checkpoint_id, []).append(row)
    return found


def of_checkpoint(session: Session, checkpoint: RecordCheckpoint) -> list[RecordCosignature]:
    return of_checkpoints(session, [checkpoint.id]).get(checkpoint.id, [])


def cosigned_note(
    session: Session,
    checkpoint: RecordCheckpoint,
    public: bytes,
    rows: list[RecordCosignature] | None = None,
) -> str:
    """The checkpoint's C2SP signed note with its cosignature lines after the log's line
    (``rows``: its cosignatures, when the caller read them already)."""
    rows = of_checkpoint(session, checkpoint) if rows is None else rows
    return checkpoints.note(checkpoint, public) + "".join(row.line() for row in rows)


def acknowledged_size(session: Session, witness: Witness) -> int:
    """The largest tree this witness cosigned for us (0 when none): the ``old`` size to
    send it next (it answers 409 with its own when that is wrong)."""
    size = session.scalar(
        select(func.max(RecordCheckpoint.tree_size))
        .join(RecordCosignature, RecordCosignature.checkpoint_id == RecordCheckpoint.id)
        .where(RecordCosignature.public_key == witness.public_b64, checkpoints.of_log())
    )
    return int(size or 0)


def latest_cosigned(session: Session, covering: int = 0) -> RecordCheckpoint | None:
    """The latest checkpoint of this log that a witness cosigned and that holds more than
    ``covering`` leaves (what the receipt page prefers)."""
    return session.scalar(
        select(RecordCheckpoint)
        .where(
            checkpoints.of_log(),
            RecordCheckpoint.tree_size > covering,
            RecordCheckpoint.id.in_(select(RecordCosignature.checkpoint_id)),
        )
        .order_by(RecordCheckpoint.id.desc())
        .limit(1)
    )


def facts(row: RecordCosignature) -> dict[str, object]:
    """A cosignature as the proofs, pages and bundle show it."""
    (timestamp,) = struct.unpack(">Q", base64.b64decode(row.signature)[4:12])
    return {
        "witness": row.witness,
        "vkey": str(row.vkey),
        "timestamp": timestamp,
        "line": row.line(),
    }
