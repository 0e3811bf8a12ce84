""" "In which youth region is my municipality?": the search page and its ranking."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from consult.regions import services
from tests.regions.conftest import text_of


def result_rows(response) -> list[tuple[str, str]]:
    """(municipality, region) for each row of the results table, in order."""
    rows = re.findall(
        r'<th scope="row" class="utrecht-table__header-cell">\s*(.*?)\s*(?:<span|</th>).*?'
        r'<a class="utrecht-link" href="/regios/[^"]+">([^<]+)</a>',
        response.text,
        re.S,
    )
    return [(text_of_html(m), text_of_html(r)) for m, r in rows]


def text_of_html(fragment: str) -> str:
    return html.unescape(fragment).strip()


@pytest.mark.parametrize(
    ("query", "municipality", "region"),
    [
        ("Súdwest-Fryslân", "Súdwest-Fryslân", "Friesland (Fryslân)"),
        ("sudwest fryslan", "Súdwest-Fryslân", "Friesland (Fryslân)"),
        ("SÚDWEST-FRYSLÂN", "Súdwest-Fryslân", "Friesland (Fryslân)"),
        ("'s-Hertogenbosch", "'s-Hertogenbosch", "Noordoost Brabant"),
        ("s hertogenbosch", "'s-Hertogenbosch", "Noordoost Brabant"),
        ("den bosch", "'s-Hertogenbosch", "Noordoost Brabant"),
        ("Den Haag", "'s-Gravenhage", "Haaglanden"),
        ("Utrecht", "Utrecht", "Utrecht Stad"),
    ],
)
def test_search_answers_in_one_sentence(english_client, query, municipality, region):
    response = english_client.get("/regios/zoeken", query_string={"gemeente": query})
    assert response.status_code == 200  # a result page, never a redirect
    page = text_of(response)
    assert f"{municipality} belongs to youth region {region}." in page
    assert result_rows(response)[0] == (municipality, region)
    # The form keeps what was typed.
    assert re.search(r'<input[^>]*name="gemeente"[^>]*>', response.text)
    assert f'value="{query}"'.replace("'", "&#39;") in response.text


def test_utrecht_comes_before_utrechtse_heuvelrug(english_client):
    rows = result_rows(english_client.get("/regios/zoeken?gemeente=utrecht"))
    names = [m for m, _ in rows]
    assert names[0] == "Utrecht"
    assert "Utrechtse Heuvelrug" in names
    assert dict(rows)["Utrechtse Heuvelrug"] == "Zuidoost Utrecht"


def test_part_of_a_name_lists_every_match_without_a_single_answer(english_client):
    response = english_client.get("/regios/zoeken?gemeente=bergen")
    page = text_of(response)
    names = [m for m, _ in result_rows(response)]
    assert "belongs to youth region" not in page
    assert {"Bergen (L.)", "Bergen (NH.)", "Bergen op Zoom"} <= set(names)
    assert "municipalities found" in page


def test_empty_search_shows_the_form_with_a_hint(english_client):
    for url in ("/regios/zoeken", "/regios/zoeken?gemeente=", "/regios/zoeken?gemeente=+++"):
        response = english_client.get(url)
        assert response.status_code == 200
        page = text_of(response)
        assert "Type the name of your municipality above" in page
        assert "found" not in page
        assert "Please correct the following" not in page


def test_no_result_gives_suggestions(english_client):
    response = english_client.get("/regios/zoeken?gemeente=Atlantis")
    assert response.status_code == 200
    page = text_of(response)
    assert "We found no municipality called “Atlantis”" in page
    assert "Check the spelling." in page
    assert 'href="/regios"' in response.text


def test_a_too_long_search_is_refused_with_a_clear_message(english_client):
    response = english_client.get("/regios/zoeken", query_string={"gemeente": "a" * 101})
    assert response.status_code == 200
    page = text_of(response)
    assert "Please correct the following" in page
    assert "Type at most 100 characters." in page
    assert 'aria-invalid="true"' in response.text
    assert "found" not in page
    # 100 characters is still a search.
    assert "We found no municipality" in text_of(
        english_client.get("/regios/zoeken", query_string={"gemeente": "a" * 100})
    )


def test_search_follows_a_split(english_client, session):
    services.split_region(
        session,
        "JZ08",
        [
            services.RegionPart("JZ91", "Almere", ["GM0034"]),
            services.RegionPart("JZ92", "Flevoland-Oost", ["GM0171", "GM0184", "GM0303", "GM0995"]),
        ],
        date(2025, 7, 1),
    )
    session.flush()
    assert "Lelystad belongs to youth region Flevoland-Oost." in text_of(
        english_client.get("/regios/zoeken?gemeente=lelystad")
    )


def test_the_search_form_macro_works_on_other_pages(app):
    with app.test_request_context("/"):
        rendered = app.jinja_env.from_string(
            '{% from "regions/_search_form.html" import search_form %}{{ search_form() }}'
        ).render()
    assert 'action="/regios/zoeken"' in rendered
    assert 'method="get"' in rendered
    assert 'name="gemeente"' in rendered
    assert "csrf_token" not in rendered
