"""``consult record monitor URL``: following a Consult's log over its C2SP tiles.

The monitor reads the platform only over HTTP (here through the app's test client): green
on an honest log, run after run; it names a changed leaf, a rewritten history signed with
the same key (a fork), a cut history, and a checkpoint not signed by the pinned key.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text, update

from consult.evidence import monitor
from consult.ledger import checkpoints, signing
from consult.ledger.models import CheckpointReason, RecordEvent, RecordNode
from tests import factories
from tests.record.conftest import tampering

URL = "http://localhost/bewijs/log"


@pytest.fixture
def fetch(client):
    def get(url: str) -> tuple[int, bytes]:
        response = client.get(urlsplit(url).path)
        return response.status_code, response.data

    return get


def _grow(app, session, consultation, count: int) -> None:
    with app.app_context():
        factories.record_events(session, consultation, count)
        checkpoints.make(session, CheckpointReason.MANUAL)
    session.flush()


def test_an_honest_log_is_green_run_after_run(app, session, consultation, fetch, tmp_path):
    state = tmp_path / "state.json"
    _grow(app, session, consultation, 300)  # a full tile and a partial one
    first = monitor.run(URL, state, fetch=fetch)
    assert first.ok, first.summary
    assert first.summary.startswith(f"OK {checkpoints.log_origin(session)}: 300 leaves")
    # Trust on first use, said plainly, and pinned.
    assert any("trusting the key the site serves, on first use" in n for n in first.notes)
    saved = json.loads(state.read_text())
    with app.app_context():
        public = signing.public_bytes(signing.signing_key())
    assert saved["verifier_key"] == signing.verifier_key(saved["note"].split("\n")[0], public)
    assert saved["tree_size"] == 300

    _grow(app, session, consultation, 230)  # the partial tile fills, a new one starts
    second = monitor.run(URL, state, fetch=fetch)
    assert second.ok, second.summary
    assert "530 leaves (230 new checked" in second.summary
    assert "consistent with the 300 seen before" in second.summary
    assert not second.notes  # the key is pinned now: no trust on first use again

    again = monitor.run(URL, state, fetch=fetch)  # nothing new
    assert again.ok, again.summary


def test_a_changed_leaf_is_named(app, session, consultation, fetch, tmp_path):
    state = tmp_path / "state.json"
    _grow(app, session, consultation, 10)
    assert monitor.run(URL, state, fetch=fetch).ok
    _grow(app, session, consultation, 5)
    with tampering(session):
        session.execute(
            update(RecordEvent).where(RecordEvent.leaf_index == 12).values(payload={"number": 99})
        )
    outcome = monitor.run(URL, state, fetch=fetch)
    assert not outcome.ok
    assert "leaf 12 does not match: its entry does not hash to the leaf hash" in outcome.summary
    assert json.loads(state.read_text())["tree_size"] == 10  # the state is not moved on


def _rewrite(session, app, consultation, count: int) -> None:
    """The operator, with the database and the key, starts the log over with another
    history (as a second instance on a rewritten database would), signed by the same key."""
    with tampering(session):
        for table in ("record_promises", "record_checkpoints", "record_nodes", "record_events"):
            session.execute(text(f"DELETE FROM {table}"))
        session.execute(
            text("UPDATE record_head SET tree_size = 0, frontier = '[]', checkpoint_count = 0")
        )
    with app.app_context():
        factories.record_events(session, consultation, count, kind="comment_withdrawn")
        checkpoints.make(session, CheckpointReason.MANUAL)
    session.flush()


def test_a_rewritten_history_with_the_same_key_is_a_fork(
    app, session, consultation, fetch, tmp_path
):
    state = tmp_path / "state.json"
    _grow(app, session, consultation, 20)
    assert monitor.run(URL, state, fetch=fetch).ok
    _rewrite(session, app, consultation, 40)
    outcome = monitor.run(URL, state, fetch=fetch)
    assert not outcome.ok
    assert "fork" in outcome.summary
    assert "seen before, have other hashes now" in outcome.summary


def test_a_rewritten_history_after_a_full_tile_is_a_fork(
    app, session, consultation, fetch, tmp_path
):
    """Seen: exactly one full tile (nothing partial kept); the rewrite shows in the root."""
    state = tmp_path / "state.json"
    _grow(app, session, consultation, 256)
    assert monitor.run(URL, state, fetch=fetch).ok
    _rewrite(session, app, consultation, 260)
    outcome = monitor.run(URL, state, fetch=fetch)
    assert not outcome.ok
    assert "fork: the signed checkpoint of 260 leaves does not extend the 256" in outcome.summary


def test_a_cut_history_is_a_fork(app, session, consultation, fetch, tmp_path):
    state = tmp_path / "state.json"
    _grow(app, session, consultation, 20)
    assert monitor.run(URL, state, fetch=fetch).ok
    _rewrite(session, app, consultation, 5)
    outcome = monitor.run(URL, state, fetch=fetch)
    assert not outcome.ok
    assert "fork: the log now shows 5 leaves, but it showed 20 before" in outcome.summary


def test_a_checkpoint_not_signed_by_the_given_key_is_refused(
    app, session, consultation, fetch, tmp_path
):
    _grow(app, session, consultation, 3)
    origin = checkpoints.log_origin(session)
    stranger = signing.public_bytes(Ed25519PrivateKey.generate())
    outcome = monitor.run(
        URL, tmp_path / "s.json", key=signing.verifier_key(origin, stranger), fetch=fetch
    )
    assert not outcome.ok
    assert "not signed by the trusted key" in outcome.summary
    assert not (tmp_path / "s.json").exists()


def test_a_broken_signature_is_named():
    origin = "consult.example/record"
    key = Ed25519PrivateKey.generate()
    public = signing.public_bytes(key)
    body = f"{origin}\n1\n{base64.b64encode(bytes(32)).decode()}\n".encode()
    signature = key.sign(body + b"x")  # over other bytes
    line = base64.b64encode(signing.note_key_hash(origin, public) + signature).decode()
    note = body + f"\n\u2014 {origin} {line}\n".encode()
    checkpoint = monitor.parse_checkpoint(note)
    with pytest.raises(monitor.Problem, match="bad signature"):
        monitor.check_signature(checkpoint, origin, public)


def test_the_command_exits_0_with_one_line_or_1_with_what_is_wrong(
    app, session, consultation, fetch, tmp_path, monkeypatch
):
    monkeypatch.setattr(monitor, "http_fetch", fetch)
    _grow(app, session, consultation, 4)
    runner = app.test_cli_runner()
    state = str(tmp_path / "state.json")
    result = runner.invoke(args=["record", "monitor", URL, "--state", state])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().startswith("OK ")
    assert len(result.stdout.strip().splitlines()) == 1
    assert "on first use" in result.stderr
    _rewrite(session, app, consultation, 2)
    result = runner.invoke(args=["record", "monitor", URL, "--state", state])
    assert result.exit_code == 1
    assert "FAILED" in result.stderr
    assert "fork" in result.stderr


def test_a_level_1_tile_that_does_not_match_its_leaves_is_named(
    app, session, consultation, fetch, tmp_path
):
    _grow(app, session, consultation, 300)
    with tampering(session):
        session.execute(
            update(RecordNode)
            .where(RecordNode.level == 8, RecordNode.position == 0)
            .values(hash="ab" * 32)
        )
    outcome = monitor.run(URL, tmp_path / "s.json", fetch=fetch)
    assert not outcome.ok
    assert "hash tile 1/000.p/1 does not match: its hash 0 is not the root" in outcome.summary
