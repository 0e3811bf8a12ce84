"""The national overview's figures: every region, the right consultation, the right numbers."""

from __future__ import annotations

import pytest

from consult.consultations.models import ConsultationState
from consult.db import utcnow
from consult.monitoring import statistics
from tests import factories
from tests.consultations.conftest import count_queries
from tests.monitoring import overview_support
from tests.responses import report_world


def _by_code(rows):
    return {row.code: row for row in rows}


def _groups(row):
    return {f.group.code: f for f in row.groups}


def test_every_current_region_is_listed_once(session):
    rows = statistics.national_overview(session, utcnow())
    assert len(rows) == 42
    assert [r.code for r in rows] == sorted(r.code for r in rows)
    assert all(not r.has_consultation for r in rows)
    assert all(r.submissions == 0 and r.share_answered is None for r in rows)


def test_the_answered_consultation_with_a_published_reactienota(session):
    world = overview_support.published_world(session)
    row = _by_code(statistics.national_overview(session, utcnow()))["JZ22"]

    assert row.consultation.slug == world.consultation.slug
    assert row.state is ConsultationState.REPORT_PUBLISHED
    assert row.report_published is True
    assert row.days_left is None
    # The withdrawn comment does not count; the hidden one still needed an answer.
    assert (row.submissions, row.comments, row.answered) == (8, 9, 9)
    assert row.share_answered == 1.0
    # Answers were published right after closing.
    assert row.median_days_to_answers is not None
    assert 0 <= row.median_days_to_answers < 0.01
    groups = _groups(row)
    assert (groups["parent"].submissions, groups["parent"].comments) == (2, 3)
    assert groups["parent"].adopted == 1  # the school answer
    assert groups["young_person"].adopted == 1  # partly, then corrected to adopted
    assert groups["care_provider"].share_adopted == 1.0
    assert groups["foster_parent"].comments == 3
    assert groups["foster_parent"].share_adopted == 0.0
    assert groups["professional"].comments == 1
    assert row.adopted == 3
    assert row.share_adopted == pytest.approx(3 / 9)

    export = row.as_export()
    assert export["region_code"] == "JZ22"
    assert export["state"] == "report_published"
    assert export["reactienota_published"] is True
    assert export["comments_parent"] == 3
    assert export["share_adopted"] == round(3 / 9, 4)
    groups_info = statistics.stakeholder_groups(session)
    assert list(export) == statistics.export_columns(groups_info)


def test_open_beats_scheduled_beats_closed_and_drafts_are_never_shown(session):
    closed = factories.consultation(session, state="closed", opens_in_days=-60, closes_in_days=-20)
    rows = _by_code(statistics.national_overview(session, utcnow()))
    assert rows["JZ22"].consultation.id == closed.id

    scheduled = factories.consultation(session, state="scheduled", opens_in_days=3)
    factories.consultation(session, state="scheduled", opens_in_days=30, closes_in_days=60)
    rows = _by_code(statistics.national_overview(session, utcnow()))
    assert rows["JZ22"].consultation.id == scheduled.id

    current = factories.consultation(session, state="open", closes_in_days=10.5)
    factories.consultation(session, state="draft", opens_in_days=1)
    rows = _by_code(statistics.national_overview(session, utcnow()))
    assert rows["JZ22"].consultation.id == current.id
    assert rows["JZ22"].days_left == 11
    assert rows["JZ22"].closes_within(14)

    draft_only = factories.document_version(session, "JZ01")
    factories.consultation(session, draft_only, state="draft")
    rows = _by_code(statistics.national_overview(session, utcnow()))
    assert not rows["JZ01"].has_consultation


def _answered(session, region_code, comments):
    with factories.app_context(session):
        version = factories.document_version(session, region_code, locked=True)
        consultation = factories.consultation(
            session, version, state="closed", opens_in_days=-30, closes_in_days=-1
        )
        for _ in range(comments):
            factories.submission(session, consultation, [(None, "Meer jeugdhulp dichtbij.")])


def test_the_number_of_queries_does_not_grow(app, session, quiet_housekeeping):
    _answered(session, "JZ01", 1)
    with count_queries(app) as few:
        statistics.national_overview(session, utcnow())
    for code in ("JZ02", "JZ03", "JZ04", "JZ05"):
        _answered(session, code, 5)
    report_world.build(session)
    with count_queries(app) as many:
        rows = statistics.national_overview(session, utcnow())
    assert sum(r.comments for r in rows) == 1 + 20 + 9
    assert len(few) == len(many) == statistics.QUERY_COUNT


def test_median_days_from_the_real_closing_to_the_first_answer(session):
    """Closed 40 days ago; three comments answered after 4, 6 and 30 days: median 6. A later
    correction does not move the first answer, and a superseded disposition does not count."""
    from datetime import timedelta

    from consult.consultations import lifecycle
    from consult.responses.answers import services
    from consult.responses.models import Disposition

    now = utcnow()
    closed_at = now - timedelta(days=40)
    with factories.app_context(session):
        version = factories.document_version(session, "JZ07", locked=True)
        consultation = factories.consultation(
            session, version, state="open", opens_in_days=-80, closes_in_days=-35
        )
        lifecycle.record_state(
            session, consultation, ConsultationState.CLOSED, actor=None, at=closed_at
        )
        official = factories.region_user(session, "official", "JZ07")
        second = factories.region_user(session, "official", "JZ07")
        comments = [
            factories.submission(session, consultation, [(None, f"Punt {n}.")]).comments[0]
            for n in range(4)
        ]
        answers = []
        for comment, days in zip(comments[:3], (4, 6, 30), strict=True):
            answer = services.draft_answer(
                session, official, consultation, [comment], Disposition.NOTED, ""
            )
            services.approve(session, second, answer)
            services.publish(
                session, second, consultation, [answer], now=closed_at + timedelta(days=days)
            )
            answers.append(answer)
        correction = services.correct(
            session, official, answers[0], Disposition.ADOPTED, "Toch overgenomen.", "Herzien."
        )
        services.approve(session, second, correction)
        services.publish(session, second, consultation, [correction], now=now)

    row = _by_code(statistics.national_overview(session, now))["JZ07"]
    assert row.state is ConsultationState.CLOSED
    assert row.consultation.closed_at == closed_at
    assert row.median_days_to_answers == pytest.approx(6)
    assert (row.comments, row.answered) == (4, 3)
    assert row.share_answered == pytest.approx(0.75)
    assert row.adopted == 1  # the corrected answer counts, the superseded "noted" not
    assert row.share_adopted == pytest.approx(1 / 3)
