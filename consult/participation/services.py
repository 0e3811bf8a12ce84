"""Who was reached, and the region's Lundy checklist: the participation page's services.

The reach figures are the ones the reactienota publishes (:mod:`consult.responses.
reactienota` calls :func:`reach_figures` and :func:`activity_figures` for its content), so
the participation page and the report can never disagree. Every count is a ``GROUP BY``;
nothing personal is selected: no names, no email addresses, no comment texts.

The Lundy statements may change until the first reactienota edition is published. That
edition holds a copy of them in its content (``lundy_checklist``), which never changes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from consult.comments import channels
from consult.comments.models import Comment, Submission, SubmissionState
from consult.consultations.models import (
    ActivityKind,
    ActivityParticipants,
    Consultation,
    ConsultationState,
    OfflineActivity,
)
from consult.db import utcnow
from consult.participation.models import (
    MAX_LINK_TITLE_LENGTH,
    MAX_LINK_URL_LENGTH,
    MAX_LINKS,
    MAX_STATEMENT_LENGTH,
    LundyElement,
    LundyStatement,
)
from consult.permissions import Actor
from consult.regions.models import Municipality
from consult.responses.queries import needs_answer_clause
from consult.stakeholders.models import AgeBand, StakeholderGroup


class ParticipationError(ValueError):
    """A statement the rules refuse; ``message`` is translated, for the official.

    ``field`` is ``"what_we_did"``, ``"links"`` (all of them), or ``"title"`` or ``"url"``
    of the link in ``row`` (counted from 0).
    """

    def __init__(self, message: str, field: str | None = None, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.row = row


# -- reach ---------------------------------------------------------------------------------------


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def reach_figures(session: Session, consultation_id: int, groups: dict[int, str]) -> dict[str, Any]:
    """Confirmed submissions and the comments that need an answer, per group, band, place.

    ``groups`` maps stakeholder group ids to codes, in the order the rows should have.
    Hidden comments count (moderation hides, it never removes); withdrawn ones do not.
    """
    confirmed = and_(
        Submission.consultation_id == consultation_id,
        Submission.state == SubmissionState.CONFIRMED,
    )
    answerable = and_(Comment.consultation_id == consultation_id, needs_answer_clause())

    def by(column: Any) -> tuple[dict[Any, int], dict[Any, int]]:
        submissions = dict(
            session.execute(
                select(column, func.count(Submission.id)).where(confirmed).group_by(column)
            ).all()
        )
        comments = dict(
            session.execute(
                select(column, func.count(Comment.id))
                .join(Submission, Submission.id == Comment.submission_id)
                .where(answerable)
                .group_by(column)
            ).all()
        )
        return submissions, comments

    group_submissions, group_comments = by(Submission.stakeholder_group_id)
    band_submissions, band_comments = by(Submission.age_band)
    place_submissions, place_comments = by(Submission.municipality_id)
    places = {
        row.id: row
        for row in session.execute(
            select(Municipality.id, Municipality.code, Municipality.name).where(
                Municipality.id.in_([i for i in place_submissions if i is not None])
            )
        )
    }
    by_place = sorted(
        (
            {
                "code": places[i].code,
                "name": places[i].name,
                "submissions": int(n),
                "comments": int(place_comments.get(i, 0)),
            }
            for i, n in place_submissions.items()
            if i is not None and i in places
        ),
        key=lambda row: (-row["submissions"], row["name"]),
    )
    organisations = (
        session.scalar(
            select(func.count(Submission.id)).where(
                confirmed,
                or_(
                    Submission.organisation_id.is_not(None),
                    Submission.organisation_name.is_not(None),
                ),
            )
        )
        or 0
    )
    return {
        "submissions": int(sum(group_submissions.values())),
        "comments": int(sum(group_comments.values())),
        "on_behalf_of_organisations": int(organisations),
        "by_group": [
            {
                "group": code,
                "submissions": int(group_submissions.get(gid, 0)),
                "comments": int(group_comments.get(gid, 0)),
            }
            for gid, code in groups.items()
            if group_submissions.get(gid)
        ],
        "by_age_band": [
            {
                "age_band": band.value,
                "submissions": int(band_submissions.get(band, 0)),
                "comments": int(band_comments.get(band, 0)),
            }
            for band in AgeBand
            if band_submissions.get(band)
        ],
        "by_municipality": by_place,
        "municipality_unknown": {
            "submissions": int(place_submissions.get(None, 0)),
            "comments": int(place_comments.get(None, 0)),
        },
    }


def activity_figures(session: Session, consultation_id: int) -> list[dict[str, Any]]:
    """The offline activities, oldest first, with participants per group and age band."""
    activities = session.execute(
        select(
            OfflineActivity.id,
            OfflineActivity.kind,
            OfflineActivity.held_on,
            OfflineActivity.place,
            OfflineActivity.summary,
        )
        .where(OfflineActivity.consultation_id == consultation_id)
        .order_by(OfflineActivity.held_on, OfflineActivity.id)
    ).all()
    participants: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for activity_id, code, band, count in session.execute(
        select(
            ActivityParticipants.activity_id,
            StakeholderGroup.code,
            ActivityParticipants.age_band,
            func.sum(ActivityParticipants.count),
        )
        .join(StakeholderGroup, StakeholderGroup.id == ActivityParticipants.stakeholder_group_id)
        .join(OfflineActivity, OfflineActivity.id == ActivityParticipants.activity_id)
        .where(OfflineActivity.consultation_id == consultation_id)
        .group_by(
            ActivityParticipants.activity_id,
            StakeholderGroup.code,
            StakeholderGroup.position,
            ActivityParticipants.age_band,
        )
        .order_by(
            ActivityParticipants.activity_id,
            StakeholderGroup.position,
            ActivityParticipants.age_band,
        )
    ):
        participants[activity_id].append({"group": code, "age_band": band, "count": int(count)})
    return [
        {
            "kind": kind.value,
            "held_on": _day(held_on),
            "place": place or "",
            "summary": summary or "",
            "participants": participants[activity_id],
            "total": sum(p["count"] for p in participants[activity_id]),
        }
        for activity_id, kind, held_on, place, summary in activities
    ]


@dataclass
class Reach:
    """What the participation page shows in figures: the same data as the reactienota's."""

    figures: dict[str, Any]
    activities: list[dict[str, Any]]
    # code -> StakeholderGroup, for the labels in the reader's language
    groups: dict[str, StakeholderGroup] = field(default_factory=dict)

    @property
    def offline_participants(self) -> int:
        return sum(a["total"] for a in self.activities)

    def group_label(self, code: str, locale: str) -> str:
        group = self.groups.get(code)
        return group.label_for(locale) if group is not None else code

    @staticmethod
    def age_band_label(code: str) -> str:
        return AgeBand(code).label

    @staticmethod
    def activity_label(kind: str) -> str:
        return ActivityKind(kind).label

    @staticmethod
    def day(value: str) -> date:
        """An activity's ``held_on`` (ISO, as in the reactienota) as a date, for the filters."""
        return date.fromisoformat(value)

    @staticmethod
    def share(part: int, whole: int) -> int:
        """A whole percentage, for the bars; the table gives the exact counts."""
        return (200 * part + whole) // (2 * whole) if whole else 0  # half up: 12.5 is 13

    def offline_by_group(self) -> list[tuple[str, int]]:
        """Participants of all activities per stakeholder group, in the platform's order."""
        totals: dict[str, int] = defaultdict(int)
        for activity in self.activities:
            for part in activity["participants"]:
                totals[part["group"]] += part["count"]
        return [(code, totals[code]) for code in self.groups if totals.get(code)]


@dataclass(frozen=True)
class ChannelCount:
    """Confirmed submissions that came in by one channel code (``?via=``)."""

    code: str
    submissions: int

    @property
    def is_listed(self) -> bool:
        return channels.is_listed(self.code)

    @property
    def label(self) -> str:
        return channels.label(self.code)


def channel_counts(session: Session, consultation: Consultation) -> list[ChannelCount]:
    """Confirmed submissions per channel code, most first: one ``GROUP BY``, codes only.

    Deliberately not combined with group, age band or municipality: a count per poster
    and per age band could point at one child in one school.
    """
    rows = session.execute(
        select(Submission.via_code, func.count(Submission.id))
        .where(
            Submission.consultation_id == consultation.id,
            Submission.state == SubmissionState.CONFIRMED,
            Submission.via_code.is_not(None),
        )
        .group_by(Submission.via_code)
    ).all()
    counts = [ChannelCount(str(code), int(n)) for code, n in rows]
    return sorted(counts, key=lambda c: (-c.submissions, c.code))


def public_channel_counts(counts: list[ChannelCount]) -> tuple[list[ChannelCount], int]:
    """What the public page shows: the listed channels one by one, and the region's own
    codes as one number (anyone can type a code into a link; its text stays off the page)."""
    listed = [c for c in counts if c.is_listed]
    own = sum(c.submissions for c in counts if not c.is_listed)
    return listed, own


def reach(session: Session, consultation: Consultation) -> Reach:
    """Counts per stakeholder group, age band and municipality, and the offline activities.

    A fixed number of queries, whatever the number of submissions.
    """
    groups = list(
        session.scalars(
            select(StakeholderGroup).order_by(StakeholderGroup.position, StakeholderGroup.id)
        )
    )
    codes = {g.id: g.code for g in groups}
    return Reach(
        figures=reach_figures(session, consultation.id, codes),
        activities=activity_figures(session, consultation.id),
        groups={g.code: g for g in groups},
    )


# -- the Lundy checklist -------------------------------------------------------------------------


def statements(session: Session, consultation: Consultation) -> dict[LundyElement, LundyStatement]:
    """The consultation's statements by element (elements not filled in are missing)."""
    return {
        s.element: s
        for s in session.scalars(
            select(LundyStatement).where(LundyStatement.consultation_id == consultation.id)
        )
    }


def checklist(session: Session, consultation: Consultation) -> list[dict[str, Any]]:
    """The four elements in order, as the reactienota's ``lundy_checklist`` holds them.

    An element without a statement has an empty ``what_we_did`` and no links.
    """
    found = statements(session, consultation)
    entries = []
    for element in LundyElement:
        statement = found.get(element)
        entries.append(
            {
                "element": element.value,
                "label": element.english,
                "what_we_did": statement.what_we_did if statement else "",
                "links": [
                    {"title": str(link["title"]), "url": str(link["url"])}
                    for link in (statement.evidence_links if statement else [])
                ],
            }
        )
    return entries


def is_frozen(consultation: Consultation) -> bool:
    """True once a reactienota edition is published: the statements are in it now.

    The first edition is published only from ``answered`` and moves the consultation to
    ``report_published``, which it never leaves; so the state says it.
    """
    return consultation.state is ConsultationState.REPORT_PUBLISHED


def _has_control_characters(value: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in value)


def checked_link(title: str, url: str, row: int) -> dict[str, str]:
    """One evidence link, or a ParticipationError that says what to change in the row."""
    title, url = title.strip(), url.strip()
    if not url:
        raise ParticipationError(_("Fill in the web address of this link."), "url", row)
    if not title:
        raise ParticipationError(
            _("Give this link a short text, so readers know what it shows."), "title", row
        )
    if len(title) > MAX_LINK_TITLE_LENGTH:
        raise ParticipationError(
            _("Keep the link text under %(num)d characters.", num=MAX_LINK_TITLE_LENGTH),
            "title",
            row,
        )
    if len(url) > MAX_LINK_URL_LENGTH:
        raise ParticipationError(
            _(
                "This web address is too long (at most %(num)d characters).",
                num=MAX_LINK_URL_LENGTH,
            ),
            "url",
            row,
        )
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts, hostname = None, None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not hostname
        or parts.username is not None
        or any(ch.isspace() for ch in url)
        or _has_control_characters(url)
    ):
        raise ParticipationError(
            _("Give a full web address that starts with https:// or http://."), "url", row
        )
    return {"title": title, "url": url}


def statement_problems(
    what_we_did: str, links: list[tuple[str, str]]
) -> tuple[str, list[dict[str, str]], list[ParticipationError]]:
    """The text and links as they would be stored (empty rows dropped), and every problem.

    Problems: too long a text, a link without text or address, an address that is not
    http(s) (``javascript:``, ``data:``, ``file:``), more than ten links, links without a
    text saying what was done.
    """
    problems: list[ParticipationError] = []
    text = (what_we_did or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_STATEMENT_LENGTH:
        problems.append(
            ParticipationError(
                _(
                    "Keep the text under %(num)d characters; it has %(count)d now.",
                    num=MAX_STATEMENT_LENGTH,
                    count=len(text),
                ),
                "what_we_did",
            )
        )
    elif _has_control_characters(text.replace("\n", "").replace("\t", "")):
        problems.append(
            ParticipationError(_("The text holds characters that cannot be shown."), "what_we_did")
        )
    checked = []
    filled_rows = 0
    for row, (title, url) in enumerate(links):
        if not (title or "").strip() and not (url or "").strip():
            continue
        filled_rows += 1
        try:
            checked.append(checked_link(title or "", url or "", row))
        except ParticipationError as problem:
            problems.append(problem)
    if filled_rows > MAX_LINKS:
        problems.append(ParticipationError(_("Add at most %(num)d links.", num=MAX_LINKS), "links"))
    if filled_rows and not text:
        problems.append(
            ParticipationError(
                _("Say what you did; the links are the evidence for it."), "what_we_did"
            )
        )
    return text, checked, problems


def checked_statement(
    what_we_did: str, links: list[tuple[str, str]]
) -> tuple[str, list[dict[str, str]]]:
    """The text and links as they are stored; raises the first of :func:`statement_problems`."""
    text, checked, problems = statement_problems(what_we_did, links)
    if problems:
        raise problems[0]
    return text, checked


def save_statement(
    session: Session,
    actor: Actor | None,
    consultation: Consultation,
    element: LundyElement,
    what_we_did: str,
    links: list[tuple[str, str]],
) -> LundyStatement | None:
    """Write the region's statement on one element; an empty text clears the element.

    Refused once a reactienota edition is published: the published statements are part of
    that edition, and a correction would be a new edition with its own note.
    """
    if is_frozen(consultation):
        raise ParticipationError(
            _(
                "The reactienota is published with this checklist in it. The checklist can no "
                "longer change."
            )
        )
    text, checked = checked_statement(what_we_did, links)
    statement = session.scalar(
        select(LundyStatement).where(
            LundyStatement.consultation_id == consultation.id,
            LundyStatement.element == element,
        )
    )
    if not text:
        if statement is not None:
            session.delete(statement)
            session.flush()
        return None
    if statement is None:
        statement = LundyStatement(consultation_id=consultation.id, element=element)
        session.add(statement)
    elif statement.what_we_did == text and statement.evidence_links == checked:
        return statement
    statement.what_we_did = text
    statement.evidence_links = checked
    statement.updated_at = utcnow()
    statement.updated_by_id = getattr(actor, "id", None)
    session.flush()
    return statement


def empty_elements(session: Session, consultation: Consultation) -> list[LundyElement]:
    """The elements the region has not filled in yet, in order (one query)."""
    filled = set(
        session.scalars(
            select(LundyStatement.element).where(LundyStatement.consultation_id == consultation.id)
        )
    )
    return [element for element in LundyElement if element not in filled]


# -- demo data -----------------------------------------------------------------------------------


DEMO_STATEMENTS = {
    LundyElement.SPACE: (
        "We hielden twee sessies op het vmbo en één in het jongerencentrum, in gewone "
        "taal en zonder dat iemand zijn naam hoefde te geven. De jongerenwerker was erbij.",
        [("Verslag sessie vmbo (pdf)", "https://example.org/regio/verslag-sessie-vmbo")],
    ),
    LundyElement.VOICE: (
        "Jongeren konden tekenen, praten of schrijven. Een ervaringsdeskundige hielp "
        "bij de vragen, en het reactieformulier heeft een versie in eenvoudige taal.",
        [("Vragen in eenvoudige taal", "https://example.org/regio/vragen-eenvoudig")],
    ),
    LundyElement.AUDIENCE: (
        "De wethouder jeugd van de centrumgemeente was bij de sessie in het "
        "jongerencentrum en las alle reacties van jongeren voor het regionaal overleg.",
        [],
    ),
    LundyElement.INFLUENCE: (
        "Twee onderdelen van de regiovisie zijn aangepast na reacties van jongeren. "
        "Iedereen die een code heeft, kan het antwoord op de eigen reactie opzoeken.",
        [("Nieuwsbrief aan de deelnemers", "https://example.org/regio/nieuwsbrief")],
    ),
}


def demo_lundy_statements(session: Session, consultation: Consultation, official: Any) -> None:
    """Fill in the four elements for the demo's closed consultation (seeds call this)."""
    for element, (text, links) in DEMO_STATEMENTS.items():
        save_statement(session, official, consultation, element, text, links)
