"""The platform sends its checkpoints to witnesses (real ``consult witness`` servers over
HTTP) and keeps their cosignatures; pages, notes and the bundle carry them; ``verify.py
--witness`` requires them; and a rewritten history is refused by every witness."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, text, update

from consult.db import utcnow
from consult.evidence import bundle, witnessing
from consult.jobs import Job
from consult.ledger import checkpoints, cosignatures, merkle, signing
from consult.ledger.cosignatures import RecordCosignature
from consult.ledger.models import RecordCheckpoint, RecordEvent, RecordHead, RecordNode
from consult.witness import state
from tests import factories
from tests.record import bundle_world
from tests.record.conftest import tampering
from tests.record.test_bundle import run_verifier, unzip
from tests.witness.conftest import ORIGIN, Witnesses
from tests.witness.conftest import sign as _sign
from tests.witness.helpers import independent_cosignature_check, new_witness, post


def _rows(session, checkpoint) -> list[RecordCosignature]:
    session.expire_all()
    return cosignatures.of_checkpoint(session, checkpoint)


def test_each_checkpoint_is_cosigned_by_both_witnesses(app, session, consultation, two, in_app):
    first = _sign(session, consultation)
    rows = _rows(session, first)
    assert sorted(row.witness for row in rows) == sorted(two.witnesses)
    for row in rows:
        assert cosignatures.valid(row, first)
        # The stored line is what the spec says, checked without our own code.
        independent_cosignature_check(two.vkey(row.witness), checkpoints.text_of(first), row.line())
    # Growth: sent with a consistency proof from the size each witness cosigned.
    second = _sign(session, consultation, 3)
    assert len(_rows(session, second)) == 2
    assert {two.size(name) for name in two.witnesses} == {second.tree_size}
    # The job says what happened.
    job = session.scalars(
        select(Job).where(Job.kind == witnessing.JOB_KIND).order_by(Job.id.desc())
    ).first()
    assert job.subject == f"checkpoint:{second.id}"
    assert "ieder-in.example/witness: cosigned" in job.step
    # The checkpoint's note carries both cosignature lines after the log's own.
    note = cosignatures.cosigned_note(session, second, signing.public_bytes(signing.signing_key()))
    lines = note.splitlines()
    assert lines[-3].startswith(f"\u2014 {ORIGIN} ")
    assert {line.split(" ")[1] for line in lines[-2:]} == set(two.witnesses)


def test_a_witness_that_holds_another_size_answers_409_and_is_asked_again(
    app, session, consultation, two, in_app
):
    first = _sign(session, consultation)
    assert len(_rows(session, first)) == 2
    with tampering(session):  # the platform lost its own copy of the cosignatures
        session.execute(delete(RecordCosignature))
    session.commit()
    assert cosignatures.acknowledged_size(session, cosignatures.configured()[0]) == 0
    # So it sends "old 0"; each witness answers 409 with the size of `first`, and the
    # platform asks again from there, with the consistency proof from that size.
    second = _sign(session, consultation, 3)
    assert sorted(row.witness for row in _rows(session, second)) == sorted(two.witnesses)
    assert {two.size(name) for name in two.witnesses} == {second.tree_size}


def test_an_unreachable_witness_never_blocks_and_the_clock_asks_again(
    app, session, consultation, two, in_app, monkeypatch
):
    down = [(vkey, "http://127.0.0.1:9") for vkey, _url in two.config]  # nothing listens
    monkeypatch.setitem(app.config, "WITNESSES", down)
    made = _sign(session, consultation)
    assert _rows(session, made) == []  # signed and committed all the same
    # The witnesses are back; the clock asks again for the latest checkpoint.
    monkeypatch.setitem(app.config, "WITNESSES", two.config)
    said = witnessing.retry_on_tick(
        app, session=session, now=utcnow() + timedelta(minutes=2), wait=True
    )
    assert said == f"asked 2 witness(es) again to cosign checkpoint {made.id}"
    assert len(_rows(session, made)) == 2
    # Nothing missing: the clock leaves them be.
    assert witnessing.retry_on_tick(app, session=session, now=utcnow(), wait=True) is None


def test_a_forged_answer_is_not_stored(app, session, consultation, two, in_app, monkeypatch):
    # A "witness" at the URL of one, answering with the other's key: ignored.
    first, second = two.config
    monkeypatch.setitem(app.config, "WITNESSES", [(first[0], second[1])])
    made = _sign(session, consultation)
    assert _rows(session, made) == []


# -- the bundle and verify.py --witness ----------------------------------------------------------


def test_verify_py_requires_the_witnesses_cosignatures(app, session, two, tmp_path, in_app):
    world = bundle_world.build(session)
    session.commit()
    anchor = bundle.make_anchor(session)
    session.commit()
    witnessing.cosign_anchor(session, anchor)
    out = io.BytesIO()
    bundle.build(session, world.consultation, out)
    folder = unzip(out.getvalue(), tmp_path / "bundel")
    one, other = (two.vkey(name) for name in two.witnesses)

    status, output = run_verifier(folder, "--witness", one, "--witness", other)
    assert status == 0, output
    assert "cosigned by 2 witness(es)" in output

    # A witness that did not cosign: fails, naming it; with a threshold of 1 of 2, passes.
    stranger = new_witness(tmp_path / "stranger", "stranger.example/witness")
    status, output = run_verifier(folder, "--witness", one, "--witness", str(stranger.vkey))
    assert status == 1
    assert "has 1 of the 2 required cosignatures; missing: stranger.example/witness" in output
    status, output = run_verifier(
        folder, "--witness", one, "--witness", str(stranger.vkey), "--threshold", "1"
    )
    assert status == 0, output

    # A checkpoint's cosignature line changed in the file (and the manifest left alone):
    # the file check fails; a bad --witness or --threshold is refused up front.
    assert run_verifier(folder, "--witness", "nonsense")[0] == 1
    assert "choose 1 to 1" in run_verifier(folder, "--witness", one, "--threshold", "2")[1]


def test_verify_py_fails_without_cosignatures(app, session, tmp_path, two, in_app, monkeypatch):
    monkeypatch.setitem(app.config, "WITNESSES", [])  # the platform never asked them
    world = bundle_world.build(session)
    out = io.BytesIO()
    bundle.build(session, world.consultation, out)
    folder = unzip(out.getvalue(), tmp_path / "bundel")
    status, output = run_verifier(folder)
    assert status == 0, output
    status, output = run_verifier(folder, "--witness", two.vkey("ieder-in.example/witness"))
    assert status == 1
    assert "has 0 of the 1 required cosignatures" in output


# -- the fork ------------------------------------------------------------------------------------


def rewrite_history(session, keep: int) -> None:
    """What the whole operator (database and key) could do: drop every event after the
    first ``keep`` leaves, with the tree nodes, checkpoints and cosignatures after them, and
    set the head back, so that the record is consistent in itself again."""
    with tampering(session):
        leaves = [
            bytes.fromhex(h)
            for h in session.scalars(
                select(RecordEvent.leaf_hash)
                .where(RecordEvent.leaf_index < keep)
                .order_by(RecordEvent.leaf_index)
            )
        ]
        session.execute(delete(RecordCosignature))
        session.execute(delete(RecordCheckpoint).where(RecordCheckpoint.tree_size > keep))
        session.execute(delete(RecordEvent).where(RecordEvent.leaf_index >= keep))
        frontier = merkle.Frontier()
        wanted = set()
        for leaf in leaves:
            for level, index, _hash in frontier.append(leaf):
                wanted.add((level, index))
        for level, index in session.execute(select(RecordNode.level, RecordNode.position)).all():
            if (level, index) not in wanted:
                session.execute(
                    delete(RecordNode).where(
                        RecordNode.level == level, RecordNode.position == index
                    )
                )
        session.execute(
            update(RecordHead).values(
                tree_size=keep,
                frontier=[h.hex() for h in frontier.hashes],
                checkpoint_count=session.scalar(select(func.count()).select_from(RecordCheckpoint)),
            )
        )


@dataclass
class Fork:
    """The platform ran with two witnesses; then its whole operator rewrote the history."""

    honest: RecordCheckpoint  # the last checkpoint the witnesses cosigned
    forked: RecordCheckpoint  # the rewritten log's checkpoint, same key and name, larger
    witnesses: Witnesses


@pytest.fixture
def fork(app, session, consultation, two, in_app) -> Fork:
    """THE FORK (issue 16): the honest log is cosigned by both witnesses; the operator, with
    the database and the key, drops the events after leaf 2 with their tree, checkpoints and
    cosignatures, sets the head back, appends other events and signs a larger checkpoint
    under the same name and key. The platform sends it to the witnesses as always.

    Tests of what outsiders see hang off this fixture: the witnesses' refusal below, and
    (after the merge with the tiles and monitor work) `consult record monitor URL`
    following this log, which is to report the fork."""
    honest = _sign(session, consultation, 4)
    assert len(_rows(session, honest)) == 2
    assert {two.size(name) for name in two.witnesses} == {honest.tree_size}
    rewrite_history(session, keep=2)
    session.commit()
    factories.record_events(session, consultation, 5, kind="comment_withdrawn")
    forked = checkpoints.make(session, "manual", now=utcnow())
    session.commit()  # the witnesses' job runs here
    assert forked.origin == honest.origin
    assert forked.key_id == honest.key_id
    assert forked.tree_size > honest.tree_size
    return Fork(honest, forked, two)


def test_both_witnesses_refuse_a_rewritten_history(app, session, fork):
    honest, forked, two = fork.honest, fork.forked, fork.witnesses
    assert _rows(session, forked) == []  # neither witness cosigned the fork
    job = session.scalars(
        select(Job).where(Job.subject == f"checkpoint:{forked.id}").order_by(Job.id.desc())
    ).first()
    assert job.step == "; ".join(f"{name}: fork" for name in two.witnesses)
    for name in two.witnesses:
        assert two.size(name) == honest.tree_size  # neither moved
        refused = state.Witness(two.dirs[name]).refused()
        assert refused, name
        assert refused[-1]["size"] == forked.tree_size
        assert refused[-1]["why"].startswith("fork:")
        assert refused[-1]["note"].startswith(checkpoints.text_of(forked).decode())
    # The clock asks again, and is refused again: the fork never gets a cosignature.
    said = witnessing.retry_on_tick(
        app, session=session, now=utcnow() + timedelta(minutes=2), wait=True
    )
    assert said == f"asked 2 witness(es) again to cosign checkpoint {forked.id}"
    assert _rows(session, forked) == []
    for name in two.witnesses:
        assert len(state.Witness(two.dirs[name]).refused()) == 2
    # A checkpoint of the honest size with another root is refused just the same.
    fork_at_size = _fork_of_size(session, two, honest.tree_size)
    for name, url in two.urls.items():
        status, _type, body = post(f"{url}/add-checkpoint", fork_at_size)
        assert status == 422, (name, body)


def _fork_of_size(session, two, size: int) -> bytes:
    """A checkpoint of ``size`` leaves of the rewritten tree, signed with the log's key."""
    leaves = [
        bytes.fromhex(h)
        for h in session.scalars(
            select(RecordEvent.leaf_hash)
            .where(RecordEvent.leaf_index < size)
            .order_by(RecordEvent.leaf_index)
        )
    ]
    text = checkpoints.signed_text(ORIGIN, size, merkle.root(leaves), utcnow())
    _key_id, signature = signing.sign(text)
    line = base64.b64encode(
        signing.note_key_hash(ORIGIN, signing.public_bytes(signing.signing_key()))
        + base64.b64decode(signature)
    ).decode()
    return f"old {size}\n\n{text.decode()}\n\u2014 {ORIGIN} {line}\n".encode()


def test_verify_checks_every_stored_cosignature(app, session, consultation, two, in_app, tmp_path):
    from consult.evidence.verify import verify

    made = _sign(session, consultation)
    assert verify(session).ok
    real = _rows(session, made)[0]
    # A row slipped in with the database alone: another witness's name and key, a copied
    # signature. The pages would show it; verify names it.
    stranger = new_witness(tmp_path / "stranger", "stranger.example/w")
    session.add(
        RecordCosignature(
            checkpoint_id=made.id,
            witness="stranger.example/w",
            public_key=base64.b64encode(stranger.vkey.public).decode(),
            timestamp=real.timestamp,
            signature=real.signature,
            received_at=utcnow(),
        )
    )
    session.flush()
    report = verify(session)
    assert not report.ok
    assert any(
        "by witness stranger.example/w does not verify on checkpoint" in str(failure)
        for failure in report.failures
    )


def test_a_cosignature_cannot_be_changed_deleted_or_truncated(
    app, session, consultation, two, in_app
):
    from tests.record.test_append_only import refused

    made = _sign(session, consultation)
    assert len(_rows(session, made)) == 2
    assert "a cosignature never changes" in refused(
        session, update(RecordCosignature).values(witness="someone.else/w")
    )
    assert "a cosignature is never deleted" in refused(session, delete(RecordCosignature))
    if session.get_bind().dialect.name == "postgresql":
        assert "record_cosignatures is evidence and is never truncated" in refused(
            session, text("TRUNCATE record_cosignatures")
        )
    assert len(_rows(session, made)) == 2


def test_an_older_checkpoint_is_superseded_but_a_shrunk_log_is_an_alarm(
    app, session, consultation, two, in_app, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "WITNESSES", [])
    older = _sign(session, consultation)  # its job never ran (no witnesses then)
    monkeypatch.setitem(app.config, "WITNESSES", two.config)
    newer = _sign(session, consultation, 2)
    assert len(_rows(session, newer)) == 2
    # The older checkpoint's job comes late (a slow worker): the witnesses are past it,
    # and that is no alarm.
    caplog.clear()
    outcomes = witnessing.cosign(session, older)
    assert [outcome.result for outcome in outcomes] == ["superseded", "superseded"]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    # The log shrinks back below what the witnesses cosigned: that is an alarm.
    rewrite_history(session, keep=older.tree_size)
    session.commit()
    outcomes = witnessing.cosign(session, older)
    assert [outcome.result for outcome in outcomes] == ["ahead", "ahead"]
    assert f"this log has only {older.tree_size}" in outcomes[0].detail
    assert [r for r in caplog.records if r.levelname == "ERROR"]
