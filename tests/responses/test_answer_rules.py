"""The core answering rules: four eyes, publish after closing, corrections, "answered"."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from consult.consultations.models import ConsultationState
from consult.responses import queries
from consult.responses.answers import services
from consult.responses.models import AnswerState, Disposition
from tests import factories


@pytest.fixture
def closed(session):
    return factories.closed_consultation(session)


def _team(session):
    responder = factories.region_user(session, "responder")
    official = factories.region_user(session, "official")
    return responder, official


def test_an_answer_is_approved_by_someone_else_then_published(session, closed, in_app):
    responder, official = _team(session)
    submission = factories.submission(session, closed, [(None, "Meer hulp op school.")])
    comment = submission.comments[0]

    answer = services.draft_answer(
        session, responder, closed, [comment], Disposition.ADOPTED, "We nemen dit over."
    )
    with pytest.raises(services.AnswerError, match="Someone else"):
        services.approve(session, responder, answer)
    services.approve(session, official, answer)
    publication = services.publish(session, official, closed)

    assert publication.answers == [answer]
    assert answer.state is AnswerState.PUBLISHED
    assert answer.approved_by_id == official.id
    assert queries.current_answers(session, [comment.id]) == {comment.id: answer}
    # The last waiting comment is answered: the consultation moves on, and says who did it.
    assert publication.answered_consultation
    assert closed.state is ConsultationState.ANSWERED
    assert closed.state_changes[-1].to_state is ConsultationState.ANSWERED


def test_self_approval_only_when_the_region_allows_it(session, closed):
    _responder, official = _team(session)
    comment = factories.submission(session, closed).comments[0]
    answer = services.draft_answer(session, official, closed, [comment], Disposition.NOTED, "")
    with pytest.raises(services.AnswerError):
        services.approve(session, official, answer)
    closed.region.allow_self_approval = True
    services.approve(session, official, answer)
    assert answer.self_approved


def test_not_adopted_needs_a_reason_and_one_comment_gets_one_open_answer(session, closed):
    responder, _official = _team(session)
    comment = factories.submission(session, closed).comments[0]
    with pytest.raises(services.AnswerError) as refused:
        services.draft_answer(session, responder, closed, [comment], Disposition.NOT_ADOPTED, " ")
    assert refused.value.field == "reason"
    services.draft_answer(session, responder, closed, [comment], Disposition.NOTED, "")
    with pytest.raises(services.AnswerError, match="already has an answer"):
        services.draft_answer(session, responder, closed, [comment], Disposition.NOTED, "")


def test_publishing_waits_until_the_consultation_has_closed(session):
    open_ = factories.consultation(session)
    responder, official = _team(session)
    comment = factories.submission(session, open_).comments[0]
    answer = services.draft_answer(session, responder, open_, [comment], Disposition.NOTED, "")
    services.approve(session, official, answer)
    with pytest.raises(services.AnswerError, match="closed"):
        services.publish(session, official, open_)


def test_a_correction_supersedes_and_both_stay(session, closed, in_app):
    responder, official = _team(session)
    comments = [factories.submission(session, closed).comments[0] for _ in range(2)]
    first = services.draft_answer(session, responder, closed, comments, Disposition.NOTED, "")
    services.approve(session, official, first)
    services.publish(session, official, closed)

    correction = services.correct(
        session, responder, first, Disposition.PARTLY_ADOPTED, "Toch deels.", "Verkeerd gelezen."
    )
    assert [link.comment_id for link in correction.links] == [c.id for c in comments]
    services.approve(session, official, correction)
    services.publish(session, official, closed)

    assert first.superseded_at is not None
    assert not first.is_current
    assert correction.is_current
    assert services.history(session, comments[0]) == [correction, first]


def test_the_database_refuses_to_edit_a_published_answer(session, closed, in_app):
    responder, official = _team(session)
    comment = factories.submission(session, closed).comments[0]
    answer = services.draft_answer(session, responder, closed, [comment], Disposition.NOTED, "x")
    services.approve(session, official, answer)
    services.publish(session, official, closed)
    with pytest.raises(DatabaseError, match="published answer"), session.begin_nested():
        session.execute(text("UPDATE answers SET reason = 'y' WHERE id = :id"), {"id": answer.id})
    with pytest.raises(DatabaseError, match="never deleted"), session.begin_nested():
        session.execute(text("DELETE FROM answers WHERE id = :id"), {"id": answer.id})
    with pytest.raises(DatabaseError, match="never removed"), session.begin_nested():
        session.execute(
            text("DELETE FROM answered_comments WHERE answer_id = :id"), {"id": answer.id}
        )
