"""The participation page (reach and the Lundy checklist) and the officials' Lundy form."""

from __future__ import annotations

import re
import secrets

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from consult.comments import codes
from consult.comments.models import Comment, Submission, SubmissionState
from consult.db import utcnow
from consult.participation import services as participation
from consult.participation.models import LundyElement
from consult.regions.models import Municipality
from consult.stakeholders.models import AgeBand
from tests import factories
from tests.conftest import csrf_token, log_in
from tests.consultations.conftest import count_queries, text_of
from tests.responses import report_world


def public_path(consultation) -> str:
    return f"/consultaties/{consultation.slug}/deelname"


def form_path(consultation) -> str:
    return f"/regios/{consultation.region.code}/beheer/consultaties/{consultation.id}/lundy"


def municipality(session, code):
    return session.scalar(select(Municipality).where(Municipality.code == code))


def table(body: str, table_id: str) -> list[list[str]]:
    """The rows of one table on the page, each as the texts of its cells."""
    found = re.search(rf'<table[^>]*id="{table_id}".*?</table>', body, flags=re.S)
    assert found, f"no table {table_id}"
    rows = []
    for row in re.findall(r"<tr\b.*?</tr>", found.group(0), flags=re.S):
        cells = re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, flags=re.S)
        rows.append([" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells])
    return rows


@pytest.fixture
def world(session):
    """The reactienota tests' consultation: hidden, withdrawn, named, secret and young comments."""
    built = report_world.build(session)
    utrecht, amsterdam = municipality(session, "GM0344"), municipality(session, "GM0363")
    built.submissions["parent"].municipality_id = utrecht.id
    built.submissions["young"].municipality_id = utrecht.id
    built.submissions["named"].municipality_id = amsterdam.id
    session.flush()
    return built


# -- the public page: reach ----------------------------------------------------------------------


def test_the_page_counts_per_group_age_band_and_municipality(english_client, world):
    response = english_client.get(public_path(world.consultation))
    assert response.status_code == 200
    body = response.get_data(as_text=True)

    groups = table(body, "per-groep")
    assert groups[0][:3] == ["Group", "Submissions", "Comments"]
    # Confirmed submissions; a hidden comment counts, a withdrawn one does not.
    rows = {row[0]: row[1:] for row in groups[1:]}
    assert rows["Parent or carer"][:2] == ["2", "3"]
    assert rows["Foster parent"][:2] == ["3", "3"]
    assert rows["Young person"][:2] == ["1", "1"]
    assert rows["Care provider"][:2] == ["1", "1"]
    assert rows["Professional (e.g. youth doctor or teacher)"][:2] == ["1", "1"]
    assert rows["Total"][:2] == ["8", "9"]
    # The bar's text equivalent: 3 of 8 submissions.
    assert rows["Foster parent"][2] == "38%"

    bands = table(body, "per-leeftijd")
    assert bands[1] == ["12 to 15 years", "1", "1", "13%"]

    places = {row[0]: row[1:3] for row in table(body, "per-gemeente")[1:]}
    assert places["Utrecht"] == ["2", "3"]  # the parent sent two comments
    assert places["Amsterdam"] == ["1", "1"]
    assert places["Not given"] == ["5", "5"]

    page = text_of(response)
    assert "8 submissions online, with 9 comments" in page
    assert "1 meeting or session, with 26 participants" in page
    offline = {row[0]: row[1] for row in table(body, "offline-per-groep")[1:]}
    assert offline == {"Young person": "24", "Professional (e.g. youth doctor or teacher)": "2"}
    assert "School session" in page
    assert "Vmbo De Brug, klas 3" in page
    assert (
        "26 participants: young person (12 to 15 years) 24; "
        "professional (e.g. youth doctor or teacher) 2"
    ) in page


def test_the_page_and_the_reactienota_count_the_same(session, world):
    from consult.reports import services as reactienota

    content = reactienota.build_content(session, world.consultation)
    reached = participation.reach(session, world.consultation)
    assert reached.figures == content["reach"]
    assert reached.activities == content["activities"]


def test_nothing_personal_is_on_the_page(english_client, world):
    body = english_client.get(public_path(world.consultation)).get_data(as_text=True)
    for secret in (
        *report_world.EMAILS,
        "prof@example.org",
        report_world.ADULT_NAME,
        report_world.YOUNG_NAME,
        report_world.SECRET_NAME,
        report_world.PUBLIC_TEXT,
        report_world.NAMED_TEXT,
        report_world.SECRET_TEXT,
        report_world.HIDDEN_TEXT,
        report_world.WITHDRAWN_TEXT,
        report_world.YOUNG_TEXT,
        report_world.CAMPAIGN_TEXT,
        "Scheldwoord",  # the moderator's note
    ):
        assert secret not in body, secret
    for submission in world.submissions.values():
        assert codes.display(submission.tracking_code) not in body
        assert submission.tracking_code not in body


def test_an_empty_consultation_says_so(english_client, session):
    consultation = factories.consultation(session)
    page = text_of(english_client.get(public_path(consultation)))
    assert "Nobody has reacted online yet." in page
    assert "The region has not registered any meetings or sessions" in page
    for element in ("Space", "Voice", "Audience", "Influence"):
        assert element in page
    assert page.count("The region has not filled this in yet.") == 4


def test_a_draft_has_no_public_page(english_client, session):
    consultation = factories.draft_consultation(session)
    assert english_client.get(public_path(consultation)).status_code == 404
    assert english_client.get("/consultaties/bestaat-niet/deelname").status_code == 404


def test_the_consultation_page_links_to_it(english_client, session):
    consultation = factories.consultation(session)
    body = english_client.get(f"/consultaties/{consultation.slug}").get_data(as_text=True)
    assert f'href="{public_path(consultation)}"' in body


def _bulk_submissions(session, consultation, count: int) -> None:
    """``count`` confirmed submissions with two comments each, spread over groups and places."""
    now = utcnow()
    groups = [factories.stakeholder_group(session, code).id for code in ("parent", "young_person")]
    places = [municipality(session, code).id for code in ("GM0344", "GM0363", "GM0599")]
    bands = [AgeBand.UNDER_12, AgeBand.FROM_16_TO_17]
    rows = [
        {
            "consultation_id": consultation.id,
            "tracking_code": codes.new_tracking_code(),
            "idempotency_key": secrets.token_hex(8),
            "stakeholder_group_id": groups[n % 2],
            "age_band": bands[n % 2] if n % 2 else None,
            "municipality_id": places[n % 3],
            "organisation_verified": False,
            "publish_text": True,
            "publish_name": False,
            "state": SubmissionState.CONFIRMED,
            "received_at": now,
            "confirmed_at": now,
            "content_hash": "0" * 64,
        }
        for n in range(count)
    ]
    ids = list(session.scalars(insert(Submission).returning(Submission.id), rows))
    session.execute(
        insert(Comment),
        [
            {
                "submission_id": i,
                "consultation_id": consultation.id,
                "position": position,
                "body": f"Reactie {i}/{position}",
                "created_at": now,
                "is_public": True,
            }
            for i in ids
            for position in (1, 2)
        ],
    )
    session.flush()


@pytest.mark.usefixtures("quiet_housekeeping")
def test_the_query_count_does_not_grow_with_submissions(app, english_client, session):
    consultation = factories.consultation(session)
    participation.save_statement(
        session, None, consultation, LundyElement.SPACE, "Sessies op school.", []
    )
    _bulk_submissions(session, consultation, 10)
    path = public_path(consultation)
    english_client.get(path)  # warm up
    with count_queries(app) as few:
        assert english_client.get(path).status_code == 200
    _bulk_submissions(session, consultation, 1990)
    with count_queries(app) as many:
        response = english_client.get(path)
    assert len(few) == len(many), (len(few), len(many))
    assert len(many) <= 16
    rows = {row[0]: row[1:3] for row in table(response.get_data(as_text=True), "per-groep")[1:]}
    assert rows["Total"] == ["2,000", "4,000"]
    assert rows["Parent or carer"] == ["1,000", "2,000"]


# -- the Lundy statements (services) -------------------------------------------------------------


def test_a_statement_is_saved_changed_and_cleared(session):
    consultation = factories.consultation(session)
    official = factories.region_user(session, "official")
    statement = participation.save_statement(
        session,
        official,
        consultation,
        LundyElement.VOICE,
        "  Een jongerenwerker hielp.  ",
        [("Verslag", "https://example.org/verslag"), ("", ""), ("Video", "http://example.org/v")],
    )
    assert statement.what_we_did == "Een jongerenwerker hielp."
    assert statement.evidence_links == [
        {"title": "Verslag", "url": "https://example.org/verslag"},
        {"title": "Video", "url": "http://example.org/v"},
    ]
    assert statement.updated_by_id == official.id
    assert participation.empty_elements(session, consultation) == [
        LundyElement.SPACE,
        LundyElement.AUDIENCE,
        LundyElement.INFLUENCE,
    ]
    again = participation.save_statement(
        session, official, consultation, LundyElement.VOICE, "Anders.", []
    )
    assert again.id == statement.id
    assert again.evidence_links == []
    assert (
        participation.save_statement(session, official, consultation, LundyElement.VOICE, "", [])
        is None
    )
    assert participation.statements(session, consultation) == {}


@pytest.mark.parametrize(
    ("links", "field", "message"),
    [
        ([("Klik", "javascript:alert(1)")], "url", "starts with https://"),
        ([("Klik", "JavaScript:alert(1)")], "url", "starts with https://"),
        ([("Data", "data:text/html,<script>alert(1)</script>")], "url", "https://"),
        ([("Bestand", "file:///etc/passwd")], "url", "https://"),
        ([("Zonder host", "https://")], "url", "https://"),
        ([("Met wachtwoord", "https://user:pw@example.org/")], "url", "https://"),
        ([("Spatie", "https://example.org/a b")], "url", "https://"),
        ([("Kapot", "http://[::1")], "url", "https://"),
        ([("", "https://example.org/")], "title", "short text"),
        ([("Alleen tekst", "")], "url", "web address"),
        ([("T" * 201, "https://example.org/")], "title", "200"),
        ([("Lang", "https://example.org/" + "a" * 2000)], "url", "too long"),
        ([(f"Link {n}", f"https://example.org/{n}") for n in range(11)], "links", "at most 10"),
    ],
)
def test_links_are_checked(session, links, field, message):
    consultation = factories.consultation(session)
    with pytest.raises(participation.ParticipationError, match=message) as raised:
        participation.save_statement(
            session, None, consultation, LundyElement.SPACE, "Wat we deden.", links
        )
    assert raised.value.field == field
    assert participation.statements(session, consultation) == {}


def test_texts_are_checked(session):
    consultation = factories.consultation(session)
    with pytest.raises(participation.ParticipationError, match="under 4000 characters"):
        participation.save_statement(
            session, None, consultation, LundyElement.SPACE, "x" * 4001, []
        )
    with pytest.raises(participation.ParticipationError, match="Say what you did"):
        participation.save_statement(
            session, None, consultation, LundyElement.SPACE, " ", [("A", "https://a.example/")]
        )
    assert participation.save_statement(
        session, None, consultation, LundyElement.SPACE, "x" * 4000, []
    )


def test_the_database_refuses_an_empty_text_and_a_second_statement(session):
    consultation = factories.consultation(session)
    participation.save_statement(session, None, consultation, LundyElement.SPACE, "Ja.", [])
    for values in (
        {"element": "voice", "what_we_did": ""},
        {"element": "space", "what_we_did": "Nog een."},
    ):
        with pytest.raises(IntegrityError), session.begin_nested():
            session.execute(
                text(
                    "INSERT INTO lundy_statements (consultation_id, element, what_we_did, "
                    "evidence_links, updated_at) VALUES (:c, :e, :w, '[]', :t)"
                ),
                {
                    "c": consultation.id,
                    "e": values["element"],
                    "w": values["what_we_did"],
                    "t": utcnow().replace(tzinfo=None),
                },
            )


def test_the_demo_statements_fill_every_element(session):
    consultation = factories.consultation(session)
    official = factories.region_user(session, "official")
    participation.demo_lundy_statements(session, consultation, official)
    assert participation.empty_elements(session, consultation) == []


# -- the officials' form -------------------------------------------------------------------------


@pytest.fixture
def open_consultation(session):
    return factories.consultation(session)


def _form_data(token, **fields):
    data = {"csrf_token": token}
    for element in LundyElement:
        data[f"{element.value}-what_we_did"] = ""
        for row in range(3):
            data[f"{element.value}-links-{row}-title"] = ""
            data[f"{element.value}-links-{row}-url"] = ""
    data.update(fields)
    return data


def test_an_official_fills_in_the_checklist_and_the_public_sees_it(
    english_client, logged_in, session, open_consultation
):
    path = form_path(open_consultation)
    form = logged_in.get(path)
    assert form.status_code == 200
    body = form.get_data(as_text=True)
    for element in LundyElement:
        assert f'name="{element.value}-what_we_did"' in body
        assert f'name="{element.value}-links-2-url"' in body
    token = csrf_token(logged_in, path)
    done = logged_in.post(
        path,
        data=_form_data(
            token,
            **{
                "space-what_we_did": "Twee sessies op het vmbo.\r\n\r\nEn één in het buurthuis.",
                "space-links-0-title": "Verslag van de sessie",
                "space-links-0-url": "https://example.org/verslag",
                "influence-what_we_did": "Twee onderdelen zijn aangepast.",
            },
        ),
    )
    assert done.status_code == 302
    assert done.headers["Location"].endswith("#lundy")
    session.expire_all()
    found = participation.statements(session, open_consultation)
    assert set(found) == {LundyElement.SPACE, LundyElement.INFLUENCE}
    assert found[LundyElement.SPACE].evidence_links == [
        {"title": "Verslag van de sessie", "url": "https://example.org/verslag"}
    ]

    detail = text_of(logged_in.get(done.headers["Location"]))
    assert "Still empty: Voice, Audience." in detail

    public = english_client.get(public_path(open_consultation)).get_data(as_text=True)
    assert "Twee sessies op het vmbo." in public
    assert (
        '<a class="utrecht-link utrecht-link--external" href="https://example.org/verslag" '
        'rel="nofollow noopener noreferrer">Verslag van de sessie</a>'
    ) in public
    assert public.count("The region has not filled this in yet.") == 2


def test_the_form_shows_what_is_saved(logged_in, session, open_consultation):
    participation.save_statement(
        session,
        None,
        open_consultation,
        LundyElement.AUDIENCE,
        "De wethouder las alles.",
        [("Brief", "https://example.org/brief")],
    )
    body = logged_in.get(form_path(open_consultation)).get_data(as_text=True)
    assert "De wethouder las alles.</textarea>" in body
    assert 'value="https://example.org/brief"' in body
    # The saved row, then three empty ones.
    assert 'name="audience-links-3-url"' in body
    assert 'name="audience-links-4-url"' not in body


def test_a_refused_form_keeps_what_was_typed(logged_in, session, open_consultation):
    path = form_path(open_consultation)
    response = logged_in.post(
        path,
        data=_form_data(
            csrf_token(logged_in, path),
            **{
                "voice-what_we_did": "Hulp van een jongerenwerker.",
                "voice-links-0-title": "Kijk hier",
                "voice-links-0-url": "javascript:alert(document.cookie)",
                "space-what_we_did": "x" * 4001,
                "audience-links-1-title": "Zonder adres",
            },
        ),
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    page = text_of(response)
    assert "Please correct the following" in page
    assert "Voice, link 1: Give a full web address that starts with https:// or http://." in page
    assert "Space: Keep the text under 4000 characters; it has 4001 now." in page
    assert "Audience, link 2: Fill in the web address of this link." in page
    assert "Audience: Say what you did; the links are the evidence for it." in page
    assert 'href="#voice-links-0-url"' in body
    assert 'aria-invalid="true"' in body
    # What was typed is still there.
    assert "Hulp van een jongerenwerker.</textarea>" in body
    assert 'value="javascript:alert(document.cookie)"' in body
    assert 'value="Zonder adres"' in body
    # And nothing was saved, not even the elements without a problem.
    session.expire_all()
    assert participation.statements(session, open_consultation) == {}


def test_more_rows_adds_rows_and_saves_nothing(logged_in, session, open_consultation):
    path = form_path(open_consultation)
    response = logged_in.post(
        path,
        data=_form_data(
            csrf_token(logged_in, path),
            **{
                "space-what_we_did": "Nog niet klaar.",
                "space-links-0-title": "Eerste",
                "space-links-0-url": "https://example.org/1",
                "meer_regels": "space",
            },
        ),
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'name="space-links-5-url"' in body
    assert 'name="space-links-6-url"' not in body
    assert 'name="voice-links-3-url"' not in body
    assert 'value="https://example.org/1"' in body
    assert "Nog niet klaar.</textarea>" in body
    session.expire_all()
    assert participation.statements(session, open_consultation) == {}


def test_a_post_without_csrf_token_is_refused(logged_in, session, open_consultation):
    data = _form_data("", **{"space-what_we_did": "Zonder token."})
    del data["csrf_token"]
    assert logged_in.post(form_path(open_consultation), data=data).status_code == 400
    session.expire_all()
    assert participation.statements(session, open_consultation) == {}


def test_only_the_regions_officials_may_use_the_form(english_client, session, open_consultation):
    path = form_path(open_consultation)
    assert english_client.get(path).status_code == 302  # to log in
    moderator = factories.region_user(session, "moderator")
    log_in(english_client, moderator.email)
    assert english_client.get(path).status_code == 403


def test_an_official_of_another_region_cannot_see_or_save_the_form(english_client, session):
    mine = factories.consultation(session)  # region JZ22
    haaglanden = factories.draft_consultation(session, "JZ24")
    other = factories.region_user(session, "official", "JZ24")
    log_in(english_client, other.email)
    token = csrf_token(english_client, form_path(haaglanden))
    data = _form_data(token, **{"space-what_we_did": "Ingebroken."})
    # The other region's own address: not an official there.
    assert english_client.get(form_path(mine)).status_code == 403
    assert english_client.post(form_path(mine), data=data).status_code == 403
    # JZ22's consultation id under JZ24's address: not found.
    under_mine = f"/regios/JZ24/beheer/consultaties/{mine.id}/lundy"
    assert english_client.get(under_mine).status_code == 404
    assert english_client.post(under_mine, data=data).status_code == 404
    session.expire_all()
    assert participation.statements(session, mine) == {}


def test_the_workspace_shows_the_empty_elements(logged_in, session, open_consultation):
    page = text_of(logged_in.get(form_path(open_consultation).removesuffix("/lundy")))
    assert "Lundy checklist Not filled in yet. Fill in the Lundy checklist" in page
    for element in LundyElement:
        participation.save_statement(session, None, open_consultation, element, "Gedaan.", [])
    page = text_of(logged_in.get(form_path(open_consultation).removesuffix("/lundy")))
    assert "All four elements are filled in. Change the Lundy checklist" in page


# -- frozen by the reactienota -------------------------------------------------------------------


def test_published_statements_are_frozen(english_client, session):
    from consult.reports import services as reactienota

    world = report_world.build(session)
    participation.save_statement(
        session,
        world.official,
        world.consultation,
        LundyElement.INFLUENCE,
        "Twee onderdelen zijn aangepast.",
        [("Nieuwsbrief", "https://example.org/nieuwsbrief")],
    )
    report = reactienota.generate(session, world.official, world.consultation)
    with factories.app_context(session):  # signs a checkpoint
        reactienota.publish(session, world.official, report)
    session.flush()

    with pytest.raises(participation.ParticipationError, match="can no longer change"):
        participation.save_statement(
            session, world.official, world.consultation, LundyElement.SPACE, "Te laat.", []
        )
    log_in(english_client, world.official.email)
    path = form_path(world.consultation)
    page = text_of(english_client.get(path))
    assert "can no longer change" in page
    assert "Twee onderdelen zijn aangepast." in page
    refused = english_client.post(
        path, data=_form_data(csrf_token(english_client, path), **{"space-what_we_did": "Te laat."})
    )
    assert refused.status_code == 302
    session.expire_all()
    assert set(participation.statements(session, world.consultation)) == {LundyElement.INFLUENCE}
