"""The Atom feeds: national, per region and per consultation.

The world is the reactienota's (tests/responses/report_world.py): opened, extended, closed,
answers published twice (the second time a correction), a next version not yet public.
Around it: a draft consultation with a history of its own, an answer approved but not
published and a reactienota edition generated but not published. None of those may show.
"""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import event

from consult.consultations.models import ClosingChange, ConsultationState, StateChange
from consult.extensions import db
from consult.reports import services as reactienota
from consult.responses.answers import services as answer_services
from consult.responses.models import Disposition
from tests import factories
from tests.responses import report_world

NS = {"a": "http://www.w3.org/2005/Atom"}
DRAFT_TITLE = "GEHEIM-CONCEPT"
UNPUBLISHED_REASON = "NIET-GEPUBLICEERD antwoord"


@pytest.fixture
def world(session):
    built = report_world.build(session)
    consultation = built.consultation
    session.add(
        StateChange(
            consultation=consultation,
            from_state=ConsultationState.SCHEDULED,
            to_state=ConsultationState.OPEN,
            changed_at=consultation.opens_at,
        )
    )
    # A draft (unscheduled again) with a history that must never be news.
    draft = factories.consultation(session, state="draft")
    draft.title = DRAFT_TITLE
    session.add_all(
        [
            StateChange(
                consultation=draft,
                from_state=ConsultationState.SCHEDULED,
                to_state=ConsultationState.OPEN,
            ),
            ClosingChange(
                consultation=draft,
                old_closes_at=draft.closes_at,
                new_closes_at=draft.closes_at + timedelta(days=3),
                reason=DRAFT_TITLE,
            ),
        ]
    )
    late = factories.submission(session, consultation, [(None, "Nog een reactie.")])
    answer = answer_services.draft_answer(
        session,
        built.responder,
        consultation,
        late.comments,
        Disposition.NOT_ADOPTED,
        UNPUBLISHED_REASON,
    )
    answer_services.approve(session, built.official, answer)
    built.draft = draft
    session.flush()
    return built


def _feed(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "application/atom+xml"
    return response, ElementTree.fromstring(response.get_data())  # noqa: S314 - our own feed


def _assert_atom(root, self_url):
    """RFC 4287's required elements, on the feed and on every entry."""
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "nl"
    assert root.findtext("a:id", namespaces=NS).startswith("tag:consult.test,2026:")
    assert root.findtext("a:title", namespaces=NS)
    assert root.findtext("a:updated", namespaces=NS)
    assert root.findtext("a:author/a:name", namespaces=NS) == "Consult"
    self_link = root.find("a:link[@rel='self']", NS)
    assert self_link.get("href") == self_url
    assert root.find("a:link[@rel='alternate']", NS).get("type") == "text/html"
    entries = root.findall("a:entry", NS)
    ids = [e.findtext("a:id", namespaces=NS) for e in entries]
    assert len(ids) == len(set(ids))
    moments = [e.findtext("a:updated", namespaces=NS) for e in entries]
    assert moments == sorted(moments, reverse=True)
    if entries:
        assert root.findtext("a:updated", namespaces=NS) == moments[0]
    for entry in entries:
        assert entry.findtext("a:id", namespaces=NS).startswith("tag:consult.test,2026:")
        assert entry.findtext("a:title", namespaces=NS)
        link = entry.find("a:link[@rel='alternate']", NS)
        assert link.get("href").startswith("http://consult.test/")
        summary = entry.find("a:summary", NS)
        assert summary.get("type") == "text"
        assert summary.text
    return entries


def _kinds(entries):
    return [e.findtext("a:id", namespaces=NS).split(":")[-1].split("/")[2] for e in entries]


def test_the_consultation_feed_holds_its_public_steps(client, world):
    slug = world.consultation.slug
    _, root = _feed(client, f"/consultaties/{slug}/nieuws.atom")
    entries = _assert_atom(root, f"http://consult.test/consultaties/{slug}/nieuws.atom")
    text = ElementTree.tostring(root, encoding="unicode")
    # Newest first: the correction, the first answers, closed, extended, opened.
    assert _kinds(entries) == ["answers", "answers", "closed", "extended", "opened"]
    correction, first = entries[0], entries[1]
    # (Words checked by number: the Dutch catalog is merged after this test was written.)
    assert first.findtext("a:title", namespaces=NS).startswith("5 ")
    assert " 9 " in first.findtext("a:summary", namespaces=NS)
    assert correction.findtext("a:title", namespaces=NS).startswith("1 ")
    # The correction says it corrects: a second sentence.
    assert correction.findtext("a:summary", namespaces=NS).count(". ") == 1
    assert first.findtext("a:summary", namespaces=NS).count(". ") == 0
    extended = entries[3].findtext("a:summary", namespaces=NS)
    assert "Herfstvakantie: scholen vroegen om meer tijd." in extended
    page = f"http://consult.test/consultaties/{slug}"
    assert all(e.find("a:link", NS).get("href") == page for e in entries)
    # Never: the approved answer, the unlocked next version, the draft.
    for forbidden in (UNPUBLISHED_REASON, DRAFT_TITLE, "/reactienota", "/versies/"):
        assert forbidden not in text
    # Personal data has no place in a feed.
    for email in report_world.EMAILS:
        assert email not in text


def test_publishing_the_reactienota_adds_it_and_the_next_version(client, session, world):
    report = reactienota.generate(session, world.official, world.consultation)
    with factories.app_context(session):
        reactienota.publish(session, world.official, report)
    # Edition 2, generated but not published.
    reactienota.generate(session, world.official, world.consultation, correction_note="Typfout.")
    session.flush()
    slug = world.consultation.slug
    _, root = _feed(client, f"/consultaties/{slug}/nieuws.atom")
    entries = _assert_atom(root, f"http://consult.test/consultaties/{slug}/nieuws.atom")
    by_kind = dict(zip(_kinds(entries), entries, strict=True))
    assert set(by_kind) == {"answers", "closed", "extended", "opened", "report", "version"}
    assert _kinds(entries).count("report") == 1
    report_link = by_kind["report"].find("a:link", NS).get("href")
    assert report_link == f"http://consult.test/consultaties/{slug}/reactienota/1"
    assert client.get(report_link.removeprefix("http://consult.test")).status_code == 200
    version = world.consultation.version
    assert by_kind["version"].find("a:link", NS).get("href") == (
        f"http://consult.test/documenten/{version.document_id}/versies/2"
    )
    assert by_kind["report"].findtext("a:id", namespaces=NS) == (
        f"tag:consult.test,2026:consultaties/{slug}/report/1"
    )


def test_region_and_national_feeds(client, world):
    _, region = _feed(client, "/regios/JZ22/nieuws.atom")
    entries = _assert_atom(region, "http://consult.test/regios/JZ22/nieuws.atom")
    assert len(entries) == 5
    assert region.find("a:link[@rel='alternate']", NS).get("href") == (
        "http://consult.test/regios/JZ22"
    )
    _, national = _feed(client, "/landelijk.atom")
    national_entries = _assert_atom(national, "http://consult.test/landelijk.atom")
    ids = {e.findtext("a:id", namespaces=NS) for e in national_entries}
    assert {e.findtext("a:id", namespaces=NS) for e in entries} <= ids
    for root in (region, national):
        text = ElementTree.tostring(root, encoding="unicode")
        assert DRAFT_TITLE not in text
        assert world.draft.slug not in text
    # Another region's feed does not hold this region's news.
    _, other = _feed(client, "/regios/JZ21/nieuws.atom")
    assert world.consultation.slug not in ElementTree.tostring(other, encoding="unicode")


def test_feeds_are_limited_to_fifty_entries(client, session, world):
    consultation = world.consultation
    session.add_all(
        ClosingChange(
            consultation=consultation,
            old_closes_at=consultation.closes_at,
            new_closes_at=consultation.closes_at + timedelta(days=1),
            reason=f"Verlenging {n}",
            changed_at=consultation.closes_at - timedelta(hours=n),
        )
        for n in range(60)
    )
    session.flush()
    _, root = _feed(client, f"/consultaties/{consultation.slug}/nieuws.atom")
    entries = _assert_atom(
        root, f"http://consult.test/consultaties/{consultation.slug}/nieuws.atom"
    )
    assert len(entries) == 50


def test_an_empty_feed_is_valid_with_a_fixed_updated(client, session):
    consultation = factories.consultation(session, state="scheduled", opens_in_days=3)
    path = f"/consultaties/{consultation.slug}/nieuws.atom"
    _, root = _feed(client, path)
    assert _assert_atom(root, f"http://consult.test{path}") == []
    assert root.findtext("a:updated", namespaces=NS) == "2026-01-01T00:00:00.000Z"


def test_conditional_get(client, world):
    path = f"/consultaties/{world.consultation.slug}/nieuws.atom"
    first, _ = _feed(client, path)
    assert first.headers["ETag"]
    assert first.headers["Last-Modified"]
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""
    since = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_no_feed_for_a_draft_or_an_unknown_one(client, world):
    assert client.get(f"/consultaties/{world.draft.slug}/nieuws.atom").status_code == 404
    assert client.get("/consultaties/bestaat-niet/nieuws.atom").status_code == 404
    assert client.get("/regios/XX99/nieuws.atom").status_code == 404
    moved = client.get("/regios/jz22/nieuws.atom")
    assert moved.status_code == 301
    assert moved.location.endswith("/regios/JZ22/nieuws.atom")


def test_pages_announce_their_feeds(client, world):
    slug = world.consultation.slug
    page = client.get(f"/consultaties/{slug}").get_data(as_text=True)
    assert (
        f'<link rel="alternate" type="application/atom+xml" href="/consultaties/{slug}/nieuws.atom"'
        in page
    )
    region = client.get("/regios/JZ22").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml" href="/regios/JZ22/nieuws.atom"' in (
        region
    )


def test_the_national_overview_announces_the_national_feed(client):
    page = client.get("/landelijk").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml" href="/landelijk.atom"' in page


def test_a_feed_costs_the_same_queries_however_long_the_history(
    app, client, session, world, quiet_housekeeping
):
    path = f"/consultaties/{world.consultation.slug}/nieuws.atom"
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    def queries() -> int:
        statements.clear()
        engine = db.state(app).engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    few = queries()
    consultation = world.consultation
    session.add_all(
        ClosingChange(
            consultation=consultation,
            old_closes_at=consultation.closes_at,
            new_closes_at=consultation.closes_at + timedelta(days=1),
            reason=f"Verlenging {n}",
        )
        for n in range(30)
    )
    session.flush()
    assert queries() == few
    # The consultation, one query per kind of step (the late answers: two, while some are
    # late), the consultations named.
    assert few <= 10
