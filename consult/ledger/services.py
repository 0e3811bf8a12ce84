"""Writing to the record, and proofs out of it.

Services of other domains call :func:`append` in their own transaction, right after the
change it records; like every service here it flushes and never commits. The head row is
locked first, so concurrent appends queue: each gets the next leaf index and the last
event of its chain, and no chain forks. (PostgreSQL: ``SELECT ... FOR UPDATE``; SQLite
allows one writer at a time, and the unique keys on ``leaf_index`` and ``(chain, seq)``
refuse a fork whatever happens.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from consult.db import utcnow
from consult.ledger import canonical, merkle
from consult.ledger.canonical import commitment
from consult.ledger.models import (
    ActorRole,
    EventKind,
    RecordEvent,
    RecordHead,
    RecordNode,
)


class Chained(Protocol):
    """What the record needs of a consultation: its id, and its slug (its chain's name)."""

    @property
    def id(self) -> int: ...

    @property
    def slug(self) -> str: ...


__all__ = [
    "Pending",
    "append",
    "append_many",
    "commitment",
    "consistency_proof",
    "head",
    "inclusion_proof",
    "node_getter",
    "tree_root",
]

HEAD_ID = 1
BULK_CHUNK = 5000


def head(session: Session, *, lock: bool = False) -> RecordHead:
    """The head row, fresh from the database (locked for the transaction with ``lock``)."""
    found = session.get(RecordHead, HEAD_ID, with_for_update=lock, populate_existing=True)
    if found is None:  # the migration inserts it; a database without it is not migrated
        raise RuntimeError("the record head row is missing; run `consult db upgrade`")
    return found


def _chain_end(session: Session, chain: str) -> tuple[int, str]:
    """The last ``seq`` and ``event_hash`` of a chain (0 and the zero hash when empty)."""
    last = session.execute(
        select(RecordEvent.seq, RecordEvent.event_hash)
        .where(RecordEvent.chain == chain)
        .order_by(RecordEvent.seq.desc())
        .limit(1)
    ).first()
    return (last.seq, last.event_hash) if last else (0, canonical.ZERO_HASH)


def _event_row(
    *,
    leaf_index: int,
    consultation_id: int | None,
    chain: str,
    seq: int,
    kind: EventKind | str,
    object_type: str,
    object_id: str,
    actor_role: ActorRole | str,
    payload: Mapping[str, Any] | None,
    occurred_at: datetime,
    prev_hash: str,
    fast: bool = False,
) -> dict[str, Any]:
    """The checked, hashed column values of one event.

    ``fast`` hashes the standard library's canonical bytes, equal to RFC 8785 inside the
    checked domain (as ``verify`` computes them); the rfc8785 library is the reference,
    and twice as slow, which counts only for thousands of events at once.
    """
    kind_value = EventKind(kind).value
    role_value = ActorRole(actor_role).value
    body_payload = dict(payload or {})
    canonical.check_value(body_payload)
    if not object_type or not object_id:
        raise ValueError("an event names its object: object_type and object_id")
    moment = canonical.to_millisecond(occurred_at)
    body = canonical.event_body(
        leaf_index=leaf_index,
        chain=chain,
        seq=seq,
        kind=kind_value,
        occurred_at=moment,
        actor_role=role_value,
        object_type=object_type,
        object_id=object_id,
        payload=body_payload,
        prev_hash=prev_hash,
    )
    data = canonical.fast_canonical_bytes(body) if fast else canonical.canonical_bytes(body)
    return {
        "leaf_index": leaf_index,
        "consultation_id": consultation_id,
        "chain": chain,
        "seq": seq,
        "kind": kind_value,
        "occurred_at": moment,
        "actor_role": role_value,
        "object_type": object_type,
        "object_id": object_id,
        "payload": body_payload,
        "prev_hash": prev_hash,
        "event_hash": canonical.event_hash(data),
        "leaf_hash": merkle.leaf_hash(data).hex(),
    }


def append(
    session: Session,
    *,
    kind: EventKind | str,
    consultation: Chained | None,
    object_type: str,
    object_id: str,
    actor_role: ActorRole | str,
    payload: Mapping[str, Any] | None = None,
    occurred_at: datetime | None = None,
    flush: bool = True,
) -> RecordEvent:
    """Record one event in the caller's transaction: the next leaf of the platform tree and
    the next link of ``consultation``'s chain (None: the platform's own chain).

    ``object_id`` is the object's public id (a tracking code, ``answer:<id>``, a slug);
    ``payload`` holds small non-personal facts (see :mod:`consult.ledger.canonical` for
    what it may hold). Raises ``ValueError`` for an unknown kind or role and
    :class:`~consult.ledger.canonical.PayloadError` for a payload the record cannot hold.

    ``flush=False`` leaves the event, its tree nodes and the head's new size to the
    caller's next flush, which must come before anything else reads the record (a second
    append reads the head afresh): so the event and its signed promise
    (:func:`consult.ledger.promises.make`) go to the database in one flush.
    """
    chain = consultation.slug if consultation is not None else ""
    # Checked before the lock too, so a refused event never waits for other writers.
    EventKind(kind)
    ActorRole(actor_role)
    canonical.check_value(dict(payload or {}))
    current = head(session, lock=True)
    seq, prev_hash = _chain_end(session, chain)
    event = RecordEvent(
        **_event_row(
            leaf_index=current.tree_size,
            consultation_id=consultation.id if consultation is not None else None,
            chain=chain,
            seq=seq + 1,
            kind=kind,
            object_type=object_type,
            object_id=object_id,
            actor_role=actor_role,
            payload=payload,
            occurred_at=occurred_at or utcnow(),
            prev_hash=prev_hash,
        )
    )
    session.add(event)
    frontier = merkle.Frontier(current.tree_size, [bytes.fromhex(h) for h in current.frontier])
    for level, position, value in frontier.append(bytes.fromhex(event.leaf_hash)):
        session.add(RecordNode(level=level, position=position, hash=value.hex()))
    current.tree_size = frontier.size
    current.frontier = [h.hex() for h in frontier.hashes]
    if flush:
        session.flush()
    return event


@dataclass
class Pending:
    """One event for :func:`append_many` (the arguments of :func:`append`, less the chain)."""

    kind: EventKind | str
    object_type: str
    object_id: str
    actor_role: ActorRole | str
    occurred_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)


def append_many(session: Session, consultation: Chained, events: Iterable[Pending]) -> int:
    """Append ``events``, in the order given, to ``consultation``'s chain and the tree, in
    the caller's transaction (the head stays locked until it ends); how many.

    Writes exactly what calling :func:`append` once per event would (a test holds the two
    together), but inserts in chunks: for the load seed's tens of thousands of
    submissions, where one append costs a flush and four statements.
    """
    session.flush()  # what the session holds first: an append in it may precede these
    current = head(session, lock=True)
    seq, prev_hash = _chain_end(session, consultation.slug)
    frontier = merkle.Frontier(current.tree_size, [bytes.fromhex(h) for h in current.frontier])
    event_rows: list[dict[str, Any]] = []
    node_rows: list[dict[str, Any]] = []
    for pending in events:
        seq += 1
        row = _event_row(
            leaf_index=frontier.size,
            consultation_id=consultation.id,
            chain=consultation.slug,
            seq=seq,
            kind=pending.kind,
            object_type=pending.object_type,
            object_id=pending.object_id,
            actor_role=pending.actor_role,
            payload=pending.payload,
            occurred_at=pending.occurred_at,
            prev_hash=prev_hash,
            fast=True,
        )
        event_rows.append(row)
        for level, position, value in frontier.append(bytes.fromhex(row["leaf_hash"])):
            node_rows.append({"level": level, "position": position, "hash": value.hex()})
        prev_hash = row["event_hash"]
    if not event_rows:
        return 0
    for start in range(0, len(event_rows), BULK_CHUNK):
        session.execute(insert(RecordEvent), event_rows[start : start + BULK_CHUNK])
    for start in range(0, len(node_rows), BULK_CHUNK):
        session.execute(insert(RecordNode), node_rows[start : start + BULK_CHUNK])
    current.tree_size = frontier.size
    current.frontier = [h.hex() for h in frontier.hashes]
    session.flush()
    return len(event_rows)


# -- proofs ------------------------------------------------------------------------------------


def node_getter(session: Session) -> merkle.NodeGetter:
    """``node(level, index)`` from the stored tree, remembering what it read."""
    cache: dict[tuple[int, int], bytes] = {}

    def node(level: int, position: int) -> bytes:
        key = (level, position)
        if key not in cache:
            if level == 0:
                value = session.scalar(
                    select(RecordEvent.leaf_hash).where(RecordEvent.leaf_index == position)
                )
            else:
                value = session.scalar(
                    select(RecordNode.hash).where(
                        RecordNode.level == level, RecordNode.position == position
                    )
                )
            if value is None:
                raise LookupError(f"the record has no tree node at level {level}, {position}")
            cache[key] = bytes.fromhex(value)
        return cache[key]

    return node


def tree_root(session: Session, tree_size: int) -> bytes:
    """The root of the tree's first ``tree_size`` leaves, from the stored nodes."""
    if tree_size == 0:
        return merkle.EMPTY_ROOT
    return merkle.subtree_hash(0, tree_size, node_getter(session))


def inclusion_proof(session: Session, event: RecordEvent, tree_size: int) -> list[str]:
    """The audit path (hex, leaf to root) of ``event`` in the tree of ``tree_size`` leaves."""
    proof = merkle.inclusion_proof(event.leaf_index, tree_size, node_getter(session))
    return [h.hex() for h in proof]


def consistency_proof(session: Session, first: int, second: int) -> list[str]:
    """The RFC 9162 consistency proof (hex) from tree size ``first`` to ``second``."""
    return [h.hex() for h in merkle.consistency_proof(first, second, node_getter(session))]
