"""The consultation page keeps what it rendered (consult/public/kept.py): it must still
change the moment a comment or an answer does, and only then (not for a submission that
does not count yet), cost the same few statements at any size, stay small, and show a
long plan in parts."""

from __future__ import annotations

import random
import re
import secrets
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, insert, select

from consult.comments import codes
from consult.comments import services as comments
from consult.comments.models import Comment, HideReason, Submission, SubmissionState
from consult.consultations import activities, lifecycle
from consult.consultations.models import ActivityKind, ConsultationState
from consult.db import utcnow
from consult.documents import paragraphs
from consult.documents.models import Section
from consult.extensions import db
from consult.ledger.models import EventKind, RecordEvent
from consult.moderation.services import (
    approve_submission,
    hide_comment,
    reject_submission,
    report_comment,
    unhide_comment,
)
from consult.privacy.submissions import erase_submission_contact
from consult.public import kept
from consult.responses.answers import services as answers
from consult.responses.models import Disposition
from consult.seeds.load import _comment_text, _paragraph
from tests import factories
from tests.comments.conftest import text_of
from tests.factories._support import app_context


def _page(client, consultation, query: str = "") -> str:
    response = client.get(f"/consultaties/{consultation.slug}{query}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _sent(session, consultation, texts, **options):
    """A submission as the services leave it: stored, and its arrival in the record."""
    submission = factories.submission(session, consultation, texts, **options)
    comments.record_submission(session, submission)
    session.flush()
    return submission


def test_the_page_changes_at_once_with_every_change_it_shows(english_client, session):
    consultation = factories.consultation(session)
    _sent(session, consultation, [("s-1", "EERSTE REACTIE")])
    assert "EERSTE REACTIE" in _page(english_client, consultation)
    assert len(kept.blocks) == 1  # kept from here on

    # Published: a new comment shows, and the count with it.
    second = _sent(
        session,
        consultation,
        [("s-1", "TWEEDE REACTIE")],
        display_name="Fatima El Amrani",
        publish_name=True,
    )
    page = _page(english_client, consultation)
    assert "TWEEDE REACTIE" in page
    assert "2 comments" in text_of(english_client.get(f"/consultaties/{consultation.slug}"))

    # Hidden by a moderator: its text goes, a trace stays.
    moderator = factories.region_user(session, "moderator", email="moderator@example.org")
    hide_comment(session, moderator, second.comments[0], HideReason.SPAM, "")
    session.flush()
    page = _page(english_client, consultation)
    assert "TWEEDE REACTIE" not in page
    assert "A moderator hid this comment." in page

    # Shown again.
    unhide_comment(session, moderator, second.comments[0], "Toch in orde.")
    session.flush()
    assert "TWEEDE REACTIE" in _page(english_client, consultation)

    # Its sender's name erased.
    assert "Fatima El Amrani" in _page(english_client, consultation)
    erase_submission_contact(session, second, "participant", utcnow())
    session.flush()
    assert "Fatima El Amrani" not in _page(english_client, consultation)

    # Withdrawn by its sender.
    first = session.scalars(select(Comment).where(Comment.body == "EERSTE REACTIE")).one()
    assert comments.withdraw(session, first, utcnow())
    session.flush()
    page = _page(english_client, consultation)
    assert "EERSTE REACTIE" not in page
    assert "The sender withdrew this comment." in page

    # An answer published under a comment (after closing, when answers are published).
    consultation.state = ConsultationState.CLOSED
    consultation.closes_at = utcnow()
    session.flush()
    assert "WE NEMEN DIT OVER" not in _page(english_client, consultation)
    factories.answer(
        session,
        consultation,
        [second.comments[0]],
        Disposition.ADOPTED,
        "WE NEMEN DIT OVER",
        responder=factories.region_user(session, "responder", email="r@example.org"),
        official=factories.region_user(session, "official", email="o@example.org"),
    )
    session.flush()
    assert "WE NEMEN DIT OVER" in _page(english_client, consultation)


def test_the_open_and_closed_page_are_kept_apart(english_client, session):
    consultation = factories.consultation(session)
    assert "Comment on this part" in _page(english_client, consultation)
    consultation.closes_at = utcnow()
    session.flush()
    page = " ".join(text_of(english_client.get(f"/consultaties/{consultation.slug}")).split())
    assert "This consultation is closed" in page
    assert "Comment on this part" not in page


def test_a_long_plan_comes_in_parts(english_client, session):
    sections = [(f"Onderdeel {n}", f"<p>Tekst van onderdeel {n}.</p>") for n in range(1, 46)]
    version = factories.document_version(session, sections=sections, locked=True)
    consultation = factories.consultation(session, version)
    _sent(session, consultation, [("s-30", "OVER DERTIG")])

    first = _page(english_client, consultation)
    assert "Tekst van onderdeel 20." in first
    assert "Tekst van onderdeel 21." not in first
    assert "Part 1 of 3 of the plan." in first
    # The contents list every section, with the part it is in.
    assert 'href="#onderdeel-s-20"' in first
    assert 'href="?deel=2#onderdeel-s-21"' in first
    assert 'href="?deel=3#onderdeel-s-45"' in first

    second = _page(english_client, consultation, "?deel=2")
    assert "Tekst van onderdeel 21." in second
    assert "Tekst van onderdeel 40." in second
    assert "OVER DERTIG" in second
    assert "Tekst van onderdeel 41." not in second
    found = _page(english_client, consultation, "?onderdeel=s-30")
    assert "Tekst van onderdeel 21." in found
    assert "Part 2 of 3 of the plan." in found
    assert "Tekst van onderdeel 45." in _page(english_client, consultation, "?deel=3")
    assert english_client.get(f"/consultaties/{consultation.slug}?deel=4").status_code == 404
    assert "Tekst van onderdeel 1." in _page(english_client, consultation, "?deel=abc")

    # From a section's comments back to its part of the plan.
    comments_page = english_client.get(
        f"/consultaties/{consultation.slug}/onderdelen/s-30/reacties"
    ).get_data(as_text=True)
    assert f'href="/consultaties/{consultation.slug}?onderdeel=s-30#onderdeel-s-30"' in (
        comments_page
    )


def _large(session, sections: int, count: int):
    """A locked plan of ``sections`` sections shaped like `consult seed load`'s (one to
    three paragraphs of two to five sentences, each with its anchor) and ``count``
    published comments like its own, spread over the sections; inserted in bulk."""
    rng = random.Random(19)
    version = factories.document_version(session, sections=[], locked=True)
    rows = []
    for position in range(1, sections + 1):
        texts = [_paragraph(rng, rng.randint(2, 5)) for _ in range(rng.randint(1, 3))]
        anchor = f"s-{position}"
        rows.append(
            {
                "version_id": version.id,
                "position": position,
                "anchor": anchor,
                "number": f"{position // 10 + 1}.{position % 10 + 1}",
                "heading": f"Onderwerp {position}",
                "level": 2,
                "body_html": "".join(f"<p>{t}</p>" for t in texts),
                "paragraph_anchors": paragraphs.new_anchors(anchor, texts),
            }
        )
    session.execute(insert(Section), rows)
    session.expire(version)
    consultation = factories.consultation(session, version)
    section_ids = [s.id for s in version.sections]
    group = factories.stakeholder_group(session, "parent")
    now = utcnow()
    submissions = [
        {
            "consultation_id": consultation.id,
            "tracking_code": codes.new_tracking_code(),
            "idempotency_key": secrets.token_hex(8),
            "stakeholder_group_id": group.id,
            "organisation_verified": False,
            "publish_text": True,
            "publish_name": False,
            "state": SubmissionState.CONFIRMED,
            "received_at": now,
            "confirmed_at": now,
            "content_hash": "0" * 64,
        }
        for _ in range(max(count // 10, 1))
    ]
    ids = list(session.scalars(insert(Submission).returning(Submission.id), submissions))
    texts = [_comment_text(rng) for _ in range(500)]
    # Core's insert of plain rows: the ORM's bulk path costs seconds at this size.
    session.execute(
        insert(Comment.__table__),
        [
            {
                "submission_id": ids[n % len(ids)],
                "consultation_id": consultation.id,
                "section_id": section_ids[n % len(section_ids)] if n < count * 0.98 else None,
                "position": n // len(ids) + 1,
                "body": texts[n % len(texts)],
                "created_at": now,
                "is_public": True,
            }
            for n in range(count)
        ],
    )
    session.flush()
    return consultation


def _statements(app, client, path: str) -> tuple[int, int]:
    """Statements and bytes of one request."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    engine = db.state(app).engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen), len(response.get_data())


@pytest.mark.usefixtures("quiet_housekeeping")
def test_200_sections_and_20000_comments_stay_small_and_cost_the_same_queries(
    app, english_client, session
):
    small = _large(session, 3, 10)
    large = _large(session, 200, 20_000)
    english_client.get(f"/consultaties/{small.slug}")  # warm up (hooks)
    kept.clear()
    small_built, _ = _statements(app, english_client, f"/consultaties/{small.slug}")
    small_kept, _ = _statements(app, english_client, f"/consultaties/{small.slug}")

    # After a change only the blocks are made again (plan, sections, reference data kept).
    kept.blocks.clear()
    small_rebuilt, _ = _statements(app, english_client, f"/consultaties/{small.slug}")

    for part in (1, 10):  # the first part, and the last with the comments on the whole plan
        path = f"/consultaties/{large.slug}?deel={part}"
        kept.clear()
        built, size = _statements(app, english_client, path)
        kept_now, kept_size = _statements(app, english_client, path)
        kept.blocks.clear()
        rebuilt, rebuilt_size = _statements(app, english_client, path)
        assert (built, kept_now, rebuilt) == (small_built, small_kept, small_rebuilt), part
        assert size == kept_size == rebuilt_size
        assert size <= 150_000, (part, size)
    assert small_kept == KEPT_STATEMENTS
    # The consultation, the key, the counts (one UNION ALL), the first comments.
    assert small_rebuilt == REBUILT_STATEMENTS - 1  # no activities
    # A worker's first request reads the plan's sections, the stakeholder groups and the
    # region's words too.
    assert small_built == small_rebuilt + 3
    page = _page(english_client, large)
    assert "Part 1 of 10 of the plan." in page
    assert page.count('class="consult-comment"') == 21 * 3
    assert page.count("Comment on this paragraph") >= 20
    # A link to a paragraph (?alinea=) finds the part that holds it.
    section = session.scalars(
        select(Section).where(Section.version_id == large.version_id, Section.anchor == "s-150")
    ).one()
    paragraph = section.paragraph_anchors[-1]
    found = _page(english_client, large, f"?alinea={paragraph}")
    assert "Part 8 of 10 of the plan." in found
    assert f'id="{paragraph}"' in found


# -- what makes the blocks again, and what does not --------------------------------------------

# Statements of a page whose blocks are kept: the consultation, the key.
KEPT_STATEMENTS = 2
# Statements of a page whose blocks are made again after a change (plan, sections and
# reference data kept): the same at any size, with activities and before closing.
REBUILT_STATEMENTS = 5


def _view(app, client, consultation) -> tuple[int, str]:
    """Statements of one request of the page, and its HTML (without the per-request
    nonce)."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    engine = db.state(app).engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(f"/consultaties/{consultation.slug}")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen), re.sub(r'nonce="[^"]*"', "", response.get_data(as_text=True))


def _draft(session, consultation, text: str, **options) -> comments.Draft:
    return comments.Draft(
        idempotency_key=secrets.token_hex(16),
        stakeholder_group=factories.stakeholder_group(session, "parent"),
        publish_text=True,
        comments=[(consultation.version.sections[0], text)],
        **options,
    )


def test_the_kinds_that_leave_the_blocks_alone_are_named_and_every_other_kind_moves_them():
    assert {
        # A submission that does not count yet (one that counts at once also writes
        # submission_confirmed), and one that never will.
        EventKind.SUBMISSION_RECEIVED,
        EventKind.SUBMISSION_DISCARDED,
        EventKind.SUBMISSION_REJECTED,
        # A reader's report, an answer not yet published.
        EventKind.COMMENT_REPORTED,
        EventKind.ANSWER_DRAFTED,
        EventKind.ANSWER_APPROVED,
        # The platform's own chain.
        EventKind.REGION_SETTING_CHANGED,
        EventKind.API_TOKEN_CREATED,
        EventKind.API_TOKEN_REVOKED,
    } == kept.UNSHOWN_KINDS
    # Derived: a kind added to the record later makes the blocks again until it is named.
    assert set(EventKind) - kept.UNSHOWN_KINDS == kept.SHOWN_KINDS


@pytest.mark.parametrize("with_email", [False, True])
def test_a_submission_that_waits_does_not_build_the_blocks_again_until_it_counts(
    app, english_client, session, with_email
):
    consultation = factories.consultation(session)
    _sent(session, consultation, [("s-1", "EERSTE REACTIE")])
    _view(app, english_client, consultation)
    assert _view(app, english_client, consultation)[0] == KEPT_STATEMENTS

    # Waiting for its e-mail link, or (without e-mail) for a moderator's approval.
    draft = _draft(
        session,
        consultation,
        "WACHTENDE REACTIE",
        email="ouder@example.org" if with_email else None,
    )
    waiting, _created = comments.submit(session, consultation, draft, utcnow())
    session.flush()
    assert waiting.state is (SubmissionState.PENDING if with_email else SubmissionState.AWAITING)
    statements, page = _view(app, english_client, consultation)
    assert statements == KEPT_STATEMENTS  # kept: nothing it shows changed
    assert "WACHTENDE REACTIE" not in page
    assert "1 comment published" in " ".join(page.split())

    # Confirmed by its link, or approved: it counts and shows at once.
    if with_email:
        assert comments.confirm(session, waiting, utcnow())
    else:
        moderator = factories.region_user(session, "moderator", email="moderator@example.org")
        approve_submission(session, moderator, waiting)
    session.flush()
    statements, page = _view(app, english_client, consultation)
    assert statements == REBUILT_STATEMENTS - 1  # made again (no activities)
    assert "WACHTENDE REACTIE" in page
    assert "2 comments published" in " ".join(page.split())
    assert _view(app, english_client, consultation)[0] == KEPT_STATEMENTS


@pytest.mark.usefixtures("quiet_housekeeping")
def test_every_event_the_services_write_makes_the_blocks_again_exactly_when_they_change(
    app, english_client, session
):
    """Walk the services of comments, moderation, privacy, activities, the clock and
    answers: after each, the kept page is the page made from nothing (never stale), and
    it was made again exactly when the step wrote an event of a shown kind."""
    consultation = factories.consultation(session, opens_in_days=-7, closes_in_days=3)
    moderator = factories.region_user(session, "moderator", email="moderator@example.org")
    responder = factories.region_user(session, "responder", email="r@example.org")
    official = factories.region_user(session, "official", email="o@example.org")
    parent = factories.stakeholder_group(session, "parent")
    seen: set[EventKind] = set()
    state: dict[str, object] = {}

    def submit(name: str, **options) -> None:
        draft = _draft(session, consultation, name.upper(), **options)
        state[name], _created = comments.submit(session, consultation, draft, utcnow())

    def first_comment(name: str) -> Comment:
        return state[name].comments[0]  # type: ignore[attr-defined]

    def register() -> None:
        state["activity"] = activities.register_activity(
            session,
            official,
            consultation,
            activities.ActivityDetails(
                kind=ActivityKind.MEETING,
                held_on=date(2026, 1, 20),
                place="Wijkcentrum",
                summary="Ouders vertelden.",
                participants={(parent.id, None): 5},
            ),
        )

    def close() -> None:
        consultation.closes_at = utcnow() - timedelta(seconds=1)
        session.flush()
        assert lifecycle.advance(session, utcnow()).closed == [consultation]

    def draft_answer() -> None:
        state["answer"] = answers.draft_answer(
            session,
            responder,
            consultation,
            [first_comment("bevestigd")],
            Disposition.ADOPTED,
            "WE NEMEN DIT OVER",
        )

    def publish(answer: str) -> None:
        answers.publish(session, official, consultation, [state[answer]])

    def correct() -> None:
        state["correction"] = answers.correct(
            session,
            responder,
            state["answer"],
            Disposition.PARTLY_ADOPTED,
            "WE NEMEN DIT DEELS OVER",
            "Te snel.",
        )
        answers.approve(session, official, state["correction"])

    steps = [
        ("sent from an account", lambda: submit("account", user=factories.user(session))),
        ("waits for its link", lambda: submit("bevestigd", email="ouder@example.org")),
        ("confirmed by its link", lambda: comments.confirm(session, state["bevestigd"], utcnow())),
        ("waits for a moderator", lambda: submit("zonder", email=None)),
        ("approved", lambda: approve_submission(session, moderator, state["zonder"])),
        ("waits again", lambda: submit("afgewezen", email=None)),
        (
            "rejected",
            lambda: reject_submission(session, moderator, state["afgewezen"], HideReason.SPAM, ""),
        ),
        ("never confirmed", lambda: submit("vergeten", email="vergeten@example.org")),
        (
            "discarded",
            lambda: comments.discard_unconfirmed(session, utcnow() + timedelta(days=4)),
        ),
        (
            "reported",
            lambda: report_comment(session, first_comment("account"), HideReason.SPAM, ""),
        ),
        (
            "hidden",
            lambda: hide_comment(session, moderator, first_comment("account"), HideReason.SPAM, ""),
        ),
        (
            "unhidden",
            lambda: unhide_comment(session, moderator, first_comment("account"), "In orde."),
        ),
        (
            "erased",
            lambda: erase_submission_contact(session, state["bevestigd"], "participant", utcnow()),
        ),
        ("withdrawn", lambda: comments.withdraw(session, first_comment("zonder"), utcnow())),
        ("activity registered", register),
        (
            "activity removed",
            lambda: activities.remove_activity(session, consultation, state["activity"], official),
        ),
        ("activity registered again", register),
        ("closed", close),
        ("answer drafted", draft_answer),
        ("answer approved", lambda: answers.approve(session, official, state["answer"])),
        ("answer published", lambda: publish("answer")),
        ("correction drafted and approved", correct),
        ("correction published", lambda: publish("correction")),
    ]
    _view(app, english_client, consultation)
    last = session.scalar(select(func.max(RecordEvent.leaf_index))) or -1
    for name, step in steps:
        with app_context(session):  # the clock and the last answer sign the record
            step()
        session.flush()
        kinds = {
            EventKind(kind)
            for kind in session.scalars(
                select(RecordEvent.kind).where(
                    RecordEvent.leaf_index > last, RecordEvent.chain == consultation.slug
                )
            )
        }
        last = session.scalar(select(func.max(RecordEvent.leaf_index)))
        assert kinds, name
        seen |= kinds
        statements, kept_page = _view(app, english_client, consultation)
        made_again = statements > KEPT_STATEMENTS
        assert made_again == bool(kinds & kept.SHOWN_KINDS), (name, kinds, statements)
        if made_again:
            assert statements <= 6, (name, statements)
        kept.clear()
        assert kept_page == _view(app, english_client, consultation)[1], (name, kinds)

    assert seen >= {
        EventKind.SUBMISSION_RECEIVED,
        EventKind.SUBMISSION_CONFIRMED,
        EventKind.SUBMISSION_REJECTED,
        EventKind.SUBMISSION_DISCARDED,
        EventKind.COMMENT_REPORTED,
        EventKind.COMMENT_HIDDEN,
        EventKind.COMMENT_UNHIDDEN,
        EventKind.COMMENT_WITHDRAWN,
        EventKind.PERSONAL_DATA_ERASED,
        EventKind.ACTIVITY_REGISTERED,
        EventKind.ACTIVITY_REMOVED,
        EventKind.CONSULTATION_CLOSED,
        EventKind.ANSWER_DRAFTED,
        EventKind.ANSWER_APPROVED,
        EventKind.ANSWER_PUBLISHED,
        EventKind.ANSWER_SUPERSEDED,
    }, seen
