"""Stored XSS: what people type comes back as text, on every page, feed, file and API.

Decidim's advisories list stored XSS in names, in rich text and in exports more than any
other flaw (GHSA-h2mr-r867-cxv6 among them). Here one consultation is filled with a script
payload in every field a person fills in: a participant's and an organisation's name,
comment texts, a moderator's note, an answer's reason, an activity report, the consultation
and document texts, and sections imported from Markdown and from a Word file. Then every
GET route of the app is fetched, by the region's official and logged out, and:

- HTML never holds the payload as markup (no script element, no event attribute, no
  ``javascript:`` link);
- JSON is served as JSON (with ``nosniff``, from the security headers test);
- Atom feeds are XML whose html content, once unescaped by a reader, holds no markup;
- CSV cells never start with a formula character.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from html.parser import HTMLParser
from xml.etree import ElementTree

import docx
from flask import Flask

from consult.comments.models import HideReason
from consult.consultations import activities, lifecycle
from consult.consultations.models import ActivityKind, ConsultationState
from consult.db import utcnow
from consult.documents import importing
from consult.moderation import services as moderation
from consult.reports import services as reactienota
from consult.responses.answers import services
from consult.responses.models import Disposition
from consult.stakeholders.models import AgeBand
from tests import factories
from tests.security.conftest import client_for
from tests.security.routes import fill, rules

MARK = "xss9"
PAYLOAD = (
    f"<script>{MARK}()</script><img src=x onerror={MARK}()>\"'><svg onload={MARK}()>"
    f'<a href="javascript:{MARK}()">link</a>'
)
FORMULA = f'=HYPERLINK("http://evil.example/{MARK}","klik")'
MARKDOWN = f"""# Inleiding {PAYLOAD}

Tekst met <script>{MARK}()</script> en <img src=x onerror={MARK}()>.

[klik hier](javascript:{MARK}())

<iframe src="javascript:{MARK}()"></iframe>

## Tweede deel

![plaatje](javascript:{MARK}())
"""


def _word_file() -> bytes:
    document = docx.Document()
    document.add_heading(f"Hoofdstuk {PAYLOAD}", level=1)
    document.add_paragraph(f"Alinea {PAYLOAD}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build(session):
    with factories.app_context(session):
        return _build(session)


def _build(session):
    drafts = [
        *importing.import_markdown(MARKDOWN).sections,
        *importing.import_docx(_word_file()).sections,
    ]
    version = factories.document_version(
        session,
        title=f"Regiovisie {PAYLOAD}",
        sections=[(draft.heading, draft.body_html) for draft in drafts],
        locked=True,
    )
    version.document.summary = PAYLOAD
    consultation = factories.consultation(
        session, version, opens_in_days=-40, closes_in_days=5, slug="xss-consultatie"
    )
    consultation.title = f"Consultatie {PAYLOAD}"
    consultation.introduction = PAYLOAD
    consultation.contact_name = PAYLOAD
    official = factories.region_user(session, "official", display_name=f"Ambtenaar {PAYLOAD}")
    responder = factories.region_user(session, "responder", display_name=PAYLOAD)
    participant = factories.user(session, display_name=f"Deelnemer {PAYLOAD}")
    organisation = factories.organisation(
        session, f"Organisatie {PAYLOAD}", verified=True, admins=(participant,)
    )

    named = factories.submission(
        session,
        consultation,
        [("s-1", f"Reactie {PAYLOAD}"), (None, FORMULA)],
        group="care_provider",
        user=participant,
    )
    named.publish_name = True
    named.contact.display_name = f"Naam {PAYLOAD}"
    named.organisation_id = organisation.id
    named.organisation_verified = True
    unverified = factories.submission(session, consultation, [("s-3", "Namens een club.")])
    unverified.organisation_name = f"Club {PAYLOAD}"
    young = factories.submission(session, consultation, [("s-2", PAYLOAD)], group="young_person")
    young.age_band = AgeBand.FROM_16_TO_17
    hidden = factories.submission(session, consultation, [("s-2", f"Verborgen {PAYLOAD}")])
    session.flush()
    moderation.report_comment(session, named.comments[0], HideReason.OTHER, f"Melding {PAYLOAD}")
    moderation.hide_comment(
        session, official, hidden.comments[0], HideReason.OTHER, f"Notitie {PAYLOAD}"
    )
    activities.register_activity(
        session,
        official,
        consultation,
        activities.ActivityDetails(
            kind=ActivityKind.SCHOOL_SESSION,
            held_on=utcnow().date() - timedelta(days=3),
            place=f"School {PAYLOAD}",
            summary=f"Verslag {PAYLOAD}",
            participants={(factories.stakeholder_group(session, "young_person").id, None): 3},
        ),
    )
    lifecycle.record_state(session, consultation, ConsultationState.CLOSED, actor=None, at=utcnow())
    answers = []
    for comments, reason in (
        ([named.comments[0]], f"Antwoord {PAYLOAD}"),
        ([named.comments[1]], FORMULA),
        ([young.comments[0], hidden.comments[0]], PAYLOAD),
        ([unverified.comments[0]], "Gelezen."),
    ):
        answer = services.draft_answer(
            session, responder, consultation, comments, Disposition.NOTED, reason
        )
        services.approve(session, official, answer)
        answers.append(answer)
    services.publish(session, official, consultation)
    report = reactienota.generate(session, official, consultation)
    reactienota.publish(session, factories.region_user(session, "official"), report)
    session.flush()
    return consultation, official, organisation, named, report, answers[0]


class _MarkupFinder(HTMLParser):
    """Elements and attributes the payload would have made, had it been markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        if tag in ("iframe", "svg", "object", "embed") and MARK in str(attrs):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") and MARK in value:
                self.found.append(f"<{tag} {name}>")
            if value.startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and MARK in data:
            self.found.append("<script> with the payload")


def _markup_problems(body: str) -> list[str]:
    finder = _MarkupFinder()
    finder.feed(body)
    finder.close()
    return finder.found


def _csv_problems(body: str) -> list[str]:
    problems = []
    for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))):
        for cell in row:
            if MARK in cell and cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                problems.append(cell[:60])
    return problems


def _atom_problems(body: str) -> list[str]:
    root = ElementTree.fromstring(body.encode())  # noqa: S314 (our own feed)
    problems = []
    for element in root.iter():
        text = element.text or ""
        if element.get("type") == "html":
            problems += _markup_problems(text)  # what a feed reader renders
        elif element.get("type") == "xhtml" or element.tag.endswith("}script"):
            problems.append(f"{element.tag} holds markup")
    for element in root.iter():
        if element.tag.lower().endswith(("script", "iframe", "svg")):
            problems.append(element.tag)
    return problems


def test_no_route_gives_the_payload_back_as_markup(app: Flask, session) -> None:
    consultation, official, organisation, named, report, answer = build(session)
    values = {
        "code": "JZ22",
        "slug": consultation.slug,
        "consultation_id": consultation.id,
        "document_id": consultation.version.document_id,
        "number": consultation.version.number,
        "section_id": consultation.version.sections[0].id,
        "anchor": consultation.version.sections[0].anchor,
        "answer_id": answer.id,
        "comment_id": named.comments[0].id,
        "id": named.comments[0].id,
        "edition": report.edition,
        "organisation_id": organisation.id,
        "key": organisation.slug,
        "kind": "consultation",
        "target_id": consultation.id,
        "format": "csv",
    }
    problems, seen = [], {"html": 0, "json": 0, "atom": 0, "csv": 0}
    payload_pages = 0
    for who, person in (("official", official), ("anonymous", None)):
        client = client_for(app, person)
        for rule in rules(app):
            if "GET" not in rule.methods or rule.endpoint in ("static", "web.switch_language"):
                continue
            formats = (
                sorted(rule._converters["format"].items) if "format" in rule.arguments else [None]
            )
            for format_ in formats:
                path = fill(rule, {**values, "format": format_} if format_ else values)
                response = client.get(path)
                body = response.get_data().decode("utf-8", "replace")
                response.close()
                if response.status_code != 200:
                    continue
                kind = response.mimetype
                payload_pages += MARK in body
                where = f"{who} {path}"
                if kind == "text/html":
                    seen["html"] += 1
                    problems += [f"{where}: {p}" for p in _markup_problems(body)]
                elif kind.endswith("json"):
                    seen["json"] += 1
                    if path.endswith(".jsonl"):
                        [json.loads(line) for line in body.splitlines() if line.strip()]
                    else:
                        json.loads(body)
                elif kind == "application/atom+xml":
                    seen["atom"] += 1
                    problems += [f"{where}: {p}" for p in _atom_problems(body)]
                elif kind == "text/csv":
                    seen["csv"] += 1
                    problems += [f"{where}: {p}" for p in _csv_problems(body)]
    assert problems == []
    assert payload_pages > 20  # the payload did come back, as text
    assert seen["html"] > 40, seen
    assert seen["json"] > 5, seen
    assert seen["atom"] >= 2, seen
    assert seen["csv"] >= 2, seen
