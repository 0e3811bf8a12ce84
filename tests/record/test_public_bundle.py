"""The public evidence bundle: anyone may download it once a consultation has closed, it
holds only what is public, and its own ``verify.py`` passes on it.

The world (:mod:`tests.record.bundle_world`) has a comment without consent to publish, a
hidden one, a withdrawn one, a 12-15-year-old's, and e-mail addresses behind them all.
"""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import update

from consult.comments.models import Comment, Submission
from consult.consultations.models import ConsultationState
from consult.evidence import bundle
from consult.ledger import services, tiles
from consult.ledger.models import EventKind
from tests import factories
from tests.record import bundle_world
from tests.record.conftest import tampering
from tests.record.test_bundle import run_verifier, unzip
from tests.responses import report_world


def _url(consultation) -> str:
    return f"/consultaties/{consultation.slug}/bewijsbundel/openbaar.zip"


def _all_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(
            archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
        )


def test_anyone_downloads_the_public_bundle_of_a_closed_consultation(
    app, session, client, tmp_path
):
    with app.app_context():
        world = bundle_world.build(session)
        # An arrival of the old format (before issue 16: the age band in the open), of a
        # submission nothing of which is public: the public bundle leaves its body out.
        secret = report_world_submission(session, world)
        old_arrival = services.append(
            session,
            kind=EventKind.SUBMISSION_RECEIVED,
            consultation=world.consultation,
            object_type="submission",
            object_id=secret.tracking_code,
            actor_role="participant",
            payload={"content_hash": secret.content_hash, "age_band": "12_15"},
        )
    consultation = world.consultation
    assert consultation.state in (
        ConsultationState.CLOSED,
        ConsultationState.ANSWERED,
        ConsultationState.REPORT_PUBLISHED,
    )
    page = client.get(f"/consultaties/{consultation.slug}").get_data(as_text=True)
    assert f'href="{_url(consultation)}"' in page

    response = client.get(_url(consultation))  # nobody logged in
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    data = response.data

    # Only public data: no hidden, unpublished or withdrawn text, no e-mail address.
    text = _all_text(data)
    for private in (
        report_world.SECRET_TEXT,
        report_world.HIDDEN_TEXT,
        report_world.WITHDRAWN_TEXT,
        *report_world.EMAILS,
    ):
        assert private not in text, private
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        events = [json.loads(line) for line in archive.read("events.jsonl").splitlines()]
        openings = [json.loads(line) for line in archive.read("openings.jsonl").splitlines()]
    assert manifest["public"] is True
    withheld = [e for e in events if e.get("withheld")]
    assert [e["leaf_index"] for e in withheld] == [old_arrival.leaf_index]
    assert set(withheld[0]) == {
        "withheld",
        "leaf_index",
        "consultation",
        "seq",
        "kind",
        "prev_hash",
        "event_hash",
        "leaf_hash",
    }
    assert "12_15" not in json.dumps(withheld)
    # Openings only for senders with a public comment.
    public_codes = set(
        session.scalars(
            Submission.__table__.select()
            .with_only_columns(Submission.tracking_code)
            .where(
                Submission.id.in_(
                    Comment.__table__.select()
                    .with_only_columns(Comment.submission_id)
                    .where(Comment.is_public.is_(True))
                )
            )
        )
    )
    by_leaf = {e["leaf_index"]: e for e in events}
    opened = {by_leaf[o["leaf_index"]]["object"]["id"] for o in openings}
    assert opened
    assert opened <= public_codes
    assert secret.tracking_code not in opened

    # Its own verifier passes on it, opening every commitment it reveals.
    folder = unzip(data, tmp_path / "openbaar")
    status, output = run_verifier(folder)
    assert status == 0, output
    assert f"{len(openings)} commitments opened" in output
    assert "1 arrivals of the old format" in output

    # Served from the store: a second download makes no new bundle.
    jobs_before = bundle.latest_job(session, consultation, public=True).id
    assert client.get(_url(consultation)).status_code == 200
    assert bundle.latest_job(session, consultation, public=True).id == jobs_before


def report_world_submission(session, world):
    """The submission whose comment was sent without consent to publish."""
    comment = session.scalar(
        Comment.__table__.select()
        .with_only_columns(Comment.submission_id)
        .where(Comment.body == report_world.SECRET_TEXT)
    )
    return session.get(Submission, comment)


def test_an_open_consultation_has_no_public_bundle(app, session, client):
    consultation = factories.consultation(session)
    assert consultation.state is ConsultationState.OPEN
    assert client.get(_url(consultation)).status_code == 404
    page = client.get(f"/consultaties/{consultation.slug}").get_data(as_text=True)
    assert "openbaar.zip" not in page


def test_a_changed_commitment_fails_the_public_bundle(app, session, client, tmp_path):
    """The opening a public bundle reveals is checked: a changed age band in the database
    gives an opening that does not open the recorded commitment."""
    with app.app_context():
        world = bundle_world.build(session)
    with tampering(session):
        session.execute(
            update(Submission)
            .where(Submission.attributes_salt.is_not(None))
            .values(municipality_id=None, age_band=None)
        )
    data = client.get(_url(world.consultation)).data
    status, output = run_verifier(unzip(data, tmp_path / "b"))
    assert status == 1
    assert "does not open the commitment of event" in output


def test_old_format_is_what_lacks_a_commitment():
    assert tiles.is_open_format("submission_received", {"content_hash": "x"})
    assert not tiles.is_open_format("submission_received", {"attributes": "x"})
    assert not tiles.is_open_format("comment_reported", {})
