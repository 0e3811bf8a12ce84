"""The open-data exports of a consultation's published comments and answers.

Built on the reactienota's world (tests/responses/report_world.py), which holds a text
without consent, a hidden and a withdrawn comment, a named person under 16, a named adult,
a corrected answer and email addresses; here also an unconfirmed submission, texts that a
spreadsheet would run as formulas, and an answer approved but not published.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import event

from consult.extensions import db
from consult.responses import exports
from consult.responses.answers import services as answer_services
from consult.responses.models import Disposition
from tests import factories
from tests.responses import report_world

UNCONFIRMED_TEXT = "ONBEVESTIGD-TEKST: nooit bevestigd."
UNCONFIRMED_EMAIL = "onbevestigd@example.org"
FORMULAS = ['=HYPERLINK("http://evil.example","klik")', "+31 6 1234", "-2+3", "@SUM(A1:A2)"]
UNPUBLISHED_REASON = "NIET-GEPUBLICEERD: dit antwoord is nog niet openbaar."
NEVER = [
    *report_world.EMAILS,
    "prof@example.org",
    UNCONFIRMED_EMAIL,
    UNCONFIRMED_TEXT,
    report_world.SECRET_TEXT,
    report_world.HIDDEN_TEXT,
    report_world.WITHDRAWN_TEXT,
    report_world.YOUNG_NAME,
    report_world.SECRET_NAME,
    UNPUBLISHED_REASON,
    "Scheldwoord",
]
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture
def world(session):
    built = report_world.build(session)
    consultation = built.consultation
    factories.submission(
        session, consultation, [(None, UNCONFIRMED_TEXT)], confirmed=False, email=UNCONFIRMED_EMAIL
    )
    formulas = factories.submission(
        session, consultation, [("s-2", text) for text in FORMULAS], email=None
    )
    formulas.organisation_name = "Cliëntenraad Oost"  # typed by the sender: not verified
    built.comments.update({f"formula{i}": c for i, c in enumerate(formulas.comments)})
    # Approved, never published: neither the answer nor its reason may be exported.
    answer = answer_services.draft_answer(
        session,
        built.responder,
        consultation,
        [formulas.comments[0]],
        Disposition.NOT_ADOPTED,
        UNPUBLISHED_REASON,
    )
    answer_services.approve(session, built.official, answer)
    session.flush()
    return built


def _csv(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return text, list(csv.DictReader(io.StringIO(text[1:])))


def _jsonl(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/jsonl")
    text = response.get_data(as_text=True)
    return text, [json.loads(line) for line in text.splitlines()]


def _assert_clean(label, text):
    for forbidden in NEVER:
        assert forbidden not in text, f"{label} contains {forbidden!r}"
    assert not EMAIL.search(text), f"{label} contains an email address: {EMAIL.search(text)}"


def _public_ids(world):
    names = ("public", "injection", "named", "young", "campaign0", "campaign1", "campaign2")
    return {world.comments[n].id for n in names} | {
        world.comments[f"formula{i}"].id for i in range(len(FORMULAS))
    }


def test_comment_exports_hold_public_comments_only(client, world):
    slug = world.consultation.slug
    csv_text, csv_rows = _csv(client, f"/consultaties/{slug}/reacties.csv")
    jsonl_text, json_rows = _jsonl(client, f"/consultaties/{slug}/reacties.jsonl")
    for label, text in (("csv", csv_text), ("jsonl", jsonl_text)):
        _assert_clean(label, text)

    expected = _public_ids(world)
    assert {int(r["comment_id"]) for r in csv_rows} == expected
    assert [r["comment_id"] for r in json_rows] == sorted(expected)
    assert list(csv_rows[0]) == list(exports.COMMENT_COLUMNS)

    by_id = {r["comment_id"]: r for r in json_rows}
    named = by_id[world.comments["named"].id]
    assert named["name"] == report_world.ADULT_NAME
    assert named["text"] == report_world.NAMED_TEXT
    assert named["stakeholder_group"] == "care_provider"
    assert named["section"] == "1"
    assert named["disposition"] == "adopted"
    assert named["answer_reason"] == "We nemen dit over in paragraaf 1."
    assert named["answer_published_at"]

    # Under 16: the age band (the public page shows it), never the name.
    young = by_id[world.comments["young"].id]
    assert young["name"] is None
    assert young["age_band"] == "12_15"
    # Its current answer is the correction, which says what it corrected.
    assert young["answer_id"] == world.answers["young_corrected"].id
    assert young["disposition"] == "adopted"
    assert young["corrects_answer_id"] == world.answers["young"].id
    assert young["corrected_disposition"] == "partly_adopted"
    assert young["correction_note"] == "We lazen de reactie eerst verkeerd."

    # The approved, unpublished answer is not this comment's answer yet.
    formula = by_id[world.comments["formula0"].id]
    assert formula["organisation"] == "Cliëntenraad Oost"
    assert formula["organisation_verified"] is False
    assert named["organisation"] is None
    assert named["organisation_verified"] is None
    assert formula["answer_id"] is None
    assert formula["disposition"] is None
    assert by_id[world.comments["public"].id]["section_title"] == "Inleiding"
    assert by_id[world.comments["injection"].id]["section"] is None


def test_csv_cells_that_start_a_formula_are_kept_as_text(client, world):
    slug = world.consultation.slug
    _, csv_rows = _csv(client, f"/consultaties/{slug}/reacties.csv")
    _, json_rows = _jsonl(client, f"/consultaties/{slug}/reacties.jsonl")
    csv_texts = {r["text"] for r in csv_rows}
    json_texts = {r["text"] for r in json_rows}
    for formula in FORMULAS:
        assert "'" + formula in csv_texts
        assert formula not in csv_texts
        assert formula in json_texts  # JSON Lines holds the text exactly


def test_answer_exports_hold_published_answers_only(client, world):
    slug = world.consultation.slug
    csv_text, csv_rows = _csv(client, f"/consultaties/{slug}/antwoorden.csv")
    jsonl_text, json_rows = _jsonl(client, f"/consultaties/{slug}/antwoorden.jsonl")
    for label, text in (("csv", csv_text), ("jsonl", jsonl_text)):
        _assert_clean(label, text)
    published = {a.id for a in world.answers.values()}
    assert {r["answer_id"] for r in json_rows} == published
    assert {int(r["answer_id"]) for r in csv_rows} == published
    by_id = {r["answer_id"]: r for r in json_rows}
    old, new = world.answers["young"], world.answers["young_corrected"]
    assert by_id[old.id]["current"] is False
    assert by_id[old.id]["superseded_at"]
    assert by_id[new.id]["current"] is True
    assert by_id[new.id]["corrects_answer_id"] == old.id
    assert by_id[world.answers["campaign"].id]["comments"] == 3


def test_a_draft_consultation_has_no_export(client, session):
    draft = factories.consultation(session, state="draft")
    for path in ("reacties.csv", "reacties.jsonl", "antwoorden.csv", "antwoorden.jsonl"):
        assert client.get(f"/consultaties/{draft.slug}/{path}").status_code == 404
    assert client.get("/consultaties/bestaat-niet/reacties.csv").status_code == 404


def test_an_empty_consultation_exports_a_header_only(client, session):
    consultation = factories.consultation(session)
    text, rows = _csv(client, f"/consultaties/{consultation.slug}/reacties.csv")
    assert rows == []
    assert text.strip().lstrip("\ufeff").startswith("comment_id,")
    assert client.get(f"/consultaties/{consultation.slug}/reacties.jsonl").get_data() == b""


def test_the_export_query_count_does_not_grow_with_rows(
    app, client, session, monkeypatch, quiet_housekeeping
):
    monkeypatch.setattr(exports, "BATCH", 3)
    consultation = factories.consultation(session)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    def queries(rows: int) -> int:
        while len(_rows(client, consultation)) < rows:
            factories.submission(session, consultation, [(None, "Nog een reactie.")], email=None)
        statements.clear()
        engine = db.state(app).engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert len(_rows(client, consultation)) == rows
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    few, many = queries(2), queries(20)  # 1 batch, then 7 batches
    assert few == many
    assert many <= 3  # the consultation, then one streamed query


def _rows(client, consultation):
    body = client.get(f"/consultaties/{consultation.slug}/reacties.jsonl").get_data(as_text=True)
    return body.splitlines()


def test_the_pages_link_to_the_exports(client, world):
    slug = world.consultation.slug
    page = client.get(f"/consultaties/{slug}").get_data(as_text=True)
    for path in ("reacties.csv", "reacties.jsonl", "antwoorden.csv", "antwoorden.jsonl"):
        assert f'href="/consultaties/{slug}/{path}"' in page
