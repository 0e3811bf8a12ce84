"""The iCalendar feeds: every public consultation's opening, closing and promised answer
day, parsed with the icalendar library as a calendar app would."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from consult.consultations import lifecycle
from tests import factories


def events_by_uid(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_the_national_calendar_holds_every_public_consultation(client, session):
    open_one = factories.consultation(session, state="open", slug="open-een")
    closed = factories.consultation(
        session, state="closed", opens_in_days=-60, closes_in_days=-10, slug="dicht-een"
    )
    closed.answers_due_on = lifecycle.today_in_amsterdam() + timedelta(days=20)
    draft = factories.consultation(session, state="draft", opens_in_days=5, slug="concept-een")
    other = factories.consultation(
        session, factories.document_version(session, "JZ24"), state="scheduled", slug="elders"
    )
    session.flush()
    response = client.get("/agenda.ics")
    assert response.mimetype == "text/calendar"
    events = events_by_uid(response.data)
    for consultation in (open_one, closed, other):
        for what in ("opens", "closes", "answers"):
            assert f"{consultation.slug}-{what}@consult.test" in events
    assert not any(uid.startswith(draft.slug) for uid in events)
    closes = events[f"{closed.slug}-closes@consult.test"]
    assert closes.decoded("dtstart") == closed.closes_at.replace(microsecond=0)
    assert str(closes["summary"]) == f"Laatste moment om te reageren: {closed.title}"
    answers = events[f"{closed.slug}-answers@consult.test"]
    assert answers.decoded("dtstart") == closed.answers_due_on
    assert str(answers["summary"]) == f"Antwoorden beloofd: {closed.title}"
    assert str(answers["url"]) == "http://consult.test/consultaties/dicht-een"


def test_a_regions_calendar_holds_only_its_own(client, session):
    ours = factories.consultation(session, state="open", slug="van-ons")
    theirs = factories.consultation(
        session, factories.document_version(session, "JZ24"), state="open", slug="van-hen"
    )
    session.flush()
    events = events_by_uid(client.get("/regios/JZ22/agenda.ics").data)
    assert f"{ours.slug}-opens@consult.test" in events
    assert not any(uid.startswith(theirs.slug) for uid in events)
    assert client.get("/regios/XX99/agenda.ics").status_code == 404


def test_a_moved_answer_day_is_the_same_event_with_a_higher_sequence(client, session, in_app):
    official = factories.region_user(session, "official")
    consultation = factories.consultation(
        session, state="closed", opens_in_days=-60, closes_in_days=-10, slug="verschoven"
    )
    consultation.answers_due_on = lifecycle.today_in_amsterdam() + timedelta(days=5)
    session.flush()
    before = client.get("/agenda.ics")
    lifecycle.move_answers_due(
        session, official, consultation, consultation.answers_due_on + timedelta(days=9), "Drukte"
    )
    session.flush()
    after = events_by_uid(client.get("/agenda.ics").data)["verschoven-answers@consult.test"]
    assert after.decoded("dtstart") == consultation.answers_due_on
    assert int(after["sequence"]) == 1
    assert (
        client.get("/agenda.ics", headers={"If-None-Match": before.headers["ETag"]}).status_code
        == 200
    )


def test_the_calendar_answers_a_conditional_get_and_is_linked(client, session):
    factories.consultation(session, state="open", slug="open-twee")
    session.flush()
    first = client.get("/agenda.ics")
    again = client.get("/agenda.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    home = client.get("/").get_data(as_text=True)
    assert '<link rel="alternate" type="text/calendar" href="/agenda.ics"' in home
    region = client.get("/regios/JZ22").get_data(as_text=True)
    assert 'type="text/calendar" href="/regios/JZ22/agenda.ics"' in region


def test_the_home_page_lists_what_is_open_and_what_opens_soon(client, session):
    soon_closing = factories.consultation(session, state="open", closes_in_days=3, slug="bijna")
    later = factories.consultation(session, state="open", closes_in_days=30, slug="later")
    factories.consultation(
        session, state="scheduled", opens_in_days=4, closes_in_days=40, slug="straks"
    )
    factories.consultation(session, state="draft", opens_in_days=4, slug="geheim")
    session.flush()
    page = client.get("/").get_data(as_text=True)
    assert page.index("/consultaties/bijna") < page.index("/consultaties/later")
    assert "/consultaties/straks" in page
    assert "/consultaties/geheim" not in page
    assert soon_closing.region.name in page
    assert page.count(later.title) >= 3  # the two open ones and the one that opens soon
