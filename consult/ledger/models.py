"""The evidence record: append-only events, the Merkle tree over them, signed checkpoints.

Every act that changes what participation looked like is one :class:`RecordEvent`, written
in the same transaction as the act. Events are chained per consultation (``prev_hash``)
and are the leaves, in ``leaf_index`` order, of one RFC 9162 Merkle tree for the platform.
:class:`RecordNode` keeps each perfect subtree of that tree as it completes, so proofs need
O(log n) reads; :class:`RecordHead` is the one row that says how far the tree has grown;
:class:`RecordCheckpoint` is a signed statement of the tree's size and root at a moment.

The database refuses UPDATE and DELETE on events, nodes and checkpoints (and TRUNCATE on
PostgreSQL); the head may only grow (migration 0005_record).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consult.db import Base, enum_column


class EventKind(enum.Enum):
    """What happened. Kept as a plain string column (validated here), so that a new kind
    needs no migration."""

    VERSION_PUBLISHED = "version_published"
    CONSULTATION_SCHEDULED = "consultation_scheduled"
    CONSULTATION_UNSCHEDULED = "consultation_unscheduled"
    CONSULTATION_OPENED = "consultation_opened"
    CONSULTATION_EXTENDED = "consultation_extended"
    CONSULTATION_CLOSED = "consultation_closed"
    CONSULTATION_ANSWERED = "consultation_answered"
    # The day the region promises its answers: stated when scheduled, and each move of it
    # (payload: the date, and for a move the previous date and a hash of the reason).
    ANSWERS_DUE_SET = "answers_due_set"
    SUBMISSION_RECEIVED = "submission_received"
    SUBMISSION_CONFIRMED = "submission_confirmed"
    SUBMISSION_DISCARDED = "submission_discarded"
    # A moderator did not approve a submission sent without e-mail (payload: the reason
    # code and a SHA-256 of the note); approving one is submission_confirmed by "moderator".
    SUBMISSION_REJECTED = "submission_rejected"
    COMMENT_WITHDRAWN = "comment_withdrawn"
    COMMENT_HIDDEN = "comment_hidden"
    COMMENT_UNHIDDEN = "comment_unhidden"
    COMMENT_REPORTED = "comment_reported"
    ANSWER_DRAFTED = "answer_drafted"
    ANSWER_APPROVED = "answer_approved"
    ANSWER_PUBLISHED = "answer_published"
    ANSWER_SUPERSEDED = "answer_superseded"
    REPORT_PUBLISHED = "report_published"
    # A member municipality's council decided on the regiovisie (payload: the municipality's
    # CBS code, the day, the outcome, the link, and how many corrections came before).
    COUNCIL_DECISION_RECORDED = "council_decision_recorded"
    ACTIVITY_REGISTERED = "activity_registered"
    ACTIVITY_REMOVED = "activity_removed"
    PERSONAL_DATA_ERASED = "personal_data_erased"
    # A region setting that decides how answers come about (allow_self_approval), in the
    # platform chain: it is not one consultation's.
    REGION_SETTING_CHANGED = "region_setting_changed"
    # An organisation's API token (for comments it collected offline) made and revoked, in
    # the platform chain: its prefix, organisation and scopes, never its secret or a person.
    API_TOKEN_CREATED = "api_token_created"  # noqa: S105 (an event kind)
    API_TOKEN_REVOKED = "api_token_revoked"  # noqa: S105 (an event kind)


class ActorRole(enum.Enum):
    """Who acted, by role only: the record never names a person."""

    OFFICIAL = "official"
    RESPONDER = "responder"
    MODERATOR = "moderator"
    PARTICIPANT = "participant"
    CLOCK = "clock"
    PLATFORM_ADMIN = "platform_admin"
    # An admin of an organisation, acting for it (making or revoking its API tokens).
    ORGANISATION_ADMIN = "organisation_admin"
    SYSTEM = "system"


class CheckpointReason(enum.Enum):
    STATE_CHANGE = "state_change"
    HOURLY = "hourly"
    MANUAL = "manual"


class RecordEvent(Base):
    """One act of participation, as the record keeps it: no personal data, ever.

    ``chain`` is the consultation's slug (its public id, fixed at creation) or "" for
    platform events; every column that goes into the hash is kept on the row itself, so
    the event can be checked (and exported) without joining anything.
    """

    __tablename__ = "record_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The position of this event's leaf in the platform tree, from 0, without gaps.
    leaf_index: Mapped[int] = mapped_column(unique=True)
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id"), index=True)
    chain: Mapped[str] = mapped_column(String(120))
    # The position in the chain, from 1, without gaps.
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime]
    actor_role: Mapped[str] = mapped_column(String(30))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    event_hash: Mapped[str] = mapped_column(String(64))
    leaf_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        Index("ix_record_events_object", "object_id", "kind"),
        # The cross-checks of ``consult record verify`` read the events of a few kinds.
        Index("ix_record_events_kind", "kind", "leaf_index"),
        CheckConstraint("leaf_index >= 0", name="leaf_index_from_zero"),
        CheckConstraint("seq >= 1", name="seq_from_one"),
    )

    @property
    def label(self) -> str:
        """How failures and logs name it: ``event 12 (submission_received ABCD-EFGH-JKLM)``."""
        return f"event {self.leaf_index} ({self.kind} {self.object_id})"


class RecordNode(Base):
    """A perfect subtree of the platform tree: ``2**level`` leaves from leaf
    ``position * 2**level``. Level 0 (the leaves) lives in ``record_events.leaf_hash``."""

    __tablename__ = "record_nodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[int]
    position: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("level", "position"),
        CheckConstraint("level >= 1", name="level_from_one"),
    )


class RecordHead(Base):
    """The one row that says how far the tree has grown, with its compact range.

    Every append locks it (``SELECT ... FOR UPDATE`` on PostgreSQL), which serialises
    appends: no two events get one leaf index, no chain forks. ``frontier`` holds the hex
    hashes of the perfect subtrees that make up the tree, largest first, so the next leaf
    and the current root cost O(log n). The migration inserts the row; it may only grow.
    """

    __tablename__ = "record_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_size: Mapped[int]
    frontier: Mapped[list[str]] = mapped_column(JSON)
    # How many checkpoints were ever signed: a deleted checkpoint row (the latest one too)
    # shows as one fewer row than this (verify).
    checkpoint_count: Mapped[int] = mapped_column(default=0, server_default="0")

    __table_args__ = (
        CheckConstraint("id = 1", name="one_row"),
        CheckConstraint("tree_size >= 0", name="tree_size_not_negative"),
    )


class RecordCheckpoint(Base):
    """A signed statement: at ``made_at`` the tree had ``tree_size`` leaves and this root.

    The Ed25519 signature is over :func:`consult.ledger.checkpoints.signed_text`, a C2SP
    tlog-checkpoint body (origin, size, base64 root) with a ``time`` extension line.
    """

    __tablename__ = "record_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[str] = mapped_column(String(200))
    tree_size: Mapped[int] = mapped_column(index=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    made_at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(16))
    # Base64 of the 64-byte Ed25519 signature.
    signature: Mapped[str] = mapped_column(String(100))
    reason: Mapped[CheckpointReason] = enum_column(CheckpointReason)

    __table_args__ = (CheckConstraint("tree_size >= 1", name="tree_not_empty"),)


class RecordPromise(Base):
    """A signed promise of inclusion, made the moment a submission is stored: the log
    promises that leaf ``leaf_index`` with ``leaf_hash`` is in its tree (and will be in a
    signed checkpoint within a minute). Like Certificate Transparency's signed certificate
    timestamp; the signed bytes are :func:`consult.ledger.promises.signed_text`."""

    __tablename__ = "record_promises"

    id: Mapped[int] = mapped_column(primary_key=True)
    leaf_index: Mapped[int] = mapped_column(unique=True)
    leaf_hash: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(200))
    made_at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(100))

    __table_args__ = (CheckConstraint("leaf_index >= 0", name="promise_leaf_from_zero"),)
