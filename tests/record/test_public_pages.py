"""The public face of the record (/bewijs): pages, the Atom feed, notes, keys and proofs.

The data is real: submissions sent through the comment service, their arrival events,
other events, and checkpoints signed with the instance's key. Proofs served as JSON are
checked here again with ``consult.ledger.merkle`` and the Ed25519 key, as an outsider would.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from babel.support import Translations
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from sqlalchemy import select

from consult.db import utcnow
from consult.ledger import checkpoints, merkle, proofs, services, signing
from consult.ledger.models import RecordCheckpoint, RecordEvent
from tests import factories

ATOM = "{http://www.w3.org/2005/Atom}"


def arrival(session, submission) -> RecordEvent:
    """The submission's ``submission_received`` event: the one the comment service wrote,
    or (while it writes none yet) one recorded here the way it will."""
    found = proofs.received_event(session, submission.tracking_code)
    if found is not None:
        return found
    return services.append(
        session,
        kind="submission_received",
        consultation=submission.consultation,
        object_type="submission",
        object_id=submission.tracking_code,
        actor_role="participant",
        payload={"content_hash": submission.content_hash, "stakeholder_group": "parent"},
        occurred_at=submission.received_at,
    )


def text_of(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


CATALOG = Translations.load(str(Path(__file__).parents[2] / "translations"), ["nl"])


def dutch(message: str, **variables) -> str:
    """The Dutch of a msgid as the compiled catalog has it (the msgid itself until it is
    translated); read from the file, so it needs no app context."""
    translated = CATALOG.gettext(message)
    return translated % variables if variables else translated


@pytest.fixture
def world(app, session, consultation):
    """Two submissions with their arrival events among others, and three checkpoints:
    after 3 events, after 7, and after 9; one more submission arrives after the last."""
    with app.app_context():
        first = factories.sent_submission(session, consultation, texts=[("s-1", "Meer hulp.")])
        events = [arrival(session, first)]
        events += factories.record_events(session, consultation, 2)
        early = checkpoints.make(session, "state_change")
        second = factories.sent_submission(session, consultation, texts=[(None, "Korter graag.")])
        events.append(arrival(session, second))
        events += factories.record_events(session, consultation, 3)
        middle = checkpoints.make(session, "hourly")
        events += factories.record_events(session, consultation, 2)
        late = checkpoints.make(session, "manual")
        waiting = factories.sent_submission(session, consultation, texts=[(None, "Later.")])
        waiting_event = arrival(session, waiting)
        session.flush()
        public = signing.public_bytes(signing.signing_key())
    return {
        "submissions": [first, second],
        "waiting": waiting,
        "waiting_event": waiting_event,
        "checkpoints": [early, middle, late],
        "public": public,
    }


# -- /bewijs ----------------------------------------------------------------------------------


def test_the_record_page_shows_the_latest_checkpoint_and_links_on(client, world):
    late = world["checkpoints"][-1]
    response = client.get("/bewijs", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = text_of(response)
    assert f"The record holds {late.tree_size + 1} events." in text  # one arrived since
    assert late.root_hash in page
    assert late.key_id in page
    assert f"/bewijs/controlepunten/{late.id}.txt" in page
    assert 'href="/bewijs/controlepunten"' in page
    assert 'href="/bewijs/sleutel"' in page
    assert 'action="/bewijs/consistentie"' in page
    # autodiscovery of the feed
    assert re.search(
        r'<link rel="alternate" type="application/atom\+xml"[^>]*'
        r'href="/bewijs/controlepunten.atom"',
        page,
    )
    assert response.headers["Cache-Control"] == "private, max-age=60"


def test_the_record_page_in_dutch(client, world):
    response = client.get("/bewijs", headers={"Accept-Language": "nl"})
    page = response.get_data(as_text=True)
    assert '<html lang="nl"' in page
    assert html.escape(dutch("The evidence record"), quote=False) in page


def test_an_empty_record_says_so(client):
    response = client.get("/bewijs", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "No checkpoint has been signed yet." in text_of(response)
    listing = client.get("/bewijs/controlepunten", headers={"Accept-Language": "en"})
    assert listing.status_code == 200
    assert "No checkpoint has been signed yet." in text_of(listing)


def test_the_footer_and_the_consultation_page_link_to_the_record(client, consultation):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/bewijs"' in home
    page = client.get(f"/consultaties/{consultation.slug}").get_data(as_text=True)
    assert page.count('href="/bewijs"') >= 2  # the footer and the facts


# -- checkpoints ------------------------------------------------------------------------------


def test_the_checkpoints_newest_first_with_their_facts(client, world):
    early, middle, late = world["checkpoints"]
    response = client.get("/bewijs/controlepunten", headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    positions = [page.index(f'id="controlepunt-{c.id}"') for c in (late, middle, early)]
    assert positions == sorted(positions)
    for checkpoint in (early, middle, late):
        assert checkpoint.root_hash in page
        assert f"/bewijs/controlepunten/{checkpoint.id}.txt" in page
    text = text_of(response)
    assert "a consultation changed state" in text
    assert "hourly" in text
    assert "by hand, by the administrator" in text
    assert "3 checkpoints in total." in text


def test_the_checkpoint_times_are_dutch_in_amsterdam_time(app, client, session, consultation):
    from datetime import UTC, datetime

    with app.app_context():
        factories.record_events(session, consultation, 1)
        checkpoints.make(session, "manual", now=datetime(2026, 3, 1, 9, 5, 7, tzinfo=UTC))
    text = text_of(client.get("/bewijs/controlepunten", headers={"Accept-Language": "nl"}))
    assert "1 maart 2026, 10:05:07" in text  # CET is UTC+1


def test_the_checkpoint_list_is_paged_by_key(app, client, session, consultation):
    from consult.evidence import views

    with app.app_context():
        made = []
        for _ in range(views.PAGE_SIZE + 3):
            factories.record_events(session, consultation, 1)
            made.append(checkpoints.make(session, "manual"))
    first = client.get("/bewijs/controlepunten", headers={"Accept-Language": "en"})
    page = first.get_data(as_text=True)
    assert page.count('id="controlepunt-') == views.PAGE_SIZE
    assert f'id="controlepunt-{made[-1].id}"' in page
    assert f'id="controlepunt-{made[2].id}"' not in page
    following = re.search(r'rel="next" href="([^"]+)"', page).group(1)
    assert following == f"/bewijs/controlepunten?voor={made[3].id}"
    rest = client.get(html.unescape(following), headers={"Accept-Language": "en"})
    rest_page = rest.get_data(as_text=True)
    assert [int(n) for n in re.findall(r'id="controlepunt-(\d+)"', rest_page)] == [
        made[2].id,
        made[1].id,
        made[0].id,
    ]
    assert 'rel="next"' not in rest_page
    assert "Newest checkpoints" in text_of(rest)


def test_a_checkpoint_note_is_its_signed_note_as_text(client, world):
    late = world["checkpoints"][-1]
    response = client.get(f"/bewijs/controlepunten/{late.id}.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "immutable" in response.headers["Cache-Control"]
    note = response.get_data(as_text=True)
    assert note == checkpoints.note(late, world["public"])
    signed, signature_line = note.split("\n\n")
    assert signed.splitlines()[1] == str(late.tree_size)
    signature = base64.b64decode(signature_line.split(" ")[2])[4:]
    Ed25519PublicKey.from_public_bytes(world["public"]).verify(signature, (signed + "\n").encode())
    assert client.get("/bewijs/controlepunten/999999.txt").status_code == 404


# -- the Atom feed ----------------------------------------------------------------------------


def test_the_feed_is_atom_with_each_signed_note(client, world):
    response = client.get("/bewijs/controlepunten.atom", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    assert response.headers["Cache-Control"].startswith("public")
    feed = ElementTree.fromstring(response.get_data())  # noqa: S314 - our own feed
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}").text
    # the same feed for everyone, in Dutch, whatever the reader's language
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "nl"
    assert feed.find(f"{ATOM}title").text == dutch("Consult evidence record: signed checkpoints")
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "Consult"
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link.get("href") == "http://consult.test/bewijs/controlepunten.atom"
    entries = feed.findall(f"{ATOM}entry")
    late = world["checkpoints"][-1]
    assert len(entries) == 3
    newest = entries[0]
    for required in ("id", "title", "updated", "content"):
        assert newest.find(f"{ATOM}{required}").text
    assert newest.find(f"{ATOM}content").get("type") == "text"
    assert newest.find(f"{ATOM}content").text == checkpoints.note(late, world["public"])
    assert (
        newest.find(f"{ATOM}link[@rel='alternate']")
        .get("href")
        .endswith(f"/bewijs/controlepunten/{late.id}.txt")
    )
    assert feed.find(f"{ATOM}updated").text == newest.find(f"{ATOM}updated").text


def test_the_feed_holds_the_latest_hundred(app, client, session, consultation):
    with app.app_context():
        for _ in range(103):
            factories.record_events(session, consultation, 1)
            checkpoints.make(session, "manual")
    feed = ElementTree.fromstring(  # noqa: S314 - our own feed
        client.get("/bewijs/controlepunten.atom").get_data()
    )
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 100
    sizes = [int(e.find(f"{ATOM}content").text.splitlines()[1]) for e in entries]
    assert sizes == list(range(103, 3, -1))


def test_an_empty_feed_is_still_valid_atom(client):
    feed = ElementTree.fromstring(  # noqa: S314 - our own feed
        client.get("/bewijs/controlepunten.atom").get_data()
    )
    assert feed.find(f"{ATOM}updated").text
    assert feed.findall(f"{ATOM}entry") == []


# -- keys -------------------------------------------------------------------------------------


def test_the_key_page_shows_the_current_key_in_every_form(client, world):
    public = world["public"]
    response = client.get("/bewijs/sleutel", headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert base64.b64encode(public).decode() in page
    assert signing.key_id(public) in page
    assert html.escape(signing.verifier_key("consult.test/record", public)) in page
    assert "None: we have always signed with the key above." in text_of(response)
    pem = client.get("/bewijs/sleutel.pem")
    assert pem.status_code == 200
    assert "attachment" in pem.headers["Content-Disposition"]
    loaded = load_pem_public_key(pem.get_data())
    assert signing.public_bytes(loaded) == public
    by_id = client.get(f"/bewijs/sleutel/{signing.key_id(public)}.pem")
    assert by_id.get_data() == pem.get_data()
    assert client.get("/bewijs/sleutel/0000000000000000.pem").status_code == 404


# -- consistency proofs -----------------------------------------------------------------------


def test_a_consistency_proof_between_two_checkpoints_verifies(client, world):
    early, _middle, late = world["checkpoints"]
    response = client.get(f"/bewijs/consistentie.json?van={early.tree_size}&tot={late.tree_size}")
    assert response.status_code == 200
    proof = response.get_json()
    assert proof["verified"] is True
    assert proof["first"]["root_hash"] == early.root_hash
    assert proof["second"]["root_hash"] == late.root_hash
    assert merkle.verify_consistency(
        early.tree_size,
        late.tree_size,
        bytes.fromhex(early.root_hash),
        bytes.fromhex(late.root_hash),
        [bytes.fromhex(h) for h in proof["proof"]],
    )
    public = base64.b64decode(proof["public_keys"][late.key_id]["public_key"])
    assert public == world["public"]
    for side, checkpoint in (("first", early), ("second", late)):
        assert proof[side]["note"] == checkpoints.note(checkpoint, public)
    # the same by content negotiation
    negotiated = client.get(
        f"/bewijs/consistentie?van={early.tree_size}&tot={late.tree_size}",
        headers={"Accept": "application/json"},
    )
    assert negotiated.get_json() == proof
    assert "Accept" in negotiated.headers["Vary"]


def test_the_consistency_page_shows_both_roots_and_the_check(client, session, world):
    early, middle, _late = world["checkpoints"]
    response = client.get(
        f"/bewijs/consistentie?van={early.tree_size}&tot={middle.tree_size}",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert early.root_hash in page
    assert middle.root_hash in page
    assert "Checked on our server: correct." in text_of(response)
    for node in proofs.consistency_path(session, early.tree_size, middle.tree_size):
        assert node in page
    assert f"/bewijs/consistentie.json?van={early.tree_size}&amp;tot={middle.tree_size}" in page


def test_the_consistency_form_alone(client, world):
    response = client.get("/bewijs/consistentie", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    early, _middle, late = world["checkpoints"]
    assert f'name="van" value="{early.tree_size}"' in page
    assert f'name="tot" value="{late.tree_size}"' in page


NOT_NUMBERS = (
    "Fill in two numbers of events, as whole numbers (such as 12 and 40). You find them in "
    "the list of checkpoints."
)
WRONG_ORDER = (
    "The first number (%(first)s) is larger than the second (%(second)s). Put the smaller, "
    "older checkpoint first."
)
BEYOND = (
    "The record has no signed checkpoint of %(size)s events or more yet. The latest "
    "checkpoint has %(latest)s events."
)
NOT_EMPTY = "The first number must be 1 or more: an empty record needs no proof."


@pytest.mark.parametrize(
    ("query", "status", "msgid", "variables", "field"),
    [
        ("van=drie&tot=9", 400, NOT_NUMBERS, {}, "van"),
        ("van=3", 400, NOT_NUMBERS, {}, "tot"),
        ("van=-3&tot=9", 400, NOT_NUMBERS, {}, "van"),
        ("van=9&tot=3", 422, WRONG_ORDER, {"first": 9, "second": 3}, "van"),
        ("van=3&tot=99999", 422, BEYOND, {"size": 99999, "latest": None}, "tot"),
        ("van=0&tot=3", 422, NOT_EMPTY, {}, "van"),
    ],
)
@pytest.mark.parametrize("language", ["en", "nl"])
def test_bad_consistency_input_is_explained(
    client, world, query, status, msgid, variables, field, language
):
    if "latest" in variables:
        variables = {**variables, "latest": world["checkpoints"][-1].tree_size}
    expected = msgid % variables if language == "en" else dutch(msgid, **variables)
    page = client.get(f"/bewijs/consistentie?{query}", headers={"Accept-Language": language})
    assert page.status_code == status
    body = page.get_data(as_text=True)
    assert f'<html lang="{language}"' in body
    assert " ".join(expected.split()) in " ".join(text_of(page).split())
    assert re.search(rf'id="consistency-{field}" name="{field}"[^>]*aria-invalid="true"', body)
    other = "tot" if field == "van" else "van"
    assert not re.search(rf'id="consistency-{other}" name="{other}"[^>]*aria-invalid', body)
    as_json = client.get(
        f"/bewijs/consistentie.json?{query}", headers={"Accept-Language": language}
    )
    assert as_json.status_code == status
    assert as_json.get_json() == {"error": {"status": status, "message": expected}}
    assert as_json.headers["Cache-Control"] == "no-store"


# -- inclusion proofs -------------------------------------------------------------------------


def verify_inclusion_json(proof: dict, tracking_code: str) -> None:
    """Check a served inclusion proof as an outsider would, trusting none of its verdicts."""
    entry = base64.b64decode(proof["event"]["canonical_b64"])
    body = json.loads(entry)
    assert body["kind"] == "submission_received"
    assert body["object"] == {"type": "submission", "id": tracking_code}
    leaf = merkle.leaf_hash(entry)
    assert leaf.hex() == proof["event"]["leaf_hash"]
    checkpoint = proof["checkpoint"]
    note = checkpoint["note"]
    signed, signature_line = note.split("\n\n")
    origin, size, root_b64, time_line = signed.splitlines()
    root = base64.b64decode(root_b64)
    assert int(size) == proof["inclusion"]["tree_size"] == checkpoint["tree_size"]
    assert root.hex() == checkpoint["root_hash"]
    assert merkle.verify_inclusion(
        proof["inclusion"]["leaf_index"],
        int(size),
        leaf,
        [bytes.fromhex(h) for h in proof["inclusion"]["audit_path"]],
        root,
    )
    public = base64.b64decode(proof["public_key"]["public_key"])
    raw = base64.b64decode(signature_line.split(" ")[2])
    assert raw[:4] == signing.note_key_hash(origin, public)
    Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], (signed + "\n").encode())
    assert time_line.startswith("time ")


def test_the_inclusion_proof_of_a_submission_verifies(client, world):
    first, second = world["submissions"]
    for submission in (first, second):
        response = client.get(f"/bewijs/opname/{submission.tracking_code}.json")
        assert response.status_code == 200
        proof = response.get_json()
        assert proof["status"] == "included"
        assert proof["verified"] is True
        assert proof["checkpoint"]["id"] == world["checkpoints"][-1].id
        verify_inclusion_json(proof, submission.tracking_code)
        assert (
            json.loads(base64.b64decode(proof["event"]["canonical_b64"]))["payload"]["content_hash"]
            == submission.content_hash
        )


def test_a_code_as_people_type_it_finds_the_proof(client, world):
    code = world["submissions"][0].tracking_code
    typed = f"{code[:4].lower()}-{code[4:8]}-{code[8:]}"
    proof = client.get(f"/bewijs/opname/{typed}.json").get_json()
    assert proof["object"]["id"] == code


def test_a_submission_not_yet_in_a_checkpoint_says_when_it_will_be(client, world):
    late = world["checkpoints"][-1]
    response = client.get(f"/bewijs/opname/{world['waiting'].tracking_code}.json")
    assert response.status_code == 200
    proof = response.get_json()
    assert proof["status"] == "pending"
    assert "inclusion" not in proof
    assert proof["event"]["leaf_index"] == world["waiting_event"].leaf_index
    expected = max(utcnow(), late.made_at + checkpoints.REGULAR) + timedelta(
        seconds=proofs.CLOCK_SLACK_SECONDS
    )
    from datetime import datetime

    said = datetime.fromisoformat(proof["expected_by"])
    assert abs((said - expected).total_seconds()) < 60


@pytest.mark.parametrize("code", ["ABCD-EFGH-JKLM", "not-a-code", "0000-0000-0000"])
@pytest.mark.parametrize("language", ["en", "nl"])
def test_an_unknown_code_is_a_clear_404(client, world, code, language):
    response = client.get(f"/bewijs/opname/{code}.json", headers={"Accept-Language": language})
    assert response.status_code == 404
    message = "The record holds no submission with this code. Check the code on your receipt."
    expected = message if language == "en" else dutch(message)
    assert response.get_json() == {"error": {"status": 404, "message": expected}}


def test_the_proof_service_and_the_stored_tree_agree(app, session, world):
    """The batched node reads give the same paths as the record's own proof functions."""
    with app.app_context():
        for event in session.scalars(select(RecordEvent).order_by(RecordEvent.leaf_index)):
            for checkpoint in world["checkpoints"]:
                if event.leaf_index < checkpoint.tree_size:
                    assert proofs.inclusion_path(
                        session, event, checkpoint.tree_size
                    ) == services.inclusion_proof(session, event, checkpoint.tree_size)
        sizes = [c.tree_size for c in session.scalars(select(RecordCheckpoint))]
        for first in sizes:
            for second in sizes:
                if first <= second:
                    assert proofs.consistency_path(
                        session, first, second
                    ) == services.consistency_proof(session, first, second)


# -- the receipt and status pages -------------------------------------------------------------


def test_the_receipt_shows_the_proof_for_the_browser_to_check(client, world):
    submission = world["submissions"][1]
    with client.session_transaction() as browser_session:
        browser_session["consult_receipts"] = [submission.tracking_code]
    response = client.get(
        f"/ontvangst/{submission.tracking_code}/bewijs", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Proof of receipt in the record" in page
    assert '<script src="/static/js/record-proof.js" defer></script>' in page
    data = re.search(r"data-record-proof='([^']+)'", page).group(1)
    proof = json.loads(html.unescape(data))
    verify_inclusion_json(proof, submission.tracking_code)
    assert f'data-tracking-code="{submission.tracking_code}"' in page
    assert f'data-content-hash="{submission.content_hash}"' in page
    text = text_of(response)
    assert "Your browser has not checked this proof" in text  # until the script runs
    assert "Check it yourself" in text
    assert world["checkpoints"][-1].root_hash in page
    for node in proof["inclusion"]["audit_path"]:
        assert node in page


def test_the_status_page_shows_the_proof_too(client, world):
    submission = world["submissions"][0]
    response = client.get(f"/ontvangst/{submission.tracking_code}")
    page = response.get_data(as_text=True)
    assert "data-record-proof=" in page
    assert "record-proof.js" in page


def test_a_receipt_not_yet_in_a_checkpoint_says_when(client, world):
    response = client.get(
        f"/ontvangst/{world['waiting'].tracking_code}", headers={"Accept-Language": "en"}
    )
    text = " ".join(text_of(response).split())
    assert "We sign new events within a minute. By " in text
    assert "data-record-proof=" not in response.get_data(as_text=True)


def test_the_openssl_steps_on_the_record_page_check_a_signature(client, world, tmp_path):
    """The commands the page gives, run as shown (the downloads done by the test client).
    OpenSSL is part of every Debian system this runs on; its absence is a failure."""
    assert shutil.which("openssl"), "the openssl command is needed to check the page's steps"
    page = client.get("/bewijs").get_data(as_text=True)
    commands = html.unescape(
        re.search(r'<pre class="consult-record-note">(.*?)</pre>', page, re.S).group(1)
    )
    late = world["checkpoints"][-1]
    (tmp_path / "key.pem").write_bytes(client.get("/bewijs/sleutel.pem").get_data())
    (tmp_path / "note.txt").write_bytes(
        client.get(f"/bewijs/controlepunten/{late.id}.txt").get_data()
    )
    steps = [line for line in commands.splitlines() if not line.startswith("curl ")]
    assert len(steps) == 3
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(steps)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Signature Verified Successfully" in result.stdout
    # and a changed note fails
    note = (tmp_path / "note.txt").read_text()
    (tmp_path / "note.txt").write_text(
        note.replace(f"\n{late.tree_size}\n", f"\n{late.tree_size + 1}\n", 1)
    )
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(steps)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "Signature Verification Failure" in result.stdout + result.stderr


def test_trying_codes_for_proofs_is_limited_with_the_receipt_lookups(app, client, monkeypatch):
    """The proof of a code tells whether it exists, like the status page: one limit for both."""
    from consult.comments import codes

    monkeypatch.setitem(app.config, "RATELIMIT_RECEIPT_LOOKUP", "3 per minute")
    statuses = [
        client.get(f"/bewijs/opname/{codes.new_tracking_code()}.json").status_code,
        client.get(f"/ontvangst/{codes.new_tracking_code()}").status_code,
        client.get(f"/bewijs/opname/{codes.new_tracking_code()}.json").status_code,
        client.get(f"/bewijs/opname/{codes.new_tracking_code()}.json").status_code,
    ]
    assert statuses == [404, 404, 404, 429]
    # reading the record itself is not limited
    assert all(client.get("/bewijs/controlepunten.atom").status_code == 200 for _ in range(5))


def test_a_damaged_tree_never_breaks_the_receipt(client, session, world):
    """Someone deleted the stored tree's nodes: the status page still works and says the
    proof cannot be made now (``consult record verify`` names the damage)."""
    from sqlalchemy import delete

    from consult.ledger.models import RecordNode
    from tests.record.conftest import tampering

    with tampering(session):
        session.execute(delete(RecordNode))
    code = world["submissions"][0].tracking_code
    response = client.get(f"/ontvangst/{code}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "We cannot make the proof right now." in text_of(response)
    assert "data-record-proof=" not in response.get_data(as_text=True)
    proof = client.get(f"/bewijs/opname/{code}.json").get_json()
    assert (proof["status"], proof["verified"]) == ("unavailable", False)
    early, _middle, late = world["checkpoints"]
    consistency = client.get(
        f"/bewijs/consistentie.json?van={early.tree_size}&tot={late.tree_size}",
        headers={"Accept-Language": "en"},
    )
    assert consistency.status_code == 503
    assert consistency.get_json()["error"]["message"] == (
        "We cannot make this proof right now. Try again later."
    )
