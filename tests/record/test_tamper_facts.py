"""Acceptance (issue 16, item 3): every recorded fact is checked against the live tables.

Each test does what someone with database access could do (raw SQL past the triggers, see
``tampering``) and checks that ``consult record verify`` fails and names the object. Each
of these passed unnoticed before the cross-checks of issue 16. Runs on SQLite and, with
``CONSULT_TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text, update

from consult.comments import services as comment_services
from consult.comments.models import Comment, CommentReport, SubmissionContact
from consult.consultations import activities, lifecycle
from consult.consultations.models import (
    ActivityKind,
    ActivityParticipants,
    Consultation,
    ConsultationState,
    OfflineActivity,
)
from consult.db import utcnow
from consult.evidence import cross_checks
from consult.evidence.verify import verify
from consult.files.models import Attachment
from consult.files.uploads import CheckedFile
from consult.ledger import checkpoints
from consult.ledger.models import RecordCheckpoint
from consult.regions.models import Region
from tests import factories
from tests.record.conftest import tampering
from tests.record.test_tamper import build_world, comment_id, event_of, label

PDF = b"%PDF-1.4 verslag van de avond\n"


@pytest.fixture
def world(session, in_app):
    return build_world(session)


@pytest.fixture
def open_world(session, in_app):
    """An open consultation with a submission carrying an attachment and an offline
    activity, signed in a checkpoint."""
    version = factories.document_version(session, locked=False)
    consultation = factories.consultation(
        session, version, state="scheduled", opens_in_days=-5, closes_in_days=5
    )
    assert lifecycle.advance(session, utcnow()).opened == [consultation]
    draft = comment_services.Draft(
        idempotency_key=secrets.token_hex(16),
        stakeholder_group=factories.stakeholder_group(session, "parent"),
        publish_text=True,
        user=factories.user(session),
        comments=[(None, "Zie de bijlage.")],
        files=[
            CheckedFile(
                filename="brief.pdf",
                content_type="application/pdf",
                data=PDF,
                sha256=hashlib.sha256(PDF).hexdigest(),
            )
        ],
    )
    submission, _created = comment_services.submit(session, consultation, draft, utcnow())
    group = factories.stakeholder_group(session, "young_person")
    activity = activities.register_activity(
        session,
        factories.region_user(session, "official"),
        consultation,
        activities.ActivityDetails(
            kind=ActivityKind.SCHOOL_SESSION,
            held_on=(utcnow() - timedelta(days=1)).date(),
            place="De Brug, Zwolle",
            summary="Twintig leerlingen praatten mee.",
            participants={(group.id, None): 20},
        ),
    )
    checkpoints.make(session, "manual")
    session.flush()
    report = verify(session)
    assert report.ok, list(report.failures)
    return consultation, submission, activity


def failures(session) -> list[str]:
    report = verify(session)
    assert not report.ok
    return list(report.failures)


# -- what is public ----------------------------------------------------------------------------


def test_a_public_comment_unpublished_in_the_database_is_named(session, world):
    school = world.comments["school"]
    assert school.is_public
    with tampering(session):
        session.execute(update(Comment).where(Comment.id == school.id).values(is_public=False))
    assert failures(session) == [
        f"comment {comment_id(school)} in consultation {world.slug}: " + cross_checks.PUBLISHABLE
    ]


# -- contacts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "what"),
    [
        (
            {"email": "iemand.anders@example.org"},
            "its contact e-mail address no longer matches the commitment recorded on arrival",
        ),
        (
            {"display_name": "Iemand Anders"},
            "its published name no longer matches the commitment recorded on arrival",
        ),
        (
            {"email": None, "display_name": None, "salt": ""},
            "its contact data is gone, but the record has no erasure",
        ),
    ],
    ids=["changed e-mail", "changed published name", "erased without its event"],
)
def test_a_changed_contact_is_named(session, world, values, what):
    parent = world.submissions["parent"]
    arrival = event_of(session, "submission_received", parent.tracking_code)
    with tampering(session):
        session.execute(
            update(SubmissionContact)
            .where(SubmissionContact.submission_id == parent.id)
            .values(**values)
        )
    assert failures(session) == [f"submission {parent.tracking_code} ({label(arrival)}): {what}"]


# -- consultations and regions -----------------------------------------------------------------


def test_a_closed_consultation_set_back_to_open_is_named(session, world):
    with tampering(session):
        session.execute(
            update(Consultation)
            .where(Consultation.id == world.consultation.id)
            .values(state=ConsultationState.OPEN)
        )
    found = failures(session)
    assert len(found) == 1
    assert found[0].startswith(f"consultation {world.slug}: it is open, but event ")
    assert "consultation_answered" in found[0]


def test_a_moved_closing_moment_is_named(session, world):
    closes_at = world.consultation.closes_at
    with tampering(session):
        session.execute(
            update(Consultation)
            .where(Consultation.id == world.consultation.id)
            .values(closes_at=closes_at + timedelta(days=7))
        )
    found = failures(session)
    assert len(found) == 1
    assert found[0].startswith(f"consultation {world.slug}: it closes at ")
    assert "but the record says" in found[0]


def test_a_flipped_self_approval_setting_is_named(session, world):
    region = session.get(Region, world.consultation.region_id)
    assert region.allow_self_approval is False
    with tampering(session):
        session.execute(
            update(Region).where(Region.id == region.id).values(allow_self_approval=True)
        )
    assert failures(session) == [
        f"region {region.code}: self-approval is on, but the default, as the record has no "
        "change of it says off"
    ]


# -- reports -----------------------------------------------------------------------------------


def test_deleted_comment_reports_are_named(session, world):
    waiting = world.comments["waiting"]
    with tampering(session):
        session.execute(delete(CommentReport).where(CommentReport.comment_id == waiting.id))
    assert failures(session) == [
        f"comment {comment_id(waiting)}: it has 0 report(s), but the record has 1 "
        "comment_reported event(s)"
    ]


# -- offline activities ------------------------------------------------------------------------


def test_changed_participant_counts_are_named(session, open_world):
    _consultation, _submission, activity = open_world
    registered = event_of(session, "activity_registered", f"activity:{activity.id}")
    with tampering(session):
        session.execute(
            update(ActivityParticipants)
            .where(ActivityParticipants.activity_id == activity.id)
            .values(count=200)
        )
    assert failures(session) == [
        f"activity:{activity.id} ({label(registered)}): its participant counts are now 200 in "
        "all, the record says 20"
    ]


def test_a_deleted_activity_is_named(session, open_world):
    _consultation, _submission, activity = open_world
    registered = event_of(session, "activity_registered", f"activity:{activity.id}")
    with tampering(session):
        session.execute(
            delete(ActivityParticipants).where(ActivityParticipants.activity_id == activity.id)
        )
        session.execute(delete(OfflineActivity).where(OfflineActivity.id == activity.id))
    assert failures(session) == [
        f"activity:{activity.id} ({label(registered)}): the activity is missing from the live "
        "tables"
    ]


# -- attachments -------------------------------------------------------------------------------


def test_replaced_attachment_bytes_are_named(session, open_world):
    consultation, submission, _activity = open_world
    with tampering(session):
        session.execute(
            update(Attachment)
            .where(Attachment.submission_id == submission.id)
            .values(data=b"%PDF-1.4 iets heel anders\n")
        )
    assert failures(session) == [
        f"submission {submission.tracking_code} in consultation {consultation.slug}: its "
        "attachment 'brief.pdf' was replaced (its bytes no longer hash to the recorded SHA-256)"
    ]


@pytest.mark.parametrize(
    "change",
    [
        {"filename": "andere.pdf"},
        {"content_type": "text/html"},
        {
            "data": b"<script>",
            "size": 8,
            "sha256": hashlib.sha256(b"<script>").hexdigest(),
        },
    ],
)
def test_a_replaced_attachment_name_type_or_file_is_named(session, open_world, change):
    _consultation, submission, _activity = open_world
    arrival = event_of(session, "submission_received", submission.tracking_code)
    assert arrival.payload["attachments"] == 1
    with tampering(session):
        session.execute(
            update(Attachment).where(Attachment.submission_id == submission.id).values(**change)
        )
    assert failures(session) == [
        f"submission {submission.tracking_code} ({label(arrival)}): what it holds now (a "
        "comment text, its order or section, an answer or a detail) no longer matches the "
        "content recorded on arrival"
    ]


def test_a_submission_without_attachments_hashes_as_before(session, world):
    """The attachments key is only there when there are any: older receipts still check."""
    parent = world.submissions["parent"]
    content = comment_services.canonical_content(parent)
    assert "attachments" not in content
    arrival = event_of(session, "submission_received", parent.tracking_code)
    assert "attachments" not in arrival.payload


# -- checkpoints and triggers ------------------------------------------------------------------


def test_the_latest_checkpoint_row_deleted_is_found(session, world):
    latest = checkpoints.latest(session)
    count = session.scalar(select(RecordCheckpoint.id).order_by(RecordCheckpoint.id.desc()))
    assert count == latest.id
    rows = len(session.scalars(select(RecordCheckpoint.id)).all())
    with tampering(session):
        session.execute(delete(RecordCheckpoint).where(RecordCheckpoint.id == latest.id))
    assert failures(session) == [
        f"1 checkpoint row(s) missing: the record's head counts {rows} signed checkpoints, "
        f"the table holds {rows - 1}"
    ]


def test_dropped_append_only_triggers_are_found(session, world):
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("DROP TRIGGER record_event_kept ON record_events"))
        session.execute(text("DROP TRIGGER record_checkpoint_kept ON record_checkpoints"))
    else:
        session.execute(text("DROP TRIGGER record_event_kept"))
        session.execute(text("DROP TRIGGER record_checkpoint_kept"))
    assert failures(session) == [
        "2 append-only trigger(s) are missing or disabled (record_event_kept, "
        "record_checkpoint_kept): whoever removed them could change or delete evidence; "
        "restore them from the migrations"
    ]
