"""The overview page: map, table, sorting, filters and empty states, in Dutch and English."""

from __future__ import annotations

import re

import pytest

from consult.consultations.models import ConsultationState
from consult.monitoring import map as region_map
from tests import factories
from tests.consultations.conftest import count_queries
from tests.monitoring import overview_support
from tests.monitoring.overview_support import row_html, svg_of, table_rows, without_rows

SVG = "{http://www.w3.org/2000/svg}"
NL = {"Accept-Language": "nl"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def published_world(session):
    return overview_support.published_world(session)


def _page(client, query="", headers=EN):
    response = client.get(f"/landelijk{query}", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_every_region_is_on_the_map_and_listed_without_a_consultation(client, session):
    html = _page(client)
    assert table_rows(html) == []
    assert "No youth region has a public consultation yet." in html
    assert len(without_rows(html)) == 42
    assert "42 youth regions: 42 without a public consultation" in " ".join(html.split())
    assert 'href="#tabel"' in html.split('class="consult-map"', 1)[0]  # the skip link

    svg = svg_of(html)
    assert svg.get("aria-labelledby") == "kaart-title kaart-desc"
    assert svg.find(f"{SVG}title").text == "Map of the youth regions of the Netherlands"
    assert svg.find(f"{SVG}desc").text
    links = svg.findall(f".//{SVG}a")
    assert len(links) == 42
    assert sorted(link.get("href") for link in links) == sorted(
        f"/regios/{code}" for code in without_rows(html)
    )
    for link in links:
        assert link.find(f"{SVG}title").text.endswith(": no public consultation")
        assert link.find(f"{SVG}path").get("d").startswith("M")
    groningen = next(link for link in links if link.get("href") == "/regios/JZ01")
    assert groningen.find(f"{SVG}title").text == "Groningen: no public consultation"


def test_the_answered_consultation_with_its_figures(client, published_world):
    slug = published_world.consultation.slug
    html = _page(client)
    row = row_html(html, "JZ22")
    assert f'href="/consultaties/{slug}"' in row
    assert "reactienota published" in row
    assert "100%" in row
    assert "9 of 9 comments" in row
    assert "33%" in row  # adopted
    assert "42 youth regions: 41 without a public consultation" in " ".join(html.split())

    link = next(a for a in svg_of(html).iter(f"{SVG}a") if a.get("href") == "/regios/JZ22")
    assert link.find(f"{SVG}title").text == "Utrecht Stad: reactienota published"
    assert link.find(f"{SVG}path").get("fill") == "url(#kaart-report_published)"
    assert "consult-map__region--report_published" in link.get("class")

    # Compared per stakeholder group: parents sent three comments, one of them adopted.
    compare = _page(client, "?groep=parent")
    jz22 = compare.split('id="vergelijk-JZ22"', 1)[1].split("</tr>", 1)[0]
    cells = [c.split("<")[0] for c in jz22.split('numeric-column">')[1:]]
    assert cells[0] == "3"
    assert cells[3] == "33%"
    assert "Comments of Parent or carer, per region" in compare or "per region" in compare


def test_in_dutch(client, published_world):
    html = _page(client, headers=NL)
    assert '<html lang="nl"' in html
    assert table_rows(html) == ["JZ22"]
    row = row_html(html, "JZ22")
    assert "33%" in row
    closes = published_world.consultation.closes_at
    months = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
    assert f"{closes.day} {months[closes.month - 1]}" in row or str(closes.year) in row


def test_drafts_are_never_shown(client, session):
    version = factories.document_version(session, "JZ05")
    draft = factories.consultation(session, version, state="draft")
    draft.title = "GEHEIM-CONCEPT"
    session.flush()
    html = _page(client)
    assert "GEHEIM-CONCEPT" not in html
    assert draft.slug not in html
    assert "JZ05" in without_rows(html)
    assert client.get("/landelijk.csv").get_data(as_text=True).count("GEHEIM-CONCEPT") == 0


def _three_states(session):
    open_ = factories.consultation(
        session, factories.document_version(session, "JZ01", locked=True), closes_in_days=5
    )
    later = factories.consultation(
        session, factories.document_version(session, "JZ05", locked=True), closes_in_days=40
    )
    closed = factories.consultation(
        session,
        factories.document_version(session, "JZ22", locked=True),
        state="closed",
        opens_in_days=-50,
        closes_in_days=-10,
    )
    factories.submission(session, later, [(None, "Een."), (None, "Twee.")])
    factories.submission(session, closed, [(None, "Drie.")])
    return open_, later, closed


def _late(session, code="JZ22", days_late=12):
    """A closed consultation whose promised day passed ``days_late`` days ago."""
    from datetime import timedelta

    from consult.consultations import lifecycle

    late = factories.consultation(
        session,
        factories.document_version(session, code, locked=True),
        state="closed",
        opens_in_days=-120,
        closes_in_days=-80,
    )
    late.answers_due_on = lifecycle.today_in_amsterdam() - timedelta(days=days_late)
    factories.submission(session, late, [(None, "Nog geen antwoord.")])
    session.flush()
    return late


def test_every_consultation_in_order_open_upcoming_closed_late_answered(client, session):
    open_, later, closed = _three_states(session)
    late = _late(session)
    html = _page(client)
    slugs = re.findall(r'id="consultatie-([^"]+)"', html)
    # Open ones first (the soonest closing first), then closed, then the late one.
    assert slugs == [open_.slug, later.slug, closed.slug, late.slug]
    row = html[html.index(f'id="consultatie-{late.slug}"') :].split("</tr>", 1)[0]
    assert "12 days late" in row
    assert "consult-overview-row--late" in html.split(f'id="consultatie-{late.slug}"')[0][-80:]
    # Both Utrecht consultations are listed, not only the region's latest.
    assert table_rows(html).count("JZ22") == 2


def test_sorting_by_days_late_and_by_answered(client, session):
    _three_states(session)
    a = _late(session, "JZ22", 3)
    b = _late(session, "JZ05", 30)
    html = _page(client, "?sorteer=-te-laat")
    slugs = re.findall(r'id="consultatie-([^"]+)"', html)
    assert slugs[:2] == [b.slug, a.slug]
    assert 'aria-sort="descending"' in html
    assert "?sorteer=te-laat" in html  # the header now sorts the other way
    slugs = re.findall(r'id="consultatie-([^"]+)"', _page(client, "?sorteer=te-laat"))
    assert slugs[:2] == [a.slug, b.slug]
    assert re.findall(r'id="consultatie-([^"]+)"', _page(client, "?sorteer=onzin")) == (
        re.findall(r'id="consultatie-([^"]+)"', _page(client))
    )


def test_filters(client, session):
    _three_states(session)
    late = _late(session, "JZ24")
    assert table_rows(_page(client, "?provincie=Utrecht")) == ["JZ22"]
    assert table_rows(_page(client, "?status=open")) == ["JZ01", "JZ05"]
    assert sorted(table_rows(_page(client, "?status=closed"))) == ["JZ22", "JZ24"]
    html = _page(client, "?te-laat=1")
    assert table_rows(html) == ["JZ24"]
    assert late.slug in html
    assert "1 consultation matches your choice." in html
    html = _page(client, "?binnenkort=1")
    assert table_rows(html) == ["JZ01"]
    assert "checked" in html.split('id="binnenkort"', 1)[1].split(">", 1)[0]
    assert table_rows(_page(client, "?reactienota=1")) == []
    # Filters and sorting together; the sort links keep the filters.
    html = _page(client, "?status=open&sorteer=-te-laat")
    assert "status=open" in html.split('aria-sort="descending"', 1)[1].split("</th>", 1)[0]
    # Unknown values are ignored rather than matching nothing.
    assert len(table_rows(_page(client, "?provincie=Atlantis&status=bogus"))) == 4


def test_empty_state_when_nothing_matches(client, session):
    _three_states(session)
    html = _page(client, "?status=scheduled")
    assert "No consultation matches your choice." in html
    assert "utrecht-table__body" not in html.split('id="vergelijking"')[0]
    assert "Show all consultations" in html
    assert len(svg_of(html).findall(f".//{SVG}a")) == 42  # the map always shows everything


def test_a_region_without_a_shape_is_still_listed(client, session):
    from datetime import date

    from consult.regions.models import Region

    session.add(
        Region(code="JZ99", name="Nieuwe Regio", provinces="Utrecht", valid_from=date(2025, 6, 1))
    )
    session.flush()
    html = _page(client)
    assert "JZ99" in without_rows(html)
    assert len(svg_of(html).findall(f".//{SVG}a")) == 42


def test_a_merged_region_fills_both_shapes_and_keeps_the_old_consultations(client, session):
    """JZ01 and JZ04 merge: the map draws the new region on both old shapes (no hole), and
    JZ01's consultation shows under the new region."""
    from consult.regions import services as regions

    old = factories.consultation(
        session, factories.document_version(session, "JZ01", locked=True), state="closed",
        opens_in_days=-300, closes_in_days=-250,
    )  # fmt: skip
    day = regions.today()
    regions.merge_regions(session, ["JZ01", "JZ04"], "JZ90", "Noord-Oost", day)
    session.flush()
    html = _page(client)
    links = svg_of(html).findall(f".//{SVG}a")
    to_new = [a for a in links if a.get("href") == "/regios/JZ90"]
    assert len(to_new) == 2  # both old shapes
    assert len(links) == 42
    row = row_html(html, "JZ90")
    assert old.slug in row
    assert "held by Groningen" in row


def test_a_split_region_keeps_its_shape_and_its_consultation(client, session):
    """JZ01 splits in two: its shape is drawn once (no hole), linking to its own page that
    names both successors, and its consultation shows under the first successor."""
    from consult.regions import services as regions

    old = factories.consultation(
        session, factories.document_version(session, "JZ01", locked=True), state="closed",
        opens_in_days=-300, closes_in_days=-250,
    )  # fmt: skip
    members = [m.code for m in regions.members_on(session, old.region, regions.today())]
    half = len(members) // 2
    regions.split_region(
        session,
        "JZ01",
        [
            regions.RegionPart("JZ91", "Groningen-West", members[:half]),
            regions.RegionPart("JZ92", "Groningen-Oost", members[half:]),
        ],
        regions.today(),
    )
    session.flush()
    html = _page(client)
    links = svg_of(html).findall(f".//{SVG}a")
    assert len(links) == 42
    shape = next(a for a in links if a.get("href") == "/regios/JZ01")
    assert shape.find(f"{SVG}title").text.startswith("Groningen-West, Groningen-Oost:")
    row = row_html(html, "JZ91")
    assert old.slug in row
    assert "held by Groningen" in row
    assert {"JZ91", "JZ92"} <= set(table_rows(html)) | set(without_rows(html))


def test_the_page_queries_do_not_grow(app, client, session, quiet_housekeeping):
    _page(client)  # warm up: the shapes are decoded once per process
    for code in ("JZ02", "JZ03"):
        consultation = factories.consultation(
            session, factories.document_version(session, code, locked=True)
        )
        factories.submission(session, consultation, [(None, "Meer hulp.")])
    with count_queries(app) as few:
        _page(client)
    _three_states(session)
    for code in ("JZ02", "JZ03", "JZ04", "JZ06", "JZ07", "JZ08"):
        consultation = factories.consultation(
            session, factories.document_version(session, code, locked=True)
        )
        for _ in range(4):
            factories.submission(session, consultation, [(None, "Meer hulp."), (None, "Ja.")])
    with count_queries(app) as many:
        _page(client)
    assert len(few) == len(many)
    assert len(many) <= 16


def test_the_map_is_decoded_once():
    region_map.shapes.cache_clear()
    first = region_map.shapes()
    assert region_map.shapes() is first
    assert len(first.paths) == 42
    assert set(first.paths) == {f"JZ{n:02d}" for n in (*range(1, 40), 41, 42, 43)}


def test_the_header_and_home_page_link_here(client):
    html = client.get("/", headers=EN).get_data(as_text=True)
    assert 'href="/landelijk"' in html
    assert html.count('href="/landelijk"') >= 2  # the menu and the home page


def test_state_labels_cover_every_public_state():
    keys = set(region_map.STATE_STYLES)
    assert {s.value for s in ConsultationState if s is not ConsultationState.DRAFT} < keys
    assert "none" in keys
