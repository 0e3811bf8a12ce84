"""The QR-code poster of a consultation, and reactions counted per poster link (issue 17)."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from sqlalchemy import select

from consult.comments import channels
from consult.comments import services as comment_services
from consult.comments.models import Submission
from consult.db import utcnow
from consult.participation import posters
from tests import factories
from tests.comments.conftest import open_form, post_form, valid_data
from tests.conftest import log_in
from tests.consultations.test_participation import table


def poster_path(consultation) -> str:
    return f"/regios/{consultation.region.code}/beheer/consultaties/{consultation.id}/poster"


def _send(client, session, consultation, *, query: str = "", **form):
    """Open the consultation page (perhaps from a poster's link), then send a comment."""
    assert client.get(f"/consultaties/{consultation.slug}{query}").status_code == 200
    _page, tokens = open_form(client, consultation.slug)
    response = post_form(client, consultation.slug, tokens, valid_data(**form))
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    submission = session.scalars(select(Submission).order_by(Submission.id.desc()).limit(1)).one()
    comment_services.confirm(session, submission, utcnow())
    session.flush()
    return submission


# -- the channel code --------------------------------------------------------------------------


def test_the_code_rule():
    assert channels.normalise("school") == "school"
    assert channels.normalise(" OBS-de-Linde ") == "obs-de-linde"
    assert channels.normalise("a" * 30) == "a" * 30
    for bad in ("", "a" * 31, "school!", "wacht kamer", "<script>", "é", None, 5):
        assert channels.normalise(bad) is None, bad


def test_a_reaction_after_a_poster_link_records_and_counts_the_channel(
    app, english_client, session
):
    consultation = factories.consultation(session)
    first = _send(english_client, session, consultation, query="?via=school")
    assert first.via_code == "school"
    # Remembered for this consultation: the next comment from this browser counts too.
    second = _send(english_client, session, consultation)
    assert second.via_code == "school"
    # Another browser, without a poster: no channel. A region's own code is kept as it is.
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert _send(other, session, consultation).via_code is None
    own = app.test_client()
    own.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert _send(own, session, consultation, query="?via=obs-de-linde").via_code == "obs-de-linde"

    body = english_client.get(f"/consultaties/{consultation.slug}/deelname").get_data(as_text=True)
    rows = table(body, "per-kanaal")
    assert rows[0] == ["Where the poster hung", "Submissions"]
    # Listed channels by name; the region's own codes as one number, their text not shown.
    assert rows[1:] == [["School", "2"], ["Other places the region chose", "1"]]
    assert "obs-de-linde" not in body
    # Counts only: no table crosses the channel with age band, group or municipality.
    section = re.search(r'<section aria-labelledby="channels-title".*?</section>', body, re.S)
    assert section
    assert "age" not in section.group(0).lower()
    assert "municipality" not in section.group(0).lower()


def test_the_form_carries_the_code_and_an_invalid_code_is_ignored(english_client, session):
    consultation = factories.consultation(session)
    page = english_client.get(f"/consultaties/{consultation.slug}/reageren?via=wachtkamer")
    assert '<input type="hidden" name="via" value="wachtkamer">' in page.get_data(as_text=True)

    fresh = factories.consultation(session)
    bad = _send(english_client, session, fresh, query="?via=Bad%20Code!")
    assert bad.via_code is None
    # A forged field with a malformed code is ignored too; the comment itself is stored.
    _page, tokens = open_form(english_client, fresh.slug)
    response = post_form(
        english_client, fresh.slug, tokens, valid_data(via="<b>x</b>" * 10, text_1="Nog iets.")
    )
    assert response.status_code == 302
    latest = session.scalars(select(Submission).order_by(Submission.id.desc()).limit(1)).one()
    assert latest.via_code is None


def test_no_channel_no_table(english_client, session):
    consultation = factories.consultation(session)
    _send(english_client, session, consultation)
    body = english_client.get(f"/consultaties/{consultation.slug}/deelname").get_data(as_text=True)
    assert 'id="per-kanaal"' not in body


# -- the poster ----------------------------------------------------------------------------------


def _dark_cells(svg: str) -> set[tuple[int, int]]:
    """The dark modules drawn by segno's SVG path ("M4 4.5h7m1 0h1..."), as (x, y) cells."""
    path = re.search(r'<path[^>]*stroke=[^>]* d="([^"]+)"', svg)
    assert path
    cells: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, numbers in re.findall(r"([Mmh])([-\d. ]+)", path.group(1)):
        values = [float(v) for v in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            for step in range(int(values[0])):
                cells.add((int(x) + step, int(y)))
            x += values[0]
    return cells


def _matrix_cells(code) -> set[tuple[int, int]]:
    border = 4
    return {
        (col + border, row + border)
        for row, line in enumerate(code.matrix)
        for col, dark in enumerate(line)
        if dark
    }


def test_an_official_downloads_the_poster_with_the_link_and_its_qr_code(
    app, english_client, session
):
    consultation = factories.consultation(session)
    official = factories.region_user(session, "official", consultation.region.code)
    log_in(english_client, official.email)

    page = english_client.get(poster_path(consultation))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Where will the poster hang?" in body
    assert 'value="jongerencentrum"' in body

    response = english_client.get(poster_path(consultation) + "?channel=school&own_code=")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    url = f"http://consult.test/consultaties/{consultation.slug}?via=school"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
    assert str(reader.trailer["/Root"]["/Lang"]) == "nl"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    text = reader.pages[0].extract_text()
    assert url in text.replace("\n", "")
    # The poster is Dutch, whatever the official's language.
    assert "Scan de code met je telefoon" in text
    assert consultation.title in " ".join(text.split())

    # The QR code drawn on the poster is the code of exactly that link: the modules in
    # the SVG given to WeasyPrint equal the matrix segno makes for the URL.
    with app.test_request_context():
        html = posters.poster_html(consultation, "school")
    svg = re.search(r"<svg.*?</svg>", html, re.S)
    assert svg
    assert _dark_cells(svg.group(0)) == _matrix_cells(posters.qr_code(url))
    assert _dark_cells(svg.group(0)) != _matrix_cells(posters.qr_code(url + "x"))


def test_an_own_code_is_checked_and_kept_on_the_form(english_client, session):
    consultation = factories.consultation(session)
    official = factories.region_user(session, "official", consultation.region.code)
    log_in(english_client, official.email)

    refused = english_client.get(poster_path(consultation) + "?channel=eigen&own_code=De+Linde!")
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "Use at most 30 small letters, digits and hyphens" in body
    assert 'value="De Linde!"' in body  # what was typed stays
    empty = english_client.get(poster_path(consultation) + "?channel=eigen&own_code=")
    assert empty.status_code == 400
    assert "Type a code of your own" in empty.get_data(as_text=True)

    made = english_client.get(poster_path(consultation) + "?channel=eigen&own_code=OBS-de-linde")
    assert made.mimetype == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(made.data)).pages[0].extract_text().replace("\n", "")
    assert f"/consultaties/{consultation.slug}?via=obs-de-linde" in text


def test_the_dutch_error_message(dutch_client, session):
    consultation = factories.consultation(session)
    official = factories.region_user(session, "official", consultation.region.code)
    log_in(dutch_client, official.email)
    refused = dutch_client.get(poster_path(consultation) + "?channel=eigen&own_code=x+y")
    assert "Gebruik hoogstens 30 kleine letters" in refused.get_data(as_text=True)


@pytest.mark.parametrize("who", ["anonymous", "other_region", "moderator"])
def test_only_the_regions_officials_make_posters(english_client, session, who):
    consultation = factories.consultation(session)
    expected = 404
    if who == "other_region":
        log_in(english_client, factories.region_user(session, "official", "JZ24").email)
        expected = 403
    elif who == "moderator":
        moderator = factories.region_user(session, "moderator", consultation.region.code)
        log_in(english_client, moderator.email)
        expected = 403
    response = english_client.get(poster_path(consultation) + "?channel=school")
    if who == "anonymous":
        assert response.status_code in (302, 401)  # to the login page
    else:
        assert response.status_code == expected
    assert response.mimetype != "application/pdf"
    # Another region's official cannot reach it through their own region's address either.
    if who == "other_region":
        sneaky = f"/regios/JZ24/beheer/consultaties/{consultation.id}/poster?channel=school"
        assert english_client.get(sneaky).status_code == 404
