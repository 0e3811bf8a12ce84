"""The answering workspace as the team uses it: list, filters, drafting, approving, publishing."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, select

from consult import jobs
from consult.comments import codes
from consult.comments.models import Comment, Submission, SubmissionState
from consult.consultations.models import ConsultationState
from consult.db import utcnow
from consult.extensions import db
from consult.responses.answers import notify, services
from consult.responses.models import (
    Answer,
    AnswerState,
    Disposition,
)
from tests import factories
from tests.conftest import csrf_token, log_in, submit_form
from tests.responses.workspace_world import (
    World,
    build_world,
    text_of,
)


@pytest.fixture
def world(session) -> World:
    return build_world(session)


def reread(session, answer: Answer) -> Answer | None:
    session.expire_all()
    return session.get(Answer, answer.id)


def draft(session, world: World, comments, disposition=Disposition.NOTED, reason="", by=None):
    return services.draft_answer(
        session, by or world.responder, world.consultation, comments, disposition, reason
    )


# -- the list ----------------------------------------------------------------------------------


def test_the_list_shows_every_comment_with_what_the_team_needs(english_client, session, world):
    log_in(english_client, world.responder.email)
    response = english_client.get(world.base)
    assert response.status_code == 200
    page = text_of(response)
    assert "3 comments, 3 not answered yet" in page
    assert "Er moet meer hulp op school komen." in page
    assert codes.display(world.school.submission.tracking_code) in page
    assert world.school.submission.municipality.name in page
    assert "2 Wat we willen bereiken" in page  # the section
    assert "Young person (12 to 15 years)" in page
    assert "The document as a whole" in page
    assert "The submission has one or more attachments." in page
    # A hidden comment is shown to the team, marked, with the reason and the note.
    assert "Die wethouder is een sukkel." in page
    assert "Hidden by moderation Offensive or abusive language: Scheldwoord." in page
    # Every comment can be selected (a labelled checkbox) or answered on its own (a link).
    body = response.get_data(as_text=True)
    for comment in (world.school, world.young, world.hidden):
        assert f'name="comment" value="{comment.id}" id="kies-{comment.id}"' in body
        assert f'for="kies-{comment.id}"' in body
    assert page.count("Answer this comment") == 3
    # The selection form goes to the new-answer page by GET, so it needs no JavaScript.
    assert re.search(r'<form method="get" action="[^"]*/antwoorden/nieuw"', body)
    # The grouping of similar comments is one tab away.
    groups = world.base.removesuffix("/antwoorden") + "/groepen"
    assert f'<a class="utrecht-link" href="{groups}">Similar comments</a>' in body


def test_the_list_shows_answer_state_and_disposition(english_client, session, world):
    draft(session, world, [world.young], Disposition.NOT_ADOPTED, "Dat kan niet.")
    published = draft(session, world, [world.school], Disposition.ADOPTED, "Ja.")
    services.approve(session, world.official, published)
    services.publish(session, world.official, world.consultation, [published])
    session.flush()
    log_in(english_client, world.responder.email)
    page = text_of(english_client.get(world.base))
    assert "3 comments, 1 not answered yet" in page
    assert "Draft, waiting for approval Not adopted" in page
    assert "Published Adopted" in page
    assert "See the draft" in page
    # Not answered first, then in progress, then published.
    body = english_client.get(world.base).get_data(as_text=True)
    assert (
        body.index(f'id="reactie-{world.hidden.id}"')
        < body.index(f'id="reactie-{world.young.id}"')
        < body.index(f'id="reactie-{world.school.id}"')
    )


def test_filters_work_by_get_and_can_be_cleared(english_client, session, world):
    log_in(english_client, world.responder.email)
    response = english_client.get(world.base + "?groep=young_person&status=wachtend")
    page = text_of(response)
    assert "1 comment matches the filters, 1 not answered yet" in page
    assert "De wachtlijsten zijn te lang." in page
    assert "Er moet meer hulp op school komen." not in page
    body = response.get_data(as_text=True)
    assert re.search(r'<option selected value="young_person">', body)
    assert f'href="{world.base}">Clear filters</a>' in body
    # Every filter has a label.
    for name in ("q", "status", "onderdeel", "groep", "leeftijd", "afhandeling", "verborgen"):
        assert f'<label class="utrecht-form-label" for="{name}">' in body
    assert '<label class="utrecht-form-label" for="bijlage">' in body

    hidden = text_of(english_client.get(world.base + "?verborgen=ja"))
    assert "Die wethouder is een sukkel." in hidden
    assert "Er moet meer hulp op school komen." not in hidden
    with_attachment = text_of(english_client.get(world.base + "?bijlage=ja&onderdeel=algemeen"))
    assert "1 comment matches the filters" in with_attachment


def test_search_from_the_page(english_client, session, world):
    log_in(english_client, world.responder.email)
    page = text_of(english_client.get(world.base + "?q=school+hulp"))
    assert "1 comment matches the filters" in page
    assert "Er moet meer hulp op school komen." in page
    assert "De wachtlijsten zijn te lang." not in page


def test_unknown_filter_values_are_ignored(english_client, session, world):
    log_in(english_client, world.responder.email)
    response = english_client.get(
        world.base + "?groep=martians&status=weird&leeftijd=99&afhandeling=x"
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "3 comments, 3 not answered yet" in page
    assert "Not a valid choice" not in page


def test_empty_states(english_client, session, world):
    log_in(english_client, world.responder.email)
    page = text_of(english_client.get(world.base + "?q=olifant"))
    assert "No comments match these filters." in page
    assert "Clear filters" in page
    empty = factories.consultation(session, state="closed", opens_in_days=-9, closes_in_days=-1)
    page = text_of(english_client.get(f"/regios/JZ22/beheer/consultaties/{empty.slug}/antwoorden"))
    assert "There are no comments to answer yet." in page


def test_the_list_pages_by_50_and_keeps_the_filters(english_client, session, world):
    for n in range(52):
        factories.submission(session, world.consultation, [(None, f"Bulk nummer {n}.")])
    log_in(english_client, world.responder.email)
    first = english_client.get(world.base + "?status=wachtend")
    page = text_of(first)
    assert "55 comments match the filters" in page
    assert "Page 1 of 2" in page
    assert page.count("Answer this comment") == 50
    assert "?status=wachtend&amp;pagina=2" in first.get_data(as_text=True) or (
        "pagina=2&amp;status=wachtend" in first.get_data(as_text=True)
    )
    second = text_of(english_client.get(world.base + "?status=wachtend&pagina=2"))
    assert second.count("Answer this comment") == 5
    assert "Bulk nummer 51." in second


def test_a_comment_in_a_group_shows_the_group(english_client, session, world):
    group = factories.comment_group(
        session, world.consultation, [world.school, world.hidden], similarity=[1.0, 0.93]
    )
    log_in(english_client, world.responder.email)
    response = english_client.get(world.base)
    assert "In a group of 2 comments (similarity 93%)" in text_of(response)
    group_page = f"/regios/JZ22/beheer/consultaties/{world.consultation.slug}/groepen/{group.id}"
    assert response.get_data(as_text=True).count(f'href="{group_page}"') == 2


def _bulk(session, consultation, count: int, sections, municipality_id=None) -> list[int]:
    """``count`` confirmed comments, inserted in bulk; every 5th hidden."""
    now = utcnow()
    group = factories.stakeholder_group(session, "parent")
    submissions = [
        {
            "consultation_id": consultation.id,
            "tracking_code": codes.new_tracking_code(),
            "idempotency_key": secrets.token_hex(8),
            "stakeholder_group_id": group.id,
            "municipality_id": municipality_id,
            "organisation_verified": False,
            "publish_text": True,
            "publish_name": False,
            "state": SubmissionState.CONFIRMED,
            "received_at": now,
            "confirmed_at": now,
            "content_hash": "0" * 64,
        }
        for _ in range(count)
    ]
    ids = list(session.scalars(insert(Submission).returning(Submission.id), submissions))
    rows = [
        {
            "submission_id": submission_id,
            "consultation_id": consultation.id,
            "section_id": sections[n % len(sections)].id if n % 3 else None,
            "position": 1,
            "body": f"Bulkreactie {n}",
            "created_at": now,
            "is_public": n % 5 != 0,
            "hidden_at": now if n % 5 == 0 else None,
        }
        for n, submission_id in enumerate(ids)
    ]
    session.execute(insert(Comment), rows)
    session.flush()
    return ids


def _queries_for(app, client, path: str) -> int:
    statements: list[str] = []
    engine = db.state(app).engine

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    # Data queries only: the test's savepoints (and a rollback of one when an earlier test's
    # session is collected) are not the page's doing.
    transaction = ("SAVEPOINT", "RELEASE", "ROLLBACK")
    return len([s for s in statements if not s.lstrip().upper().startswith(transaction)])


@pytest.mark.usefixtures("quiet_housekeeping")
def test_query_count_does_not_grow_with_the_comments(app, english_client, session, world):
    """Three comments or 123: the same queries, whatever each row shows (answers, groups...)."""
    sections = world.consultation.version.sections
    factories.attachment(session, world.school.submission)
    published = draft(session, world, [world.school], Disposition.ADOPTED, "Ja.")
    services.approve(session, world.official, published)
    services.publish(session, world.official, world.consultation, [published])
    draft(session, world, [world.young])
    session.flush()
    log_in(english_client, world.responder.email)
    english_client.get(world.base)  # warm up
    few = _queries_for(app, english_client, world.base)

    municipality_id = world.school.submission.municipality_id
    submission_ids = _bulk(session, world.consultation, 120, sections, municipality_id)
    comments = session.scalars(
        select(Comment).where(Comment.submission_id.in_(submission_ids)).order_by(Comment.id)
    ).all()
    # Answered in groups of six, as a campaign would be, and published; a page of rows with
    # every kind of state, section, group and municipality.
    for n in range(0, len(comments), 6):
        answer = draft(session, world, comments[n : n + 6], Disposition.NOTED, f"Antwoord {n}")
        services.approve(session, world.official, answer)
        services.publish(session, world.official, world.consultation, [answer])
    for submission in session.scalars(
        select(Submission).where(Submission.id.in_(submission_ids[::7]))
    ):
        factories.attachment(session, submission)
    session.flush()
    many = _queries_for(app, english_client, world.base)
    page = text_of(english_client.get(world.base))
    assert "123 comments, 1 not answered yet" in page
    assert page.count("Bulkreactie") == 47  # a page of 50: 3 of the world's, 47 of the bulk
    assert few == many, (few, many)
    assert few <= 20


# -- drafting ----------------------------------------------------------------------------------


def test_answering_two_comments_together(english_client, session, world):
    log_in(english_client, world.responder.email)
    url = world.new_url(world.school, world.young) + "&terug=" + world.base + "%3Fgroep%3Dparent"
    page = english_client.get(url)
    assert page.status_code == 200
    text = text_of(page)
    assert "Answer 2 comments together" in text
    assert "Er moet meer hulp op school komen." in text
    assert "De wachtlijsten zijn te lang." in text
    # Each disposition with what it means for the participant.
    for disposition in Disposition:
        assert str(disposition.explanation) in text
    body = page.get_data(as_text=True)
    assert f'<input type="hidden" name="comment" value="{world.school.id}">' in body
    assert f'<input type="hidden" name="comment" value="{world.young.id}">' in body

    response = english_client.post(
        world.base + "/nieuw",
        data={
            "comment": [world.school.id, world.young.id],
            "disposition": "partly_adopted",
            "reason": "We nemen een deel over in hoofdstuk 2.",
            "terug": world.base + "?groep=parent",
            "csrf_token": csrf_token(english_client, url),
        },
    )
    assert response.status_code == 302
    assert response.location.endswith(world.base + "?groep=parent")
    answer = session.scalars(select(Answer)).one()
    assert answer.state is AnswerState.DRAFT
    assert answer.disposition is Disposition.PARTLY_ADOPTED
    assert answer.drafted_by_id == world.responder.id
    assert sorted(link.comment_id for link in answer.links) == sorted(
        [world.school.id, world.young.id]
    )
    assert "The draft answer to 2 comments is saved." in text_of(english_client.get(world.base))


def test_not_adopted_needs_a_reason_and_what_was_typed_is_kept(english_client, session, world):
    log_in(english_client, world.responder.email)
    url = world.new_url(world.school)
    response = submit_form(
        english_client,
        url,
        {"comment": [world.school.id], "disposition": "not_adopted", "reason": "  "},
        action=world.base + "/nieuw",
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "Please correct the following" in page
    assert "Explain why the comment is not adopted; the person who wrote it reads this." in page
    body = response.get_data(as_text=True)
    assert re.search(
        r'<input[^>]*checked[^>]*value="not_adopted"|value="not_adopted"[^>]*checked', body
    )
    assert 'aria-invalid="true"' in body
    assert "Er moet meer hulp op school komen." in page  # the comment is still shown
    assert session.scalars(select(Answer)).all() == []

    response = submit_form(
        english_client,
        url,
        {"comment": [world.school.id], "disposition": "", "reason": "Mijn uitleg."},
        action=world.base + "/nieuw",
    )
    assert "Choose what you do with the comment." in text_of(response)
    assert "Mijn uitleg." in response.get_data(as_text=True)


def test_answering_a_group_by_its_id(english_client, session, world):
    group = factories.comment_group(
        session, world.consultation, [world.school, world.young], similarity=[1.0, 0.9]
    )
    log_in(english_client, world.responder.email)
    page = text_of(english_client.get(f"{world.base}/nieuw?groep={group.id}"))
    assert "Answer 2 comments together" in page


def test_choosing_nothing_goes_back_with_a_message(english_client, session, world):
    log_in(english_client, world.responder.email)
    response = english_client.get(world.base + "/nieuw", follow_redirects=True)
    assert "Choose at least one comment to answer." in text_of(response)


def test_a_comment_with_an_answer_cannot_get_a_second_one(english_client, session, world):
    existing = draft(session, world, [world.school])
    session.flush()
    log_in(english_client, world.responder.email)
    url = world.new_url(world.school, world.young)
    page = text_of(english_client.get(url))
    assert "This comment already has an answer (draft, waiting for approval)." in page
    response = submit_form(
        english_client,
        url,
        {"comment": [world.school.id, world.young.id], "disposition": "noted", "reason": ""},
        action=world.base + "/nieuw",
    )
    assert "1 of these comments already has an answer." in text_of(response)
    assert session.scalars(select(Answer)).all() == [existing]


def test_the_back_link_stays_on_the_site(english_client, session, world):
    log_in(english_client, world.responder.email)
    response = submit_form(
        english_client,
        world.new_url(world.school),
        {
            "comment": [world.school.id],
            "disposition": "noted",
            "reason": "",
            "terug": "https://evil.example/antwoorden",
        },
        action=world.base + "/nieuw",
    )
    assert response.status_code == 302
    assert response.location == world.base


# -- one answer, approving ---------------------------------------------------------------------


def test_the_answer_page_and_approval_by_a_second_official(english_client, session, world):
    answer = draft(session, world, [world.school, world.hidden], Disposition.ADOPTED, "Goed.")
    session.flush()
    log_in(english_client, world.responder.email)
    page = text_of(english_client.get(world.answer_url(answer.id)))
    assert f"Answer {answer.id}" in page
    assert "Draft, waiting for approval" in page
    assert f"Drafted by {world.responder.email}" in page
    assert "The 2 comments it answers" in page
    assert "Die wethouder is een sukkel." in page
    assert "Only an official of the region can approve answers" in page
    assert "Approve this answer" not in page
    assert "Link changed sections" not in page  # officials link sections

    english_client.post(
        "/account/uitloggen", data={"csrf_token": csrf_token(english_client, world.base)}
    )
    log_in(english_client, world.official.email)
    response = english_client.get(world.answer_url(answer.id))
    page = text_of(response)
    assert "Approve this answer" in page
    assert "Link changed sections" in page
    assert f'href="{world.answer_url(answer.id, "secties")}"' in response.get_data(as_text=True)
    response = submit_form(
        english_client,
        world.answer_url(answer.id),
        {},
        action=world.answer_url(answer.id, "goedkeuren"),
    )
    assert response.status_code == 302
    approved = reread(session, answer)
    assert approved.state is AnswerState.APPROVED
    assert approved.approved_by_id == world.official.id
    assert approved.self_approved is False
    page = text_of(english_client.get(world.answer_url(answer.id)))
    assert "Approved by Anne Ambtenaar" in page
    assert "This answer is approved and waits to be published." in page


def test_the_drafter_is_told_someone_else_must_approve(english_client, session, world):
    answer = draft(session, world, [world.school], by=world.official)
    session.flush()
    log_in(english_client, world.official.email)
    page = text_of(english_client.get(world.answer_url(answer.id)))
    assert "You drafted this answer, so someone else must approve it." in page
    assert "Approve this answer" not in page


def test_self_approval_when_the_region_allows_it(english_client, session, world):
    world.consultation.region.allow_self_approval = True
    answer = draft(session, world, [world.school], by=world.official)
    session.flush()
    log_in(english_client, world.official.email)
    response = submit_form(
        english_client,
        world.answer_url(answer.id),
        {},
        action=world.answer_url(answer.id, "goedkeuren"),
        follow_redirects=True,
    )
    assert "You approved your own answer, as the region allows." in text_of(response)
    assert reread(session, answer).self_approved is True
    assert "approved by the drafter, as the region allows" in text_of(response)


def test_changing_a_draft_and_taking_a_comment_out(english_client, session, world):
    answer = draft(session, world, [world.school, world.young], Disposition.NOTED, "")
    services.approve(session, world.official, answer)
    session.flush()
    log_in(english_client, world.responder.email)
    edit = world.answer_url(answer.id, "wijzigen")
    page = text_of(english_client.get(edit))
    assert "This answer was already approved. When you change it, it needs approval again." in page
    response = submit_form(
        english_client,
        edit,
        {"comment": [world.school.id], "disposition": "adopted", "reason": "Toch overgenomen."},
    )
    assert response.status_code == 302
    changed = reread(session, answer)
    assert changed.state is AnswerState.DRAFT
    assert changed.approved_by_id is None
    assert changed.disposition is Disposition.ADOPTED
    assert [link.comment_id for link in changed.links] == [world.school.id]

    # Taking every comment out is refused with a message; nothing changes.
    response = submit_form(english_client, edit, {"disposition": "adopted", "reason": "x"})
    assert "Choose at least one comment to answer." in text_of(response)
    assert [link.comment_id for link in reread(session, answer).links] == [world.school.id]


def test_discarding_a_draft_asks_first(english_client, session, world):
    answer = draft(session, world, [world.school, world.young])
    session.flush()
    log_in(english_client, world.responder.email)
    url = world.answer_url(answer.id, "verwijderen")
    page = text_of(english_client.get(url))
    assert "Remove this draft? The 2 comments it covers wait for an answer again." in page
    assert reread(session, answer) is not None
    response = submit_form(english_client, url, {}, follow_redirects=True)
    assert "The draft answer is removed. 2 comments wait for an answer again." in text_of(response)
    assert session.scalars(select(Answer)).all() == []


def test_correcting_a_published_answer(english_client, session, world):
    answer = draft(session, world, [world.school], Disposition.ADOPTED, "Ja.")
    services.approve(session, world.official, answer)
    services.publish(session, world.official, world.consultation, [answer])
    session.flush()
    log_in(english_client, world.responder.email)
    page = text_of(english_client.get(world.answer_url(answer.id)))
    assert "Correct this published answer" in page
    assert "Change the draft" not in page
    url = world.answer_url(answer.id, "corrigeren")
    response = submit_form(
        english_client, url, {"disposition": "partly_adopted", "reason": "Deels.", "note": ""}
    )
    assert "Say what you corrected and why." in text_of(response)
    response = submit_form(
        english_client,
        url,
        {"disposition": "partly_adopted", "reason": "Deels.", "note": "Verkeerd gelezen."},
        follow_redirects=True,
    )
    page = text_of(response)
    assert "The correction is saved as a draft." in page
    correction = session.scalars(select(Answer).where(Answer.supersedes_id == answer.id)).one()
    assert correction.state is AnswerState.DRAFT
    assert correction.correction_note == "Verkeerd gelezen."
    assert f"Corrects answer {answer.id}" in page
    assert "Verkeerd gelezen." in page
    old = text_of(english_client.get(world.answer_url(answer.id)))
    assert f"A correction is being prepared by {world.responder.email}: answer {correction.id}" in (
        old
    )
    # The old answer still stands until the correction is published.
    assert reread(session, answer).is_current
    # A second correction is not started while one is being drafted.
    assert english_client.get(url).status_code == 302


def test_a_published_answer_cannot_be_edited_or_discarded(english_client, session, world):
    answer = draft(session, world, [world.school])
    services.approve(session, world.official, answer)
    services.publish(session, world.official, world.consultation, [answer])
    session.flush()
    log_in(english_client, world.official.email)
    for action in ("wijzigen", "verwijderen"):
        assert english_client.get(world.answer_url(answer.id, action)).status_code == 302
        response = submit_form(
            english_client,
            world.answer_url(answer.id),
            {"disposition": "adopted", "reason": "x", "comment": [world.school.id]},
            action=world.answer_url(answer.id, action),
            follow_redirects=True,
        )
        assert "publish a correction instead" in text_of(response)
    assert reread(session, answer).state is AnswerState.PUBLISHED
    assert reread(session, answer).disposition is Disposition.NOTED


# -- the approval queue and publishing ---------------------------------------------------------


def test_the_queue_lists_what_the_official_may_approve_first(english_client, session, world):
    own = draft(session, world, [world.school], by=world.official)
    others = draft(session, world, [world.young], Disposition.ADOPTED, "Ja.")
    ready = draft(session, world, [world.hidden])
    services.approve(session, world.second_official, ready)
    session.flush()
    log_in(english_client, world.official.email)
    response = english_client.get(world.base + "/goedkeuring")
    body = response.get_data(as_text=True)
    page = text_of(response)
    assert body.index(f'id="antwoord-{others.id}"') < body.index(f'id="antwoord-{own.id}"')
    assert "You drafted this answer, so someone else must approve it." in page
    assert page.count("Approve answer") == 1
    assert "Publish 1 approved answer" in page
    assert "1 draft" not in page  # tabs say "2 drafts, 1 approved"
    assert "2 drafts, 1 approved" in page


def test_a_responder_sees_the_queue_without_buttons(english_client, session, world):
    answer = draft(session, world, [world.school], by=world.official)
    services.approve(session, world.second_official, answer)
    draft(session, world, [world.young])
    session.flush()
    log_in(english_client, world.responder.email)
    page = text_of(english_client.get(world.base + "/goedkeuring"))
    assert "Publish 1 approved answer" not in page
    assert "An official of the region publishes approved answers." in page
    assert "Approve answer" not in page


def test_publishing_with_a_confirmation_step(english_client, session, world, outbox):
    mailed = factories.submission(
        session, world.consultation, [(None, "Graag een antwoord per mail.")], email="p@example.org"
    )
    answers = []
    for comment in (world.school, world.young, world.hidden, mailed.comments[0]):
        answer = draft(session, world, [comment], Disposition.NOTED, "Gelezen.")
        services.approve(session, world.official, answer)
        answers.append(answer)
    session.flush()
    log_in(english_client, world.second_official.email)
    url = world.base + "/publiceren"
    page = text_of(english_client.get(url))
    assert "Publish 4 approved answers? Together they answer 4 comments." in page
    assert all(reread(session, a).state is AnswerState.APPROVED for a in answers)

    response = submit_form(
        english_client, url, {"answer": [a.id for a in answers]}, follow_redirects=True
    )
    page = text_of(response)
    assert "4 answers published." in page
    assert "Every comment now has a published answer: the consultation is answered." in page
    session.expire_all()
    assert all(session.get(Answer, a.id).state is AnswerState.PUBLISHED for a in answers)
    assert all(
        session.get(Answer, a.id).published_by_id == world.second_official.id for a in answers
    )
    assert world.consultation.state is ConsultationState.ANSWERED
    # The job that mails the participants was made after the answers were committed and (in
    # tests, at once) ran: the one participant who left an address got one email.
    job = jobs.latest(session, notify.KIND, f"consultation:{world.consultation.id}")
    assert job is not None
    assert job.state is jobs.JobState.DONE
    assert len(outbox.to("p@example.org")) == 1
    assert len(outbox.messages) == 1


def test_publishing_is_refused_while_the_consultation_is_open(english_client, session, world):
    # Open until next week: with a closing moment in the past the clock would close it on
    # the first page view, whenever it last ran.
    world.consultation.state = ConsultationState.OPEN
    world.consultation.closes_at = utcnow() + timedelta(days=7)
    answer = draft(session, world, [world.school])
    services.approve(session, world.official, answer)
    session.flush()
    log_in(english_client, world.official.email)
    queue = text_of(english_client.get(world.base + "/goedkeuring"))
    assert "Answers are published after the consultation has closed." in queue
    assert "Publish 1 approved answer" not in queue
    page = text_of(english_client.get(world.base + "/publiceren"))
    assert "Answers are published after the consultation has closed." in page
    assert "Yes, publish" not in page
    response = submit_form(
        english_client,
        world.base + "/goedkeuring",
        {"answer": [answer.id]},
        action=world.base + "/publiceren",
        follow_redirects=True,
    )
    assert "Answers are published after the consultation has closed." in text_of(response)
    assert reread(session, answer).state is AnswerState.APPROVED


def test_publishing_what_changed_since_the_confirmation_is_refused(english_client, session, world):
    first = draft(session, world, [world.school])
    services.approve(session, world.official, first)
    session.flush()
    log_in(english_client, world.official.email)
    url = world.base + "/publiceren"
    token = csrf_token(english_client, url)
    # Someone approves another answer before the official presses the button.
    second = draft(session, world, [world.young])
    services.approve(session, world.second_official, second)
    session.flush()
    response = english_client.post(
        url, data={"answer": [first.id], "csrf_token": token}, follow_redirects=True
    )
    assert "The approved answers changed while you looked." in text_of(response)
    assert reread(session, first).state is AnswerState.APPROVED


# -- links from the consultation page and the region setting -----------------------------------


def test_the_consultation_page_links_to_the_workspace_with_the_waiting_count(
    english_client, session, world
):
    draft(session, world, [world.school])
    session.flush()
    path = f"/regios/JZ22/beheer/consultaties/{world.consultation.id}"
    log_in(english_client, world.responder.email)
    response = english_client.get(path)
    assert "Answer comments (2 waiting)" in text_of(response)
    assert f'href="{world.base}"' in response.get_data(as_text=True)
    report = f"/regios/JZ22/beheer/consultaties/{world.consultation.slug}/reactienota"
    assert f'href="{report}"' in response.get_data(as_text=True)

    english_client.post("/account/uitloggen", data={"csrf_token": csrf_token(english_client, path)})
    log_in(english_client, world.moderator.email)
    page = text_of(english_client.get(path))
    assert "Answer comments" not in page


def test_officials_switch_self_approval_on_and_off(english_client, session, world):
    region = world.consultation.region
    log_in(english_client, world.official.email)
    assert "Settings: approving answers" in text_of(english_client.get("/regios/JZ22/beheer"))
    url = "/regios/JZ22/beheer/instellingen"
    page = text_of(english_client.get(url))
    assert "off by default" in page
    assert "the reactienota says that the region allowed it" in page
    assert "Now: a second person approves every answer." in page

    response = submit_form(english_client, url, {"allow": "y"}, follow_redirects=True)
    assert "Officials may now approve answers they drafted themselves." in text_of(response)
    session.expire_all()
    assert region.allow_self_approval is True
    assert "This region allows officials to approve answers they drafted themselves." in (
        text_of(english_client.get(world.base + "/goedkeuring"))
    )

    response = submit_form(english_client, url, {}, follow_redirects=True)
    assert "Every answer must again be approved by a second person." in text_of(response)
    session.expire_all()
    assert region.allow_self_approval is False
