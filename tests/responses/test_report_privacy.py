"""Security of the reactienota's exports: no email address, no name without consent (and
never under 16), no unpublished, hidden or withdrawn text, in any of the four formats."""

from __future__ import annotations

import io
import re

import pypdf

from consult.files.pdf import render_pdf
from consult.ledger import canonical
from consult.reports import rendering
from consult.reports import services as reactienota
from tests import factories
from tests.conftest import log_in
from tests.responses import report_world

NEVER = [
    *report_world.EMAILS,
    "prof@example.org",
    report_world.SECRET_TEXT,
    "GEHEIME-TEKST",
    report_world.HIDDEN_TEXT,
    "VERBORGEN-TEKST",
    report_world.WITHDRAWN_TEXT,
    "INGETROKKEN-TEKST",
    report_world.YOUNG_NAME,
    report_world.SECRET_NAME,
    "Scheldwoord",  # the moderator's note to the sender
]
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def _published_world(session):
    world = report_world.build(session)
    report = reactienota.generate(session, world.official, world.consultation)
    with factories.app_context(session):  # signs a checkpoint
        reactienota.publish(session, world.official, report)
    session.flush()
    return world, report


def _assert_clean(label, text):
    for forbidden in NEVER:
        assert forbidden not in text, f"{label} contains {forbidden!r}"
    assert not EMAIL.search(text), f"{label} contains an email address: {EMAIL.search(text)}"


def test_no_export_contains_personal_data_or_unpublished_text(app, session, client):
    world, report = _published_world(session)
    slug = world.consultation.slug
    # The region's contact address is not in the report either: it holds no address at all.
    assert world.consultation.contact_email

    exports = {
        "content": canonical.fast_canonical_bytes(report.content).decode(),
        "page": client.get(f"/consultaties/{slug}/reactienota").get_data(as_text=True),
        "csv": client.get(f"/consultaties/{slug}/reactienota/1.csv").get_data(as_text=True),
        "json": client.get(f"/consultaties/{slug}/reactienota/1.json").get_data(as_text=True),
    }
    with app.app_context():
        pdf = render_pdf(rendering.pdf_html(report))
    exports["pdf"] = "\n".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages
    )
    for label, text in exports.items():
        _assert_clean(label, text)
    # What was consented is there: the named adult's text and name, and the public texts.
    for label in ("content", "page", "json"):
        assert report_world.ADULT_NAME in exports[label], label
        assert report_world.NAMED_TEXT in exports[label], label
    assert report_world.PUBLIC_TEXT in exports["csv"]
    assert report_world.ADULT_NAME in exports["pdf"].replace("\n", " ")


def test_the_team_preview_is_as_clean(session, client):
    world = report_world.build(session)
    reactienota.generate(session, world.official, world.consultation)
    session.flush()
    log_in(client, world.official.email)
    base = f"/regios/JZ22/beheer/consultaties/{world.consultation.slug}/reactienota/1"
    for path in (f"{base}/voorbeeld", f"{base}/voorbeeld.csv", f"{base}/voorbeeld.json"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        if path.endswith("voorbeeld"):
            # The page around the report names the logged-in official; the report does not.
            text = text[text.index('<article class="consult-report"') : text.index("</article>")]
        _assert_clean(path, text)


def test_names_follow_the_same_rule_as_the_public_page(session):
    from consult.comments.services import public_name

    world = report_world.build(session)
    content = reactienota.build_content(session, world.consultation)
    shown = {
        item["name"]
        for section in content["sections"]
        for bucket in section["answers"]
        for item in bucket["items"]
        if item["name"]
    }
    expected = {
        public_name(submission)
        for submission in world.submissions.values()
        if public_name(submission) and any(c.is_public for c in submission.comments)
    }
    assert shown == expected == {report_world.ADULT_NAME}
