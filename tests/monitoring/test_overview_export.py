"""The national overview as CSV and JSON Lines: columns, figures, streaming, formula guard."""

from __future__ import annotations

import csv
import io
import json

from consult.monitoring import statistics
from consult.web.spreadsheet import formula_safe as csv_safe
from tests import factories
from tests.monitoring import overview_support


def _csv(client):
    response = client.get("/landelijk.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="consult-')
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def _jsonl(client):
    response = client.get("/landelijk.jsonl")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "application/x-ndjson"
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def test_csv_has_the_documented_columns_and_a_row_per_region(client, session):
    world = overview_support.published_world(session)
    header, *rows = _csv(client)
    assert header == statistics.export_columns(statistics.stakeholder_groups(session))
    assert header[:3] == ["region_code", "region_name", "provinces"]
    assert set(statistics.EXPORT_COLUMNS) <= set(header)
    assert len(rows) == 42
    assert all(len(row) == len(header) for row in rows)

    jz22 = dict(zip(header, next(r for r in rows if r[0] == "JZ22"), strict=True))
    assert jz22["region_name"] == "Utrecht Stad"
    assert jz22["consultation_slug"] == world.consultation.slug
    assert jz22["state"] == "report_published"
    assert (jz22["submissions"], jz22["comments"], jz22["answered"]) == ("8", "9", "9")
    assert jz22["share_answered"] == "1.0"
    assert jz22["share_adopted"] == "0.3333"
    assert jz22["reactienota_published"] == "true"
    assert (jz22["comments_parent"], jz22["share_adopted_parent"]) == ("3", "0.3333")
    assert jz22["comments_experience_expert"] == "0"
    assert jz22["share_adopted_experience_expert"] == ""

    # A region without a public consultation: empty figures, not zeros.
    jz01 = dict(zip(header, rows[0], strict=True))
    assert jz01["region_code"] == "JZ01"
    assert jz01["state"] == jz01["submissions"] == jz01["comments_parent"] == ""
    assert jz01["reactienota_published"] == "false"


def test_jsonl_has_the_same_figures(client, session):
    overview_support.published_world(session)
    lines = _jsonl(client)
    assert len(lines) == 42
    columns = statistics.export_columns(statistics.stakeholder_groups(session))
    assert all(list(line) == columns for line in lines)
    jz22 = next(line for line in lines if line["region_code"] == "JZ22")
    assert jz22["comments"] == 9
    assert jz22["answered"] == 9
    assert jz22["share_adopted"] == 0.3333
    assert jz22["median_days_to_answers"] == 0.0
    assert jz22["reactienota_published"] is True
    assert jz22["submissions_foster_parent"] == 3
    jz01 = lines[0]
    assert jz01["state"] is None
    assert jz01["comments"] is None


def test_no_personal_data_or_comment_text_in_the_exports(client, session):
    overview_support.published_world(session)
    body = client.get("/landelijk.csv").get_data(as_text=True)
    body += client.get("/landelijk.jsonl").get_data(as_text=True)
    assert "@example.org" not in body
    assert "GEHEIME-TEKST" not in body
    assert "Meer hulp op school" not in body


def test_csv_cells_cannot_become_formulas(client, session):
    for code, title in (
        ("JZ01", '=HYPERLINK("http://evil.example/","klik")'),
        ("JZ02", "+31 20 123"),
        ("JZ03", "-1+2"),
        ("JZ04", "@SUM(A1:A9)"),
    ):
        consultation = factories.consultation(
            session, factories.document_version(session, code, locked=True)
        )
        consultation.title = title
    session.flush()
    header, *rows = _csv(client)
    titles = {row[0]: row[header.index("consultation_title")] for row in rows}
    assert titles["JZ01"] == '\'=HYPERLINK("http://evil.example/","klik")'
    assert titles["JZ02"] == "'+31 20 123"
    assert titles["JZ03"] == "'-1+2"
    assert titles["JZ04"] == "'@SUM(A1:A9)"
    # JSON is not a spreadsheet: the title stays as it is.
    lines = {line["region_code"]: line for line in _jsonl(client)}
    assert lines["JZ01"]["consultation_title"].startswith("=HYPERLINK")


def test_csv_safe():
    assert csv_safe("=1+1") == "'=1+1"
    assert csv_safe("\t=1") == "'\t=1"
    assert csv_safe("Utrecht") == "Utrecht"
    assert csv_safe(-3) == -3  # numbers are never formulas
    assert csv_safe(None) is None


def test_the_page_documents_every_column(client, session):
    html = client.get("/landelijk", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for column in statistics.EXPORT_COLUMNS:
        assert f"<code>{column}</code>" in html
    assert 'href="/landelijk.csv"' in html
    assert 'href="/landelijk.jsonl"' in html


def test_the_downloads_carry_the_promise_and_the_councils(client, session):
    from datetime import timedelta

    from consult.consultations import council, lifecycle
    from consult.consultations.models import CouncilOutcome

    late = factories.closed_consultation(session, "JZ24", opens_in_days=-120, closes_in_days=-80)
    late.answers_due_on = lifecycle.today_in_amsterdam() - timedelta(days=9)
    factories.submission(session, late, [(None, "Nog geen antwoord.")])
    official = factories.region_user(session, "official", "JZ24")
    member = council.council_members(session, late)[0]
    with factories.app_context(session):
        council.record_decision(
            session, official, late, member, lifecycle.today_in_amsterdam(),
            CouncilOutcome.ADOPTED, "https://raad.example.nl/1",
        )  # fmt: skip
    session.flush()
    header, *rows = _csv(client)
    jz24 = dict(zip(header, next(r for r in rows if r[0] == "JZ24"), strict=True))
    assert jz24["answers_due_on"] == late.answers_due_on.isoformat()
    assert (jz24["answers_overdue"], jz24["days_overdue"]) == ("true", "9")
    assert (jz24["council_members"], jz24["councils_adopted"]) == ("9", "1")
    line = next(r for r in _jsonl(client) if r["region_code"] == "JZ24")
    assert (line["answers_overdue"], line["days_overdue"], line["councils_adopted"]) == (
        True,
        9,
        1,
    )
