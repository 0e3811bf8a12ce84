"""Each public resource as the API shows it: every field listed by hand, nothing more.

Deny by default: no ``__dict__``, no model dumps. A column added to a model stays private
until someone adds it here (and to the resource's schema in :mod:`consult.api.spec`, whose
``additionalProperties: false`` a test checks every response against).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from consult.comments import services as comment_services
from consult.comments.models import Comment
from consult.consultations.council import CouncilProgress
from consult.consultations.models import Consultation, CouncilDecision
from consult.documents.models import DocumentVersion, Section
from consult.public.answers import PublicAnswer
from consult.regions.models import Municipality, Region
from consult.responses.models import Answer
from consult.responses.queries import AnswerStatus
from consult.stakeholders.models import StakeholderGroup


def moment(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with ``Z``, to the second."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def municipality(item: Municipality) -> dict[str, Any]:
    return {"code": item.code, "name": item.name, "province": item.province}


def region(item: Region, municipalities: list[Municipality]) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.name,
        "provinces": [p.strip() for p in item.provinces.split(";") if p.strip()],
        "valid_from": day(item.valid_from),
        "valid_to": day(item.valid_to),
        "municipalities": [municipality(m) for m in municipalities],
    }


def stakeholder_group(item: StakeholderGroup) -> dict[str, Any]:
    return {"code": item.code, "label_nl": item.label_nl, "label_en": item.label_en}


def council_decision(item: CouncilDecision) -> dict[str, Any]:
    return {
        "municipality": {"code": item.municipality.code, "name": item.municipality.name},
        "decided_on": day(item.decided_on),
        "outcome": item.outcome.value,
        "url": item.url,
        "recorded_at": moment(item.recorded_at),
        "corrections": item.corrections,
    }


def consultation(
    item: Consultation,
    html_url: str,
    status: AnswerStatus,
    council: CouncilProgress,
    decisions: list[CouncilDecision],
) -> dict[str, Any]:
    """A consultation with its promise: the day every comment has its answer, and whether
    that day passed while comments still wait (``days_overdue`` then says how long); and
    what the member municipalities' councils decided on the regiovisie."""
    return {
        "slug": item.slug,
        "title": item.title,
        "introduction": item.introduction,
        "region": item.region.code,
        "state": item.state.value,
        "opens_at": moment(item.opens_at),
        "closes_at": moment(item.closes_at),
        "document_title": item.version.document.title,
        "consulted_version": item.version.number,
        "answers_due_on": day(status.due_on),
        "comments_to_answer": status.comments,
        "comments_answered": status.answered,
        "answers_overdue": status.overdue,
        "days_overdue": status.days_overdue,
        "council_members": council.members,
        "councils_adopted": council.adopted,
        "council_decisions": [council_decision(d) for d in decisions],
        "html_url": html_url,
    }


def section(item: Section) -> dict[str, Any]:
    return {
        "anchor": item.anchor,
        "number": item.number,
        "heading": item.heading,
        "level": item.level,
        "body_html": item.body_html,
        "paragraphs": list(item.paragraph_anchors or []),
    }


def version(item: DocumentVersion, consulted: DocumentVersion) -> dict[str, Any]:
    return {
        "number": item.number,
        "consulted": item.id == consulted.id,
        "change_note": item.change_note,
        "locked_at": moment(item.locked_at),
        "content_hash": item.content_hash,
        "sections": [section(s) for s in item.sections],
    }


def comment_answer(entry: PublicAnswer | None, change_urls: list[str | None]) -> Any:
    """A comment's current published answer (None: none yet), as the public pages show it.

    ``change_urls`` holds, per changed section, the public diff that shows the change (None
    while that version is not published)."""
    if entry is None:
        return None
    return {
        "id": entry.answer.id,
        "disposition": entry.disposition.value,
        "reason": entry.answer.reason,
        "answered_on": day(entry.answered_on),
        "group_size": entry.group_size,
        "changes": [
            {"section": change.anchor, "version": change.version, "url": url}
            for change, url in zip(entry.changes, change_urls, strict=True)
        ],
    }


def comment(item: Comment, answer: Any = None) -> dict[str, Any]:
    """A published comment: its text, who spoke (as a group), never an email or a code;
    with its current published answer (:func:`comment_answer`).

    The name only as :func:`consult.comments.services.public_name` allows it (consent,
    16 or older, not erased), the same as the public page.
    """
    sender = item.submission
    if sender.organisation is not None:
        organisation: dict[str, Any] | None = {
            "name": sender.organisation.name,
            "verified": bool(sender.organisation_verified),
        }
    elif sender.organisation_name:
        organisation = {"name": sender.organisation_name, "verified": False}
    else:
        organisation = None
    return {
        "id": item.id,
        "section": item.section.anchor if item.section is not None else None,
        "paragraph": item.paragraph,
        "text": item.body,
        "created_at": moment(item.created_at),
        "stakeholder_group": sender.stakeholder_group.code,
        "age_band": sender.age_band.value if sender.age_band is not None else None,
        "municipality": (
            {"code": sender.municipality.code, "name": sender.municipality.name}
            if sender.municipality is not None
            else None
        ),
        "organisation": organisation,
        "name": comment_services.public_name(sender),
        "answer": answer,
    }


def answer(item: Answer, public_comment_ids: list[int]) -> dict[str, Any]:
    """A published answer; ``comments`` lists only the published comments it answers."""
    return {
        "id": item.id,
        "disposition": item.disposition.value,
        "reason": item.reason,
        "published_at": moment(item.published_at),
        "current": item.superseded_at is None,
        "superseded_at": moment(item.superseded_at),
        "supersedes": item.supersedes_id,
        "correction_note": item.correction_note,
        "comments": public_comment_ids,
    }


def checkpoint(facts: dict[str, Any]) -> dict[str, Any]:
    """From :func:`consult.ledger.proofs.checkpoint_facts`, field by field."""
    return {
        "id": facts["id"],
        "origin": facts["origin"],
        "tree_size": facts["tree_size"],
        "root_hash": facts["root_hash"],
        "made_at": facts["made_at"],
        "reason": facts["reason"],
        "key_id": facts["key_id"],
        "signature": facts["signature"],
        "signature_valid": bool(facts["signature_valid"]),
        "note": facts["note"],
    }


def inclusion(proof: dict[str, Any]) -> dict[str, Any]:
    """From :func:`consult.ledger.proofs.inclusion`, without the event's body and bytes.

    The body of a ``submission_received`` event holds the submission's tracking code, the
    participant's key to their status page; only the receipt (which the participant holds)
    serves those bytes. The leaf hash and the audit path are enough to check the leaf is in
    the signed tree.
    """
    event = proof["event"]
    included = proof.get("inclusion") or {}
    return {
        "leaf_index": event["leaf_index"],
        "kind": event["kind"],
        "leaf_hash": event["leaf_hash"],
        "status": proof["status"],
        "tree_size": included.get("tree_size"),
        "audit_path": list(included.get("audit_path", [])),
        "checkpoint": checkpoint(proof["checkpoint"]) if proof.get("checkpoint") else None,
        "expected_by": proof.get("expected_by"),
        "verified": bool(proof["verified"]),
    }


def _share(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def region_statistics(row: Any) -> dict[str, Any]:
    """One :class:`consult.monitoring.statistics.RegionRow`: counts only, no content."""
    summary = row.consultation
    return {
        "region": row.code,
        "name": row.name,
        "provinces": list(row.provinces),
        "consultation": (
            {
                "slug": summary.slug,
                "title": summary.title,
                "state": summary.state.value,
                "opens_at": moment(summary.opens_at),
                "closes_at": moment(summary.closes_at),
                "closed_at": moment(summary.closed_at),
            }
            if summary is not None
            else None
        ),
        "days_left": row.days_left,
        "submissions": row.submissions,
        "comments": row.comments,
        "answered": row.answered,
        "share_answered": _share(row.share_answered),
        "median_days_to_answers": _share(row.median_days_to_answers, 1),
        "share_adopted": _share(row.share_adopted),
        "reactienota_published": bool(row.report_published),
        "groups": [
            {
                "code": figures.group.code,
                "submissions": figures.submissions,
                "comments": figures.comments,
                "answered": figures.answered,
                "adopted": figures.adopted,
                "share_adopted": _share(figures.share_adopted),
            }
            for figures in row.groups
        ],
    }
