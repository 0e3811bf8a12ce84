"""The public region pages: the list, a region's page, and their query counts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event

from consult.extensions import db
from consult.regions import services
from tests.regions.conftest import fragment, text_of


@contextmanager
def counted_queries(app) -> Iterator[list[str]]:
    """The SQL statements run meanwhile (savepoints left out: they are the tests' own)."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    engine = db.state(app).engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_list_shows_all_42_regions_with_their_municipalities(english_client):
    response = english_client.get("/regios")
    assert response.status_code == 200
    page = text_of(response)
    assert "42 youth regions, 342 municipalities" in page
    rows = re.findall(r'<tr class="utrecht-table__row" id="regio-(JZ\d+)"', response.text)
    assert len(rows) == 42
    friesland = fragment(response, "regio-JZ02")
    assert "Friesland (Fryslân)" in friesland
    assert "Súdwest-Fryslân" in friesland
    assert "Leeuwarden" in friesland
    assert "Súdwest-Fryslân" not in fragment(response, "regio-JZ01")
    assert 'href="/regios/JZ02"' in response.text
    assert "Former youth regions" not in page


def test_list_is_sorted_by_name_and_can_be_sorted_by_province_or_code(english_client):
    by_name = re.findall(r'id="regio-(JZ\d+)"', english_client.get("/regios").text)
    by_code = re.findall(r'id="regio-(JZ\d+)"', english_client.get("/regios?volgorde=code").text)
    by_province = english_client.get("/regios?volgorde=provincie")
    assert by_code == sorted(by_code)
    assert by_name != by_code
    assert sorted(by_name) == by_code
    assert by_name.index("JZ12") < by_name.index("JZ22")  # Noord-Veluwe before Utrecht Stad
    provinces = re.findall(
        r'id="regio-JZ\d+">.*?<td class="utrecht-table__cell">JZ\d+</td>\s*'
        r'<td class="utrecht-table__cell">([^<]+)</td>',
        by_province.text,
        re.S,
    )
    assert len(provinces) == 42
    assert provinces == sorted(provinces)
    # An unknown order falls back to sorting by name instead of failing.
    assert (
        re.findall(r'id="regio-(JZ\d+)"', english_client.get("/regios?volgorde=x").text) == by_name
    )


@pytest.mark.usefixtures("quiet_housekeeping")
def test_list_page_takes_the_same_number_of_queries_however_many_regions(
    app, english_client, session
):
    with counted_queries(app) as untouched:
        assert english_client.get("/regios").status_code == 200
    assert len(untouched) <= 3, untouched  # regions, members, former regions

    services.merge_regions(
        session, ["JZ19", "JZ20"], "JZ90", "Utrecht West en Eemland", date(2025, 7, 1)
    )
    session.flush()
    with counted_queries(app) as one_former:
        assert english_client.get("/regios").status_code == 200

    services.split_region(
        session,
        "JZ08",
        [
            services.RegionPart("JZ91", "Almere", ["GM0034"]),
            services.RegionPart("JZ92", "Flevoland-Oost", ["GM0171", "GM0184", "GM0303", "GM0995"]),
        ],
        date(2025, 7, 1),
    )
    services.merge_regions(
        session, ["JZ24", "JZ26"], "JZ93", "Haaglanden en Lekstroom", date(2025, 8, 1)
    )
    session.flush()
    with counted_queries(app) as more_former:
        response = english_client.get("/regios")
    page = text_of(response)
    # 42, two became one, one became two, two became one: 41, with five former regions.
    assert "41 youth regions, 342 municipalities" in page
    assert (
        len(re.findall(r'<li class="utrecht-unordered-list__item" id="regio-', response.text)) == 5
    )
    assert len(more_former) == len(one_former) <= 4, more_former


def test_region_page_shows_members_history_and_an_empty_consultations_section(english_client):
    response = english_client.get("/regios/JZ02")
    assert response.status_code == 200
    page = text_of(response)
    assert "Youth region Friesland (Fryslân)" in page
    assert "JZ02" in page
    assert "Fryslân" in page
    members = fragment(response, "gemeenten")
    assert "18 municipalities work together in this youth region" in page
    assert "Súdwest-Fryslân" in members
    assert "Groningen" not in members
    assert "Consultations" in page
    assert "This youth region has not yet put a regional vision out for consultation." in page
    assert "History of the membership" in page
    assert "still a member" in page
    assert "Go to the admin page" not in page


def test_region_page_shows_dutch_dates(client):
    page = text_of(client.get("/regios/JZ22"))
    assert '<html lang="nl"' in client.get("/regios/JZ22").text
    assert "1 januari 2025" in page


def test_region_codes_are_case_insensitive_and_unknown_codes_are_404(english_client):
    response = english_client.get("/regios/jz02")
    assert response.status_code == 301
    assert response.location.endswith("/regios/JZ02")
    assert english_client.get("/regios/jZ24/beheer").location.endswith("/regios/JZ24/beheer")
    assert english_client.get("/regios/JZ99").status_code == 404
    assert english_client.get("/regios/JZ99/beheer").status_code == 404


def test_region_page_lists_its_consultations_but_not_drafts(english_client, session):
    from tests import factories

    public = factories.consultation(session, slug="utrecht-regiovisie-2026")
    draft = factories.consultation(session, state="draft", slug="utrecht-concept")
    page = english_client.get("/regios/JZ22").get_data(as_text=True)
    assert 'href="/consultaties/utrecht-regiovisie-2026"' in page
    assert public.title in page
    assert "utrecht-concept" not in page
    assert draft.slug not in page
    other = english_client.get("/regios/JZ24").get_data(as_text=True)
    assert "utrecht-regiovisie-2026" not in other


def test_region_admin_page_lists_drafts_for_the_team(english_client, session):
    from tests import factories
    from tests.conftest import log_in

    official = factories.region_user(session, "official")
    draft = factories.consultation(session, state="draft", slug="utrecht-concept")
    log_in(english_client, official.email)
    page = english_client.get("/regios/JZ22/beheer").get_data(as_text=True)
    assert f'href="/regios/JZ22/beheer/consultaties/{draft.id}"' in page
    assert 'href="/regios/JZ22/beheer/documenten"' in page
