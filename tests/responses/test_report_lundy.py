"""The Lundy checklist in the reactienota: in the content, the pages and the PDF, and frozen."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from flask import render_template
from flask_babel import force_locale
from sqlalchemy import text

from consult.ledger import canonical
from consult.participation import services as participation
from consult.participation.models import LundyElement
from consult.reports import rendering
from consult.reports import services as reactienota
from tests import factories
from tests.responses import report_world

SPACE = "Twee sessies op het vmbo, in gewone taal."
INFLUENCE = "Onderdeel 2 is aangepast; de leerlingen kregen een brief."
LATER = "LATER-TEKST: dit kwam na de publicatie."


def _validator():
    return jsonschema.Draft202012Validator(json.loads(rendering.SCHEMA_PATH.read_text("utf-8")))


def _filled(session):
    world = report_world.build(session)
    participation.save_statement(
        session,
        world.official,
        world.consultation,
        LundyElement.SPACE,
        SPACE,
        [("Verslag sessie", "https://example.org/verslag?x=1&y=2")],
    )
    participation.save_statement(
        session, world.official, world.consultation, LundyElement.INFLUENCE, INFLUENCE, []
    )
    return world


def _published(session, world):
    report = reactienota.generate(session, world.official, world.consultation)
    with factories.app_context(session):  # signs a checkpoint
        reactienota.publish(session, world.official, report)
    session.flush()
    return report


def test_the_content_holds_the_checklist_in_order(session):
    world = _filled(session)
    content = reactienota.build_content(session, world.consultation)
    assert content["lundy_checklist"] == [
        {
            "element": "space",
            "label": "Space",
            "what_we_did": SPACE,
            "links": [{"title": "Verslag sessie", "url": "https://example.org/verslag?x=1&y=2"}],
        },
        {"element": "voice", "label": "Voice", "what_we_did": "", "links": []},
        {"element": "audience", "label": "Audience", "what_we_did": "", "links": []},
        {"element": "influence", "label": "Influence", "what_we_did": INFLUENCE, "links": []},
    ]
    _validator().validate(json.loads(canonical.fast_canonical_bytes(content)))


def test_the_schema_keeps_older_editions_valid_and_refuses_bad_links(session):
    world = _filled(session)
    content = json.loads(
        canonical.fast_canonical_bytes(reactienota.build_content(session, world.consultation))
    )
    older = copy.deepcopy(content)
    del older["lundy_checklist"]
    _validator().validate(older)
    bad = copy.deepcopy(content)
    bad["lundy_checklist"][0]["links"][0]["url"] = "javascript:alert(1)"
    with pytest.raises(jsonschema.ValidationError):
        _validator().validate(bad)
    bad = copy.deepcopy(content)
    bad["lundy_checklist"][0]["email"] = "iemand@example.org"
    with pytest.raises(jsonschema.ValidationError):
        _validator().validate(bad)


def test_a_published_edition_shows_the_statements_beside_the_figures(session, english_client, app):
    world = _filled(session)
    report = _published(session, world)
    assert report.content["lundy_checklist"][0]["what_we_did"] == SPACE

    body = english_client.get(f"/consultaties/{world.consultation.slug}/reactienota").get_data(
        as_text=True
    )
    lundy = body[body.index('id="rn-lundy"') :]
    lundy = lundy[: lundy.index("</section>")]
    # Each statement follows its element's figures.
    assert lundy.index("Space: could they take part") < lundy.index(SPACE)
    assert lundy.index(SPACE) < lundy.index("Voice: could they give their views?")
    assert lundy.index("Influence: was something done") < lundy.index(INFLUENCE)
    assert (
        '<a href="https://example.org/verslag?x=1&amp;y=2" rel="nofollow noopener noreferrer">'
        "Verslag sessie</a>"
    ) in lundy
    assert lundy.count("The region did not fill this in.") == 2

    with app.app_context():
        printed = rendering.pdf_html(report)
    assert SPACE in printed
    # On paper a reader cannot click: the address is printed after the link's text.
    assert "Verslag sessie</a> (https://example.org/verslag?x=1&amp;y=2)" in printed


def test_an_edit_after_generating_needs_a_new_preview(session):
    world = _filled(session)
    report = reactienota.generate(session, world.official, world.consultation)
    participation.save_statement(
        session, world.official, world.consultation, LundyElement.VOICE, "Een tolk hielp.", []
    )
    with pytest.raises(reactienota.ReportError, match="Something changed"):
        reactienota.publish(session, world.official, report)
    report = reactienota.generate(session, world.official, world.consultation)
    with factories.app_context(session):  # signs a checkpoint
        reactienota.publish(session, world.official, report)
    assert report.content["lundy_checklist"][1]["what_we_did"] == "Een tolk hielp."


def test_a_later_edit_does_not_change_the_published_edition(session, client):
    world = _filled(session)
    report = _published(session, world)
    published_hash = report.content_hash

    # The service refuses every change now ...
    with pytest.raises(participation.ParticipationError, match="can no longer change"):
        participation.save_statement(
            session, world.official, world.consultation, LundyElement.SPACE, LATER, []
        )
    # ... and a change made behind its back (straight in the table) stays out of the edition.
    session.execute(
        text("UPDATE lundy_statements SET what_we_did = :later WHERE element = 'space'"),
        {"later": LATER},
    )
    session.expire_all()
    assert participation.statements(session, world.consultation)[
        LundyElement.SPACE
    ].what_we_did == (LATER)
    stored = reactienota.edition_of(session, world.consultation, 1)
    assert stored.content_hash == published_hash
    assert stored.content["lundy_checklist"][0]["what_we_did"] == SPACE
    assert reactienota.content_hash(stored.content) == published_hash
    page = client.get(f"/consultaties/{world.consultation.slug}/reactienota").get_data(as_text=True)
    assert SPACE in page
    assert LATER not in page


def test_an_edition_without_a_checklist_still_renders(session, client, app):
    world = _filled(session)
    content = reactienota.build_content(session, world.consultation)
    del content["lundy_checklist"]
    with app.test_request_context("/"), force_locale("en"):
        html = render_template(
            "reports/_report_article.html", r=rendering.ReportView(content, "en")
        )
    assert "Space: could they take part" in html
    assert "What the region says it did" not in html
