"""Editions of the reactienota: made, made again, published, frozen, corrected."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from consult.comments.models import HideReason
from consult.consultations.models import ConsultationState
from consult.ledger import canonical
from consult.moderation import services as moderation
from consult.reports import rendering
from consult.reports import services as reactienota
from consult.responses.answers import services
from consult.responses.models import Disposition
from tests import factories
from tests.responses import report_world


def test_no_edition_before_the_consultation_closes(session):
    consultation = factories.consultation(session)
    official = factories.region_user(session, "official")
    with pytest.raises(reactienota.ReportError, match="closed"):
        reactienota.generate(session, official, consultation)


def test_making_it_again_replaces_the_draft_and_its_files(session):
    world = report_world.build(session, answer_all=False)
    first = reactienota.generate(session, world.official, world.consultation)
    rendering.store_file(session, first, "pdf", "application/pdf", b"%PDF-1.7 old")
    old_hash = first.content_hash
    assert first.content["answering"]["unanswered"] == 9

    services.publish(
        session,
        world.official,
        world.consultation,
        [
            services.approve(
                session,
                world.official,
                services.draft_answer(
                    session,
                    world.responder,
                    world.consultation,
                    [world.comments["public"]],
                    Disposition.NOTED,
                    "",
                ),
            )
        ],
    )
    again = reactienota.generate(session, world.official, world.consultation)
    assert again.id == first.id
    assert again.edition == 1
    assert again.content_hash != old_hash
    assert again.content["answering"]["unanswered"] == 8
    assert not reactienota.has_file(session, again, "pdf")


def test_publishing_needs_every_answer_and_moves_the_consultation_on(session, in_app):
    world = report_world.build(session, answer_all=False)
    report = reactienota.generate(session, world.official, world.consultation)
    with pytest.raises(reactienota.ReportError, match="every comment"):
        reactienota.publish(session, world.official, report)

    world = report_world.build(session)
    assert world.consultation.state is ConsultationState.ANSWERED
    report = reactienota.generate(session, world.official, world.consultation)
    reactienota.publish(session, world.second_official, report)
    assert report.published_by_id == world.second_official.id
    assert world.consultation.state is ConsultationState.REPORT_PUBLISHED
    change = world.consultation.state_changes[-1]
    assert change.to_state is ConsultationState.REPORT_PUBLISHED
    assert change.actor_id == world.second_official.id
    with pytest.raises(reactienota.ReportError, match="already published"):
        reactienota.publish(session, world.official, report)


def test_an_edition_that_no_longer_matches_the_data_is_not_published(session, in_app):
    world = report_world.build(session)
    report = reactienota.generate(session, world.official, world.consultation)
    # The moderator hides a quoted comment after the edition was made.
    moderation.hide_comment(
        session, world.official, world.comments["named"], HideReason.PERSONAL_DATA, "Naam."
    )
    with pytest.raises(reactienota.ReportError, match="changed"):
        reactienota.publish(session, world.official, report)
    assert not report.is_published
    again = reactienota.generate(session, world.official, world.consultation)
    assert report_world.NAMED_TEXT not in canonical.fast_canonical_bytes(again.content).decode()
    reactienota.publish(session, world.official, again)
    assert again.is_published


def test_a_published_edition_and_its_file_never_change(session, in_app):
    world = report_world.build(session)
    report = reactienota.generate(session, world.official, world.consultation)
    reactienota.publish(session, world.official, report)
    stored = rendering.store_file(session, report, "pdf", "application/pdf", b"%PDF-1.7 x")
    session.flush()
    statements = [
        ("UPDATE response_reports SET content_hash = 'x' WHERE id = :id", "cannot change"),
        ("UPDATE response_reports SET correction_note = 'x' WHERE id = :id", "cannot change"),
        ("DELETE FROM response_reports WHERE id = :id", "never deleted"),
    ]
    for statement, message in statements:
        with pytest.raises(DatabaseError, match=message), session.begin_nested():
            session.execute(text(statement), {"id": report.id})
    for statement, message in [
        ("UPDATE response_report_files SET data = :x WHERE id = :id", "cannot change"),
        ("DELETE FROM response_report_files WHERE id = :id", "never deleted"),
    ]:
        with pytest.raises(DatabaseError, match=message), session.begin_nested():
            session.execute(text(statement), {"id": stored.id, "x": b"other"})


def test_a_correction_is_the_next_edition_and_needs_a_note(session, in_app):
    world = report_world.build(session)
    first = reactienota.generate(session, world.official, world.consultation)
    reactienota.publish(session, world.official, first)
    with pytest.raises(reactienota.ReportError) as refused:
        reactienota.generate(session, world.official, world.consultation, correction_note=" ")
    assert refused.value.field == "note"
    second = reactienota.generate(
        session, world.official, world.consultation, correction_note="Een datum klopte niet."
    )
    assert second.edition == 2
    assert not second.is_published
    assert second.content["edition"] == 2
    assert second.content["correction_note"] == "Een datum klopte niet."
    reactienota.publish(session, world.official, second)
    assert [e.edition for e in reactienota.published_editions(session, world.consultation)] == [
        2,
        1,
    ]
    assert world.consultation.state is ConsultationState.REPORT_PUBLISHED


def test_self_approval_is_reported(session):
    world = report_world.build(session, answer_all=False)
    world.consultation.region.allow_self_approval = True
    answer = services.draft_answer(
        session,
        world.official,
        world.consultation,
        [world.comments["public"], world.comments["named"]],
        Disposition.ADOPTED,
        "Overgenomen.",
    )
    services.approve(session, world.official, answer)
    services.publish(session, world.official, world.consultation, [answer])
    content = reactienota.build_content(session, world.consultation)
    assert content["answering"]["allow_self_approval"] is True
    assert content["answering"]["self_approved_answers"] == 1
    assert content["answering"]["self_approved_comments"] == 2
    assert content["lundy"]["self_approved_comments"] == 2
    [shown] = [a for a in content["answers"] if a["self_approved"]]
    assert shown["comments"] == 2
