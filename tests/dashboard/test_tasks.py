"""A region's team lands on its work after logging in, and sees only links it can open."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from consult.comments.models import CommentReport, HideReason
from consult.consultations import lifecycle
from consult.extensions import db
from consult.responses.answers import services as answers
from consult.responses.models import Disposition
from tests import factories
from tests.conftest import log_in, submit_form
from tests.consultations.conftest import text_of

LINK = re.compile(r'href="(/[^"#?]*)(?:\?[^"#]*)?(?:#[^"]*)?"')


@pytest.fixture
def team(session):
    return {
        role: factories.region_user(session, role, email=f"{role}@jz22.example")
        for role in ("official", "moderator", "responder")
    }


@pytest.fixture
def work(session, team, in_app):
    """A closed consultation three days past its promise, with a draft answer waiting for
    approval and a reported comment; an answered one whose reactienota is next."""
    late = factories.consultation(
        session, state="closed", opens_in_days=-70, closes_in_days=-40, slug="te-laat"
    )
    late.answers_due_on = lifecycle.today_in_amsterdam() - timedelta(days=3)
    submission = factories.submission(
        session,
        late,
        [("s-1", "Meer hulp op school."), ("s-2", "Kortere wachtlijsten."), ("s-3", "Dank!")],
    )
    first, _second, third = submission.comments
    answers.draft_answer(
        session, team["responder"], late, [first], Disposition.ADOPTED, "We nemen het over."
    )
    session.add(CommentReport(comment_id=third.id, reason=HideReason.SPAM, note=""))
    answered = factories.consultation(
        session, state="answered", opens_in_days=-90, closes_in_days=-60, slug="beantwoord"
    )
    answered.answers_due_on = lifecycle.today_in_amsterdam()
    session.flush()
    return late, answered


def test_an_official_lands_on_the_work_of_the_team(english_client, session, team, work):
    response = submit_form(
        english_client,
        "/account/inloggen",
        {"email": team["official"].email, "password": "correct horse battery staple"},
    )
    assert response.headers["Location"].endswith("/account/taken")
    page = text_of(english_client.get("/account/taken"))
    late, _answered = work
    # Late first, with the days; then the answered one whose reactienota is next.
    assert page.index(late.title) < page.index("Every comment has its answer")
    assert "3 days late" in page
    assert "3 comments wait for their answer." in page
    assert "1 answer waits for approval:" in page
    assert "“Meer hulp op school.”" in page
    assert "Visitors reported 1 comment." in page
    assert "Make the reactienota" in page


def test_a_participant_lands_on_the_account_page(english_client, session):
    factories.user(session, "ouder@example.org")
    response = submit_form(
        english_client,
        "/account/inloggen",
        {"email": "ouder@example.org", "password": "correct horse battery staple"},
    )
    assert response.headers["Location"].endswith("/account/")
    assert "You have no role in a region's team." in text_of(english_client.get("/account/taken"))


def test_an_empty_list_says_nothing_waits(english_client, session, team):
    log_in(english_client, team["official"].email)
    assert "Nothing waits for your team right now" in text_of(english_client.get("/account/taken"))


def test_the_list_is_only_of_the_persons_own_regions(english_client, session, work):
    other = factories.region_user(session, "official", "JZ24", email="haaglanden@example.org")
    log_in(english_client, other.email)
    page = text_of(english_client.get("/account/taken"))
    assert work[0].title not in page
    assert "Nothing waits for your team right now" in page


@pytest.mark.parametrize("role", ["official", "moderator", "responder"])
def test_every_role_sees_only_links_it_can_open(english_client, session, team, work, role):
    """The task list, the region's admin page and the consultation's workspace: every link
    on them opens for this role (no 403, no 404 behind a link)."""
    log_in(english_client, team[role].email)
    late, answered = work
    pages = ["/account/taken", "/regios/JZ22/beheer"]
    pages += [f"/regios/JZ22/beheer/consultaties/{c.id}" for c in (late, answered)]
    seen: set[str] = set()
    broken = []
    for page in pages:
        response = english_client.get(page)
        if response.status_code != 200:
            continue
        for path in LINK.findall(response.get_data(as_text=True)):
            if path in seen or path.startswith("/static/") or "uitloggen" in path:
                continue
            seen.add(path)
            status = english_client.get(path).status_code
            if status in (403, 404):
                broken.append(f"{page} -> {path}: {status}")
    assert broken == []
    assert seen  # the pages did link somewhere


def test_the_task_list_costs_the_same_queries_for_many_consultations(
    app, english_client, session, team, work
):
    log_in(english_client, team["official"].email)

    def count() -> int:
        statements: list[str] = []

        def before(_conn, _cursor, statement, *_args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                statements.append(statement)

        engine = db.state(app).engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            assert english_client.get("/account/taken").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", before)
        return len(statements)

    few = count()
    for n in range(8):
        more = factories.consultation(
            session, state="closed", opens_in_days=-70, closes_in_days=-40, slug=f"meer-{n}"
        )
        more.answers_due_on = lifecycle.today_in_amsterdam()
        factories.submission(session, more, [("s-1", f"Reactie {n}")])
    session.flush()
    assert count() == few
