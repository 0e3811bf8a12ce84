"""Issue 5's acceptance, walked as its users would, on the demo data.

An official filters the unanswered comments of the closed demo consultation, groups the
letter campaign, answers the group at once; a second official approves and publishes; the
parent who sent one of the letters gets one mail listing their answers, and their status
page shows them.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from sqlalchemy import select

from consult.accounts.models import User
from consult.comments.codes import display
from consult.comments.models import Submission
from consult.consultations.models import Consultation, ConsultationState
from consult.responses.grouping import services as grouping
from consult.responses.models import Answer, AnswerState
from consult.seeds.demo import DEMO_PASSWORD, seed_demo
from consult.seeds.demo_closed import CLOSED_SLUG
from tests import factories
from tests.conftest import csrf_token, log_in

REASON = (
    "We houden de schoolondersteuners op de basisscholen. In de nieuwe versie staat dat zij "
    "blijven tot 2030."
)


def _links(body: str, pattern: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]+)"', body) if pattern in href]


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _log_out(client) -> None:
    token = csrf_token(client, "/")  # the header's log-out form
    client.post("/account/uitloggen", data={"csrf_token": token})


def test_an_official_answers_the_campaign_at_once_and_the_parent_is_told(
    app, client, session, outbox
):
    with factories.app_context(session):  # the demo's history is signed
        seed_demo(session)
    session.flush()
    consultation = session.scalar(select(Consultation).where(Consultation.slug == CLOSED_SLUG))
    assert consultation.state is ConsultationState.CLOSED
    base = f"/regios/JZ22/beheer/consultaties/{CLOSED_SLUG}"
    parent = session.scalars(
        select(Submission)
        .join(User, User.id == Submission.user_id)
        .where(Submission.consultation_id == consultation.id, User.email == "ouder@example.org")
    ).one()

    # The official filters the comments that are not answered yet.
    log_in(client, "ambtenaar.utrecht@example.org", DEMO_PASSWORD)
    waiting = client.get(f"{base}/antwoorden?status=wachtend&q=schoolondersteuner").get_data(
        as_text=True
    )
    assert "houd de schoolondersteuner op elke basisschool" in waiting
    assert display(parent.tracking_code) in waiting

    # Groups the near-identical letters and opens the campaign's group.
    token = csrf_token(client, f"{base}/groepen")
    regrouped = client.post(f"{base}/groepen/opnieuw", data={"csrf_token": token})
    assert regrouped.status_code == 302
    groups = client.get(f"{base}/groepen").get_data(as_text=True)
    # Largest first: the campaign leads the list.
    first_group = next(p for p in _links(groups, "/groepen/") if re.search(r"/groepen/\d+$", p))
    [membership] = grouping.memberships(session, consultation, [parent.comments[0].id]).values()
    assert first_group.endswith(f"/groepen/{membership.group_id}")
    assert membership.size >= 30
    campaign = _path(first_group)
    group_page = client.get(campaign).get_data(as_text=True)
    [answer_link] = _links(group_page, "/antwoorden/nieuw")

    # Answers every waiting letter of the group with one answer.
    form_page = client.get(_path(answer_link)).get_data(as_text=True)
    chosen = re.findall(r'name="comment" [^>]*value="(\d+)"', form_page) or re.findall(
        r'value="(\d+)"[^>]*name="comment"', form_page
    )
    assert len(chosen) >= 30, f"only {len(chosen)} letters in the answer form"
    drafted = client.post(
        f"{base}/antwoorden/nieuw",
        data={
            "csrf_token": csrf_token(client, _path(answer_link)),
            "comment": chosen,
            "disposition": "adopted",
            "reason": REASON,
        },
    )
    assert drafted.status_code == 302
    answer = session.scalars(select(Answer).where(Answer.reason == REASON)).one()
    assert answer.state is AnswerState.DRAFT
    assert len(answer.links) == len(chosen)
    assert parent.comments[0].id in {link.comment_id for link in answer.links}

    # The drafter cannot approve their own answer.
    approve = f"{base}/antwoorden/{answer.id}/goedkeuren"
    token = csrf_token(client, f"{base}/antwoorden/{answer.id}")
    client.post(approve, data={"csrf_token": token})
    session.refresh(answer)
    assert answer.state is AnswerState.DRAFT
    _log_out(client)

    # A second official approves the waiting drafts and publishes them.
    log_in(client, "teamleider.utrecht@example.org", DEMO_PASSWORD)
    queue = client.get(f"{base}/antwoorden/goedkeuring").get_data(as_text=True)
    for answer_id in sorted(set(re.findall(r"/antwoorden/(\d+)/goedkeuren", queue))):
        token = csrf_token(client, f"{base}/antwoorden/goedkeuring")
        client.post(f"{base}/antwoorden/{answer_id}/goedkeuren", data={"csrf_token": token})
    session.refresh(answer)
    assert answer.state is AnswerState.APPROVED
    publish_page = client.get(f"{base}/antwoorden/publiceren").get_data(as_text=True)
    ids = re.findall(r'name="answer" [^>]*value="(\d+)"', publish_page) or re.findall(
        r'value="(\d+)"[^>]*name="answer"', publish_page
    )
    assert str(answer.id) in ids
    outbox.clear()
    published = client.post(
        f"{base}/antwoorden/publiceren",
        data={"csrf_token": csrf_token(client, f"{base}/antwoorden/publiceren"), "answer": ids},
    )
    assert published.status_code == 302
    session.refresh(answer)
    assert answer.state is AnswerState.PUBLISHED
    assert answer.approved_by_id != answer.drafted_by_id

    # The parent gets one mail that lists the answers to both their comments (the letter,
    # and a question whose draft answer the second official approved), with their code.
    [mail] = outbox.to("ouder@example.org")
    text = outbox.text_of(mail)
    assert display(parent.tracking_code) in text
    assert "schoolondersteuners op de basisscholen" in text
    assert len(parent.comments) == 2
    second = session.scalars(
        select(Answer).join(Answer.links).where(Answer.links.any(comment_id=parent.comments[1].id))
    ).one()
    assert second.state is AnswerState.PUBLISHED
    assert second.reason[:40] in " ".join(text.split())

    # And the status page shows the answer, without logging in.
    _log_out(client)
    body = client.get(f"/ontvangst/{parent.tracking_code}").get_data(as_text=True)
    assert "schoolondersteuners op de basisscholen" in body
