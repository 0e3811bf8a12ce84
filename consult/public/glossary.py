"""The platform's glossary: the words of the participant pages, explained in plain words.

One entry per term: its anchor on /woordenlijst, the word in each language, the forms in
which the word appears in the interface text, and a short explanation. The ``explain_terms``
filter links the first appearance of a term on a page to its entry (a link, not a tooltip:
it works with a keyboard, a screen reader and a touch screen). Regions' own text (the plan,
questions) is not touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from flask import g, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from consult.i18n import current_locale


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
    markup = text if isinstance(text, Markup) else escape(str(text))
    locale = current_locale()
    pattern, anchors, explained = _pattern(locale), _anchor_of(locale), _explained()

    def link(match: re.Match[str]) -> str:
        anchor = anchors[match.group(1).casefold()]
        if anchor in explained:
            return match.group(0)
        explained.add(anchor)
        href = escape(url_for("public.glossary_page") + "#" + anchor)
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
            continue
        if inside_link:
            out.append(piece)
            continue

        out.append(pattern.sub(link, piece))
    return Markup("".join(out))  # noqa: S704 - pieces of escaped Markup and escaped hrefs
