"""The plan's heading levels follow the document: section 2.1 is one heading level below
section 2, on the consultation page and on a version's page."""

from __future__ import annotations

import re

import pytest

from consult.documents import services as documents
from tests import factories

OUTLINE = [
    ("1", 1, "Inleiding"),
    ("2", 1, "Hulp"),
    ("2.1", 2, "Op school"),
    ("2.1.1", 3, "Mbo"),
    ("2.1.1.1", 4, "Stage"),
]


@pytest.fixture
def consultation(session):
    version = factories.document_version(
        session, sections=[(heading, f"<p>Over {heading}.</p>") for _n, _l, heading in OUTLINE]
    )
    for section, (number, level, _heading) in zip(version.sections, OUTLINE, strict=True):
        section.number, section.level = number, level
    session.flush()
    documents.lock_version(session, version)
    return factories.consultation(session, version)


def _levels(body: str, pattern: str) -> dict[str, int]:
    """Heading level per section heading text."""
    found = re.findall(pattern, body, re.S)
    return {re.sub(r"<[^>]+>|\s+", " ", text).split()[-1]: int(level) for level, text in found}


def test_the_consultation_page_nests_21_below_2(client, consultation):
    body = client.get(f"/consultaties/{consultation.slug}").get_data(as_text=True)
    title = re.search(r'<h(\d)[^>]*id="document-title"', body)
    assert title.group(1) == "2"
    levels = _levels(
        body, r'<h(\d) class="utrecht-heading-\d consult-section__heading"[^>]*>(.*?)</h'
    )
    assert levels == {"Inleiding": 3, "Hulp": 3, "school": 4, "Mbo": 5, "Stage": 6}


def test_the_version_page_nests_21_below_2(client, consultation):
    path = f"/documenten/{consultation.version.document_id}/versies/1"
    body = client.get(path).get_data(as_text=True)
    levels = _levels(body, r'<h(\d) class="consult-doc__heading[^"]*"[^>]*>(.*?)</h')
    assert levels == {"Inleiding": 2, "Hulp": 2, "school": 3, "Mbo": 4, "Stage": 5}
