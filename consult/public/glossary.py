"""The platform's glossary: the words of the participant pages, explained in plain words.

One entry per term: its anchor on /woordenlijst, the word in each language, the forms in
which the word appears in the interface text, and a short explanation. The ``explain_terms``
filter links the first appearance of a term on a page to its entry (a link, not a tooltip:
it works with a keyboard, a screen reader and a touch screen). Regions' own text (the plan,
questions) is not touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from flask import g, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from consult.extensions import db
from consult.i18n import current_locale
from consult.regions import services as regions
from consult.regions.models import Region


@dataclass(frozen=True)
class Term:
    anchor: str  # its id on /woordenlijst
    nl: str
    en: str
    forms_nl: tuple[str, ...]  # how the word appears in Dutch interface text
    forms_en: tuple[str, ...]
    explanation: object  # a lazy string: shown in the interface language

    def word(self, locale: str) -> str:
        return self.nl if locale == "nl" else self.en

    def forms(self, locale: str) -> tuple[str, ...]:
        return self.forms_nl if locale == "nl" else self.forms_en


TERMS: tuple[Term, ...] = (
    Term(
        "consultatie",
        "consultatie",
        "consultation",
        ("consultaties", "consultatie"),
        ("consultations", "consultation"),
        _l(
            "A time in which everyone can react to a plan. "
            "The region reads every reaction and answers it."
        ),
    ),
    Term(
        "inspraak",
        "inspraak",
        "public comment",
        ("inspraak",),
        ("public comment",),
        _l("You may say what you think of a plan before it is decided."),
    ),
    Term(
        "regiovisie",
        "regiovisie",
        "regional vision",
        ("regiovisies", "regiovisie"),
        ("regional visions", "regional vision"),
        _l(
            "The plan of a youth region. "
            "It says how the municipalities arrange youth care together."
        ),
    ),
    Term(
        "reactienota",
        "reactienota",
        "response report",
        ("reactienota's", "reactienota"),
        ("response reports", "response report", "reactienota"),
        _l(
            "The answer of the region to all comments. "
            "It says what people said, what the region does with it and what changes in the plan."
        ),
    ),
    Term(
        "jeugdregio",
        "jeugdregio",
        "youth region",
        ("jeugdregio's", "jeugdregio"),
        ("youth regions", "youth region"),
        _l("A group of municipalities that arrange youth care together."),
    ),
    Term(
        "jeugdhulp",
        "jeugdhulp",
        "youth care",
        ("jeugdhulp", "jeugdzorg"),
        ("youth care",),
        _l("Help for children and young people, and for their parents, when things are hard."),
    ),
    Term(
        "ervaringsdeskundige",
        "ervaringsdeskundige",
        "experience expert",
        ("ervaringsdeskundigen", "ervaringsdeskundige"),
        ("experience experts", "experience expert"),
        _l("Someone who had youth care, or whose parent, brother or sister had it."),
    ),
    Term(
        "belangenbehartiger",
        "belangenbehartiger",
        "advocacy group",
        ("belangenbehartigers", "belangenbehartiger"),
        ("advocacy groups", "advocacy group"),
        _l(
            "A person or group that speaks up for others. "
            "For example a client council or a parents' association."
        ),
    ),
    Term(
        "zorgaanbieder",
        "zorgaanbieder",
        "care provider",
        ("zorgaanbieders", "zorgaanbieder"),
        ("care providers", "care provider"),
        _l("An organisation that gives youth care."),
    ),
    Term(
        "pleegouder",
        "pleegouder",
        "foster parent",
        ("pleegouders", "pleegouder"),
        ("foster parents", "foster parent"),
        _l("Someone who takes care of a child who cannot live at home."),
    ),
    Term(
        "gemeenteraad",
        "gemeenteraad",
        "municipal council",
        ("gemeenteraden", "gemeenteraad", "raadslid"),
        ("municipal councils", "municipal council", "council member"),
        _l(
            "The people the residents of a municipality chose. "
            "They decide on the plans of the municipality."
        ),
    ),
    Term(
        "moderator",
        "moderator",
        "moderator",
        ("moderators", "moderator"),
        ("moderators", "moderator"),
        _l("Someone of the region who reads comments before they are shown."),
    ),
)


def terms_in_order(locale: str) -> list[Term]:
    """The terms for the glossary page, alphabetical in the interface language."""
    return sorted(TERMS, key=lambda term: term.word(locale).casefold())


@cache
def _pattern(locale: str) -> re.Pattern[str]:
    forms = sorted(
        ((form, term.anchor) for term in TERMS for form in term.forms(locale)),
        key=lambda pair: -len(pair[0]),
    )
    alternatives = "|".join(re.escape(form) for form, _anchor in forms)
    return re.compile(rf"(?<![\w-])({alternatives})(?![\w-])", re.IGNORECASE)


@cache
def _anchor_of(locale: str) -> dict[str, str]:
    return {form.casefold(): term.anchor for term in TERMS for form in term.forms(locale)}


_TAG = re.compile(r"(<[^>]*>)")


def _explained() -> set[str]:
    """The terms this page has explained already (one request renders one page)."""
    if not has_request_context():
        return set()
    if "explained_terms" not in g:
        g.explained_terms = set()
    return g.explained_terms


def explain_terms(text: object) -> Markup:
    """``text`` (interface text; escaped unless it is Markup) with the first appearance on
    this page of each glossary term linked to its entry. Text inside a link is left alone."""
    locale = current_locale()
    anchors = _anchor_of(locale)
    return _link_first(
        text,
        _pattern(locale),
        lambda word: anchors[word.casefold()],
        lambda anchor: url_for("public.glossary_page") + "#" + anchor,
    )


def term_anchor(term: str) -> str:
    """A region term's id on the glossary page: ``regio-`` and its words, lower case."""
    return "regio-" + "-".join(re.findall(r"\w+", term.casefold()))


def explain_region_terms(html: object, region: Region | None) -> Markup:
    """A region's text (its plan, already sanitised Markup) with the first appearance on
    this page of each of the region's own words linked to its explanation. At render time
    only: the stored text of a version is never changed."""
    if region is None:
        return html if isinstance(html, Markup) else escape(str(html))
    terms = _region_terms(region.id)
    if not terms:
        return html if isinstance(html, Markup) else escape(str(html))
    anchors = {term.casefold(): term_anchor(term) for term in terms}
    alternatives = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-])({alternatives})(?![\w-])", re.IGNORECASE)
    page = url_for("public.glossary_page", regio=region.code)
    return _link_first(
        html, pattern, lambda word: anchors[word.casefold()], lambda anchor: page + "#" + anchor
    )


def _region_terms(region_id: int) -> list[str]:
    """The region's own words, read once per page."""
    cached = g.setdefault("region_terms", {}) if has_request_context() else {}
    if region_id not in cached:
        cached[region_id] = [t.term for t in regions.region_terms(db.session, region_id)]
    return cached[region_id]


def use_region_terms(region_id: int, terms: Iterable[str]) -> None:
    """Explain these words of the region on this page (read elsewhere, e.g. kept a while
    by :mod:`consult.public.kept`), instead of reading them again."""
    if has_request_context():
        g.setdefault("region_terms", {})[region_id] = list(terms)


def _link_first(
    text: object,
    pattern: re.Pattern[str],
    anchor_of: Callable[[str], str],
    href_of: Callable[[str], str],
) -> Markup:
    """The one mechanism: the first match of each anchor on this page becomes a link."""
    markup = text if isinstance(text, Markup) else escape(str(text))
    explained = _explained()

    def link(match: re.Match[str]) -> str:
        anchor = anchor_of(match.group(1))
        if anchor in explained:
            return match.group(0)
        explained.add(anchor)
        href = escape(href_of(anchor))
        return f'<a class="utrecht-link consult-term" href="{href}">{match.group(1)}</a>'

    out: list[str] = []
    inside_link = 0
    for piece in _TAG.split(str(markup)):
        if piece.startswith("<"):
            lowered = piece.lower()
            if lowered.startswith("<a ") or lowered == "<a>":
                inside_link += 1
            elif lowered.startswith("</a"):
                inside_link = max(0, inside_link - 1)
            out.append(piece)
        elif inside_link:
            out.append(piece)
        else:
            out.append(pattern.sub(link, piece))
    return Markup("".join(out))  # noqa: S704 - pieces of escaped Markup and escaped hrefs
