"""Who may answer, approve and publish, and nobody for another region (CVE-2026-40869).

Decidim let anyone accept amendments by sending the right id. Here every answer and comment
id is looked up within the consultation of the URL, and that consultation within the region
of the URL, which the person must work for: a right id in a wrong URL finds nothing.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.responses.answers import services
from consult.responses.models import Answer, AnswerState, Disposition
from tests import factories
from tests.conftest import csrf_token, log_in, submit_form
from tests.responses.workspace_world import World, build_world, text_of


@pytest.fixture
def world(session) -> World:
    return build_world(session)


def reread(session, answer: Answer) -> Answer | None:
    session.expire_all()
    return session.get(Answer, answer.id)


def draft(session, world: World, comments=None, by=None) -> Answer:
    answer = services.draft_answer(
        session,
        by or world.responder,
        world.consultation,
        comments or [world.school],
        Disposition.NOTED,
        "Gelezen.",
    )
    session.flush()
    return answer


def pages(world: World, answer: Answer) -> list[str]:
    return [
        world.base,
        world.new_url(world.school),
        world.answer_url(answer.id),
        world.answer_url(answer.id, "wijzigen"),
        world.answer_url(answer.id, "verwijderen"),
        world.answer_url(answer.id, "corrigeren"),
        world.base + "/goedkeuring",
        world.base + "/publiceren",
    ]


def posts(world: World, answer: Answer) -> list[str]:
    return [
        world.base + "/nieuw",
        world.answer_url(answer.id, "wijzigen"),
        world.answer_url(answer.id, "verwijderen"),
        world.answer_url(answer.id, "goedkeuren"),
        world.answer_url(answer.id, "corrigeren"),
        world.base + "/publiceren",
    ]


# -- who may open the workspace -------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(english_client, session, world):
    answer = draft(session, world)
    for url in pages(world, answer):
        response = english_client.get(url)
        assert response.status_code == 302, url
        assert response.location.startswith("/account/inloggen"), url


@pytest.mark.parametrize("who", ["moderator", "participant", "other_official"])
def test_others_find_nothing_and_can_draft_nothing(english_client, session, world, who):
    answer = draft(session, world)
    person = getattr(world, who)
    log_in(english_client, person.email)
    for url in pages(world, answer):
        assert english_client.get(url).status_code == 404, (who, url)
    token = csrf_token(english_client, "/account/")
    for url in posts(world, answer):
        response = english_client.post(
            url,
            data={
                "comment": [world.young.id],
                "answer": [answer.id],
                "disposition": "adopted",
                "reason": "Ja.",
                "note": "x",
                "csrf_token": token,
            },
        )
        assert response.status_code == 404, (who, url)
    answers = session.scalars(select(Answer)).all()
    assert answers == [answer]
    assert reread(session, answer).state is AnswerState.DRAFT
    assert reread(session, answer).disposition is Disposition.NOTED


def test_the_consultation_slug_under_another_regions_code_is_not_found(
    english_client, session, world
):
    log_in(english_client, world.official.email)
    assert english_client.get(world.base).status_code == 200
    wrong = f"/regios/JZ24/beheer/consultaties/{world.consultation.slug}/antwoorden"
    assert english_client.get(wrong).status_code == 404
    assert english_client.get("/regios/XX99/beheer/consultaties/x/antwoorden").status_code == 404


# -- responders draft; officials approve and publish ----------------------------------------------


def test_a_responder_drafts_but_cannot_approve_or_publish(english_client, session, world):
    log_in(english_client, world.responder.email)
    response = submit_form(
        english_client,
        world.new_url(world.school),
        {"comment": [world.school.id], "disposition": "noted", "reason": ""},
        action=world.base + "/nieuw",
    )
    assert response.status_code == 302
    answer = session.scalars(select(Answer)).one()
    assert answer.drafted_by_id == world.responder.id

    response = submit_form(
        english_client,
        world.answer_url(answer.id),
        {},
        action=world.answer_url(answer.id, "goedkeuren"),
    )
    assert response.status_code == 403
    assert reread(session, answer).state is AnswerState.DRAFT

    services.approve(session, world.official, answer)
    session.flush()
    assert english_client.get(world.base + "/publiceren").status_code == 403
    response = submit_form(
        english_client,
        world.base + "/goedkeuring",
        {"answer": [answer.id]},
        action=world.base + "/publiceren",
    )
    assert response.status_code == 403
    assert reread(session, answer).state is AnswerState.APPROVED


def test_the_drafter_cannot_approve_their_own_answer(english_client, session, world):
    answer = draft(session, world, by=world.official)
    log_in(english_client, world.official.email)
    response = submit_form(
        english_client,
        world.answer_url(answer.id),
        {},
        action=world.answer_url(answer.id, "goedkeuren"),
    )
    assert response.status_code == 403
    assert reread(session, answer).state is AnswerState.DRAFT

    # Whoever changes an approved answer becomes its drafter, and cannot approve it either.
    other = draft(session, world, [world.young], by=world.responder)
    services.approve(session, world.official, other)
    session.flush()
    submit_form(
        english_client,
        world.answer_url(other.id, "wijzigen"),
        {"comment": [world.young.id], "disposition": "adopted", "reason": "Nu wel."},
    )
    assert reread(session, other).state is AnswerState.DRAFT
    response = submit_form(
        english_client,
        world.answer_url(other.id),
        {},
        action=world.answer_url(other.id, "goedkeuren"),
    )
    assert response.status_code == 403


def test_the_drafter_may_approve_when_the_region_allows_it(english_client, session, world):
    world.consultation.region.allow_self_approval = True
    answer = draft(session, world, by=world.official)
    log_in(english_client, world.official.email)
    response = submit_form(
        english_client,
        world.answer_url(answer.id),
        {},
        action=world.answer_url(answer.id, "goedkeuren"),
    )
    assert response.status_code == 302
    assert reread(session, answer).self_approved is True
    # A responder still may not, whatever the setting.
    other = draft(session, world, [world.young], by=world.responder)
    english_client.post(
        "/account/uitloggen", data={"csrf_token": csrf_token(english_client, world.base)}
    )
    log_in(english_client, world.responder.email)
    response = submit_form(
        english_client,
        world.answer_url(other.id),
        {},
        action=world.answer_url(other.id, "goedkeuren"),
    )
    assert response.status_code == 403


# -- CVE-2026-40869: another region's ids in one's own URLs -------------------------------------


def test_an_official_of_another_region_cannot_act_on_this_regions_answers(
    english_client, session, world
):
    """Region B's official, with region A's answer id in region B's own URLs: 404 each time."""
    answer = draft(session, world)
    approved = draft(session, world, [world.young])
    services.approve(session, world.second_official, approved)
    session.flush()
    log_in(english_client, world.other_official.email)
    assert english_client.get(world.other_base).status_code == 200  # their own workspace
    token = csrf_token(english_client, world.other_base)
    for action in ("", "wijzigen", "verwijderen", "corrigeren"):
        url = world.answer_url(answer.id, action, base=world.other_base)
        assert english_client.get(url).status_code == 404, url
    for action in ("goedkeuren", "verwijderen", "wijzigen", "corrigeren"):
        url = world.answer_url(answer.id, action, base=world.other_base)
        response = english_client.post(
            url,
            data={
                "csrf_token": token,
                "disposition": "adopted",
                "reason": "Gekaapt.",
                "note": "x",
                "comment": [world.school.id],
            },
        )
        assert response.status_code == 404, url
    # Publishing in their own consultation, with region A's approved answer id.
    response = english_client.post(
        world.other_base + "/publiceren",
        data={"csrf_token": token, "answer": [approved.id]},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "The approved answers changed while you looked." in text_of(response)

    assert reread(session, answer).state is AnswerState.DRAFT
    assert reread(session, answer).reason == "Gelezen."
    assert reread(session, approved).state is AnswerState.APPROVED
    assert reread(session, approved).published_at is None


def test_another_regions_comments_cannot_be_answered_from_ones_own_url(
    english_client, session, world
):
    log_in(english_client, world.other_official.email)
    new = f"{world.other_base}/nieuw"
    response = english_client.get(f"{new}?comment={world.school.id}", follow_redirects=True)
    assert "Choose at least one comment to answer." in text_of(response)
    response = english_client.post(
        new,
        data={
            "csrf_token": csrf_token(english_client, world.other_base),
            "comment": [world.school.id, world.young.id],
            "disposition": "noted",
            "reason": "",
        },
    )
    assert response.status_code == 200
    assert "Choose at least one comment to answer." in text_of(response)
    # Mixed with one of their own: only their own is answered.
    response = english_client.post(
        new,
        data={
            "csrf_token": csrf_token(english_client, world.other_base),
            "comment": [world.school.id, world.other_comment.id],
            "disposition": "noted",
            "reason": "",
        },
    )
    assert response.status_code == 302
    answer = session.scalars(select(Answer)).one()
    assert answer.consultation_id == world.other_consultation.id
    assert [link.comment_id for link in answer.links] == [world.other_comment.id]


def test_a_group_id_of_another_consultation_selects_nothing(english_client, session, world):
    group = factories.comment_group(session, world.consultation, [world.school])
    log_in(english_client, world.other_official.email)
    response = english_client.get(
        f"{world.other_base}/nieuw?groep={group.id}", follow_redirects=True
    )
    assert "Choose at least one comment to answer." in text_of(response)
    assert "Er moet meer hulp op school komen." not in text_of(response)


# -- CSRF and escaping ----------------------------------------------------------------------------


def test_every_post_without_a_csrf_token_is_refused(english_client, session, world):
    answer = draft(session, world)
    published = draft(session, world, [world.young])
    services.approve(session, world.second_official, published)
    services.publish(session, world.second_official, world.consultation, [published])
    approved = draft(session, world, [world.hidden], by=world.second_official)
    services.approve(session, world.official, approved)
    session.flush()
    log_in(english_client, world.official.email)
    data = {"comment": [world.school.id], "disposition": "adopted", "reason": "Ja.", "note": "x"}
    for url in [
        world.base + "/nieuw",
        world.answer_url(answer.id, "wijzigen"),
        world.answer_url(answer.id, "verwijderen"),
        world.answer_url(answer.id, "goedkeuren"),
        world.answer_url(published.id, "corrigeren"),
        world.base + "/publiceren",
        "/regios/JZ22/beheer/instellingen",
    ]:
        response = english_client.post(url, data={**data, "answer": [approved.id], "allow": "y"})
        assert response.status_code == 400, url
    assert reread(session, answer).state is AnswerState.DRAFT
    assert reread(session, answer).disposition is Disposition.NOTED
    assert reread(session, approved).state is AnswerState.APPROVED
    assert session.scalars(select(Answer).where(Answer.supersedes_id == published.id)).all() == []
    assert world.consultation.region.allow_self_approval is False


def test_comment_and_answer_text_are_escaped(english_client, session, world):
    script = '<script>alert("x")</script>'
    submission = factories.submission(
        session, world.consultation, [(None, f"{script} Gevaarlijk")], email=None
    )
    comment = submission.comments[0]
    answer = services.draft_answer(
        session, world.responder, world.consultation, [comment], Disposition.NOT_ADOPTED, script
    )
    session.flush()
    log_in(english_client, world.official.email)
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
    for url in (
        world.base,
        world.base + "?q=gevaarlijk",
        world.answer_url(answer.id),
        world.base + "/goedkeuring",
        world.answer_url(answer.id, "wijzigen"),
    ):
        body = english_client.get(url).get_data(as_text=True)
        assert script not in body, url
        assert escaped in body, url
    services.discard_draft(session, answer)
    session.flush()
    body = english_client.get(world.new_url(comment)).get_data(as_text=True)
    assert script not in body
    assert escaped in body


# -- the region setting ---------------------------------------------------------------------------


def test_only_officials_of_the_region_change_the_setting(english_client, session, world):
    url = "/regios/JZ22/beheer/instellingen"
    response = english_client.get(url)
    assert response.status_code == 302
    assert response.location.startswith("/account/inloggen")
    for person in (world.responder, world.moderator, world.other_official, world.participant):
        log_in(english_client, person.email)
        assert english_client.get(url).status_code == 403, person.email
        response = english_client.post(
            url, data={"allow": "y", "csrf_token": csrf_token(english_client, "/account/")}
        )
        assert response.status_code == 403, person.email
        english_client.post(
            "/account/uitloggen", data={"csrf_token": csrf_token(english_client, "/account/")}
        )
    assert world.consultation.region.allow_self_approval is False
