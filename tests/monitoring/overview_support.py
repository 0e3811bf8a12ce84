"""Helpers for the national overview tests: a published world and readers of the page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from consult.reports import services as reactienota
from tests import factories
from tests.responses import report_world


def published_world(session):
    """The reactienota world of tests/responses, answered and with its reactienota published."""
    world = report_world.build(session)
    with factories.app_context(session):  # publishing signs a checkpoint
        report = reactienota.generate(session, world.official, world.consultation)
        reactienota.publish(session, world.second_official, report)
    return world


def table_rows(html: str) -> list[str]:
    """The region codes of the consultation list's rows, in order (one per consultation)."""
    if 'class="utrecht-table__body"' not in html:
        return []
    table = html.split('class="utrecht-table__body"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(
        r'<tr class="utrecht-table__row[^"]*" id="consultatie-[^"]+" '
        r'data-region="([A-Z0-9]+)"',
        table,
    )


def without_rows(html: str) -> list[str]:
    """The region codes listed as having no public consultation."""
    return re.findall(r'<li class="utrecht-unordered-list__item" id="regio-([A-Z0-9]+)"', html)


def row_html(html: str, code: str) -> str:
    """The first consultation row of region ``code``."""
    start = html.index(f'data-region="{code}"')
    return html[start : html.index("</tr>", start)]


def svg_of(html: str) -> ET.Element:
    match = re.search(
        r"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"consult-map\".*?</svg>", html, re.S
    )
    assert match, "no map on the page"
    return ET.fromstring(match.group(0))  # noqa: S314 - our own page, in a test
