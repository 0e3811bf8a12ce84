"""Offline activities: meetings, school sessions and interviews that fed into a consultation.

They are part of "who was reached" in the evidence record, so an activity can be removed
only while the consultation has not closed; after closing, the counts are what the
region reports on and they stay. Registering writes ``activity_registered`` to the
consultation's chain (counts per stakeholder group and age band; the place, the summary
and the files only as SHA-256 hashes), removing writes ``activity_removed``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from consult.consultations.lifecycle import ConsultationError, today_in_amsterdam
from consult.consultations.models import (
    ActivityKind,
    ActivityParticipants,
    Consultation,
    OfflineActivity,
)
from consult.db import utcnow
from consult.files.models import Attachment
from consult.files.uploads import MAX_FILES, CheckedFile
from consult.ledger import services as record
from consult.ledger.actors import role_in_region
from consult.ledger.models import ActorRole, EventKind
from consult.permissions import Actor
from consult.stakeholders.models import AgeBand, StakeholderGroup

MAX_ATTACHMENTS = MAX_FILES


@dataclass
class ActivityDetails:
    kind: ActivityKind
    held_on: date
    place: str
    summary: str
    # (stakeholder group id, age band or None) -> number of people
    participants: dict[tuple[int, AgeBand | None], int]
    attachments: list[CheckedFile] = field(default_factory=list)


def text_hash(text: str) -> str:
    """SHA-256 (hex) of a free text as stored: the record binds it without holding it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def activity_object_id(activity: OfflineActivity) -> str:
    return f"activity:{activity.id}"


def register_activity(
    session: Session,
    actor: Actor | None,
    consultation: Consultation,
    details: ActivityDetails,
    now: datetime | None = None,
) -> OfflineActivity:
    """Record an activity with its participant counts and (checked) attachments."""
    now = now or utcnow()
    if details.held_on > today_in_amsterdam(now):
        raise ConsultationError(
            _l("The date cannot be in the future. Register an activity after it took place."),
            field="held_on",
        )
    counts = {key: n for key, n in details.participants.items() if n}
    if any(n < 0 for n in counts.values()):
        raise ConsultationError(_l("A number of people cannot be negative."), field="participants")
    if not counts:
        raise ConsultationError(
            _l("Fill in how many people took part: at least one person in total."),
            field="participants",
        )
    groups = {
        g.id: g
        for g in session.scalars(
            select(StakeholderGroup).where(StakeholderGroup.id.in_({k[0] for k in counts}))
        )
    }
    for group_id, band in counts:
        group = groups.get(group_id)
        if group is None or (band is not None and not group.asks_age_band):
            raise ConsultationError(_l("Choose groups from the list."), field="participants")
    if len(details.attachments) > MAX_ATTACHMENTS:
        raise ConsultationError(
            _l("Add at most %(max)d files.", max=MAX_ATTACHMENTS), field="attachments"
        )
    activity = OfflineActivity(
        consultation_id=consultation.id,
        kind=details.kind,
        held_on=details.held_on,
        place=details.place.strip(),
        summary=details.summary.strip(),
        created_by_id=getattr(actor, "id", None),
        created_at=now,
    )
    for (group_id, band), number in sorted(
        counts.items(), key=lambda item: (item[0][0], item[0][1].value if item[0][1] else "")
    ):
        activity.participants.append(
            ActivityParticipants(
                stakeholder_group_id=group_id,
                age_band=band.value if band else None,
                count=number,
            )
        )
    session.add(activity)
    session.flush()
    for checked in details.attachments:
        session.add(
            Attachment(
                activity_id=activity.id,
                filename=checked.filename,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                data=checked.data,
            )
        )
    session.flush()
    record.append(
        session,
        kind=EventKind.ACTIVITY_REGISTERED,
        consultation=consultation,
        object_type="activity",
        object_id=activity_object_id(activity),
        actor_role=role_in_region(actor, consultation.region_id, prefer=ActorRole.OFFICIAL),
        payload={
            "kind": activity.kind.value,
            "held_on": activity.held_on.isoformat(),
            "participants": [
                {
                    "group": groups[p.stakeholder_group_id].code,
                    "age_band": p.age_band,
                    "count": p.count,
                }
                for p in activity.participants
            ],
            "total": sum(p.count for p in activity.participants),
            "place_hash": text_hash(activity.place),
            "summary_hash": text_hash(activity.summary),
            "attachments": [checked.sha256 for checked in details.attachments],
        },
        occurred_at=now,
    )
    return activity


def consultation_activity(
    session: Session, consultation: Consultation, activity_id: int
) -> OfflineActivity | None:
    return session.scalar(
        select(OfflineActivity).where(
            OfflineActivity.id == activity_id,
            OfflineActivity.consultation_id == consultation.id,
        )
    )


def may_remove_activities(consultation: Consultation) -> bool:
    return not consultation.has_closed


def remove_activity(
    session: Session,
    consultation: Consultation,
    activity: OfflineActivity,
    actor: Actor | None = None,
    now: datetime | None = None,
) -> None:
    """Remove a mistaken entry; only before closing, when the counts become the record.

    The rows go; the record keeps both the registration and, after it, this removal."""
    if activity.consultation_id != consultation.id:
        raise ConsultationError(_l("This activity belongs to another consultation."))
    if not may_remove_activities(consultation):
        raise ConsultationError(
            _l(
                "This consultation has closed. Its activities are part of the record now "
                "and cannot be removed."
            )
        )
    object_id = activity_object_id(activity)
    payload = {
        "kind": activity.kind.value,
        "held_on": activity.held_on.isoformat(),
        "total": sum(p.count for p in activity.participants),
    }
    for attachment in session.scalars(
        select(Attachment).where(Attachment.activity_id == activity.id)
    ):
        session.delete(attachment)
    session.flush()
    session.delete(activity)
    session.flush()
    record.append(
        session,
        kind=EventKind.ACTIVITY_REMOVED,
        consultation=consultation,
        object_type="activity",
        object_id=object_id,
        actor_role=role_in_region(actor, consultation.region_id, prefer=ActorRole.OFFICIAL),
        payload=payload,
        occurred_at=now or utcnow(),
    )


# -- for the pages ----------------------------------------------------------------------------


@dataclass
class GroupCount:
    group: StakeholderGroup
    count: int
    # age band value -> count, for groups that ask it (young people)
    by_age_band: dict[str, int] = field(default_factory=dict)

    def age_bands(self) -> list[tuple[AgeBand, int]]:
        return [
            (band, self.by_age_band[band.value])
            for band in AgeBand
            if band.value in self.by_age_band
        ]


@dataclass
class AttachmentInfo:
    id: int
    filename: str
    content_type: str
    size: int


@dataclass
class ActivitySummary:
    activity: OfflineActivity
    groups: list[GroupCount] = field(default_factory=list)
    attachments: list[AttachmentInfo] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)


def activities_for_public(session: Session, consultation: Consultation) -> list[ActivitySummary]:
    """The consultation's activities, newest first, with totals per group: two queries.

    One query reads the activities with their attachments' names (not their bytes); one
    sums the participants per activity, group and age band in SQL
    (:func:`participant_totals`)."""
    rows = activity_rows(session, consultation)
    if not rows:
        return []
    totals = session.execute(
        select(
            ActivityParticipants.activity_id,
            StakeholderGroup,
            ActivityParticipants.age_band,
            func.sum(ActivityParticipants.count),
        )
        .join(StakeholderGroup, StakeholderGroup.id == ActivityParticipants.stakeholder_group_id)
        .join(OfflineActivity, OfflineActivity.id == ActivityParticipants.activity_id)
        .where(OfflineActivity.consultation_id == consultation.id)
        .group_by(
            ActivityParticipants.activity_id, StakeholderGroup.id, ActivityParticipants.age_band
        )
        .order_by(ActivityParticipants.activity_id, StakeholderGroup.position, StakeholderGroup.id)
    ).all()
    return summarise_activities(rows, totals)


def activity_rows(session: Session, consultation: Consultation) -> list[Any]:
    """The consultation's activities, newest first, each with its attachments' names (one
    row per attachment, or one with ``None`` for an activity without): one query."""
    return list(
        session.execute(
            select(
                OfflineActivity,
                Attachment.id,
                Attachment.filename,
                Attachment.content_type,
                Attachment.size,
            )
            .outerjoin(Attachment, Attachment.activity_id == OfflineActivity.id)
            .where(OfflineActivity.consultation_id == consultation.id)
            .order_by(OfflineActivity.held_on.desc(), OfflineActivity.id.desc(), Attachment.id)
        ).all()
    )


def participant_totals(consultation: Consultation) -> Select[Any]:
    """(activity id, stakeholder group id, age band, people) of the consultation's
    activities, summed in SQL: for a caller that reads it with other counts at once."""
    return (
        select(
            ActivityParticipants.activity_id,
            ActivityParticipants.stakeholder_group_id,
            ActivityParticipants.age_band,
            func.sum(ActivityParticipants.count),
        )
        .join(OfflineActivity, OfflineActivity.id == ActivityParticipants.activity_id)
        .where(OfflineActivity.consultation_id == consultation.id)
        .group_by(
            ActivityParticipants.activity_id,
            ActivityParticipants.stakeholder_group_id,
            ActivityParticipants.age_band,
        )
    )


def summarise_activities(
    rows: Iterable[Any], totals: Iterable[tuple[int, Any, str | None, int]]
) -> list[ActivitySummary]:
    """:func:`activity_rows` with ``totals`` (activity id, group, age band, people; in the
    order the groups are shown) as summaries, newest first."""
    summaries: dict[int, ActivitySummary] = {}
    for activity, attachment_id, filename, content_type, size in rows:
        summary = summaries.setdefault(activity.id, ActivitySummary(activity))
        if attachment_id is not None:
            summary.attachments.append(AttachmentInfo(attachment_id, filename, content_type, size))
    per_activity: dict[int, dict[int, GroupCount]] = defaultdict(dict)
    for activity_id, group, band, number in totals:
        counts = per_activity[activity_id]
        entry = counts.setdefault(group.id, GroupCount(group, 0))
        entry.count += int(number)
        if band is not None:
            entry.by_age_band[band] = entry.by_age_band.get(band, 0) + int(number)
    for activity_id, summary in summaries.items():
        summary.groups = list(per_activity.get(activity_id, {}).values())
    return list(summaries.values())


def activity_attachment(
    session: Session, consultation: Consultation, attachment_id: int
) -> Attachment | None:
    """An attachment of one of this consultation's activities (None for any other id)."""
    return session.scalar(
        select(Attachment)
        .join(OfflineActivity, OfflineActivity.id == Attachment.activity_id)
        .where(Attachment.id == attachment_id, OfflineActivity.consultation_id == consultation.id)
    )
