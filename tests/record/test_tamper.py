"""Acceptance: tampering with a consultation's data is found by ``consult record verify``.

A whole consultation is built through the real services (opened by the clock, comments
sent, confirmed, discarded, reported, hidden and withdrawn, closed, answered with a
correction, its reactienota published), so the record holds exactly what the services
write. Then each test does what someone with direct database access could do (the
triggers are off for the test's transaction, see ``tampering``) and checks that the
verification fails and names the object touched. The suite runs on SQLite and, with
``CONSULT_TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text, update

from consult.comments import services as comment_services
from consult.comments.models import (
    Comment,
    CommentReport,
    HideReason,
    ModerationAction,
    Submission,
    SubmissionState,
)
from consult.consultations import lifecycle
from consult.consultations.models import Consultation, ConsultationState
from consult.db import utcnow
from consult.documents.models import Section
from consult.evidence import cross_checks
from consult.evidence.verify import verify
from consult.ledger import canonical, checkpoints
from consult.ledger.models import RecordCheckpoint, RecordEvent
from consult.moderation import services as moderation
from consult.regions import services as region_services
from consult.reports import services as reactienota
from consult.reports.models import ResponseReport
from consult.responses.answers import services as answering
from consult.responses.models import Answer, AnsweredComment, AnswerState, Disposition
from consult.stakeholders.models import AgeBand
from tests import factories
from tests.record.conftest import tampering
from tests.record.test_verify import rebuild_tree, rehash, set_event

EMAIL, NAME = "p.jansen@example.org", "Petra Jansen"


@dataclass
class World:
    consultation: Consultation
    official: Any
    responder: Any
    moderator: Any
    submissions: dict[str, Submission] = field(default_factory=dict)
    comments: dict[str, Comment] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)
    report: ResponseReport | None = None

    @property
    def slug(self) -> str:
        return self.consultation.slug


def comment_id(comment: Comment) -> str:
    return f"{comment.submission.tracking_code}/{comment.position}"


def build_world(session) -> World:
    """One consultation through its whole life, every step by its service."""
    version = factories.document_version(session, locked=False)
    consultation = factories.consultation(
        session, version, state="scheduled", opens_in_days=-5, closes_in_days=5
    )
    world = World(
        consultation=consultation,
        official=factories.region_user(session, "official"),
        responder=factories.region_user(session, "responder"),
        moderator=factories.region_user(session, "moderator"),
    )
    # The clock opens it at its opening moment: the version is locked and recorded.
    assert lifecycle.advance(session, utcnow()).opened == [consultation]

    parent = factories.sent_submission(
        session,
        consultation,
        texts=[("s-1", "Meer hulp op school."), (None, "Minder wachten op jeugdhulp.")],
        email=EMAIL,
        display_name=NAME,
    )
    assert comment_services.confirm(session, parent, utcnow())
    world.submissions["parent"] = parent
    world.comments["school"], world.comments["waiting"] = parent.comments

    draft = comment_services.Draft(
        idempotency_key=secrets.token_hex(16),
        stakeholder_group=factories.stakeholder_group(session, "young_person"),
        age_band=AgeBand.FROM_16_TO_17,
        publish_text=True,
        user=factories.user(session),
        comments=[
            (version.sections[1], "Eerste punt: luister naar jongeren."),
            (version.sections[1], "Tweede punt: een vaste hulpverlener."),
            (None, "Derde punt: laat maar."),
        ],
    )
    young, created = comment_services.submit(session, consultation, draft, utcnow())
    assert created
    assert young.state is SubmissionState.CONFIRMED
    world.submissions["young"] = young
    world.comments["first"], world.comments["second"], world.comments["third"] = young.comments

    # Never confirmed: discarded by the system after 72 hours.
    world.submissions["forgotten"] = factories.sent_submission(
        session, consultation, hours_ago=80, email="vergeten@example.org"
    )
    assert comment_services.discard_unconfirmed(session, utcnow()) == 1

    moderation.report_comment(
        session, world.comments["waiting"], HideReason.OFFENSIVE, "Dit is grof.", reporter=None
    )
    moderation.hide_comment(
        session, world.moderator, world.comments["waiting"], HideReason.OFFENSIVE, "Scheldwoord."
    )
    assert comment_services.withdraw(session, world.comments["third"], utcnow())

    # The clock closes it at its closing moment.
    assert lifecycle.advance(session, consultation.closes_at + timedelta(minutes=1)).closed == [
        consultation
    ]

    def answer(comments: list[Comment], disposition: Disposition, reason: str) -> Answer:
        drafted = answering.draft_answer(
            session, world.responder, consultation, comments, disposition, reason
        )
        return answering.approve(session, world.official, drafted)

    world.answers["school"] = answer(
        [world.comments["school"], world.comments["first"]],
        Disposition.ADOPTED,
        "We nemen dit over in paragraaf 1.",
    )
    world.answers["waiting"] = answer(
        [world.comments["waiting"]], Disposition.NOTED, "We houden hier rekening mee."
    )
    world.answers["second"] = answer(
        [world.comments["second"]], Disposition.NOT_ADOPTED, "Dat regelt de gemeente zelf."
    )
    publication = answering.publish(session, world.official, consultation)
    assert publication.answered_consultation
    correction = answering.correct(
        session,
        world.responder,
        world.answers["second"],
        Disposition.PARTLY_ADOPTED,
        "Toch deels: de regio helpt gemeenten daarbij.",
        "We lazen de reactie eerst verkeerd.",
    )
    answering.approve(session, world.official, correction)
    answering.publish(session, world.official, consultation, [correction])
    world.answers["correction"] = correction

    world.report = reactienota.generate(session, world.official, consultation)
    reactienota.publish(session, world.official, world.report)
    assert consultation.state is ConsultationState.REPORT_PUBLISHED
    checkpoints.make(session, "manual")
    session.flush()
    return world


@pytest.fixture
def world(session, in_app) -> World:
    return build_world(session)


def failures(session, **kwargs) -> list[str]:
    report = verify(session, **kwargs)
    assert not report.ok
    return list(report.failures)


def event_of(session, kind: str, object_id: str) -> RecordEvent:
    return session.scalars(
        select(RecordEvent).where(RecordEvent.kind == kind, RecordEvent.object_id == object_id)
    ).one()


def label(event: RecordEvent) -> str:
    return f"event {event.leaf_index} ({event.kind} {event.object_id})"


def arrival_failure(submission: Submission, event: RecordEvent) -> str:
    return (
        f"submission {submission.tracking_code} ({label(event)}): what it holds now (a comment "
        "text, its order or section, an answer or a detail) no longer matches the content "
        "recorded on arrival"
    )


# -- the untouched record --------------------------------------------------------------------


def test_the_record_of_a_whole_consultation_verifies(session, world):
    report = verify(session)
    assert report.ok, list(report.failures)
    assert report.cross_checks == len(cross_checks.CROSS_CHECKS) == 18

    kinds = session.scalars(
        select(RecordEvent.kind).where(RecordEvent.chain == world.slug).order_by(RecordEvent.seq)
    ).all()
    for kind in (
        "version_published",
        "consultation_opened",
        "submission_received",
        "submission_confirmed",
        "submission_discarded",
        "comment_reported",
        "comment_hidden",
        "comment_withdrawn",
        "consultation_closed",
        "answer_drafted",
        "answer_approved",
        "answer_published",
        "answer_superseded",
        "consultation_answered",
        "report_published",
    ):
        assert kind in kinds, kind
    # Three arrivals, two confirmations (by the email link, and from an account on arrival).
    assert kinds.count("submission_received") == 3
    assert kinds.count("submission_confirmed") == 2
    assert kinds.count("answer_published") == 4
    # The report is signed: the latest checkpoint covers the whole tree.
    latest = checkpoints.latest(session)
    assert latest is not None
    assert latest.tree_size == session.scalar(select(func.count()).select_from(RecordEvent))


def test_the_record_holds_no_email_name_or_note(session, world):
    record_text = " ".join(
        str(row)
        for table in ("record_events", "record_nodes", "record_checkpoints", "record_head")
        for row in session.execute(text(f"SELECT * FROM {table}")).all()
    )
    for trace in (EMAIL, NAME, "Jansen", "vergeten@example.org", "Scheldwoord", "grof"):
        assert trace not in record_text
    for comment in world.comments.values():
        assert comment.body not in record_text


# -- tampering with comments and submissions ---------------------------------------------------


def test_a_comment_text_edited_in_the_database_is_named(app, session, world):
    parent = world.submissions["parent"]
    arrival = event_of(session, "submission_received", parent.tracking_code)
    with tampering(session):
        session.execute(
            update(Comment)
            .where(Comment.id == world.comments["school"].id)
            .values(body="Meer hulp op school, en gratis.")
        )
    assert failures(session) == [arrival_failure(parent, arrival)]

    # The command says the same, and fails.
    result = app.test_cli_runner().invoke(args=["record", "verify"])
    assert result.exit_code == 1, result.output
    assert f"FAILED: submission {parent.tracking_code} ({label(arrival)})" in result.output


def test_a_deleted_comment_is_named(session, world):
    young = world.submissions["young"]
    arrival = event_of(session, "submission_received", young.tracking_code)
    first = world.comments["first"]
    school = world.answers["school"]
    published = event_of(session, "answer_published", f"answer:{school.id}")
    with tampering(session):
        session.execute(delete(AnsweredComment).where(AnsweredComment.comment_id == first.id))
        session.execute(delete(Comment).where(Comment.id == first.id))
    found = failures(session)
    assert arrival_failure(young, arrival) in found
    assert (
        f"answer:{school.id} ({label(published)}): it now answers 1 comment(s) "
        f"({comment_id(world.comments['school'])}), not the 2 the record names"
    ) in found


def test_reordered_comments_of_a_submission_are_named(session, world):
    young = world.submissions["young"]
    arrival = event_of(session, "submission_received", young.tracking_code)
    with tampering(session):
        mine = Comment.submission_id == young.id
        # 1, 2 become 2, 1 (through 11, 12: the positions are unique).
        session.execute(
            update(Comment)
            .where(mine, Comment.position <= 2)
            .values(position=Comment.position + 10)
        )
        session.execute(
            update(Comment)
            .where(mine, Comment.position > 10)
            .values(position=13 - Comment.position)
        )
    found = failures(session)
    assert found[0] == arrival_failure(young, arrival)
    # The answers now point at other places in the submission: named too.
    assert any(f.startswith(f"answer:{world.answers['school'].id} (") for f in found)


def test_a_submission_inserted_around_the_record_is_named(session, world):
    slipped = factories.submission(session, world.consultation, [("s-1", "Ik ben er ook.")])
    assert failures(session) == [
        f"submission {slipped.tracking_code} in consultation {world.slug}: the record has no "
        "event of its arrival",
        f"submission {slipped.tracking_code} in consultation {world.slug}: it is confirmed, "
        "but the record has no submission_confirmed event",
    ]


def test_a_submission_confirmed_in_the_database_is_named(session, world):
    forgotten = world.submissions["forgotten"]
    discarded = event_of(session, "submission_discarded", forgotten.tracking_code)
    with tampering(session):
        session.execute(
            update(Submission)
            .where(Submission.id == forgotten.id)
            .values(state=SubmissionState.CONFIRMED, confirmed_at=utcnow())
        )
    assert failures(session) == [
        f"submission {forgotten.tracking_code} ({label(discarded)}): it is confirmed in the "
        "live tables",
        f"submission {forgotten.tracking_code} in consultation {world.slug}: it is confirmed, "
        "but the record has no submission_confirmed event",
        *(
            f"comment {comment_id(comment)} in consultation {world.slug}: "
            + cross_checks.PUBLISHABLE
            for comment in sorted(forgotten.comments, key=lambda c: c.id)
        ),
    ]


# -- moderation and withdrawal -----------------------------------------------------------------


def test_a_hidden_comment_shown_again_in_the_database_is_named(session, world):
    waiting = world.comments["waiting"]
    hidden = event_of(session, "comment_hidden", comment_id(waiting))
    with tampering(session):
        session.execute(
            update(Comment)
            .where(Comment.id == waiting.id)
            .values(hidden_at=None, hidden_reason=None, hidden_note=None, is_public=True)
        )
    assert failures(session) == [
        f"comment {comment_id(waiting)} ({label(hidden)}): the record says it is hidden, but "
        "it is shown"
    ]


def test_a_changed_hiding_reason_is_named(session, world):
    waiting = world.comments["waiting"]
    hidden = event_of(session, "comment_hidden", comment_id(waiting))
    with tampering(session):
        session.execute(
            update(Comment).where(Comment.id == waiting.id).values(hidden_reason=HideReason.SPAM)
        )
    assert failures(session) == [
        f"comment {comment_id(waiting)} ({label(hidden)}): it is hidden for the reason spam, "
        "but the record says offensive"
    ]


def test_a_comment_hidden_or_withdrawn_in_the_database_is_named(session, world):
    school, first = world.comments["school"], world.comments["first"]
    with tampering(session):
        session.execute(
            update(Comment)
            .where(Comment.id == school.id)
            .values(hidden_at=utcnow(), hidden_reason=HideReason.SPAM, is_public=False)
        )
        session.execute(update(Comment).where(Comment.id == first.id).values(withdrawn_at=utcnow()))
    assert failures(session) == [
        f"comment {comment_id(school)} in consultation {world.slug}: it is hidden, but the "
        "record has no event of it",
        f"comment {comment_id(first)} in consultation {world.slug}: it is withdrawn, but the "
        "record has no event of it",
        f"comment {comment_id(first)} in consultation {world.slug}: "
        + cross_checks.NOT_PUBLISHABLE,
    ]


def test_a_withdrawal_undone_in_the_database_is_named(session, world):
    third = world.comments["third"]
    withdrawn = event_of(session, "comment_withdrawn", comment_id(third))
    with tampering(session):
        session.execute(update(Comment).where(Comment.id == third.id).values(withdrawn_at=None))
    assert failures(session) == [
        f"comment {comment_id(third)} ({label(withdrawn)}): the record says it is withdrawn, "
        "but it is not",
        f"comment {comment_id(third)} in consultation {world.slug}: " + cross_checks.PUBLISHABLE,
    ]


# -- answers -----------------------------------------------------------------------------------


def test_a_changed_disposition_is_named(app, session, world):
    school = world.answers["school"]
    published = event_of(session, "answer_published", f"answer:{school.id}")
    with tampering(session):
        session.execute(
            update(Answer)
            .where(Answer.id == school.id)
            .values(disposition=Disposition.ALREADY_COVERED)
        )
    assert failures(session) == [
        f"answer:{school.id} ({label(published)}): its disposition is now already_covered, "
        "the record says adopted"
    ]
    result = app.test_cli_runner().invoke(args=["record", "verify", "--consultation", world.slug])
    assert result.exit_code == 1, result.output
    assert f"FAILED: answer:{school.id} ({label(published)}): its disposition" in result.output


def test_a_changed_reason_or_a_correction_undone_is_named(session, world):
    waiting, second = world.answers["waiting"], world.answers["second"]
    published = event_of(session, "answer_published", f"answer:{waiting.id}")
    superseded = event_of(session, "answer_superseded", f"answer:{second.id}")
    with tampering(session):
        session.execute(
            update(Answer).where(Answer.id == waiting.id).values(reason="Daar doen we niets mee.")
        )
        session.execute(update(Answer).where(Answer.id == second.id).values(superseded_at=None))
    assert failures(session) == [
        f"answer:{waiting.id} ({label(published)}): its reason text differs from the published one",
        f"answer:{second.id} ({label(superseded)}): the record says it was corrected, but it "
        "is current",
    ]


def test_an_answer_published_around_the_record_is_named(session, world):
    # Made and "published" straight in the table, around the answering services.
    with tampering(session):
        sneaky = Answer(
            consultation_id=world.consultation.id,
            disposition=Disposition.ADOPTED,
            reason="Stilletjes gepubliceerd.",
            drafted_at=utcnow(),
            approved_at=utcnow(),
            published_at=utcnow(),
            state=AnswerState.PUBLISHED,
        )
        sneaky.links = [AnsweredComment(comment_id=world.comments["third"].id)]
        session.add(sneaky)
        session.flush()
    assert failures(session) == [
        f"answer:{sneaky.id} in consultation {world.slug}: it is published, but the record has "
        "no answer_published event"
    ]


# -- the version and the reactienota -----------------------------------------------------------


def test_a_changed_version_text_is_named(session, world):
    version = world.consultation.version
    published = event_of(session, "version_published", f"{version.document_id}/{version.number}")
    with tampering(session):
        session.execute(
            update(Section)
            .where(Section.id == version.sections[0].id)
            .values(body_html="<p>Een andere tekst dan die ter inzage lag.</p>")
        )
    found = failures(session)
    assert (
        f"version {version.document_id}/{version.number} ({label(published)}): its text (a "
        "section's heading, body, number or order) no longer matches the content recorded "
        "when it was published"
    ) in found


def test_a_changed_reactienota_edition_is_named(session, world):
    report = world.report
    published = event_of(session, "report_published", f"report:{report.edition}")
    content = {**report.content, "edition": 99}
    with tampering(session):
        session.execute(
            update(ResponseReport).where(ResponseReport.id == report.id).values(content=content)
        )
    assert failures(session) == [
        f"reactienota edition {report.edition} of {world.slug} ({label(published)}): its "
        "content no longer matches the content recorded when it was published"
    ]


# -- tampering with the record itself ----------------------------------------------------------


def test_a_deleted_event_is_named(session, world):
    waiting = world.comments["waiting"]
    hidden = event_of(session, "comment_hidden", comment_id(waiting))
    with tampering(session):
        session.execute(delete(RecordEvent).where(RecordEvent.id == hidden.id))
    found = failures(session)
    assert found[0] == (
        f"event {hidden.leaf_index} is missing: the record goes on at event {hidden.leaf_index + 1}"
    )
    assert f"number {hidden.seq + 1} in the chain of consultation {world.slug}" in found[1]
    assert "an event between them is missing" in found[1]
    assert (
        f"comment {comment_id(waiting)} in consultation {world.slug}: it is hidden, but the "
        "record has no event of it"
    ) in found


def test_two_events_swapped_are_named(session, world):
    waiting = world.comments["waiting"]
    reported = event_of(session, "comment_reported", comment_id(waiting))
    hidden = event_of(session, "comment_hidden", comment_id(waiting))
    one, two = reported.leaf_index, hidden.leaf_index
    assert one < two
    with tampering(session):
        set_event(session, reported, leaf_index=10_000_000)
        set_event(session, hidden, leaf_index=one)
        set_event(session, reported, leaf_index=two)
    found = failures(session)
    assert found[0] == (
        f"event {one} (comment_hidden {comment_id(waiting)}): hash does not match its content"
    )
    assert (
        f"event {two} (comment_reported {comment_id(waiting)}): hash does not match its content"
    ) in found


def test_a_consistently_recomputed_record_without_a_signed_checkpoint_is_found(session, world):
    """The careful forger: changes an answer's disposition in the table and in its event,
    rehashes the chain from there, and rebuilds the tree and the head. The events, chains,
    tree and live tables agree again; only the signed checkpoints do not."""
    school = world.answers["school"]
    published = event_of(session, "answer_published", f"answer:{school.id}")
    later = session.scalars(
        select(RecordEvent)
        .where(RecordEvent.chain == world.slug, RecordEvent.seq > published.seq)
        .order_by(RecordEvent.seq)
    ).all()
    with tampering(session):
        session.execute(
            update(Answer)
            .where(Answer.id == school.id)
            .values(disposition=Disposition.ALREADY_COVERED)
        )
        session.expire_all()
        forged = session.get(Answer, school.id)
        comments = answering.answered_comment_ids(session, [school.id])[school.id]
        payload = answering.answer_published_payload(forged, comments)
        previous = rehash(session, published, payload=payload)
        for event in later:
            previous = rehash(session, event, prev_hash=previous)
        rebuild_tree(session)
    found = failures(session)
    signed = session.scalars(
        select(RecordCheckpoint)
        .where(RecordCheckpoint.tree_size > published.leaf_index)
        .order_by(RecordCheckpoint.id)
    ).all()
    assert signed
    assert all("another root than the signed one" in f for f in found), found
    assert [f.split(" (")[0] for f in found] == [f"checkpoint {c.id}" for c in signed]
    assert f"an event up to {signed[0].tree_size - 1} was changed" in found[0]


def test_a_forged_event_payload_is_named_even_with_the_live_row_changed(session, world):
    """Changing the live answer and its event, without rehashing, fails on the event."""
    school = world.answers["school"]
    published = event_of(session, "answer_published", f"answer:{school.id}")
    with tampering(session):
        set_event(
            session, published, payload={**published.payload, "disposition": "already_covered"}
        )
    assert failures(session)[0] == f"{label(published)}: hash does not match its content"


# -- what the services write -------------------------------------------------------------------


def test_a_submission_is_recorded_with_facts_and_a_commitment(session, world):
    parent = world.submissions["parent"]
    arrival = event_of(session, "submission_received", parent.tracking_code)
    assert arrival.chain == world.slug
    assert arrival.actor_role == "participant"
    assert arrival.occurred_at == canonical.to_millisecond(parent.received_at)
    assert parent.attributes_salt
    assert len(parent.attributes_salt) == 32
    opening = {
        "stakeholder_group": "parent",
        "age_band": None,
        "municipality": None,
        "api_token": None,
    }
    assert arrival.payload == {
        "content_hash": parent.content_hash,
        # group, age band and municipality only behind a salted commitment (public leaves)
        "attributes": canonical.commitment(parent.attributes_salt, opening),
        "comment_count": 2,
        "sections": ["s-1", None],
        "organisation_verified": False,
        "contact": canonical.commitment(parent.contact.salt, EMAIL),
        "shown_name": canonical.commitment(parent.contact.salt, "name:" + NAME),
    }
    assert comment_services.submission_event_payload(parent) == arrival.payload
    confirmed = event_of(session, "submission_confirmed", parent.tracking_code)
    assert confirmed.payload == {"by": "email"}
    young = world.submissions["young"]
    young_payload = event_of(session, "submission_received", young.tracking_code).payload
    assert "age_band" not in young_payload
    assert "16_17" not in str(young_payload)
    assert young_payload["attributes"] == canonical.commitment(
        young.attributes_salt,
        {
            "stakeholder_group": young.stakeholder_group.code,
            "age_band": "16_17",
            "municipality": young.municipality.code if young.municipality else None,
            "api_token": None,
        },
    )
    assert event_of(session, "submission_confirmed", young.tracking_code).payload == {
        "by": "account"
    }
    discarded = event_of(
        session, "submission_discarded", world.submissions["forgotten"].tracking_code
    )
    assert discarded.actor_role == "system"


def test_a_repeated_form_writes_no_second_event(session, in_app):
    consultation = factories.consultation(session)
    draft = comment_services.Draft(
        idempotency_key="dubbelklik-1234",
        stakeholder_group=factories.stakeholder_group(session, "parent"),
        email=EMAIL,
        comments=[(None, "Een keer verstuurd, twee keer geklikt.")],
    )
    first, created = comment_services.submit(session, consultation, draft, utcnow())
    assert created
    again, created = comment_services.submit(session, consultation, draft, utcnow())
    assert not created
    assert again.id == first.id
    count = session.scalar(
        select(func.count())
        .select_from(RecordEvent)
        .where(RecordEvent.object_id == first.tracking_code)
    )
    assert count == 1


def test_moderation_and_answers_are_recorded_by_role(session, world):
    waiting = world.comments["waiting"]
    hidden = event_of(session, "comment_hidden", comment_id(waiting))
    assert hidden.actor_role == "moderator"
    assert hidden.payload == {
        "reason": "offensive",
        "note_hash": hashlib.sha256(b"Scheldwoord.").hexdigest(),
    }
    reported = event_of(session, "comment_reported", comment_id(waiting))
    assert (reported.actor_role, reported.payload) == ("participant", {"reason": "offensive"})
    assert session.scalar(select(func.count()).select_from(CommentReport)) >= 1
    assert session.scalar(select(func.count()).select_from(ModerationAction)) >= 1

    school = world.answers["school"]
    assert event_of(session, "answer_drafted", f"answer:{school.id}").actor_role == "responder"
    approved = event_of(session, "answer_approved", f"answer:{school.id}")
    assert (approved.actor_role, approved.payload) == ("official", {"self_approved": False})
    published = event_of(session, "answer_published", f"answer:{school.id}")
    assert published.payload["disposition"] == "adopted"
    assert published.payload["comments"] == sorted(
        [comment_id(world.comments["school"]), comment_id(world.comments["first"])]
    )
    assert published.payload["supersedes"] is None
    correction, second = world.answers["correction"], world.answers["second"]
    assert (
        event_of(session, "answer_published", f"answer:{correction.id}").payload["supersedes"]
        == f"answer:{second.id}"
    )
    assert event_of(session, "answer_superseded", f"answer:{second.id}").payload == {
        "superseded_by": f"answer:{correction.id}"
    }
    report = event_of(session, "report_published", f"report:{world.report.edition}")
    assert report.payload["content_hash"] == world.report.content_hash
    assert report.payload["edition"] == 1


def test_a_region_setting_change_is_recorded_in_the_platform_chain(session, world):
    region = world.consultation.region
    assert region_services.set_self_approval(session, world.official, region, True)
    event = event_of(session, "region_setting_changed", region.code)
    assert event.chain == ""
    assert event.actor_role == "official"
    assert event.payload == {"setting": "allow_self_approval", "value": True}
    assert not region_services.set_self_approval(session, world.official, region, True)
    assert verify(session).ok
