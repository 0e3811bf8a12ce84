"""The overview page: map, table, sorting, filters and empty states, in Dutch and English."""

from __future__ import annotations

import pytest

from consult.consultations.models import ConsultationState
from consult.monitoring import map as region_map
from tests import factories
from tests.consultations.conftest import count_queries
from tests.monitoring import overview_support
from tests.monitoring.overview_support import row_html, svg_of, table_rows

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


def test_every_region_is_in_the_table_and_on_the_map(client, session):
    html = _page(client)
    codes = table_rows(html)
    assert len(codes) == 42
    assert "Youth regions with their current or last consultation" in html  # the caption
    assert html.count('scope="col"') >= 10
    assert 'aria-sort="ascending"' in html  # by name, by default
    assert "42 youth regions: 42 without a public consultation" in " ".join(html.split())
    assert "no public consultation" in row_html(html, "JZ01")

    svg = svg_of(html)
    assert svg.get("aria-labelledby") == "kaart-title kaart-desc"
    assert svg.find(f"{SVG}title").text == "Map of the youth regions of the Netherlands"
    assert svg.find(f"{SVG}desc").text
    links = svg.findall(f".//{SVG}a")
    assert len(links) == 42
    assert sorted(link.get("href") for link in links) == sorted(f"/regios/{code}" for code in codes)
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
    cells = [cell.strip() for cell in row.split('utrecht-table__cell--numeric-column">')[1:]]
    # submissions, comments, answered, median days, adopted
    assert [cell.split("<")[0].strip() for cell in cells] == ["8", "9", "100%", "0", "33%"]
    assert ">published<" in row
    assert "42 youth regions: 41 without a public consultation" in " ".join(html.split())

    link = next(a for a in svg_of(html).iter(f"{SVG}a") if a.get("href") == "/regios/JZ22")
    assert link.find(f"{SVG}title").text == "Utrecht Stad: reactienota published"
    assert link.find(f"{SVG}path").get("fill") == "url(#kaart-report_published)"
    assert "consult-map__region--report_published" in link.get("class")

    # Per stakeholder group: three comments from parents, one of them adopted.
    groups = html.split("Comments per stakeholder group", 1)[1]
    jz22 = groups.split("Utrecht Stad", 1)[1].split("</tr>", 1)[0]
    assert "3 comments" in jz22
    assert "33% adopted" in jz22


def test_in_dutch(client, published_world):
    html = _page(client, headers=NL)
    assert '<html lang="nl"' in html
    assert len(table_rows(html)) == 42
    row = row_html(html, "JZ22")
    assert "33%" in row
    # Dutch dates: the closing day is written the Dutch way.
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
    assert "no public consultation" in row_html(html, "JZ05")
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


def test_sorting_by_a_column_both_ways(client, session):
    _three_states(session)
    html = _page(client, "?sorteer=-reacties")
    codes = table_rows(html)
    assert codes[:3] == ["JZ05", "JZ22", "JZ01"]  # 2, 1, 0 comments
    assert len(codes) == 42  # the regions without a consultation last
    assert 'aria-sort="descending"' in html
    assert "?sorteer=reacties" in html  # the header now sorts the other way

    codes = table_rows(_page(client, "?sorteer=reacties"))
    assert codes[:3] == ["JZ01", "JZ22", "JZ05"]

    codes = table_rows(_page(client, "?sorteer=sluit"))
    assert codes[:3] == ["JZ22", "JZ01", "JZ05"]

    names = table_rows(_page(client, "?sorteer=onzin"))
    assert names == table_rows(_page(client))  # an unknown column: by name


def test_filters(client, session):
    _three_states(session)
    codes = table_rows(_page(client, "?provincie=Utrecht"))
    assert "JZ22" in codes
    assert "JZ21" in codes  # Food Valley lies partly in Utrecht
    assert "JZ01" not in codes
    assert all(code in codes for code in ("JZ19", "JZ20", "JZ23"))

    assert table_rows(_page(client, "?status=open")) == ["JZ01", "JZ05"]
    assert table_rows(_page(client, "?status=closed")) == ["JZ22"]
    assert len(table_rows(_page(client, "?status=geen"))) == 39
    html = _page(client, "?binnenkort=1")
    assert table_rows(html) == ["JZ01"]
    assert "1 region matches your choice." in html
    assert "checked" in html.split('id="binnenkort"', 1)[1].split(">", 1)[0]
    # Filters and sorting together; the sort links keep the filters.
    html = _page(client, "?status=open&sorteer=-sluit")
    assert table_rows(html) == ["JZ05", "JZ01"]
    assert "status=open" in html.split('aria-sort="descending"', 1)[1].split("</th>", 1)[0]

    # Unknown values are ignored rather than matching nothing.
    assert len(table_rows(_page(client, "?provincie=Atlantis&status=bogus"))) == 42


def test_empty_state_when_nothing_matches(client, session):
    html = _page(client, "?status=scheduled")
    assert "No youth region matches your choice." in html
    assert "utrecht-table__body" not in html
    assert "Show all regions" in html
    assert len(svg_of(html).findall(f".//{SVG}a")) == 42  # the map always shows everything


def test_a_region_without_a_shape_is_still_in_the_table(client, session):
    from datetime import date

    from consult.regions.models import Region

    session.add(
        Region(code="JZ99", name="Nieuwe Regio", provinces="Utrecht", valid_from=date(2025, 6, 1))
    )
    session.flush()
    html = _page(client)
    assert "JZ99" in table_rows(html)
    assert len(svg_of(html).findall(f".//{SVG}a")) == 42


def test_the_page_queries_do_not_grow(app, client, session, quiet_housekeeping):
    _page(client)  # warm up: the shapes are decoded once per process
    with count_queries(app) as few:
        _page(client)
    _three_states(session)
    for code in ("JZ02", "JZ03", "JZ04"):
        consultation = factories.consultation(
            session, factories.document_version(session, code, locked=True)
        )
        for _ in range(4):
            factories.submission(session, consultation, [(None, "Meer hulp."), (None, "Ja.")])
    with count_queries(app) as many:
        _page(client)
    assert len(few) == len(many)
    assert len(many) <= 12


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
