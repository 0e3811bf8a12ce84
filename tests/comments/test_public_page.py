"""The public consultation page: what is shown, what never is, and what it costs."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import event, insert

from consult.comments import codes
from consult.comments.models import (
    Comment,
    HideReason,
    Submission,
    SubmissionContact,
    SubmissionState,
)
from consult.db import utcnow
from consult.extensions import db
from consult.public import kept
from tests import factories
from tests.comments.conftest import text_of

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)> javascript:alert(1)'


def test_page_shows_intro_summary_counts_and_sections(english_client, session):
    consultation = factories.consultation(session)
    factories.submission(session, consultation, [("s-1", "Eerste"), ("s-1", "Tweede")])
    factories.submission(session, consultation, [(None, "Algemeen")], group="young_person")
    factories.submission(session, consultation, [("s-2", "Onbevestigd")], confirmed=False)
    response = english_client.get(f"/consultaties/{consultation.slug}")
    body = response.get_data(as_text=True)
    text = text_of(response)
    assert response.status_code == 200
    assert (
        body.index("Vertel ons wat jij vindt.")
        < body.index("Samenvatting.")
        < body.index("Inleiding")
    )
    assert "34 days left" in text or "35 days left" in text
    assert "jeugd@example.org" in body
    # Counts per group count confirmed submissions only.
    assert "1 parent or carer" in " ".join(text.split())
    assert "1 young person" in " ".join(text.split())
    assert "2 comments" in text  # section s-1
    assert "Onbevestigd" not in body
    assert body.count("Comment on this part") == 3
    assert "/reageren?onderdeel=s-3" in body


def test_time_left_in_words(app, session):
    from datetime import timedelta

    from consult.consultations.pages import time_left

    consultation = factories.consultation(session)
    now = utcnow()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        consultation.closes_at = now + timedelta(days=12, hours=3)
        assert time_left(consultation, now) == "12 days left"
        consultation.closes_at = now + timedelta(hours=5, minutes=10)
        assert time_left(consultation, now) == "5 hours left"
        consultation.closes_at = now + timedelta(minutes=1, seconds=5)
        assert time_left(consultation, now) == "1 minute left"
        consultation.closes_at = now - timedelta(days=1)
        assert time_left(consultation, now).startswith("closed on ")
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        consultation.closes_at = now + timedelta(days=1, hours=1)
        assert time_left(consultation, now) == "nog 1 dag"
        consultation.closes_at = now + timedelta(days=3, hours=1)
        assert time_left(consultation, now) == "nog 3 dagen"


def test_hidden_withdrawn_unconfirmed_discarded_and_private_never_public(english_client, session):
    from consult.comments import services
    from consult.moderation.services import hide_comment

    consultation = factories.consultation(session)
    shown = factories.submission(session, consultation, [("s-1", "ZICHTBAAR")])
    hidden = factories.submission(session, consultation, [("s-1", "VERBORGEN")])
    withdrawn = factories.submission(session, consultation, [("s-1", "INGETROKKEN")])
    factories.submission(session, consultation, [("s-1", "ONBEVESTIGD")], confirmed=False)
    discarded = factories.sent_submission(
        session, consultation, hours_ago=73, texts=[("s-1", "WEGGEGOOID")]
    )
    factories.submission(session, consultation, [("s-1", "PRIVE")], publish_text=False)
    moderator = factories.region_user(session, "moderator", email="moderator@example.org")

    now = utcnow()
    hide_comment(session, moderator, hidden.comments[0], HideReason.SPAM, "")
    services.withdraw(session, withdrawn.comments[0], now)
    assert services.discard_unconfirmed(session, now) == 1
    assert discarded.state is SubmissionState.DISCARDED
    session.flush()

    for path in (
        f"/consultaties/{consultation.slug}",
        f"/consultaties/{consultation.slug}/onderdelen/s-1/reacties",
    ):
        body = english_client.get(path).get_data(as_text=True)
        assert "ZICHTBAAR" in body
        for secret in ("VERBORGEN", "INGETROKKEN", "ONBEVESTIGD", "WEGGEGOOID", "PRIVE"):
            assert secret not in body, (path, secret)
    assert "1 comment" in text_of(english_client.get(f"/consultaties/{consultation.slug}"))
    assert shown.comments[0].is_public

    status = text_of(english_client.get(f"/ontvangst/{hidden.tracking_code}"))
    assert "hidden by the moderator" in status
    assert "advertising or spam" in status
    assert "VERBORGEN" not in status
    assert "withdrawn" in text_of(english_client.get(f"/ontvangst/{withdrawn.tracking_code}"))


def _xss_submission(session, consultation):
    submission = factories.submission(session, consultation, [("s-1", XSS), (None, XSS)])
    submission.publish_name = True
    submission.contact.display_name = '<script>alert("naam")</script>'
    submission.organisation_name = '<b onmouseover="alert(1)">Org</b>'
    session.flush()
    return submission


def _assert_neutralised(body: str) -> None:
    assert "<script>alert" not in body
    assert "<img src=x" not in body
    assert 'href="javascript:' not in body
    assert "<b onmouseover" not in body


def test_stored_xss_is_escaped_everywhere(english_client, session):
    consultation = factories.consultation(session)
    submission = _xss_submission(session, consultation)
    for path in (
        f"/consultaties/{consultation.slug}",
        f"/consultaties/{consultation.slug}/onderdelen/s-1/reacties",
        f"/consultaties/{consultation.slug}/onderdelen/algemeen/reacties",
        f"/ontvangst/{submission.tracking_code}",
    ):
        body = english_client.get(path).get_data(as_text=True)
        assert "&lt;script&gt;alert" in body, path
        _assert_neutralised(body)
    page = english_client.get(f"/consultaties/{consultation.slug}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;naam&#34;)&lt;/script&gt;" in page
    assert "&lt;b onmouseover=" in page
    assert "organisation not verified" in page


def test_links_in_comments_are_nofollow(english_client, session):
    consultation = factories.consultation(session)
    factories.submission(
        session, consultation, [("s-1", "Lees https://www.nji.nl/jeugdhulp en javascript:alert(1)")]
    )
    body = english_client.get(f"/consultaties/{consultation.slug}").get_data(as_text=True)
    assert (
        '<a class="utrecht-link" href="https://www.nji.nl/jeugdhulp" rel="nofollow ugc noopener">'
        in body
    )
    assert "javascript:alert(1)" in body
    assert 'href="javascript' not in body


def test_section_html_is_sanitised_again(english_client, session):
    version = factories.document_version(
        session,
        sections=[("Kop", '<p onclick="alert(1)">Tekst<script>alert(2)</script></p>')],
        locked=True,
    )
    consultation = factories.consultation(session, version)
    body = english_client.get(f"/consultaties/{consultation.slug}").get_data(as_text=True)
    assert "Tekst" in body
    assert "onclick" not in body
    assert "alert(2)" not in body


def test_first_three_per_section_and_numbered_pages(english_client, session):
    consultation = factories.consultation(session)
    for n in range(120):
        factories.submission(session, consultation, [("s-2", f"Reactie nummer {n:03d}.")])
    page = english_client.get(f"/consultaties/{consultation.slug}").get_data(as_text=True)
    assert "Reactie nummer 000." in page
    assert "Reactie nummer 002." in page
    assert "Reactie nummer 003." not in page
    assert "All 120 comments on this part" in page
    assert f'href="/consultaties/{consultation.slug}/onderdelen/s-2/reacties"' in page

    base = f"/consultaties/{consultation.slug}/onderdelen/s-2/reacties"
    body = english_client.get(base).get_data(as_text=True)
    assert body.count('class="consult-comment"') == 50
    assert "Reactie nummer 000." in body
    assert "Reactie nummer 049." in body
    assert "Page 1 of 3" in body
    assert 'aria-current="page"' in body
    next_url = body.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert next_url == base + "?pagina=2"
    second = english_client.get(next_url).get_data(as_text=True)
    assert "Reactie nummer 050." in second
    assert "Reactie nummer 099." in second
    assert "Reactie nummer 049." not in second
    assert 'rel="prev"' in second
    third = english_client.get(base + "?pagina=3").get_data(as_text=True)
    assert third.count('class="consult-comment"') == 20
    assert 'rel="next"' not in third
    assert english_client.get(base + "?pagina=4").status_code == 404
    assert english_client.get(base + "?pagina=abc").status_code == 200  # the first page
    assert (
        english_client.get(
            f"/consultaties/{consultation.slug}/onderdelen/s-99/reacties"
        ).status_code
        == 404
    )


def test_a_section_without_comments_says_so(english_client, session):
    consultation = factories.consultation(session)
    body = text_of(english_client.get(f"/consultaties/{consultation.slug}/onderdelen/s-3/reacties"))
    assert "There are no (more) published comments on this part." in body
    assert "Page 1 of" not in body  # one page: no page links


def test_name_shown_only_with_consent(english_client, session):
    consultation = factories.consultation(session)
    named = factories.submission(session, consultation, [("s-1", "Met naam")])
    named.publish_name = True
    named.contact.display_name = "Fatima El Amrani"
    unnamed = factories.submission(session, consultation, [("s-1", "Zonder naam")])
    unnamed.contact.display_name = "Geheime Naam"
    young = factories.submission(session, consultation, [("s-1", "Jong")], group="young_person")
    young.publish_name = True
    from consult.stakeholders.models import AgeBand

    young.age_band = AgeBand.UNDER_12
    young.contact.display_name = "Kind Naam"
    session.flush()
    body = english_client.get(f"/consultaties/{consultation.slug}").get_data(as_text=True)
    assert "Fatima El Amrani" in body
    assert "Geheime Naam" not in body
    assert "Kind Naam" not in body
    assert "younger than 12" in body


def _bulk_comments(session, consultation, count: int, sections) -> None:
    """``count`` public comments spread over the sections, inserted in bulk for speed."""
    now = utcnow()
    group = factories.stakeholder_group(session, "parent")
    per_submission = 50
    submissions = []
    for _n in range(0, count, per_submission):
        code = codes.new_tracking_code()
        submissions.append(
            {
                "consultation_id": consultation.id,
                "tracking_code": code,
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
        )
    ids = list(session.scalars(insert(Submission).returning(Submission.id), submissions))
    session.execute(
        insert(SubmissionContact),
        [{"submission_id": i, "salt": "s", "display_name": None} for i in ids],
    )
    rows = []
    for n in range(count):
        rows.append(
            {
                "submission_id": ids[n // per_submission],
                "consultation_id": consultation.id,
                "section_id": sections[n % len(sections)].id if n % 7 else None,
                "position": n % per_submission + 1,
                "body": f"Bulkreactie {n}",
                "created_at": now,
                "is_public": True,
            }
        )
    session.execute(insert(Comment), rows)
    session.flush()


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
    return len(
        [
            s
            for s in statements
            if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))
        ]
    )


@pytest.mark.usefixtures("quiet_housekeeping")
def test_query_count_does_not_grow_with_comments(app, english_client, session):
    sections = [(f"Onderdeel {n}", f"<p>Tekst {n}</p>") for n in range(1, 41)]
    version = factories.document_version(session, sections=sections, locked=True)
    consultation = factories.consultation(session, version)
    path = f"/consultaties/{consultation.slug}"
    _bulk_comments(session, consultation, 10, consultation.version.sections)
    english_client.get(path)  # warm up (housekeeping hook, caches)
    kept.clear()
    few_built = _queries_for(app, english_client, path)
    few_kept = _queries_for(app, english_client, path)
    assert "Bulkreactie 1" in english_client.get(path).get_data(as_text=True)

    # Inserted in bulk, past the services: no event in the record, so forget what was kept.
    _bulk_comments(session, consultation, 4990, consultation.version.sections)
    kept.clear()
    many_built = _queries_for(app, english_client, path)
    many_kept = _queries_for(app, english_client, path)
    assert (few_built, few_kept) == (many_built, many_kept)
    # Kept: the consultation and its place in the record. Built: the version's outline,
    # the plan, counts, first comments, answers, said-and-done, groups, meetings, words.
    assert few_kept == 2
    assert few_built <= 11, few_built
    for part in (1, 2):
        body = english_client.get(f"{path}?deel={part}").get_data(as_text=True)
        # Twenty sections per part, three comments each; the comments on the whole plan.
        assert body.count('class="consult-comment"') == 21 * 3


def test_page_shows_the_offline_activities_with_who_took_part(english_client, session):
    from datetime import date

    from consult.consultations.models import ActivityKind, ActivityParticipants, OfflineActivity
    from consult.stakeholders.models import AgeBand

    consultation = factories.consultation(session)
    activity = OfflineActivity(
        consultation_id=consultation.id,
        kind=ActivityKind.SCHOOL_SESSION,
        held_on=date(2026, 11, 2),
        place="Vmbo-school Kanaleneiland",
        summary="Leerlingen willen hulp op school, zonder wachtlijst.",
    )
    session.add(activity)
    session.add(
        ActivityParticipants(
            activity=activity,
            stakeholder_group_id=factories.stakeholder_group(session, "young_person").id,
            age_band=AgeBand.FROM_12_TO_15.value,
            count=26,
        )
    )
    session.flush()
    page = text_of(
        english_client.get(f"/consultaties/{consultation.slug}", headers={"Accept-Language": "nl"})
    )
    assert "Bijeenkomsten en gesprekken" in page
    assert "Vmbo-school Kanaleneiland" in page
    assert "Leerlingen willen hulp op school, zonder wachtlijst." in page
    assert "26 deelnemers" in page
    assert "12 tot en met 15 jaar: 26" in page


def test_page_without_activities_has_no_empty_activities_section(english_client, session):
    consultation = factories.consultation(session)
    page = text_of(
        english_client.get(f"/consultaties/{consultation.slug}", headers={"Accept-Language": "nl"})
    )
    assert "Bijeenkomsten en gesprekken" not in page


def test_section_html_keeps_the_documents_rules(english_client, session):
    """Shown with the documents' own sanitiser: links nofollow, nothing it would not store."""
    version = factories.document_version(
        session,
        sections=[
            (
                "Links",
                '<p>Zie <a href="https://www.nji.nl">het NJi</a>.</p>'
                '<img src="https://volger.example/pixel.png" alt="">'
                '<h1 class="groot">Kop</h1><p style="color:red">Tekst</p>',
            )
        ],
        locked=True,
    )
    consultation = factories.consultation(session, version)
    body = english_client.get(f"/consultaties/{consultation.slug}").get_data(as_text=True)
    assert '<a href="https://www.nji.nl" rel="nofollow noopener">het NJi</a>' in body
    assert "volger.example" not in body
    assert 'class="groot"' not in body
    assert "color:red" not in body
    assert "Tekst" in body
