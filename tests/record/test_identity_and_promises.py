"""Issue 16, items 1 and 2: the log's fixed name, and the signed promise on every receipt.

- The first checkpoint fixes the log's name (origin); signing under another name is
  refused (the service, ``consult record checkpoint``, ``consult consultations tick``).
- A checkpoint an older version signed under another name stays, and ``verify``, the
  bundle's verifier and :func:`checkpoints.latest` all skip it with a warning.
- Each stored submission gets a signed promise of inclusion; deleting the promised event
  afterwards (as an intruder with database access would) is a broken promise, named by
  ``verify``, by the bundle's ``verify.py``, and by ``verify.py --promise`` with the
  participant's own copy even when the promise row is deleted too.
"""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from consult.comments.models import Comment, Submission, SubmissionContact
from consult.db import utcnow
from consult.evidence import bundle
from consult.evidence.bundle_verifier import parse_promise_note, promise_text
from consult.evidence.verify import verify
from consult.ledger import canonical, checkpoints, merkle, promises, signing
from consult.ledger.models import (
    RecordCheckpoint,
    RecordEvent,
    RecordHead,
    RecordNode,
    RecordPromise,
)
from tests import factories
from tests.record.conftest import tampering
from tests.record.test_bundle import run_verifier, unzip

OTHER = "http://127.0.0.1:5000"


@pytest.fixture
def signed(session, consultation, in_app):
    factories.record_events(session, consultation, 2)
    first = checkpoints.make(session, "manual")
    assert first.origin == "consult.test/record"
    return first


# -- the log's name ------------------------------------------------------------------------------


def test_signing_under_another_base_url_is_refused(app, session, consultation, signed):
    factories.record_events(session, consultation, 1)
    app.config["BASE_URL"] = OTHER
    try:
        with pytest.raises(checkpoints.OriginError) as refused:
            checkpoints.make(session, "manual")
        assert "this log is named 'consult.test/record'" in str(refused.value)
        assert "'127.0.0.1:5000/record'" in str(refused.value)
        assert "CONSULT_BASE_URL" in str(refused.value)
    finally:
        app.config["BASE_URL"] = "http://consult.test"
    assert checkpoints.latest(session).id == signed.id


def test_the_commands_refuse_another_base_url_and_exit_non_zero(app, session, consultation):
    runner = app.test_cli_runner()
    factories.record_events(session, consultation, 1)
    with app.app_context():  # a minute ago, so the clock's regular checkpoint is due now
        checkpoints.make(session, "manual", now=utcnow() - timedelta(minutes=1))
    factories.record_events(session, consultation, 1)
    app.config["BASE_URL"] = OTHER
    try:
        for args in (["record", "checkpoint"], ["consultations", "tick"]):
            result = runner.invoke(args=args)
            assert result.exit_code != 0, args
            assert "refusing to sign: this log is named 'consult.test/record'" in result.output
        # and when there is nothing to sign, too: a misconfigured cron job shows at once
        with app.app_context(), pytest.raises(checkpoints.OriginError):
            checkpoints.make(session, "manual")
    finally:
        app.config["BASE_URL"] = "http://consult.test"
    with app.app_context():
        assert {c.origin for c in session.scalars(select(RecordCheckpoint))} == {
            "consult.test/record"
        }


def foreign_checkpoint(session) -> RecordCheckpoint:
    """What an older version signed when run without CONSULT_BASE_URL: a checkpoint of the
    same tree under another name (counted in the head, as make() counted it)."""
    head = session.get(RecordHead, 1)
    root = merkle.Frontier(head.tree_size, [bytes.fromhex(h) for h in head.frontier]).root()
    made_at = canonical.to_millisecond(utcnow())
    text = checkpoints.signed_text("127.0.0.1:5000/record", head.tree_size, root, made_at)
    key_id, signature = signing.sign(text)
    stray = RecordCheckpoint(
        origin="127.0.0.1:5000/record",
        tree_size=head.tree_size,
        root_hash=root.hex(),
        made_at=made_at,
        key_id=key_id,
        signature=signature,
        reason="manual",
    )
    session.add(stray)
    head.checkpoint_count += 1
    session.flush()
    return stray


def test_a_checkpoint_under_another_name_is_skipped_with_a_warning(session, consultation, signed):
    stray = foreign_checkpoint(session)
    assert checkpoints.latest(session).id == signed.id  # pages and proofs never use it
    report = verify(session, cross_checks=[])
    assert report.ok, list(report.failures)
    assert report.warnings == [
        f"checkpoint {stray.id} ({stray.tree_size} events): signed under another name "
        "('127.0.0.1:5000/record') than this log's ('consult.test/record'); it is no part of "
        "this log and is not used"
    ]
    # and the next checkpoint follows the log's own name again
    factories.record_events(session, consultation, 1)
    assert checkpoints.make(session, "manual").origin == "consult.test/record"


def test_a_bundle_with_a_checkpoint_under_another_name_passes_its_own_verifier(
    session, tmp_path, in_app
):
    consultation = factories.consultation(session)
    factories.sent_submission(session, consultation)
    checkpoints.make(session, "manual")
    foreign_checkpoint(session)
    factories.sent_submission(session, consultation)
    anchor = bundle.make_anchor(session)
    out = io.BytesIO()
    bundle.build(session, consultation, out, checkpoint=anchor)
    status, output = run_verifier(unzip(out.getvalue(), tmp_path / "b"))
    assert status == 0, output
    assert "signed under another name ('127.0.0.1:5000/record')" in output
    assert "2 promises of inclusion kept" in output


# -- promises ------------------------------------------------------------------------------------


def test_a_stored_submission_gets_a_signed_promise(session, in_app):
    consultation = factories.consultation(session)
    submission = factories.sent_submission(session, consultation)
    event = session.scalars(
        select(RecordEvent).where(RecordEvent.object_id == submission.tracking_code)
    ).one()
    promise = promises.of_leaf(session, event.leaf_index)
    assert (promise.leaf_hash, promise.origin) == (event.leaf_hash, "consult.test/record")
    assert promise.made_at == canonical.to_millisecond(submission.received_at)
    public = signing.public_bytes(signing.signing_key())
    text = promises.text_of(promise)
    assert text.decode().split("\n")[:4] == [
        "consult-promise/v1",
        "consult.test/record",
        str(event.leaf_index),
        base64.b64encode(bytes.fromhex(event.leaf_hash)).decode(),
    ]
    assert signing.signature_valid(public, text, promise.signature)
    # the offline verifier reads the note a receipt shows, and signs the same bytes
    parsed = parse_promise_note(promises.note(promise, public))
    assert parsed["leaf_index"] == event.leaf_index
    assert (
        promise_text(
            parsed["origin"],
            parsed["leaf_index"],
            bytes.fromhex(parsed["leaf_hash"]),
            parsed["time"],
        )
        == text
    )
    assert verify(session).ok


def delete_last_leaf(session, submission: Submission) -> None:
    """What an intruder with database access does to make an acknowledged submission
    vanish before the next checkpoint: the rows, its event, the tree nodes over it, and a
    head for the shorter tree (past the triggers)."""
    event = session.scalars(
        select(RecordEvent).where(RecordEvent.object_id == submission.tracking_code)
    ).one()
    size = event.leaf_index  # the tree without it
    assert session.get(RecordHead, 1).tree_size == size + 1  # it is the last leaf
    leaves = session.scalars(
        select(RecordEvent.leaf_hash)
        .where(RecordEvent.leaf_index < size)
        .order_by(RecordEvent.leaf_index)
    ).all()
    frontier = merkle.Frontier()
    for leaf in leaves:
        frontier.append(bytes.fromhex(leaf))
    with tampering(session):
        session.execute(delete(Comment).where(Comment.submission_id == submission.id))
        session.execute(
            delete(SubmissionContact).where(SubmissionContact.submission_id == submission.id)
        )
        session.execute(delete(Submission).where(Submission.id == submission.id))
        session.execute(delete(RecordEvent).where(RecordEvent.id == event.id))
        for node in session.scalars(select(RecordNode)).all():
            if (node.position + 1) << node.level > size:
                session.execute(delete(RecordNode).where(RecordNode.id == node.id))
        session.execute(
            update(RecordHead).values(tree_size=size, frontier=[h.hex() for h in frontier.hashes])
        )


def test_a_promised_submission_deleted_later_is_a_broken_promise(session, tmp_path, in_app):
    consultation = factories.consultation(session)
    kept = factories.sent_submission(session, consultation)
    checkpoints.make(session, "manual")
    vanished = factories.sent_submission(session, consultation, email="weg@example.org")
    index = session.scalar(
        select(RecordEvent.leaf_index).where(RecordEvent.object_id == vanished.tracking_code)
    )
    promise = promises.of_leaf(session, index)
    public = signing.public_bytes(signing.signing_key())
    receipt_copy = tmp_path / "belofte.txt"
    receipt_copy.write_text(promises.note(promise, public), encoding="utf-8")

    delete_last_leaf(session, vanished)
    # The signer goes on: the next checkpoint covers the shorter tree, consistently.
    factories.record_events(session, consultation, 1)
    later = checkpoints.make(session, "manual", now=utcnow() + timedelta(minutes=1))
    assert later.tree_size == index + 1

    found = list(verify(session).failures)
    assert any(
        f.startswith(f"promise of event {index} (signed ")
        and "broken promise" in f
        and "the log acknowledged this leaf" not in f
        for f in found
    ), found

    out = io.BytesIO()
    bundle.build(session, consultation, out, checkpoint=later)
    folder = unzip(out.getvalue(), tmp_path / "bundel")
    status, output = run_verifier(folder)
    assert status == 1, output
    assert f"broken promise: the platform acknowledged event {index}" in output
    assert "promises.jsonl" in output

    # Even with the promise row gone too, the participant's own copy proves it.
    with tampering(session):
        session.execute(delete(RecordPromise).where(RecordPromise.leaf_index == index))
    out = io.BytesIO()
    bundle.build(session, consultation, out, checkpoint=later)
    folder = unzip(out.getvalue(), tmp_path / "bundel2")
    status, output = run_verifier(folder)
    assert status == 0, output  # the bundle alone no longer shows it
    status, output = run_verifier(folder, "--promise", str(receipt_copy))
    assert status == 1, output
    assert f"broken promise: the platform acknowledged event {index}" in output
    assert kept.tracking_code  # the other submission's promise still holds


def test_the_pages_mark_a_checkpoint_under_another_name_and_leave_it_out(
    app, client, session, consultation
):
    with app.app_context():
        factories.record_events(session, consultation, 1)
        checkpoints.make(session, "manual")
        stray = foreign_checkpoint(session)
        session.commit()
    page = client.get("/bewijs/controlepunten", headers={"Accept-Language": "en"})
    text = " ".join(page.get_data(as_text=True).split())
    assert "Not part of this record: signed under another name (127.0.0.1:5000/record)" in text
    assert text.count("Not part of this record") == 1
    feed = client.get("/bewijs/controlepunten.atom").get_data(as_text=True)
    assert f"/bewijs/controlepunten/{stray.id}.txt" not in feed
    assert "127.0.0.1:5000/record" not in feed
    key_page = client.get("/bewijs/sleutel").get_data(as_text=True)
    assert "consult.test/record+" in key_page
