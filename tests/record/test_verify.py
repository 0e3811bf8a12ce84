"""``consult record verify`` finds every kind of tampering, and names what was touched.

Each tamper test does what someone with direct database access could do: the triggers
are switched off for the test's transaction (see ``tampering``), then rows are changed.
"""

from __future__ import annotations

import base64
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, func, select, text, update

from consult.comments.models import Comment, Submission, SubmissionContact
from consult.db import utcnow
from consult.documents.services import lock_version
from consult.evidence import cross_checks
from consult.evidence.verify import verify
from consult.ledger import canonical, checkpoints, merkle, services, signing
from consult.ledger.models import RecordCheckpoint, RecordEvent, RecordHead, RecordNode
from consult.privacy.submissions import erase_submission_contact
from tests import factories
from tests.record.conftest import tampering


def arrival(session, submission) -> RecordEvent:
    """The ``submission_received`` event the submission service wrote for it."""
    return session.scalars(
        select(RecordEvent).where(
            RecordEvent.kind == "submission_received",
            RecordEvent.object_id == submission.tracking_code,
        )
    ).one()


@pytest.fixture
def world(session, in_app):
    """Two consultations with events, two real submissions, a platform event, and two
    signed checkpoints (after 5 and after all 9 events)."""
    # A version locked as opening a consultation locks it: with its content hash.
    version = lock_version(session, factories.document_version(session, locked=False))
    consultation = factories.consultation(session, version)
    other = factories.consultation(session)
    # The submission service records each arrival itself (``submission_received``).
    first = factories.sent_submission(
        session, consultation, texts=[("s-1", "Meer hulp op school.")]
    )
    events = [arrival(session, first)]
    events += factories.record_events(session, other, 2)
    second = factories.sent_submission(
        session, consultation, texts=[("s-2", "Eerste punt."), (None, "Tweede punt.")]
    )
    events.append(arrival(session, second))
    events.append(
        services.append(
            session,
            kind="version_published",
            consultation=None,
            object_type="version",
            object_id=f"{version.document_id}/{version.number}",
            actor_role="official",
            payload={
                "document_id": version.document_id,
                "number": version.number,
                "content_hash": version.content_hash,
            },
        )
    )
    early = checkpoints.make(session, "state_change")
    events += factories.record_events(session, consultation, 3)
    events += factories.record_events(session, other, 1)
    late = checkpoints.make(session, "manual")
    return {
        "consultation": consultation,
        "other": other,
        "submissions": [first, second],
        "events": events,
        "checkpoints": [early, late],
    }


def failures_of(session, **kwargs) -> list[str]:
    report = verify(session, **kwargs)
    assert report.ok == (report.failures.total == 0)
    return list(report.failures)


def set_event(session, event, **values):
    session.execute(update(RecordEvent).where(RecordEvent.id == event.id).values(**values))


def rehash(session, event, **values):
    """Change an event and give it the hashes its new content has (a careful forger)."""
    row = session.get(RecordEvent, event.id)
    fields = {
        "leaf_index": row.leaf_index,
        "chain": row.chain,
        "seq": row.seq,
        "kind": row.kind,
        "occurred_at": row.occurred_at,
        "actor_role": row.actor_role,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "payload": row.payload,
        "prev_hash": row.prev_hash,
    }
    fields.update(values)
    data = canonical.canonical_bytes(canonical.event_body(**fields))
    new = {
        **values,
        "event_hash": canonical.event_hash(data),
        "leaf_hash": canonical.leaf_hash(data),
    }
    set_event(session, event, **new)
    session.expire_all()
    return new["event_hash"]


def rebuild_tree(session):
    """Replace the stored tree and head by the tree the (changed) events give now."""
    leaves = session.scalars(select(RecordEvent.leaf_hash).order_by(RecordEvent.leaf_index))
    frontier = merkle.Frontier()
    session.execute(delete(RecordNode))
    for leaf in leaves.all():
        for level, position, value in frontier.append(bytes.fromhex(leaf)):
            session.add(RecordNode(level=level, position=position, hash=value.hex()))
    session.execute(update(RecordHead).values(frontier=[h.hex() for h in frontier.hashes]))
    session.flush()


# -- an untouched record verifies ------------------------------------------------------------


def test_an_untouched_record_verifies_and_counts(session, world):
    report = verify(session)
    assert report.ok, list(report.failures)
    assert (report.events, report.checked_events, report.chains) == (9, 9, 3)
    assert (report.checkpoints, report.cross_checks) == (2, len(cross_checks.CROSS_CHECKS))
    assert report.nodes == session.scalar(select(func.count()).select_from(RecordNode)) == 7


def test_progress_is_reported_on_the_way(session, world):
    seen = []
    verify(session, progress=seen.append, progress_every=4)
    assert seen == [4, 8]


def test_the_command_says_the_record_verifies_or_names_the_first_failure(app, session, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["record", "verify"])
    assert result.exit_code == 0, result.output
    assert "9 events (9 recomputed) in 3 chain(s)" in result.output
    assert "the record verifies" in result.output

    target = world["events"][3]
    with tampering(session):
        set_event(session, target, payload={"content_hash": "00" * 32})
    result = runner.invoke(args=["record", "verify"])
    assert result.exit_code == 1
    code = world["submissions"][1].tracking_code
    assert (
        f"FAILED: event 3 (submission_received {code}): hash does not match its content"
        in result.output
    )
    slug = world["consultation"].slug
    result = runner.invoke(args=["record", "verify", "--consultation", slug])
    assert result.exit_code == 1
    assert f"consultation {slug}: 9 events (5 recomputed) in 1 chain(s)" in result.output
    result = runner.invoke(args=["record", "verify", "--consultation", "bestaat-niet"])
    assert result.exit_code == 1
    assert "there is no consultation bestaat-niet" in result.output


# -- tampering with events -------------------------------------------------------------------


def test_an_event_changed_in_place_is_named(session, world):
    target = world["events"][0]
    code = world["submissions"][0].tracking_code
    with tampering(session):
        set_event(session, target, payload={**target.payload, "stakeholder_group": "other"})
    found = failures_of(session)
    assert found[0] == f"event 0 (submission_received {code}): hash does not match its content"
    assert any("checkpoint" in f and "another root" in f for f in found)


def test_an_event_rehashed_by_a_forger_breaks_its_chain_and_the_signed_root(session, world):
    target = world["events"][0]  # followed in its chain by events[3]
    code = world["submissions"][0].tracking_code
    with tampering(session):
        rehash(session, target, occurred_at=target.occurred_at.replace(year=2020))
    found = failures_of(session)
    second = world["submissions"][1].tracking_code
    assert found[0] == (  # the failure that names events comes first
        f"event 3 (submission_received {second}): does not follow event 0 "
        f"(submission_received {code}), the event before it in its chain (one of the two "
        "was changed, or an event between them removed)"
    )
    assert any(f.startswith("tree node 1/0 (events 0 to 1)") for f in found)
    assert any(f.startswith(f"checkpoint {world['checkpoints'][0].id} (5 events") for f in found)


def test_a_deleted_event_is_found_by_its_gap(session, world):
    target = world["events"][5]  # the consultation's comment:0 report
    with tampering(session):
        session.execute(delete(RecordEvent).where(RecordEvent.id == target.id))
    found = failures_of(session)
    assert found[0] == "event 5 is missing: the record goes on at event 6"
    assert "number 4 in the chain of consultation" in found[1]
    assert "follows number 2 (event 3" in found[1]
    assert "an event between them is missing" in found[1]


def test_a_deleted_last_event_is_found_by_the_checkpoint(session, world):
    with tampering(session):
        session.execute(delete(RecordEvent).where(RecordEvent.leaf_index == 8))
    found = failures_of(session)
    late = world["checkpoints"][1]
    assert any(
        f.startswith(f"checkpoint {late.id} (9 events")
        and "covers more events than the record holds (8): events were removed" in f
        for f in found
    )
    assert "the record's head says 9 events, but there are 8" in found


def test_two_events_swapped_are_named(session, world):
    one, two = world["events"][5], world["events"][6]
    with tampering(session):
        set_event(session, one, leaf_index=1_000_000)
        set_event(session, two, leaf_index=5)
        set_event(session, one, leaf_index=6)
    found = failures_of(session)
    assert found[0] == "event 5 (comment_reported comment:1): hash does not match its content"
    assert found[1] == "event 5 (comment_reported comment:1): leaf hash does not match its content"
    assert any(f.startswith("event 6 (comment_reported comment:0): hash does not") for f in found)


def test_an_event_moved_to_another_consultation_is_named(session, world):
    target = world["events"][1]
    with tampering(session):
        set_event(session, target, consultation_id=world["consultation"].id)
    found = failures_of(session)
    assert found == [
        f"event 1 (comment_reported comment:0): sits in the chain of consultation "
        f"{world['other'].slug} but belongs to consultation {world['consultation'].slug}"
    ]


def test_a_tree_recomputed_without_a_signed_checkpoint_is_found(session, world):
    """The forger changes an event, rehashes its chain onwards and rebuilds the whole tree
    and head: only the signed checkpoints can tell, and they do."""
    chain = [e for e in world["events"] if e.chain == world["consultation"].slug]
    with tampering(session):
        prev = rehash(session, chain[0], payload={**chain[0].payload, "stakeholder_group": "x"})
        for event in chain[1:]:
            prev = rehash(session, event, prev_hash=prev)
        rebuild_tree(session)
    found = failures_of(session, cross_checks=[])
    early, late = world["checkpoints"]
    # The promises signed on arrival name the rewritten leaves first (rank 0).
    promised = [f for f in found if f.startswith("promise of event ")]
    assert promised
    assert all("broken promise" in f for f in promised)
    found = [f for f in found if f not in promised]
    assert len(found) == 2, found
    assert found[0].startswith(f"checkpoint {early.id} (5 events, signed ")
    assert "the events give another root than the signed one" in found[0]
    assert "an event up to 4 was changed, added or removed after signing" in found[0]
    assert found[1].startswith(f"checkpoint {late.id} (9 events")


# -- tampering with the tree, the checkpoints and the head ---------------------------------------


def test_a_changed_tree_node_is_named(session, world):
    with tampering(session):
        session.execute(
            update(RecordNode)
            .where(RecordNode.level == 1, RecordNode.position == 3)
            .values(hash="ff" * 32)
        )
    found = failures_of(session)
    early, late = world["checkpoints"]
    assert found == [
        "tree node 1/3 (events 6 to 7) does not match the events under it",
        f"checkpoint {late.id} is not consistent with checkpoint {early.id}: "
        "the stored tree gives no valid proof between them",
    ]


def test_a_changed_checkpoint_fails_its_signature(session, world):
    early = world["checkpoints"][0]
    with tampering(session):
        session.execute(
            update(RecordCheckpoint)
            .where(RecordCheckpoint.id == early.id)
            .values(tree_size=4, root_hash=services.tree_root(session, 4).hex())
        )
    found = failures_of(session)
    assert found == [f"checkpoint {early.id} (4 events): the signature does not match its content"]


def test_a_checkpoint_signed_with_another_key_is_not_trusted(session, world):
    early = world["checkpoints"][0]
    forger = Ed25519PrivateKey.generate()
    forged_id = signing.key_id(signing.public_bytes(forger))
    signature = base64.b64encode(forger.sign(checkpoints.text_of(early))).decode()
    with tampering(session):
        session.execute(
            update(RecordCheckpoint)
            .where(RecordCheckpoint.id == early.id)
            .values(key_id=forged_id, signature=signature)
        )
    found = failures_of(session)
    assert found == [
        f"checkpoint {early.id} (5 events): signed by key {forged_id}, which is not trusted"
    ]


def test_a_checkpoint_that_shrinks_the_tree_is_named(session, world):
    """Even the key holder cannot take events back: a later checkpoint of a smaller tree,
    properly signed, is a failure."""
    made_at = utcnow()
    root = services.tree_root(session, 4)
    key_id, signature = signing.sign(
        checkpoints.signed_text("consult.test/record", 4, root, made_at)
    )
    shrunk = RecordCheckpoint(
        origin="consult.test/record",
        tree_size=4,
        root_hash=root.hex(),
        made_at=canonical.to_millisecond(made_at),
        key_id=key_id,
        signature=signature,
        reason="manual",
    )
    session.add(shrunk)
    session.flush()
    late = world["checkpoints"][1]
    assert failures_of(session) == [
        f"checkpoint {shrunk.id} (4 events): the tree shrank from 9 events at checkpoint {late.id}",
        # and it was put in the table around the record's head
        "1 checkpoint row(s) were added around the record: the head counts 2, the table holds 3",
    ]


def test_a_head_with_another_tree_is_named(session, world):
    with tampering(session):
        session.execute(update(RecordHead).values(frontier=["00" * 32]))
    assert failures_of(session) == ["the record's head holds another tree than its events give"]


# -- the live tables against the record ---------------------------------------------------------


def test_a_comment_text_edited_in_the_database_is_named(session, world):
    submission = world["submissions"][1]
    with tampering(session):
        session.execute(
            update(Comment)
            .where(Comment.submission_id == submission.id, Comment.position == 2)
            .values(body="Een ander punt.")
        )
    found = failures_of(session)
    assert found == [
        f"submission {submission.tracking_code} (event 3 (submission_received "
        f"{submission.tracking_code})): what it holds now (a comment text, its order or "
        "section, an answer or a detail) no longer matches the content recorded on arrival"
    ]


def test_a_deleted_or_reordered_comment_is_named(session, world):
    submission = world["submissions"][1]
    code = submission.tracking_code
    with tampering(session):
        mine = Comment.submission_id == submission.id
        session.execute(update(Comment).where(mine).values(position=Comment.position + 10))
        session.execute(update(Comment).where(mine).values(position=13 - Comment.position))
    found = failures_of(session)
    assert len(found) == 1
    assert found[0].startswith(f"submission {code} (event 3 (submission_received {code}))")
    with tampering(session):
        session.execute(
            delete(Comment).where(Comment.submission_id == submission.id, Comment.position == 1)
        )
    assert failures_of(session) == found


def test_a_deleted_submission_is_named(session, world):
    submission = world["submissions"][0]
    with tampering(session):
        for table in (Comment, SubmissionContact):
            session.execute(delete(table).where(table.submission_id == submission.id))
        session.execute(delete(Submission).where(Submission.id == submission.id))
    code = submission.tracking_code
    assert failures_of(session) == [
        f"submission {code} (event 0 (submission_received {code})): "
        "it is missing from the live tables"
    ]


def test_a_submission_without_its_arrival_event_is_found(session, world):
    # Inserted into the tables directly, around the submission service and its record.
    unrecorded = factories.submission(session, world["consultation"])
    events = select(RecordEvent)
    assert cross_checks.every_submission_recorded(session, events) == [
        f"submission {unrecorded.tracking_code} in consultation {world['consultation'].slug}: "
        "the record has no event of its arrival"
    ]
    services.append(
        session,
        kind="submission_received",
        consultation=world["consultation"],
        object_type="submission",
        object_id=unrecorded.tracking_code,
        actor_role="participant",
        payload={"content_hash": unrecorded.content_hash},
    )
    assert cross_checks.every_submission_recorded(session, events) == []


def test_one_consultation_is_verified_with_the_tree_around_it(session, world):
    other = world["events"][1]
    with tampering(session):
        set_event(session, other, payload={"number": 99})
    slug = world["consultation"].slug
    assert failures_of(session, consultation=slug) == []
    assert failures_of(session, consultation=world["other"].slug)[0] == (
        "event 1 (comment_reported comment:0): hash does not match its content"
    )


# -- erasure -------------------------------------------------------------------------------------


def test_erasing_personal_data_keeps_the_record_verifiable_and_without_a_trace(
    session, consultation, in_app
):
    email, name = "j.de.vries@example.org", "Jan de Vries"
    submission = factories.sent_submission(session, consultation, email=email, display_name=name)
    contact = submission.contact
    # The service committed to the address with the contact's own salt.
    assert arrival(session, submission).payload["contact"] == canonical.commitment(
        contact.salt, email
    )
    checkpoints.make(session, "manual")
    assert verify(session).ok

    salt = contact.salt
    erase_submission_contact(session, submission, "participant", utcnow())
    session.flush()
    # The salt is gone with the address, so a guessed address cannot be tested any more.
    assert contact.salt == ""
    assert canonical.commitment(salt, email) in " ".join(
        str(row) for row in session.execute(text("SELECT payload FROM record_events")).all()
    )
    report = verify(session)
    assert report.ok, list(report.failures)
    record_text = " ".join(
        str(row)
        for table in (
            "record_events",
            "record_nodes",
            "record_checkpoints",
            "record_head",
            "record_promises",
        )
        for row in session.execute(text(f"SELECT * FROM {table}")).all()
    )
    for trace in (email, name, "vries", "Vries"):
        assert trace not in record_text
    assert re.search(r"[0-9a-f]{64}", record_text)  # the commitments are there, as hashes
