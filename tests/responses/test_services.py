"""The workspace's queries: filters, full-text search, order, counts, scoping by consultation.

Runs on SQLite and PostgreSQL alike; where the two search differently (PostgreSQL stems Dutch
words, SQLite matches every word as a substring) each test says what it expects on which.
"""

from __future__ import annotations

import pytest

from consult.db import utcnow
from consult.regions import services as region_services
from consult.responses.answers import services, workspace
from consult.responses.answers.workspace import Filters, Status
from consult.responses.models import Disposition
from consult.stakeholders.models import AgeBand
from tests import factories
from tests.responses.workspace_world import World, build_world


@pytest.fixture
def world(session) -> World:
    return build_world(session)


def ids(session, consultation, **filters) -> list[int]:
    page = workspace.workspace_page(session, consultation, Filters(**filters), per_page=500)
    return [row.comment.id for row in page.rows]


def dialect(session) -> str:
    return session.get_bind().dialect.name


def publish(session, world: World, comments, disposition=Disposition.NOTED, reason="x"):
    answer = services.draft_answer(
        session, world.responder, world.consultation, comments, disposition, reason
    )
    services.approve(session, world.official, answer)
    services.publish(session, world.official, world.consultation, [answer])
    return answer


# -- filters -----------------------------------------------------------------------------------


def test_every_comment_that_needs_an_answer_is_listed_and_nothing_else(session, world):
    pending = factories.submission(
        session, world.consultation, [(None, "Nog niet bevestigd.")], confirmed=False
    )
    withdrawn = factories.submission(session, world.consultation, [(None, "Ingetrokken.")])
    withdrawn.comments[0].withdrawn_at = utcnow()
    session.flush()

    listed = ids(session, world.consultation)
    assert listed == [world.school.id, world.young.id, world.hidden.id]
    assert pending.comments[0].id not in listed
    assert withdrawn.comments[0].id not in listed
    assert world.other_comment.id not in listed  # another region's consultation


def test_filter_on_section_group_age_band_hidden_and_attachment(session, world):
    c = world.consultation
    assert ids(session, c, section="s-2") == [world.school.id]
    assert ids(session, c, section="s-1") == [world.hidden.id]
    assert ids(session, c, section=workspace.GENERAL) == [world.young.id]
    assert ids(session, c, section="s-3") == []
    assert ids(session, c, section="no-such-anchor") == []

    assert ids(session, c, group="young_person") == [world.young.id]
    assert ids(session, c, group="parent") == [world.school.id, world.hidden.id]
    assert ids(session, c, age_band=AgeBand.FROM_12_TO_15) == [world.young.id]
    assert ids(session, c, age_band=AgeBand.UNDER_12) == []

    assert ids(session, c, hidden=True) == [world.hidden.id]
    assert ids(session, c, hidden=False) == [world.school.id, world.young.id]
    assert ids(session, c, attachment=True) == [world.young.id]
    assert ids(session, c, attachment=False) == [world.school.id, world.hidden.id]

    # Filters combine: a parent's comment with an attachment there is none.
    assert ids(session, c, group="parent", attachment=True) == []


def test_filter_on_answer_status_and_disposition(session, world):
    c = world.consultation
    published = publish(session, world, [world.school], Disposition.ADOPTED)
    draft = services.draft_answer(
        session, world.responder, c, [world.young], Disposition.NOT_ADOPTED, "Kan niet."
    )

    assert ids(session, c, status=Status.WAITING) == [world.hidden.id]
    assert ids(session, c, status=Status.DRAFT) == [world.young.id]
    assert ids(session, c, status=Status.APPROVED) == []
    assert ids(session, c, status=Status.PUBLISHED) == [world.school.id]
    services.approve(session, world.official, draft)
    assert ids(session, c, status=Status.APPROVED) == [world.young.id]
    assert ids(session, c, status=Status.DRAFT) == []

    # The disposition of the open answer or of the current published one.
    assert ids(session, c, disposition=Disposition.ADOPTED) == [world.school.id]
    assert ids(session, c, disposition=Disposition.NOT_ADOPTED) == [world.young.id]
    assert ids(session, c, disposition=Disposition.NOTED) == []

    # A correction being drafted: the comment shows under both dispositions; once it is
    # published the old (superseded) disposition no longer counts.
    correction = services.correct(
        session, world.responder, published, Disposition.NOTED, "Toch niet.", "Misverstand."
    )
    assert ids(session, c, disposition=Disposition.NOTED) == [world.school.id]
    assert ids(session, c, disposition=Disposition.ADOPTED) == [world.school.id]
    services.approve(session, world.official, correction)
    services.publish(session, world.official, c, [correction])
    assert ids(session, c, disposition=Disposition.ADOPTED) == []
    assert ids(session, c, disposition=Disposition.NOTED) == [world.school.id]


# -- search ------------------------------------------------------------------------------------


def test_search_needs_every_word_in_any_order_and_any_case(session, world):
    c = world.consultation
    assert ids(session, c, q="school hulp") == [world.school.id]
    assert ids(session, c, q="HULP School") == [world.school.id]
    assert ids(session, c, q="hulp") == [world.school.id, world.young.id]
    assert ids(session, c, q="school wachtlijsten") == []
    assert ids(session, c, q="   ") == ids(session, c)
    # Hidden comments are found too: the team reads them.
    assert ids(session, c, q="wethouder") == [world.hidden.id]


def test_search_is_not_fooled_by_like_wildcards(session, world):
    c = world.consultation
    factories.submission(session, c, [(None, "Een reactie over axb.")])
    assert ids(session, c, q="a_b") == []
    assert ids(session, c, q="100%") == []
    assert ids(session, c, q="%") == []


def test_search_per_database(session, world):
    c = world.consultation
    if dialect(session) == "postgresql":
        # Dutch stemming: the singular finds the plural, and web-search syntax works.
        assert ids(session, c, q="wachtlijst") == [world.young.id]
        assert ids(session, c, q="hulp -school") == [world.young.id]
        assert ids(session, c, q='"hulp op school"') == [world.school.id]
    else:
        # Every word is a case-insensitive substring.
        assert ids(session, c, q="wachtlijst") == [world.young.id]
        assert ids(session, c, q="WACHTLIJSTEN") == [world.young.id]
        assert ids(session, c, q="achtlijs") == [world.young.id]


def test_text_search_picks_by_dialect(session):
    from consult.comments.models import Comment

    postgres = workspace.text_search("postgresql", Comment.body, "meer hulp")
    sqlite = workspace.text_search("sqlite", Comment.body, "meer hulp")
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    assert "websearch_to_tsquery" in str(postgres.compile(dialect=postgresql.dialect()))
    assert "to_tsvector" in str(postgres.compile(dialect=postgresql.dialect()))
    rendered = str(sqlite.compile(dialect=sqlite_dialect.dialect()))
    assert rendered.count("LIKE") == 2
    assert "lower" in rendered


# -- order, counts, pages ----------------------------------------------------------------------


def test_not_answered_first_then_in_progress_then_published_each_by_id(session, world):
    c = world.consultation
    extra = factories.submission(session, c, [(None, "Nog een."), (None, "En nog een.")])
    fourth, fifth = extra.comments
    publish(session, world, [world.school])
    services.draft_answer(session, world.responder, c, [world.young], Disposition.NOTED, "")

    page = workspace.workspace_page(session, c)
    assert [row.comment.id for row in page.rows] == [
        world.hidden.id,
        fourth.id,
        fifth.id,
        world.young.id,
        world.school.id,
    ]
    assert [row.status for row in page.rows] == [
        Status.WAITING,
        Status.WAITING,
        Status.WAITING,
        Status.DRAFT,
        Status.PUBLISHED,
    ]
    assert (page.total, page.waiting) == (5, 3)
    assert page.rows[-1].current_answer is not None
    assert page.rows[-1].open_answer is None
    assert page.rows[0].has_attachment is False
    assert next(r for r in page.rows if r.comment.id == world.young.id).has_attachment
    assert workspace.waiting_count(session, c) == 3


def test_counts_follow_the_filters(session, world):
    publish(session, world, [world.school])
    page = workspace.workspace_page(session, world.consultation, Filters(group="parent"))
    assert (page.total, page.waiting) == (2, 1)


def test_pages(session, world):
    c = world.consultation
    for n in range(4):
        factories.submission(session, c, [(None, f"Reactie {n}.")])
    first = workspace.workspace_page(session, c, page=1, per_page=3)
    second = workspace.workspace_page(session, c, page=2, per_page=3)
    beyond = workspace.workspace_page(session, c, page=9, per_page=3)
    assert (first.pages, first.total, len(first.rows)) == (3, 7, 3)
    assert len(second.rows) == 3
    assert beyond.page == 3
    assert len(beyond.rows) == 1
    seen = [r.comment.id for p in (first, second, beyond) for r in p.rows]
    assert len(set(seen)) == 7


def test_group_memberships_come_with_the_rows(session, world):
    c = world.consultation
    group = factories.comment_group(
        session, c, [world.school, world.hidden], similarity=[1.0, 0.93]
    )
    rows = {r.comment.id: r for r in workspace.workspace_page(session, c).rows}
    assert rows[world.hidden.id].membership.group_id == group.id
    assert rows[world.hidden.id].membership.size == 2
    assert rows[world.hidden.id].membership.similarity == pytest.approx(0.93)
    assert rows[world.young.id].membership is None
    assert workspace.group_comment_ids(session, c, group.id) == sorted(
        [world.school.id, world.hidden.id]
    )
    services.draft_answer(
        session, world.responder, c, [world.school], Disposition.NOTED, "", now=None
    )
    assert workspace.group_comment_ids(session, c, group.id, waiting_only=True) == [world.hidden.id]
    # A group id used with another consultation finds nothing.
    assert workspace.group_comment_ids(session, world.other_consultation, group.id) == []


# -- scoping -----------------------------------------------------------------------------------


def test_chosen_comments_only_come_from_this_consultation(session, world):
    withdrawn = factories.submission(session, world.consultation, [(None, "Weg.")])
    withdrawn.comments[0].withdrawn_at = utcnow()
    session.flush()
    chosen = workspace.chosen_comments(
        session,
        world.consultation,
        [world.school.id, world.other_comment.id, withdrawn.comments[0].id, 999999],
    )
    assert [c.id for c in chosen] == [world.school.id]


def test_an_answer_is_only_found_within_its_consultation(session, world):
    answer = services.draft_answer(
        session, world.responder, world.consultation, [world.school], Disposition.NOTED, ""
    )
    assert workspace.answer_in(session, world.consultation, answer.id) is answer
    assert workspace.answer_in(session, world.other_consultation, answer.id) is None
    assert workspace.answers_by_id(session, world.other_consultation, [answer.id]) == []


# -- approval queue and setting ----------------------------------------------------------------


def test_the_approval_queue(session, world):
    c = world.consultation
    first = services.draft_answer(
        session, world.responder, c, [world.school, world.hidden], Disposition.NOTED, ""
    )
    second = services.draft_answer(
        session, world.official, c, [world.young], Disposition.ADOPTED, "Ja."
    )
    assert workspace.approval_counts(session, c) == (2, 0)
    assert workspace.drafts_waiting_for_approval(session, c) == [first, second]
    services.approve(session, world.second_official, first)
    assert workspace.approval_counts(session, c) == (1, 1)
    approved = workspace.approved_waiting_for_publication(session, c)
    assert approved == [first]
    assert workspace.covered_count(session, approved) == 2
    assert workspace.approval_counts(session, world.other_consultation) == (0, 0)


def test_self_approval_setting(session, world):
    region = world.consultation.region
    assert region.allow_self_approval is False
    assert region_services.set_self_approval(session, world.official, region, True) is True
    assert region.allow_self_approval is True
    assert region_services.set_self_approval(session, world.official, region, True) is False
    assert region_services.set_self_approval(session, world.official, region, False) is True
    assert region.allow_self_approval is False


def test_a_consultation_without_comments(session):
    consultation = factories.closed_consultation(session)
    page = workspace.workspace_page(session, consultation)
    assert (page.rows, page.total, page.waiting, page.pages) == ([], 0, 0, 1)
