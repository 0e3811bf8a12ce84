"""The participant's status and receipt pages show the answer to each comment.

Only published answers: a draft or an approved answer waiting for publication is never
shown. A correction says when it was made, and keeps the earlier answer visible. An
answer linked to changed sections links to them in the published next version.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from consult.extensions import db
from consult.responses.answers import services
from consult.responses.models import Disposition
from consult.responses.tracing import services as tracing
from tests import factories
from tests.conftest import log_in
from tests.responses.tracing_support import World, make_world, section, text_of


@pytest.fixture
def world(session) -> World:
    return make_world(session)


def status_url(submission) -> str:
    return f"/ontvangst/{submission.tracking_code}"


def test_the_status_page_shows_the_published_answer_and_the_changed_section(
    english_client, session, world
):
    v2 = world.next_version(locked=True)
    submission = world.submission([("s-2", "Een vaste hulpverlener op school.")])
    answer = world.answer(
        [submission.comments[0]],
        Disposition.ADOPTED,
        "Op elke school komt een vaste jeugdhulpverlener.",
    )
    tracing.link(session, world.official, answer, [section(v2, "s-2")])
    session.flush()

    page = english_client.get(status_url(submission))
    assert page.status_code == 200
    text = text_of(page)
    assert "Answer from the region: Adopted" in text
    assert "We changed the regiovisie because of this comment." in text
    assert "Op elke school komt een vaste jeugdhulpverlener." in text
    assert "not answered yet" not in text
    link = f"/documenten/{v2.document_id}/verschillen?van=1&amp;naar=2#wijziging-s-2"
    assert f'href="{link}"' in page.get_data(as_text=True)
    assert "This part of the plan changed because of it: 2 Hulp op school (version 2)" in text


def test_a_correction_is_dated_and_the_earlier_answer_stays_visible(english_client, session, world):
    submission = world.submission([("s-3", "Wachten duurt te lang.")])
    first = world.answer([submission.comments[0]], Disposition.NOT_ADOPTED, "Dat kan niet.")
    world.correct(first, Disposition.PARTLY_ADOPTED, "Deels kan het wel.", "Nieuw geld.")

    text = text_of(english_client.get(status_url(submission)))
    assert "Answer from the region: Partly adopted corrected on" in text
    assert "Deels kan het wel." in text
    assert "What we corrected: Nieuw geld." in text
    assert "(replaced by the correction): Not adopted." in text
    assert "Dat kan niet." in text
    # The current answer comes first, the earlier one after it.
    assert text.index("Deels kan het wel.") < text.index("Dat kan niet.")


def test_drafts_and_approved_answers_are_never_shown(english_client, session, world):
    submission = world.submission([("s-2", "Op school."), ("s-3", "Wachten.")])
    school, waiting = submission.comments
    world.answer([school], Disposition.NOTED, "Een concept dat niemand mag zien.", publish=False)
    approved = world.answer(
        [waiting], Disposition.NOTED, "Goedgekeurd, niet gepubliceerd.", publish=False
    )
    services.approve(session, world.official, approved)
    session.flush()

    text = text_of(english_client.get(status_url(submission)))
    assert "Een concept dat niemand mag zien." not in text
    assert "Goedgekeurd, niet gepubliceerd." not in text
    assert "We read this and keep it in mind." not in text  # the disposition's explanation
    assert text.count("Answer from the region: not answered yet.") == 2


def test_a_draft_next_version_is_named_but_not_linked(english_client, session, world):
    v2 = world.next_version()
    submission = world.submission([("s-2", "Op school.")])
    answer = world.answer([submission.comments[0]])
    tracing.link(session, world.official, answer, [section(v2, "s-4")])
    session.flush()
    page = english_client.get(status_url(submission))
    assert "4 Een steunpunt (version 2, not published yet)" in text_of(page)
    assert "/versies/2" not in page.get_data(as_text=True)


def test_the_receipt_shows_the_answers_to_the_sender(english_client, session, world):
    holder = factories.user(session, "afzender@example.org")
    submission = world.submission([("s-2", "Mijn eigen reactie.")], email=None, user=holder)
    world.answer([submission.comments[0]], Disposition.ALREADY_COVERED, "Dit staat al in 2.2.")
    log_in(english_client, holder.email)
    page = english_client.get(f"/ontvangst/{submission.tracking_code}/bewijs")
    assert page.status_code == 200
    text = text_of(page)
    assert "Mijn eigen reactie." in text
    assert "Answer from the region: Already covered" in text
    assert "Dit staat al in 2.2." in text


@pytest.mark.usefixtures("quiet_housekeeping")
def test_the_status_page_costs_the_same_queries_with_more_answered_comments(
    app, english_client, session, world
):
    def queries_for(count: int) -> int:
        submission = world.submission(
            [("s-2", f"Reactie {n}.") for n in range(count)], email=f"q{count}@example.org"
        )
        v2 = world.next_version() if count == 2 else None
        for comment in submission.comments:
            answer = world.answer([comment])
            if v2 is not None:
                tracing.link(session, world.official, answer, [section(v2, "s-2")])
        session.flush()
        statements: list[str] = []
        engine = db.state(app).engine

        def count_it(*_args: object) -> None:
            statements.append("q")

        event.listen(engine, "before_cursor_execute", count_it)
        try:
            assert english_client.get(status_url(submission)).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count_it)
        return len(statements)

    assert queries_for(2) == queries_for(6)
