"""The demo consultation and the load data: what they contain, and that they stay honest.

The demo must look like a real consultation (every stakeholder group, every age band, some
pending, some without consent, some withdrawn, some hidden), be safe to run twice, and its
receipts' hashes must be recomputable from the stored content.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consult.comments.models import (
    Comment,
    CommentReport,
    ModerationAction,
    ModerationKind,
    QuestionAnswer,
    Submission,
    SubmissionState,
)
from consult.comments.services import canonical_content
from consult.consultations.models import Consultation, ConsultationState
from consult.db import utcnow
from consult.documents.models import Document, DocumentVersion, Section
from consult.documents.services import version_hash
from consult.ledger.canonical import digest as content_hash
from consult.seeds.demo import seed_demo
from consult.seeds.demo_consultation import (
    DEMO_SLUG,
    DEMO_TITLE,
    seed_demo_consultation,
)
from consult.seeds.load import seed_load
from consult.stakeholders.models import AgeBand, StakeholderGroup


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def demo_submissions(session) -> list[Submission]:
    session.expire_all()
    return list(
        session.scalars(
            select(Submission)
            .join(Consultation)
            .where(Consultation.slug == DEMO_SLUG)
            .options(
                selectinload(Submission.comments).selectinload(Comment.section),
                selectinload(Submission.answers),
                selectinload(Submission.stakeholder_group),
                selectinload(Submission.municipality),
                selectinload(Submission.organisation),
            )
        )
    )


def test_seed_demo_is_idempotent(demo_session):
    session = demo_session  # the demo, seeded once (conftest.py)
    counts = [
        count(session, m) for m in (Document, Consultation, Submission, Comment, CommentReport)
    ]
    assert counts[2] >= 300
    seed_demo(session)
    assert [
        count(session, m) for m in (Document, Consultation, Submission, Comment, CommentReport)
    ] == counts
    assert seed_demo_consultation(session).created is False


def test_the_demo_has_the_mix_of_a_real_consultation(demo_session):
    session = demo_session  # the demo, seeded once (conftest.py)
    consultation = session.scalar(select(Consultation).where(Consultation.slug == DEMO_SLUG))
    assert consultation.title == DEMO_TITLE
    assert consultation.region.code == "JZ22"
    assert consultation.state is ConsultationState.OPEN
    assert consultation.accepts_comments_at(utcnow())
    assert 9 <= (utcnow() - consultation.opens_at).days <= 10
    assert 31 <= (consultation.closes_at - utcnow()).days <= 32
    assert [q.kind.value for q in consultation.questions] == ["scale", "single_choice", "open_text"]
    assert len(consultation.invited_groups) == count(session, StakeholderGroup)

    submissions = demo_submissions(session)
    comments = [c for s in submissions for c in s.comments]
    groups = {g.code for g in session.scalars(select(StakeholderGroup))}
    assert {s.stakeholder_group.code for s in submissions} == groups
    young = [s for s in submissions if s.stakeholder_group.code == "young_person"]
    assert {s.age_band for s in young} == set(AgeBand)
    assert all(s.age_band is None for s in submissions if s not in young)

    states = Counter(s.state for s in submissions)
    assert states[SubmissionState.PENDING] >= 5
    assert states[SubmissionState.CONFIRMED] >= 250
    assert sum(not s.publish_text for s in submissions) >= 20
    assert sum(c.withdrawn_at is not None for c in comments) >= 5
    hidden = [c for c in comments if c.hidden_at is not None]
    assert len(hidden) >= 5
    assert all(c.hidden_reason is not None and c.hidden_note for c in hidden)
    assert count(session, ModerationAction, ModerationAction.kind == ModerationKind.HIDE) >= 5
    assert count(session, ModerationAction, ModerationAction.kind == ModerationKind.UNHIDE) >= 1
    assert count(session, CommentReport, CommentReport.handled_at.is_(None)) >= 2
    # Some carry more than one comment, some are general, most are about one section.
    assert sum(len(s.comments) > 1 for s in submissions) >= 40
    assert any(c.section is None for c in comments)
    assert len({c.section.anchor for c in comments if c.section}) >= 15
    # Organisations: the verified demo one, and names people typed.
    verified = [s for s in submissions if s.organisation_id is not None]
    assert verified
    assert all(
        s.organisation_verified and s.organisation.name == "Stichting Jeugdstem (demo)"
        for s in verified
    )
    assert any(s.organisation_name and not s.organisation_verified for s in submissions)
    # Under 16: never a published name.
    assert not any(s.publish_name for s in young if s.age_band.under_16)
    assert {s.municipality.code if s.municipality else None for s in submissions} == {
        "GM0344",
        None,
    }
    assert count(session, QuestionAnswer) >= 150

    # Plain text only, and is_public says what the rules say.
    assert not any("<" in c.body or ">" in c.body for c in comments)
    assert all(c.is_public == c.publishable for c in comments)


def test_demo_texts_fit_their_sections(session, in_app):
    seed_demo_consultation(session)
    submissions = demo_submissions(session)
    by_number = Counter(c.section.number for s in submissions for c in s.comments if c.section)
    comments = {c.body for s in submissions for c in s.comments}
    waiting = [
        c
        for s in submissions
        for c in s.comments
        if c.body.startswith("Ik ben 14 en ik heb bijna een jaar op een wachtlijst gestaan")
    ]
    assert waiting
    assert {c.section.number for c in waiting} == {"3.1"}
    assert by_number["3.1"] > by_number["7.1"]
    assert len(comments) >= 80  # varied, not a handful repeated


def test_demo_receipt_hashes_can_be_recomputed(session, in_app):
    seed_demo_consultation(session)
    submissions = demo_submissions(session)
    assert all(s.content_hash == content_hash(canonical_content(s)) for s in submissions)
    assert len({s.content_hash for s in submissions}) == len(submissions)
    assert len({s.tracking_code for s in submissions}) == len(submissions)


def test_the_demo_document_has_a_locked_version_and_a_changed_draft(session, in_app):
    seed_demo_consultation(session)
    document = session.scalar(select(Document).where(Document.title == DEMO_TITLE))
    first, second = document.versions
    assert first.is_locked
    assert first.content_hash
    assert not second.is_locked
    assert first.content_hash == version_hash(first)
    assert len(first.sections) == 25
    assert [(s.number, s.heading) for s in first.sections[:3]] == [
        ("1", "Inleiding"),
        ("2", "Waar wij voor staan"),
        ("2.1", "De leefwereld van het kind is het vertrekpunt"),
    ]
    old = {s.anchor: (s.number, s.body_html) for s in first.sections}
    new = {s.anchor: (s.number, s.body_html) for s in second.sections}
    assert [new[a][0] for a in set(new) - set(old)] == ["5.4"]
    changed = {old[a][0] for a in old if old[a] != new[a]}
    assert changed == {"2.2", "3.1", "3.4", "5.1", "6.1"}
    assert (
        "zes weken" in second.sections[[s.number for s in second.sections].index("3.1")].body_html
    )


def test_load_seed_makes_exactly_the_numbers_asked(session, in_app):
    result = seed_load(session, 20, 500, seed=1)
    consultation = session.get(Consultation, result.consultation_id)
    assert consultation.slug == result.slug
    assert result.slug.startswith("load-")
    assert consultation.state is ConsultationState.OPEN
    assert consultation.region.code == "JZ21"
    assert count(session, Section, Section.version_id == consultation.version_id) == 20
    assert count(session, Comment, Comment.consultation_id == consultation.id) == 500
    submissions = count(session, Submission, Submission.consultation_id == consultation.id)
    assert submissions == result.submissions
    sizes = Counter(
        session.scalars(
            select(func.count(Comment.id))
            .where(Comment.consultation_id == consultation.id)
            .group_by(Comment.submission_id)
        )
    )
    multi = sum(n for size, n in sizes.items() if size > 1)
    assert 0.2 <= multi / submissions <= 0.4
    sample = session.scalars(
        select(Submission).where(Submission.consultation_id == consultation.id).limit(25)
    ).all()
    assert all(s.content_hash == content_hash(canonical_content(s)) for s in sample)


def test_load_seed_makes_a_new_consultation_each_run(app, session, in_app):
    first = seed_load(session, 3, 10)
    second = seed_load(session, 3, 10, region_code="JZ22")
    assert first.slug != second.slug
    assert count(session, Consultation, Consultation.slug.like("load-%")) == 2
    versions = count(session, DocumentVersion)
    assert versions >= 2


def test_seed_load_command(app, session):
    result = app.test_cli_runner().invoke(
        args=["seed", "load", "--sections", "5", "--comments", "40"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "5 sections" in result.output
    assert "40 comments" in result.output
    slug = result.output.split("consultation ")[1].split(":")[0]
    session.expire_all()
    consultation = session.scalar(select(Consultation).where(Consultation.slug == slug))
    assert count(session, Comment, Comment.consultation_id == consultation.id) == 40
    bad = app.test_cli_runner().invoke(args=["seed", "load", "--region", "JZ99"])
    assert bad.exit_code != 0
    assert "there is no region JZ99" in bad.output
