"""An official's work, across the consultations of every region they have a role in.

One list, so a region's team lands on what waits for them: comments without an answer
(against the day the region promised), answers waiting for a second pair of eyes, answered
consultations whose reactienota is still to be published, reports of visitors that a
moderator has not looked at, and comments sent without e-mail that wait for approval. A
fixed number of queries, however many consultations.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from consult.comments.models import Comment, CommentReport, Submission, SubmissionState
from consult.consultations.models import Consultation, ConsultationState
from consult.permissions import Actor
from consult.regions.models import Region
from consult.responses import queries
from consult.responses.models import Answer, AnsweredComment, AnswerState

# Consultations in which something can wait for the team.
WORKING_STATES = (
    ConsultationState.OPEN,
    ConsultationState.CLOSED,
    ConsultationState.ANSWERED,
)


@dataclass
class ConsultationTasks:
    consultation: Consultation
    status: queries.AnswerStatus
    drafts: list[Answer] = field(default_factory=list)
    approved: int = 0
    open_reports: int = 0
    # Sent without e-mail: waits for a moderator's approval before it counts.
    awaiting_approval: int = 0

    @property
    def report_to_publish(self) -> bool:
        """Every comment is answered: the reactienota is the next step."""
        return self.consultation.state is ConsultationState.ANSWERED

    @property
    def anything(self) -> bool:
        return bool(
            self.status.waiting
            or self.drafts
            or self.approved
            or self.open_reports
            or self.awaiting_approval
            or self.report_to_publish
        )


def region_ids_of(actor: Actor) -> set[int]:
    return {grant.region_id for grant in actor.region_roles}


def tasks_for(session: Session, actor: Actor) -> list[ConsultationTasks]:
    """What waits in the regions ``actor`` holds a role in, most urgent first: late
    answers, then the nearest promised day."""
    regions = region_ids_of(actor)
    if not regions:
        return []
    consultations = list(
        session.scalars(
            select(Consultation)
            .join(Region, Region.id == Consultation.region_id)
            .where(Consultation.region_id.in_(regions), Consultation.state.in_(WORKING_STATES))
            .options(joinedload(Consultation.region))
            .order_by(Consultation.closes_at, Consultation.id)
        )
    )
    if not consultations:
        return []
    ids = [c.id for c in consultations]
    status = queries.answer_status(session, consultations)
    drafts: dict[int, list[Answer]] = defaultdict(list)
    for answer in session.scalars(
        select(Answer)
        .where(Answer.consultation_id.in_(ids), Answer.state == AnswerState.DRAFT)
        .order_by(Answer.drafted_at, Answer.id)
        .options(selectinload(Answer.links).joinedload(AnsweredComment.comment))
    ):
        drafts[answer.consultation_id].append(answer)
    approved = dict(
        session.execute(
            select(Answer.consultation_id, func.count(Answer.id))
            .where(Answer.consultation_id.in_(ids), Answer.state == AnswerState.APPROVED)
            .group_by(Answer.consultation_id)
        ).all()
    )
    reports = dict(
        session.execute(
            select(Comment.consultation_id, func.count(func.distinct(CommentReport.comment_id)))
            .join(Comment, Comment.id == CommentReport.comment_id)
            .where(Comment.consultation_id.in_(ids), CommentReport.handled_at.is_(None))
            .group_by(Comment.consultation_id)
        ).all()
    )
    awaiting = dict(
        session.execute(
            select(Submission.consultation_id, func.count(Submission.id))
            .where(
                Submission.consultation_id.in_(ids),
                Submission.state == SubmissionState.AWAITING,
            )
            .group_by(Submission.consultation_id)
        ).all()
    )
    tasks = [
        ConsultationTasks(
            consultation=c,
            status=status[c.id],
            drafts=drafts.get(c.id, []),
            approved=approved.get(c.id, 0),
            open_reports=reports.get(c.id, 0),
            awaiting_approval=awaiting.get(c.id, 0),
        )
        for c in consultations
    ]
    tasks = [t for t in tasks if t.anything]
    tasks.sort(key=lambda t: (not t.status.overdue, t.status.due_on, t.consultation.id))
    return tasks
