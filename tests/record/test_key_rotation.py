"""Rotating the signing key: the old key is retired with the period it signed, a new one
signs from then on, and ``verify`` trusts exactly the current and the retired keys."""

from __future__ import annotations

import base64
import json
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consult.evidence.verify import verify
from consult.ledger import checkpoints, signing
from consult.ledger.models import CheckpointReason, RecordCheckpoint
from tests import factories


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    """A key of this test's own (the session's app keeps its key for the other tests)."""
    path = tmp_path / "instance" / "record_signing_key"
    monkeypatch.setenv("CONSULT_RECORD_KEY_PATH", str(path))
    yield path
    signing._keys.pop(path, None)


def test_rotating_retires_the_key_with_its_period_and_makes_a_new_one(app, key_file):
    with app.app_context():
        old = signing.public_bytes(signing.signing_key())
        first = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        last = datetime(2026, 3, 8, 17, 0, tzinfo=UTC)
        retired, new_id = signing.rotate(first, last, last + timedelta(minutes=5))
        new = signing.public_bytes(signing.signing_key())
        assert new != old
        assert new_id == signing.key_id(new) == signing.current_key_id()
        assert retired.key_id == signing.key_id(old)
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        listing = key_file.with_name("record_retired_keys.json")
        assert listing == signing.retired_keys_path()
        assert json.loads(listing.read_text()) == {
            "retired_keys": [
                {
                    "key_id": signing.key_id(old),
                    "algorithm": "Ed25519",
                    "public_key": base64.b64encode(old).decode(),
                    "signed_from": "2026-03-01T09:00:00.000+00:00",
                    "signed_until": "2026-03-08T17:00:00.000+00:00",
                    "retired_at": "2026-03-08T17:05:00.000+00:00",
                }
            ]
        }
        assert signing.retired_keys() == [retired]
        assert signing.trusted_keys() == {signing.key_id(old): old, new_id: new}
        # no temporary files are left behind
        assert sorted(p.name for p in key_file.parent.iterdir()) == [
            "record_retired_keys.json",
            "record_signing_key",
        ]

        # a second rotation keeps the first retired key
        signing.rotate(None, None, last + timedelta(days=1))
        ids = [key.key_id for key in signing.retired_keys()]
        assert ids == [signing.key_id(old), new_id]
        assert len(signing.trusted_keys()) == 3


def test_there_is_nothing_to_rotate_before_the_first_key(app, key_file):
    with app.app_context(), pytest.raises(signing.SigningKeyError, match="no key"):
        signing.rotate(None, None, datetime.now(UTC))
    assert not key_file.exists()


def test_a_broken_list_of_retired_keys_says_which_file(app, key_file):
    key_file.parent.mkdir(parents=True)
    listing = key_file.with_name("record_retired_keys.json")
    listing.write_text('{"retired_keys": [{"key_id": "abc", "public_key": "AAAA"}]}')
    with app.app_context(), pytest.raises(signing.SigningKeyError, match=str(listing)):
        signing.trusted_keys()
    listing.write_text("not json")
    with app.app_context(), pytest.raises(signing.SigningKeyError, match="not valid JSON"):
        signing.retired_keys()


def test_a_process_holding_the_old_key_signs_with_the_new_one(app, key_file):
    """A worker that loaded the key before the rotation must not go on signing with it."""
    rotate_elsewhere = (  # as `consult record key rotate` does, in another process
        "import sys; from datetime import UTC, datetime; from flask import Flask; "
        "from consult.ledger import signing; app = Flask('other'); "
        "app.config['RECORD_KEY_PATH'] = sys.argv[1]; "
        "signing.rotate(None, None, datetime.now(UTC), app=app)"
    )
    with app.app_context():
        before = signing.current_key_id()  # loaded and held in memory
        subprocess.run(
            [sys.executable, "-c", rotate_elsewhere, str(key_file)], check=True, timeout=60
        )
        key_id, _signature = signing.sign(b"after the rotation")
        assert key_id != before
        assert key_id == signing.key_id(signing.public_bytes(signing._load(key_file)))
        assert [key.key_id for key in signing.retired_keys()] == [before]


def test_the_command_rotates_and_signs_with_the_new_key(app, session, consultation, key_file):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["record", "key", "rotate", "--yes"])
    assert result.exit_code == 1
    assert "there is no key" in result.output

    factories.record_events(session, consultation, 3)
    assert runner.invoke(args=["record", "checkpoint"]).exit_code == 0
    with app.app_context():
        old_id = signing.current_key_id()
    signed_by_old = checkpoints.latest(session)

    refused = runner.invoke(args=["record", "key", "rotate"], input="n\n")
    assert refused.exit_code == 1
    assert f"Retire key {old_id}" in refused.output
    with app.app_context():
        assert signing.current_key_id() == old_id

    result = runner.invoke(args=["record", "key", "rotate", "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        new_id = signing.current_key_id()
    assert new_id != old_id
    assert f"retired key {old_id} (signed " in result.output
    made = checkpoints.latest(session)
    # the tree did not grow, and still the new key signs a checkpoint of it
    assert (made.tree_size, made.root_hash) == (3, signed_by_old.root_hash)
    assert (made.key_id, made.reason) == (new_id, CheckpointReason.MANUAL)
    assert f"checkpoint {made.id}: 3 events, signed by {new_id}" in result.output
    with app.app_context():
        (retired,) = signing.retired_keys()
    assert retired.signed_from == retired.signed_until == signed_by_old.made_at

    shown = runner.invoke(args=["record", "key"])
    assert shown.exit_code == 0, shown.output
    assert f"key id:       {new_id}" in shown.output
    assert "retired keys: 1" in shown.output
    assert f"  {old_id}  {retired.public_b64}  signed " in shown.output

    # with the same key and no growth, a manual checkpoint is still skipped
    again = runner.invoke(args=["record", "checkpoint"])
    assert "nothing to sign" in again.output


def test_verify_trusts_the_current_and_the_retired_keys_and_nothing_else(
    app, session, consultation, key_file
):
    with app.app_context():
        factories.record_events(session, consultation, 4)
        before = checkpoints.make(session, "manual")
        first = session.get(RecordCheckpoint, before.id)
        signing.rotate(first.made_at, first.made_at, datetime.now(UTC))
        factories.record_events(session, consultation, 2)
        after = checkpoints.make(session, "manual")
        assert before.key_id != after.key_id

        report = verify(session, cross_checks=[])
        assert report.ok, list(report.failures)
        assert report.checkpoints == 2

        # without the list of retired keys, the old checkpoint is not trusted
        listing = signing.retired_keys_path()
        saved = listing.read_bytes()
        listing.unlink()
        report = verify(session, cross_checks=[])
        assert not report.ok
        assert report.failures[0] == (
            f"checkpoint {before.id} (4 events): signed by key {before.key_id}, which is "
            "not trusted"
        )
        listing.write_bytes(saved)
        assert verify(session, cross_checks=[]).ok


def test_a_checkpoint_signed_by_an_unknown_key_fails_verify(app, session, consultation, key_file):
    """A key someone slips in (here: a checkpoint signed with a key that is neither the
    current nor a retired one) is named, even though its signature is valid."""
    with app.app_context():
        factories.record_events(session, consultation, 2)
        checkpoints.make(session, "manual")
        factories.record_events(session, consultation, 1)
        stranger = Ed25519PrivateKey.generate()
        public = signing.public_bytes(stranger)
        current = checkpoints.make(session, "manual")  # to copy size, root and time from
        text = checkpoints.text_of(current)
        forged = RecordCheckpoint(
            origin=current.origin,
            tree_size=current.tree_size,
            root_hash=current.root_hash,
            made_at=current.made_at,
            key_id=signing.key_id(public),
            signature=base64.b64encode(stranger.sign(text)).decode(),
            reason=CheckpointReason.MANUAL,
        )
        session.add(forged)
        session.flush()
        report = verify(session, cross_checks=[])
        assert not report.ok
        assert list(report.failures) == [
            f"checkpoint {forged.id} (3 events): signed by key {signing.key_id(public)}, "
            "which is not trusted",
            "1 checkpoint row(s) were added around the record: the head counts 2, the table "
            "holds 3",
        ]
        # the command says so and exits non-zero
    result = app.test_cli_runner().invoke(args=["record", "verify"])
    assert result.exit_code == 1
    assert f"signed by key {signing.key_id(public)}, which is not trusted" in result.output


def test_the_key_page_shows_retired_keys_with_their_period(
    app, client, session, consultation, key_file
):
    with app.app_context():
        factories.record_events(session, consultation, 2)
        old = checkpoints.make(session, "manual", now=datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
        old_public = signing.public_bytes(signing.signing_key())
        signing.rotate(old.made_at, old.made_at, datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
        new = checkpoints.make(session, "manual", now=datetime(2026, 3, 2, 12, 1, tzinfo=UTC))
        new_public = signing.public_bytes(signing.signing_key())
    response = client.get("/bewijs/sleutel", headers={"Accept-Language": "nl"})
    page = response.get_data(as_text=True)
    assert base64.b64encode(new_public).decode() in page
    assert base64.b64encode(old_public).decode() in page
    assert "1 maart 2026, 10:00:00" in page  # the old key signed from (Amsterdam time)
    assert "2 maart 2026, 13:00:00" in page  # and was replaced then
    assert "2 maart 2026, 13:01:00" in page  # the new key is in use since
    assert f"/bewijs/sleutel/{signing.key_id(old_public)}.pem" in page
    old_pem = client.get(f"/bewijs/sleutel/{signing.key_id(old_public)}.pem")
    assert old_pem.status_code == 200
    # both checkpoints' notes are served, each with its own key's hash
    for checkpoint, public in ((old, old_public), (new, new_public)):
        note = client.get(f"/bewijs/controlepunten/{checkpoint.id}.txt").get_data(as_text=True)
        raw = base64.b64decode(note.rsplit(" ", 1)[1])
        assert raw[:4] == signing.note_key_hash("consult.test/record", public)
