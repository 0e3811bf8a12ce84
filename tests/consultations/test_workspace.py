"""The workspace pages: who may see and change what, forms, confirmations, the clock hook."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from consult.consultations import lifecycle
from consult.consultations.models import ClosingChange, Consultation, ConsultationState
from tests import factories
from tests.conftest import csrf_token, log_in, submit_form
from tests.consultations.conftest import text_of

BASE = "/regios/JZ22/beheer/consultaties"


def page_of(consultation) -> str:
    return f"/regios/{consultation.region.code}/beheer/consultaties/{consultation.id}"


def form_data(session, version, **overrides):
    data = {
        "version": str(version.id),
        "title": "Regiovisie jeugdhulp 2026",
        "introduction": "Wat vind jij van de jeugdhulp in jouw gemeente?",
        "contact_name": "Team Jeugd",
        "contact_email": "jeugd@utrecht.example",
        "contact_phone": "030 123 45 67",
        "opens_on": "2030-03-04",
        "opens_time": "09:00",
        "closes_on": "2030-04-15",
        "closes_time": "17:00",
        "invited_groups": [str(factories.stakeholder_group(session, "young_person").id)],
    }
    data.update(overrides)
    return data


# -- the list ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(english_client, session):
    consultation = factories.draft_consultation(session)
    for path in (BASE, f"{BASE}/nieuw", page_of(consultation)):
        response = english_client.get(path)
        assert response.status_code == 302
        assert response.location.startswith("/account/inloggen")


def test_the_list_shows_an_empty_state_then_the_consultations(logged_in, session):
    page = text_of(logged_in.get(BASE))
    assert "This youth region has no consultations yet." in page
    assert "New consultation" in page
    consultation = factories.draft_consultation(session)
    factories.consultation(session, factories.document_version(session, "JZ24"), state="open")
    page = text_of(logged_in.get(BASE))
    assert consultation.title in page
    assert "1 consultation" in page
    assert "draft" in page


def test_the_list_pages_at_twenty(logged_in, session):
    version = factories.document_version(session)
    for _ in range(21):
        factories.consultation(session, version, state="draft", opens_in_days=3)
    first = text_of(logged_in.get(BASE))
    assert "Page 1 of 2" in first
    assert first.count("Consultatie Regiovisie") == 20
    second = text_of(logged_in.get(f"{BASE}?pagina=2"))
    assert second.count("Consultatie Regiovisie") == 1
    assert logged_in.get(f"{BASE}?pagina=3").status_code == 404


def test_a_moderator_may_view_but_not_create(english_client, session):
    moderator = factories.region_user(session, "moderator", "JZ22")
    consultation = factories.draft_consultation(session)
    log_in(english_client, moderator.email)
    assert english_client.get(BASE).status_code == 200
    page = text_of(english_client.get(page_of(consultation)))
    assert consultation.title in page
    assert "Schedule" not in page
    assert english_client.get(f"{BASE}/nieuw").status_code == 403
    assert english_client.get(f"{page_of(consultation)}/inplannen").status_code == 403


# -- create -----------------------------------------------------------------------------------


def test_the_create_form_suggests_six_weeks_from_next_monday(logged_in, session):
    factories.document_version(session, title="Regiovisie Utrecht")
    page = logged_in.get(f"{BASE}/nieuw").get_data(as_text=True)
    assert "Regiovisie Utrecht, version 1" in page
    assert 'name="opens_time" type="time" value="09:00"' in page
    assert 'name="closes_time" type="time" value="17:00"' in page
    assert "young person" in page  # stakeholder groups, in the current language
    assert "B1" in page


def test_create_converts_amsterdam_time_to_utc_and_shows_the_draft(logged_in, session, official):
    version = factories.document_version(session)
    response = submit_form(logged_in, f"{BASE}/nieuw", form_data(session, version))
    assert response.status_code == 302
    consultation = session.scalar(select(Consultation).order_by(Consultation.id.desc()))
    assert consultation.slug == "jz22-regiovisie-jeugdhulp-2026"
    assert consultation.state is ConsultationState.DRAFT
    assert consultation.opens_at == datetime(2030, 3, 4, 8, 0, tzinfo=UTC)  # winter time
    assert consultation.closes_at == datetime(2030, 4, 15, 15, 0, tzinfo=UTC)  # summer time
    assert consultation.created_by_id == official.id
    page = text_of(logged_in.get(response.location))
    assert "The consultation is saved as a draft." in page
    assert "/consultaties/jz22-regiovisie-jeugdhulp-2026" in page
    assert "young person" in page
    assert "Created as a draft" in page
    assert "by anne@utrecht.example" in page


def test_a_failed_form_keeps_what_was_typed_and_explains(logged_in, session):
    version = factories.document_version(session)
    data = form_data(session, version, title="", closes_on="2030-03-01", contact_email="geen-adres")
    response = submit_form(logged_in, f"{BASE}/nieuw", data)
    assert response.status_code == 200
    page = text_of(response)
    assert "Please correct the following" in page
    assert "Fill in a title." in page
    assert "Fill in an email address like name@example.nl." in page
    assert "The closing moment must come after the opening moment." in page
    assert "Wat vind jij van de jeugdhulp in jouw gemeente?" in page
    assert session.scalar(select(Consultation)) is None


def test_a_time_that_does_not_exist_in_spring_is_refused(logged_in, session):
    version = factories.document_version(session)
    data = form_data(session, version, opens_on="2030-03-31", opens_time="02:30")
    page = text_of(submit_form(logged_in, f"{BASE}/nieuw", data))
    assert "This time does not exist in the Netherlands" in page
    assert "clocks go forward from 02:00 to 03:00" in page


def test_the_double_hour_in_autumn_closes_at_the_later_one(logged_in, session):
    version = factories.document_version(session)
    data = form_data(
        session, version, opens_on="2026-09-14", closes_on="2026-10-25", closes_time="02:30"
    )
    assert submit_form(logged_in, f"{BASE}/nieuw", data).status_code == 302
    consultation = session.scalar(select(Consultation).order_by(Consultation.id.desc()))
    assert consultation.closes_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_unreadable_dates_and_times_get_clear_messages(logged_in, session):
    version = factories.document_version(session)
    data = form_data(session, version, opens_on="morgen", closes_time="vijf uur")
    page = text_of(submit_form(logged_in, f"{BASE}/nieuw", data))
    assert "Fill in a date like 2026-03-02." in page
    assert "Fill in a time like 09:00 or 17:00." in page


def test_a_version_of_another_region_cannot_be_posted(logged_in, session):
    foreign = factories.document_version(session, "JZ24")
    factories.document_version(session)
    response = submit_form(logged_in, f"{BASE}/nieuw", form_data(session, foreign))
    assert response.status_code == 200
    assert session.scalar(select(Consultation)) is None


def test_edit_changes_a_draft_but_not_an_open_one(logged_in, session):
    consultation = factories.draft_consultation(session)
    data = form_data(session, consultation.version, title="Andere titel")
    response = submit_form(logged_in, f"{page_of(consultation)}/bewerken", data)
    assert response.status_code == 302
    session.expire_all()
    assert consultation.title == "Andere titel"
    opened = factories.consultation(session, state="open")
    response = logged_in.get(f"{page_of(opened)}/bewerken")
    assert response.status_code == 302
    assert "can no longer be changed" in text_of(logged_in.get(response.location))


# -- lifecycle through the pages ------------------------------------------------------------------


def test_schedule_asks_for_confirmation_then_schedules(logged_in, session, official):
    consultation = factories.draft_consultation(session, closes_in_days=20)
    confirm = text_of(logged_in.get(f"{page_of(consultation)}/inplannen"))
    assert "Schedule this consultation?" in confirm
    assert "lasts less than four weeks" in confirm
    session.expire_all()
    assert consultation.state is ConsultationState.DRAFT
    response = submit_form(logged_in, f"{page_of(consultation)}/inplannen", {})
    assert response.status_code == 302
    session.expire_all()
    assert consultation.state is ConsultationState.SCHEDULED
    page = text_of(logged_in.get(page_of(consultation)))
    assert "Scheduled by anne@utrecht.example" in page
    assert "Open now" in page
    assert "Back to draft" in page


def test_schedule_explains_what_is_missing(logged_in, session):
    consultation = factories.draft_consultation(session, opens_in_days=-1)
    page = text_of(logged_in.get(f"{page_of(consultation)}/inplannen"))
    assert "This is not possible yet" in page
    assert "The opening moment has passed." in page
    assert "Yes, schedule" not in page


def test_open_now_and_back_to_draft(logged_in, session):
    consultation = factories.draft_consultation(session)
    consultation.state = ConsultationState.SCHEDULED
    other = factories.draft_consultation(session)
    other.state = ConsultationState.SCHEDULED
    session.flush()
    assert submit_form(logged_in, f"{page_of(other)}/terug-naar-concept", {}).status_code == 302
    assert submit_form(logged_in, f"{page_of(consultation)}/nu-openen", {}).status_code == 302
    session.expire_all()
    assert other.state is ConsultationState.DRAFT
    assert consultation.state is ConsultationState.OPEN
    assert consultation.version.locked_at is not None


def test_extend_shows_a_confirmation_and_keeps_the_reason(logged_in, session, official):
    consultation = factories.consultation(session, state="open", closes_in_days=10)
    path = f"{page_of(consultation)}/verlengen"
    old = consultation.closes_at
    earlier = submit_form(
        logged_in, path, {"closes_on": "2020-01-01", "closes_time": "17:00", "reason": "x"}
    )
    assert "It can never be earlier." in text_of(earlier)
    data = {"closes_on": "2099-06-01", "closes_time": "17:00", "reason": "Zomervakantie"}
    confirm = submit_form(logged_in, path, data)
    assert confirm.status_code == 200
    assert "Extend the closing moment?" in text_of(confirm)
    assert session.scalar(select(ClosingChange)) is None
    token = csrf_token(logged_in, path)
    done = logged_in.post(path, data={**data, "confirmed": "ja", "csrf_token": token})
    assert done.status_code == 302
    session.expire_all()
    change = session.scalar(select(ClosingChange))
    assert (change.old_closes_at, change.reason, change.actor_id) == (
        old,
        "Zomervakantie",
        official.id,
    )
    assert consultation.closes_at == datetime(2099, 6, 1, 15, 0, tzinfo=UTC)
    page = text_of(logged_in.get(page_of(consultation)))
    assert "Closing moment moved from" in page
    assert "Reason: Zomervakantie" in page


def test_a_post_without_csrf_token_is_refused(logged_in, session):
    consultation = factories.draft_consultation(session)
    response = logged_in.post(f"{page_of(consultation)}/inplannen", data={})
    assert response.status_code == 400
    response = logged_in.post(f"{BASE}/nieuw", data=form_data(session, consultation.version))
    assert response.status_code == 400
    session.expire_all()
    assert consultation.state is ConsultationState.DRAFT


# -- the clock on requests ----------------------------------------------------------------------


def test_a_request_closes_a_consultation_whose_moment_passed(english_client, session):
    consultation = factories.consultation(
        session, state="open", opens_in_days=-40, closes_in_days=-0.01
    )
    due = consultation.closes_at
    assert english_client.get("/").status_code == 200  # any page, nobody acting
    session.expire_all()
    assert consultation.state is ConsultationState.CLOSED
    (change,) = [c for c in consultation.state_changes if c.to_state is ConsultationState.CLOSED]
    assert (change.actor_id, change.changed_at) == (None, due)


def test_the_history_says_the_clock_did_it(app, logged_in, session):
    consultation = factories.consultation(session, state="scheduled", opens_in_days=-0.01)
    lifecycle.clock_for(app).reset()  # logging in already ticked
    page = text_of(logged_in.get(page_of(consultation)))
    assert "open for comment" in page
    assert "Opened automatically, on time" in page


def test_static_files_do_not_run_the_clock(english_client, session):
    consultation = factories.consultation(session, state="open", closes_in_days=-0.01)
    assert english_client.get("/static/consultations.css").status_code == 200
    session.expire_all()
    assert consultation.state is ConsultationState.OPEN


def test_the_tick_command_opens_and_closes(app, session):
    consultation = factories.consultation(session, state="open", closes_in_days=-0.01)
    result = app.test_cli_runner().invoke(args=["consultations", "tick"])
    assert result.exit_code == 0, result.output
    assert f"closed {consultation.slug}" in result.output
    again = app.test_cli_runner().invoke(args=["consultations", "tick"])
    assert "nothing to open or close" in again.output


# -- other regions ------------------------------------------------------------------------------


@pytest.fixture
def haaglanden(session):
    return factories.draft_consultation(session, "JZ24")


def test_an_official_of_another_region_gets_403_on_the_region_and_404_by_id(
    logged_in, session, haaglanden
):
    jz24 = page_of(haaglanden)
    assert logged_in.get("/regios/JZ24/beheer/consultaties").status_code == 403
    assert logged_in.get(jz24).status_code == 403
    # JZ24's consultation id under JZ22's address: not found.
    under_mine = f"{BASE}/{haaglanden.id}"
    for suffix in (
        "",
        "/bewerken",
        "/inplannen",
        "/nu-openen",
        "/verlengen",
        "/vragen/nieuw",
        "/activiteiten/nieuw",
    ):
        assert logged_in.get(under_mine + suffix).status_code == 404, suffix
    token = csrf_token(logged_in, BASE + "/nieuw")
    assert logged_in.post(under_mine + "/inplannen", data={"csrf_token": token}).status_code == 404
    assert logged_in.post(f"{jz24}/inplannen", data={"csrf_token": token}).status_code == 403
    session.expire_all()
    assert haaglanden.state is ConsultationState.DRAFT
