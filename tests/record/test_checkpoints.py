"""The signing key and the signed checkpoints."""

from __future__ import annotations

import base64
import hashlib
import re
import stat
import threading
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from consult.consultations import lifecycle
from consult.ledger import checkpoints, merkle, signing
from consult.ledger.models import CheckpointReason
from tests import factories


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    path = tmp_path / "keys" / "record_signing_key"
    monkeypatch.setenv("CONSULT_RECORD_KEY_PATH", str(path))
    return path


def test_the_key_is_made_once_private_and_kept(app, key_file):
    with app.app_context():
        assert signing.trusted_keys() == {}  # verifying alone never makes a key
        assert not key_file.exists()
        key = signing.signing_key()
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert key_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        public = signing.public_bytes(key)
        assert base64.b64decode(signing.public_key_b64()) == public
        assert signing.current_key_id() == hashlib.sha256(public).hexdigest()[:16]
        assert signing.trusted_keys() == {signing.current_key_id(): public}
        signing._keys.clear()  # a restarted process reads the same key back
        assert signing.public_bytes(signing.signing_key()) == public


def test_two_processes_starting_at_once_share_one_key(key_file):
    keys = []
    start = threading.Barrier(8)

    def first_use() -> None:
        start.wait(timeout=10)
        keys.append(signing.public_bytes(signing.load_or_create(key_file)))

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1
    assert [p.name for p in key_file.parent.iterdir()] == ["record_signing_key"]


def test_a_raw_seed_works_and_a_broken_file_says_which(app, key_file):
    key_file.parent.mkdir(parents=True)
    key_file.write_bytes(bytes(range(32)))
    with app.app_context():
        assert len(signing.public_bytes(signing.signing_key())) == 32
    signing._keys.clear()
    key_file.write_bytes(b"not a key at all, just text that is longer")
    with app.app_context(), pytest.raises(signing.SigningKeyError, match=str(key_file)):
        signing.signing_key()
    signing._keys.clear()


def test_a_checkpoint_signs_the_size_root_and_time(session, consultation, in_app):
    events = factories.record_events(session, consultation, 5)
    moment = datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)
    made = checkpoints.make(session, CheckpointReason.STATE_CHANGE, now=moment)
    root = merkle.root([bytes.fromhex(e.leaf_hash) for e in events])
    assert (made.tree_size, made.root_hash, made.reason) == (
        5,
        root.hex(),
        CheckpointReason.STATE_CHANGE,
    )
    assert made.origin == "consult.test/record"
    assert made.made_at == datetime(2026, 3, 1, 10, 0, 0, 123000, tzinfo=UTC)
    text = checkpoints.text_of(made)
    assert text == (
        b"consult.test/record\n5\n" + base64.b64encode(root) + b"\ntime 2026-03-01T10:00:00.123Z\n"
    )
    public = signing.trusted_keys()[made.key_id]
    Ed25519PublicKey.from_public_bytes(public).verify(base64.b64decode(made.signature), text)
    assert checkpoints.signature_valid(made, signing.trusted_keys())
    assert not checkpoints.signature_valid(made, {})


def test_the_signed_note_checks_with_the_verifier_key(session, consultation, in_app):
    factories.record_events(session, consultation, 3)
    made = checkpoints.make(session, "manual")
    public = signing.trusted_keys()[made.key_id]
    note = checkpoints.note(made, public)
    body, signature_line = note.split("\n\n")
    assert body.encode() + b"\n" == checkpoints.text_of(made)
    dash, name, encoded = signature_line.strip().split(" ")
    assert (dash, name) == ("\u2014", "consult.test/record")
    raw = base64.b64decode(encoded)
    verifier_name, key_hash, key = signing.verifier_key(name, public).split("+", 2)
    assert (verifier_name, key_hash) == (name, raw[:4].hex())
    assert base64.b64decode(key) == b"\x01" + public
    Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], body.encode() + b"\n")


def test_when_a_checkpoint_is_made_or_skipped(session, consultation, in_app):
    assert checkpoints.make(session, "state_change") is None  # an empty tree
    factories.record_events(session, consultation, 2)
    first = checkpoints.make(session, "hourly")
    assert first.tree_size == 2
    assert checkpoints.make(session, "hourly") is None  # the tree did not grow
    assert checkpoints.make(session, "manual") is None
    again = checkpoints.make(session, "state_change")  # a state change is always signed
    assert (again.tree_size, again.root_hash) == (2, first.root_hash)
    factories.record_events(session, consultation, 1)
    assert checkpoints.make(session, "manual").tree_size == 3
    assert checkpoints.latest(session).tree_size == 3


def test_a_regular_checkpoint_is_due_within_a_minute_of_growth(session, in_app):
    """Every new leaf is signed within a minute, open consultation or not: the tree grew
    and the latest checkpoint is half a minute old."""
    now = datetime.now(UTC)
    closed = factories.consultation(session, state="closed", opens_in_days=-40, closes_in_days=-1)
    factories.record_events(session, closed, 1)
    assert checkpoints.hourly_due(session, now)  # never signed yet, nothing open: due
    checkpoints.make(session, "hourly", now=now)
    assert not checkpoints.hourly_due(session, now + timedelta(hours=2))  # no growth
    factories.record_events(session, closed, 1)
    assert not checkpoints.hourly_due(session, now + timedelta(seconds=29))
    assert checkpoints.hourly_due(session, now + timedelta(seconds=30))


def test_the_clock_signs_new_leaves_whether_or_not_a_consultation_is_open(session, in_app):
    now = datetime.now(UTC)
    closed = factories.consultation(session, state="closed", opens_in_days=-40, closes_in_days=-1)
    factories.record_events(session, closed, 1)
    made = lifecycle.advance(session, now).hourly_checkpoint
    assert made is not None
    assert made.tree_size == 1
    assert lifecycle.advance(session, now + timedelta(minutes=5)).hourly_checkpoint is None


def test_the_commands_sign_a_checkpoint_and_show_the_key(app, session, consultation):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["record", "checkpoint"])
    assert result.exit_code == 0, result.output
    assert "nothing to sign: the record is empty or did not grow" in result.output
    factories.record_events(session, consultation, 2)
    result = runner.invoke(args=["record", "checkpoint"])
    assert result.exit_code == 0, result.output
    assert re.search(r"checkpoint \d+: 2 events, root [0-9a-f]{64}", result.output)

    result = runner.invoke(args=["record", "key"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        public = signing.public_key_b64()
        key_id = signing.current_key_id()
    assert f"key id:       {key_id}" in result.output
    assert f"public key:   {public} (Ed25519, base64)" in result.output
    assert "note key:     consult.test/record+" in result.output
