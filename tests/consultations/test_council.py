"""The council step: each member municipality's council decides on the regiovisie.

Officials record and correct a decision per municipality; each entry is an evidence
event that ``consult record verify`` compares with the row; the region page, the
workspace and the API show how many councils adopted it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from consult.consultations import council, lifecycle
from consult.consultations.lifecycle import ConsultationError
from consult.consultations.models import CouncilDecision, CouncilOutcome
from consult.evidence.verify import verify
from consult.ledger.models import RecordEvent
from tests import factories
from tests.conftest import log_in, make_client, submit_form
from tests.consultations.conftest import text_of
from tests.record.conftest import tampering

ADOPTED = CouncilOutcome.ADOPTED


def _events(session, consultation) -> list[RecordEvent]:
    return list(
        session.scalars(
            select(RecordEvent)
            .where(
                RecordEvent.chain == consultation.slug,
                RecordEvent.kind == "council_decision_recorded",
            )
            .order_by(RecordEvent.seq)
        )
    )


def _yesterday():
    return lifecycle.today_in_amsterdam() - timedelta(days=1)


@pytest.fixture
def official(session):
    """An official of Haaglanden (nine member municipalities)."""
    return factories.region_user(session, "official", "JZ24", email="fatima@haaglanden.example")


@pytest.fixture
def closed(session):
    return factories.closed_consultation(session, "JZ24", opens_in_days=-60, closes_in_days=-10)


def test_a_decision_and_its_correction_are_two_events_and_one_row(
    session, official, closed, in_app
):
    members = council.council_members(session, closed)
    assert len(members) > 1
    first = members[0]
    council.record_decision(
        session, official, closed, first, _yesterday(), CouncilOutcome.POSTPONED,
        "https://raad.example.nl/besluit/1",
    )  # fmt: skip
    council.record_decision(
        session, official, closed, first, _yesterday(), ADOPTED,
        "https://raad.example.nl/besluit/2",
    )  # fmt: skip
    rows = session.scalars(select(CouncilDecision)).all()
    assert [(r.outcome, r.url, r.corrections) for r in rows] == [
        (ADOPTED, "https://raad.example.nl/besluit/2", 1)
    ]
    events = _events(session, closed)
    assert [e.payload["outcome"] for e in events] == ["postponed", "adopted"]
    assert events[0].object_id == events[1].object_id == f"{closed.slug}/council/{first.code}"
    assert events[1].payload["municipality"] == first.code
    assert events[1].actor_role == "official"
    progress = council.council_progress(session, [closed])[closed.id]
    assert (progress.adopted, progress.decided, progress.members) == (1, 1, len(members))
    assert verify(session).ok


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"url": "javascript:alert(1)"}, "url", "https://"),
        ({"url": "ftp://raad.example.nl/x"}, "url", "https://"),
        ({"decided_on": 3}, "decided_on", "future"),
        ({"decided_on": -30}, "decided_on", "after the consultation closed"),
    ],
)
def test_a_decision_is_checked(session, official, closed, change, field, message):
    municipality = council.council_members(session, closed)[0]
    url = change.get("url", "https://raad.example.nl/besluit/1")
    day = lifecycle.today_in_amsterdam() + timedelta(days=change.get("decided_on", -1))
    with pytest.raises(ConsultationError) as refused:
        council.record_decision(session, official, closed, municipality, day, ADOPTED, url)
    assert refused.value.field == field
    assert message in str(refused.value.message)
    assert session.scalar(select(func.count(CouncilDecision.id))) == 0


def test_only_a_member_municipality_after_closing(session, official, closed):
    utrecht = factories.closed_consultation(session, "JZ22")
    outsider = council.council_members(session, utrecht)[0]
    with pytest.raises(ConsultationError) as refused:
        council.record_decision(
            session, official, closed, outsider, _yesterday(), ADOPTED, "https://x.example/1"
        )
    assert refused.value.field == "municipality"
    still_open = factories.consultation(session, factories.document_version(session, "JZ24"))
    member = council.council_members(session, still_open)[0]
    with pytest.raises(ConsultationError, match="after the consultation has closed"):
        council.record_decision(
            session, official, still_open, member, _yesterday(), ADOPTED, "https://x.example/1"
        )


def test_verify_names_a_decision_changed_around_the_record(session, official, closed, in_app):
    municipality = council.council_members(session, closed)[0]
    council.record_decision(
        session, official, closed, municipality, _yesterday(), CouncilOutcome.REJECTED,
        "https://raad.example.nl/besluit/9",
    )  # fmt: skip
    assert verify(session).ok
    with tampering(session):
        session.execute(
            text("UPDATE council_decisions SET outcome = 'adopted' WHERE consultation_id = :id"),
            {"id": closed.id},
        )
    report = verify(session)
    assert not report.ok
    assert any(
        f"council decision of {municipality.code} on {closed.slug}" in failure
        and "outcome" in failure
        for failure in report.failures
    )


def test_verify_names_a_decision_inserted_without_an_event(session, closed, in_app):
    municipality = council.council_members(session, closed)[0]
    session.add(
        CouncilDecision(
            consultation_id=closed.id, municipality_id=municipality.id,
            decided_on=_yesterday(), outcome=ADOPTED, url="https://raad.example.nl/x",
        )
    )  # fmt: skip
    session.flush()
    report = verify(session)
    assert any("the record has no council_decision_recorded event" in f for f in report.failures)


# -- pages -------------------------------------------------------------------------------------


def test_an_official_records_and_corrects_a_decision(english_client, session, official, closed):
    municipality = council.council_members(session, closed)[0]
    log_in(english_client, official.email)
    base = f"/regios/JZ24/beheer/consultaties/{closed.id}/raadsbesluiten"
    listing = text_of(english_client.get(base))
    assert "Adopted by 0 of" in listing
    assert f"Record the decision of {municipality.name}" in listing
    path = f"{base}/{municipality.code}"
    refused = submit_form(
        english_client,
        path,
        {"decided_on": "morgen", "outcome": "adopted", "url": "javascript:alert(1)"},
    )
    page = text_of(refused)
    assert refused.status_code == 200
    assert "Fill in a date like 2026-06-08." in page
    assert "Fill in a full web address that starts with https:// or http://." in page
    day = _yesterday().isoformat()
    saved = submit_form(
        english_client,
        path,
        {"decided_on": day, "outcome": "adopted", "url": "https://raad.example.nl/b/1"},
    )
    assert saved.status_code == 302
    listing = text_of(english_client.get(base))
    assert "Adopted by 1 of" in listing
    assert f"Correct the decision of {municipality.name}" in listing
    form = english_client.get(path).get_data(as_text=True)
    assert 'value="https://raad.example.nl/b/1"' in form  # a correction starts from what is
    corrected = submit_form(
        english_client,
        path,
        {"decided_on": day, "outcome": "rejected", "url": "https://raad.example.nl/b/1"},
    )
    assert corrected.status_code == 302
    assert "corrected 1 time" in text_of(english_client.get(base))
    assert len(_events(session, closed)) == 2
    detail = text_of(english_client.get(f"/regios/JZ24/beheer/consultaties/{closed.id}"))
    assert "Adopted by 0 of" in detail


def test_the_form_speaks_dutch(dutch_client, session, official, closed):
    municipality = council.council_members(session, closed)[0]
    log_in(dutch_client, official.email)
    path = f"/regios/JZ24/beheer/consultaties/{closed.id}/raadsbesluiten/{municipality.code}"
    page = text_of(submit_form(dutch_client, path, {"decided_on": "", "url": "ftp://x"}))
    assert "Vul een datum in." in page
    assert "Kies wat de gemeenteraad besloot." in page
    assert "Vul een volledig webadres in dat begint met https:// of http://." in page


def test_others_may_not_record(app, session, closed):
    municipality = council.council_members(session, closed)[0]
    path = f"/regios/JZ24/beheer/consultaties/{closed.id}/raadsbesluiten/{municipality.code}"
    moderator = factories.region_user(session, "moderator", "JZ24")
    other_official = factories.region_user(session, "official", "JZ22")
    for person, status in ((moderator, 403), (other_official, 403)):
        client = make_client(app, "en")
        log_in(client, person.email)
        assert client.get(path).status_code == status
        assert client.post(path, data={"outcome": "adopted"}).status_code in (400, 403)
    anonymous = make_client(app, "en")
    assert anonymous.get(path).status_code == 302  # to the log-in page
    # another region's consultation id under this region's code: not found
    client = make_client(app, "en")
    log_in(client, other_official.email)
    assert (
        client.get(
            f"/regios/JZ22/beheer/consultaties/{closed.id}/raadsbesluiten/{municipality.code}"
        ).status_code
        == 404
    )
    assert session.scalar(select(func.count(CouncilDecision.id))) == 0


def test_a_post_without_its_csrf_token_is_refused(english_client, session, official, closed):
    municipality = council.council_members(session, closed)[0]
    log_in(english_client, official.email)
    path = f"/regios/JZ24/beheer/consultaties/{closed.id}/raadsbesluiten/{municipality.code}"
    response = english_client.post(
        path,
        data={"decided_on": _yesterday().isoformat(), "outcome": "adopted", "url": "https://x.nl"},
    )
    assert response.status_code in (200, 400)
    assert session.scalar(select(func.count(CouncilDecision.id))) == 0


def test_the_region_page_and_the_api_show_the_decisions(client, session, official, closed):
    members = council.council_members(session, closed)
    for municipality in members[:2]:
        council.record_decision(
            session, official, closed, municipality, _yesterday(), ADOPTED,
            f"https://raad.example.nl/{municipality.code}",
        )  # fmt: skip
    council.record_decision(
        session, official, closed, members[2], _yesterday(), CouncilOutcome.REJECTED,
        "https://raad.example.nl/<b>",
    )  # fmt: skip
    page = text_of(client.get("/regios/JZ24"))
    assert f"vastgesteld door 2 van {len(members)} gemeenteraden" in page
    body = client.get(f"/api/v1/consultations/{closed.slug}").get_json()
    assert (body["council_members"], body["councils_adopted"]) == (len(members), 2)
    decisions = {d["municipality"]["code"]: d for d in body["council_decisions"]}
    assert decisions[members[2].code]["outcome"] == "rejected"
    assert decisions[members[0].code]["decided_on"] == _yesterday().isoformat()
    listing = client.get("/api/v1/consultations?region=JZ24").get_json()
    item = next(c for c in listing["data"] if c["slug"] == closed.slug)
    assert item["councils_adopted"] == 2
