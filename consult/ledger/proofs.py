"""Proofs out of the record for outsiders: what the public pages and receipts show.

An inclusion proof shows that one event (a submission's ``submission_received``) is a leaf
of the tree that a signed checkpoint commits to; a consistency proof shows that a later
checkpoint's tree extends an earlier one's (nothing was taken out or changed in between).
Each proof comes with the signed checkpoints and the public key, and is checked here
before it is served (``verified``), so a page never offers a proof that does not hold.

The inclusion proof (``/bewijs/opname/<code>.json``) holds ``status`` (``included``,
``pending`` with ``expected_by``, or ``unavailable``), ``event`` (its ``leaf_index``, the
exact bytes as ``canonical_b64``, the decoded ``body``, ``leaf_hash``), ``inclusion``
(``leaf_index``, ``tree_size``, ``audit_path`` leaf to root), ``checkpoint`` (size, root,
time, key id, the C2SP signed ``note`` with the witnesses' cosignature lines, and
``cosignatures``: each witness's name, vkey, timestamp and line), ``public_key``,
``verified``, and ``promise``
(when the log signed one on arrival: its C2SP signed ``note``, ``leaf_index``,
``leaf_hash``, ``made_at``, ``key_id`` and ``kept``: true when the checkpoint holds the
promised leaf, null while pending). Every hash is
lower-case hex; the event's bytes, keys and signatures are base64, as in the notes.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from consult.ledger import canonical, checkpoints, cosignatures, merkle, promises, signing
from consult.ledger.models import EventKind, RecordCheckpoint, RecordEvent, RecordNode

log = logging.getLogger(__name__)
T = TypeVar("T")

INCLUSION_FORMAT = "consult-inclusion-proof/1"
CONSISTENCY_FORMAT = "consult-consistency-proof/1"
# The clock ticks on requests (every 30 s) and from cron (every minute): allow one tick.
CLOCK_SLACK_SECONDS = 60


def event_columns() -> Select[Any]:
    """The columns an event's body and hashes are made of, in leaf order: what reads events
    in bulk (verify, the tiles' entry bundles) selects instead of whole ORM objects."""
    return select(
        RecordEvent.leaf_index,
        RecordEvent.consultation_id,
        RecordEvent.chain,
        RecordEvent.seq,
        RecordEvent.kind,
        RecordEvent.occurred_at,
        RecordEvent.actor_role,
        RecordEvent.object_type,
        RecordEvent.object_id,
        RecordEvent.payload,
        RecordEvent.prev_hash,
        RecordEvent.event_hash,
        RecordEvent.leaf_hash,
    ).order_by(RecordEvent.leaf_index)


def event_body(event: RecordEvent) -> dict[str, Any]:
    """The hashed body of a stored event (see :mod:`consult.ledger.canonical`)."""
    return canonical.event_body(
        leaf_index=event.leaf_index,
        chain=event.chain,
        seq=event.seq,
        kind=event.kind,
        occurred_at=event.occurred_at,
        actor_role=event.actor_role,
        object_type=event.object_type,
        object_id=event.object_id,
        payload=event.payload,
        prev_hash=event.prev_hash,
    )


def event_bytes(event: RecordEvent) -> bytes:
    """The exact bytes the event's leaf hash is over (RFC 8785 canonical JSON)."""
    return canonical.canonical_bytes(event_body(event))


def received_event(session: Session, tracking_code: str) -> RecordEvent | None:
    """The ``submission_received`` event of the submission with this tracking code."""
    return session.scalar(
        select(RecordEvent)
        .where(
            RecordEvent.kind == EventKind.SUBMISSION_RECEIVED.value,
            RecordEvent.object_id == tracking_code,
        )
        .order_by(RecordEvent.leaf_index)
        .limit(1)
    )


def checkpoint_of_size(session: Session, tree_size: int) -> RecordCheckpoint | None:
    """The latest checkpoint of exactly ``tree_size`` events (several may share a size)."""
    return session.scalar(
        select(RecordCheckpoint)
        .where(RecordCheckpoint.tree_size == tree_size, checkpoints.of_log())
        .order_by(RecordCheckpoint.id.desc())
        .limit(1)
    )


def _read_at_once(session: Session, build: Callable[[merkle.NodeGetter], T]) -> T:
    """Run a proof builder with every tree node it needs read in two queries.

    Which nodes a proof needs depends only on the sizes, not on the hashes, so a first run
    with placeholder hashes lists them; the second run gets them from one read per table
    (instead of one query per node, some forty for a million events).
    """
    wanted: set[tuple[int, int]] = set()

    def note(level: int, position: int) -> bytes:
        wanted.add((level, position))
        return bytes(merkle.HASH_SIZE)

    build(note)
    found: dict[tuple[int, int], bytes] = {}
    leaves = [position for level, position in wanted if level == 0]
    if leaves:
        for index, value in session.execute(
            select(RecordEvent.leaf_index, RecordEvent.leaf_hash).where(
                RecordEvent.leaf_index.in_(leaves)
            )
        ):
            found[(0, index)] = bytes.fromhex(value)
    inner = [(level, position) for level, position in wanted if level > 0]
    if inner:
        for level, position, value in session.execute(
            select(RecordNode.level, RecordNode.position, RecordNode.hash).where(
                or_(
                    *(
                        and_(RecordNode.level == level, RecordNode.position == position)
                        for level, position in inner
                    )
                )
            )
        ):
            found[(level, position)] = bytes.fromhex(value)

    def node(level: int, position: int) -> bytes:
        try:
            return found[(level, position)]
        except KeyError:
            raise LookupError(f"the record has no tree node at level {level}, {position}") from None

    return build(node)


def inclusion_path(session: Session, event: RecordEvent, tree_size: int) -> list[str]:
    """The audit path (hex, leaf to root) of ``event`` in the tree of ``tree_size`` leaves;
    the same as :func:`services.inclusion_proof`, in two queries."""
    path = _read_at_once(
        session, lambda node: merkle.inclusion_proof(event.leaf_index, tree_size, node)
    )
    return [h.hex() for h in path]


def consistency_path(session: Session, first: int, second: int) -> list[str]:
    """:func:`services.consistency_proof`, in two queries."""
    path = _read_at_once(session, lambda node: merkle.consistency_proof(first, second, node))
    return [h.hex() for h in path]


def key_facts(public: bytes, origin: str) -> dict[str, str]:
    return {
        "key_id": signing.key_id(public),
        "algorithm": "Ed25519",
        "public_key": base64.b64encode(public).decode("ascii"),
        "verifier_key": signing.verifier_key(origin, public),
    }


def checkpoint_facts(
    checkpoint: RecordCheckpoint,
    keys: dict[str, bytes],
    cosigned: list[cosignatures.RecordCosignature] | None = None,
) -> dict[str, Any]:
    """A checkpoint as the proofs show it, with its signed note (when its key is known),
    carrying the witnesses' cosignature lines (``cosigned``) after the log's own."""
    public = keys.get(checkpoint.key_id)
    rows = cosigned or []
    note = None
    if public is not None:
        note = checkpoints.note(checkpoint, public) + "".join(row.line() for row in rows)
    return {
        "id": checkpoint.id,
        "origin": checkpoint.origin,
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash,
        "made_at": canonical.moment(checkpoint.made_at),
        "reason": checkpoint.reason.value,
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
        "signature_valid": checkpoints.signature_valid(checkpoint, keys),
        "note": note,
        "cosignatures": [cosignatures.facts(row) for row in rows],
    }


def next_checkpoint_by(session: Session, now: datetime) -> datetime:
    """When the next regular checkpoint comes at the latest (see
    :func:`checkpoints.hourly_due`): half a minute after the latest one, or at the next tick
    of the clock if that has passed (plus slack for the clock)."""
    latest = checkpoints.latest(session)
    due = now if latest is None else max(now, latest.made_at + checkpoints.HOURLY)
    return due + timedelta(seconds=CLOCK_SLACK_SECONDS)


def inclusion(
    session: Session,
    event: RecordEvent,
    now: datetime,
    keys: dict[str, bytes] | None = None,
) -> dict[str, Any]:
    """The inclusion proof of ``event`` in the latest checkpoint, or, while no checkpoint
    holds it yet, when one will (``status`` ``included`` or ``pending``; ``unavailable``
    when the stored tree cannot give the proof, which ``verify`` reports)."""
    keys = signing.trusted_keys() if keys is None else keys
    data = event_bytes(event)
    proof: dict[str, Any] = {
        "format": INCLUSION_FORMAT,
        "object": {"type": event.object_type, "id": event.object_id},
        "event": {
            "leaf_index": event.leaf_index,
            "kind": event.kind,
            "occurred_at": canonical.moment(event.occurred_at),
            "canonical_b64": base64.b64encode(data).decode("ascii"),
            "body": event_body(event),
            "leaf_hash": event.leaf_hash,
            "event_hash": event.event_hash,
        },
    }
    promise = promises.of_leaf(session, event.leaf_index)
    if promise is not None:
        signer = keys.get(promise.key_id)
        proof["promise"] = {
            "leaf_index": promise.leaf_index,
            "leaf_hash": promise.leaf_hash,
            "made_at": canonical.moment(promise.made_at),
            "key_id": promise.key_id,
            "note": promises.note(promise, signer) if signer is not None else None,
            "kept": None,
        }
    # A checkpoint that witnesses cosigned is preferred (the latest one that holds the
    # event): its history is the one they saw too. The tree only grows, so when the latest
    # checkpoint does not hold the event (a fresh receipt), no cosigned one does.
    latest = checkpoints.latest(session)
    if latest is not None and latest.tree_size > event.leaf_index:
        latest = cosignatures.latest_cosigned(session, covering=event.leaf_index) or latest
    if latest is None or latest.tree_size <= event.leaf_index:
        proof["status"] = "pending"
        proof["expected_by"] = canonical.moment(next_checkpoint_by(session, now))
        proof["verified"] = False
        return proof
    try:
        path = inclusion_path(session, event, latest.tree_size)
    except LookupError:  # the stored tree lacks a node: `consult record verify` names it
        log.error("no inclusion proof for %s in %d events", event.label, latest.tree_size)
        proof["status"] = "unavailable"
        proof["verified"] = False
        return proof
    facts = checkpoint_facts(latest, keys, cosignatures.of_checkpoint(session, latest))
    public = keys.get(latest.key_id)
    proof["status"] = "included"
    proof["inclusion"] = {
        "leaf_index": event.leaf_index,
        "tree_size": latest.tree_size,
        "audit_path": path,
    }
    proof["checkpoint"] = facts
    proof["public_key"] = key_facts(public, latest.origin) if public is not None else None
    leaf = merkle.leaf_hash(data)
    proof["verified"] = (
        leaf.hex() == event.leaf_hash
        and merkle.verify_inclusion(
            event.leaf_index,
            latest.tree_size,
            leaf,
            [bytes.fromhex(h) for h in path],
            bytes.fromhex(latest.root_hash),
        )
        and facts["signature_valid"]
    )
    if promise is not None:
        proof["promise"]["kept"] = bool(
            proof["verified"]
            and promise.leaf_hash == leaf.hex()
            and promises.signature_valid(promise, keys)
        )
    return proof


def tree_root_at(session: Session, tree_size: int) -> bytes:
    """The root of the first ``tree_size`` leaves, from the stored nodes in two queries."""
    if tree_size == 0:
        return merkle.EMPTY_ROOT
    return _read_at_once(session, lambda node: merkle.subtree_hash(0, tree_size, node))


def size_facts(
    session: Session, tree_size: int, keys: dict[str, bytes]
) -> tuple[dict[str, Any], RecordCheckpoint | None]:
    """A tree size as a consistency proof shows it: the latest checkpoint of that size
    (signed), or, for a size no checkpoint has, its root computed from the stored tree
    (``signed`` false: only as good as the proof that ties it to a signed checkpoint)."""
    checkpoint = checkpoint_of_size(session, tree_size)
    if checkpoint is not None:
        return {**checkpoint_facts(checkpoint, keys), "signed": True}, checkpoint
    return {
        "tree_size": tree_size,
        "root_hash": tree_root_at(session, tree_size).hex(),
        "signed": False,
        "signature_valid": None,
        "note": None,
    }, None


def consistency_of_sizes(
    session: Session, first: int, second: int, keys: dict[str, bytes] | None = None
) -> dict[str, Any]:
    """The RFC 9162 consistency proof between any two tree sizes 0 < ``first`` <=
    ``second`` <= the latest checkpoint's (the caller checks the bounds). Each side is its
    signed checkpoint when one has that size (see :func:`size_facts`); ``verified`` when
    the proof holds and every signed side's signature does. Raises ``LookupError`` when
    the stored tree lacks a node."""
    keys = signing.trusted_keys() if keys is None else keys
    path = consistency_path(session, first, second)
    older, older_checkpoint = size_facts(session, first, keys)
    newer, newer_checkpoint = size_facts(session, second, keys)
    holds = merkle.verify_consistency(
        first,
        second,
        bytes.fromhex(older["root_hash"]),
        bytes.fromhex(newer["root_hash"]),
        [bytes.fromhex(h) for h in path],
    )
    signed = [c for c in (older_checkpoint, newer_checkpoint) if c is not None]
    return {
        "format": CONSISTENCY_FORMAT,
        "first": older,
        "second": newer,
        "proof": path,
        "proof_holds": holds,
        "verified": holds
        and all(facts["signature_valid"] for facts in (older, newer) if facts["signed"]),
        "public_keys": {
            c.key_id: key_facts(keys[c.key_id], c.origin) for c in signed if c.key_id in keys
        },
    }


def current_key(app: Flask | None = None) -> bytes | None:
    """The public key that signs from now on, None while the instance has none yet."""
    return signing.public_bytes(signing.signing_key(app)) if signing.has_key(app) else None


def for_submission(session: Session, tracking_code: str, now: datetime) -> dict[str, Any] | None:
    """What a receipt shows: the inclusion proof of the submission's arrival (None when the
    record holds no arrival for it, as for submissions from before the record)."""
    event = received_event(session, tracking_code)
    return None if event is None else inclusion(session, event, now)
