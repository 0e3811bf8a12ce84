"""The /bewijs pages, the signed notes and the receipt's proof carry the cosignatures."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess

import pytest

from consult.db import utcnow
from consult.ledger import checkpoints, proofs
from tests import factories
from tests.witness.conftest import NAMES
from tests.witness.conftest import sign as _sign
from tests.witness.helpers import independent_cosignature_check


@pytest.fixture
def cosigned(app, session, consultation, two):
    with app.app_context():
        return _sign(session, consultation, 3)


def test_the_checkpoint_pages_say_who_cosigned(client, two, cosigned):
    page = client.get("/bewijs/controlepunten", headers={"Accept-Language": "en"})
    text = " ".join(html.unescape(page.get_data(as_text=True)).split())
    assert "Cosigned by witnesses" in text
    for name in NAMES:
        assert name in text
    index = html.unescape(client.get("/bewijs", headers={"Accept-Language": "en"}).get_data(True))
    assert "Witnesses" in index
    for name in NAMES:
        assert two.vkey(name) in index  # the keys to check the cosignatures with


def test_a_checkpoint_not_cosigned_says_so(app, client, session, consultation, two, monkeypatch):
    down = [(vkey, "http://127.0.0.1:9") for vkey, _url in two.config]
    monkeypatch.setitem(app.config, "WITNESSES", down)
    with app.app_context():
        made = _sign(session, consultation)
    page = client.get("/bewijs/controlepunten", headers={"Accept-Language": "en"})
    assert "Not (yet): a witness cosigns a checkpoint within minutes" in page.get_data(True)
    note = client.get(f"/bewijs/controlepunten/{made.id}.txt")
    assert note.get_data(as_text=True).count("\u2014 ") == 1
    assert note.headers["Cache-Control"] == "public, max-age=60"  # lines may still come


def test_the_note_carries_the_cosignature_lines(client, two, cosigned, tmp_path):
    response = client.get(f"/bewijs/controlepunten/{cosigned.id}.txt")
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    note = response.get_data(as_text=True)
    body, _blank, lines = note.partition("\n\n")
    assert (body + "\n").encode() == checkpoints.text_of(cosigned)
    signature_lines = lines.splitlines(keepends=True)
    assert signature_lines[0].startswith(f"\u2014 {cosigned.origin} ")
    found = {line.split(" ")[1]: line for line in signature_lines[1:]}
    assert set(found) == set(NAMES)
    for name, line in found.items():
        independent_cosignature_check(two.vkey(name), checkpoints.text_of(cosigned), line)
    # The Atom feed's entry is the same note.
    feed = html.unescape(client.get("/bewijs/controlepunten.atom").get_data(as_text=True))
    assert note in feed
    # The record page's OpenSSL steps still check the log's own signature in it.
    assert shutil.which("openssl")
    page = client.get("/bewijs").get_data(as_text=True)
    commands = html.unescape(
        re.search(r'<pre class="consult-record-note">(.*?)</pre>', page, re.S).group(1)
    )
    (tmp_path / "key.pem").write_bytes(client.get("/bewijs/sleutel.pem").get_data())
    (tmp_path / "note.txt").write_text(note)
    steps = [line for line in commands.splitlines() if not line.startswith("curl ")]
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(steps)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Signature Verified Successfully" in done.stdout, done.stderr


def test_the_receipt_proof_prefers_a_cosigned_checkpoint(
    app, client, session, consultation, two, monkeypatch
):
    with app.app_context():
        submission = factories.sent_submission(session, consultation, texts=[(None, "Graag.")])
        event = proofs.received_event(session, submission.tracking_code)
        assert event is not None
        witnessed = _sign(session, consultation, 1)
        # The witnesses are away: a later checkpoint has no cosignatures.
        monkeypatch.setitem(app.config, "WITNESSES", [])
        factories.record_events(session, consultation, 2)
        later = checkpoints.make(session, "manual", now=utcnow())
        session.commit()
    assert later.tree_size > witnessed.tree_size > event.leaf_index
    proof = client.get(f"/bewijs/opname/{submission.tracking_code}.json").get_json()
    assert proof["verified"] is True
    assert proof["checkpoint"]["tree_size"] == witnessed.tree_size
    cosignatures = proof["checkpoint"]["cosignatures"]
    assert sorted(c["witness"] for c in cosignatures) == sorted(NAMES)
    for entry in cosignatures:
        assert entry["line"] in proof["checkpoint"]["note"]
        independent_cosignature_check(entry["vkey"], checkpoints.text_of(witnessed), entry["line"])
    # The receipt page hands the same proof to the browser, with the sentence to say.
    with client.session_transaction() as browser_session:
        browser_session["consult_receipts"] = [submission.tracking_code]
    page = client.get(
        f"/ontvangst/{submission.tracking_code}/bewijs", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    data = json.loads(html.unescape(re.search(r"data-record-proof='([^']+)'", page).group(1)))
    assert data["checkpoint"]["tree_size"] == witnessed.tree_size
    assert "independent witness(es) signed this checkpoint too" in html.unescape(page)
