"""Telling participants what was done with their comments, one email per submission.

(Interface fixed by the lead; the body is being written.)
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from consult import jobs
from consult.consultations.models import Consultation
from consult.jobs import Job, Progress

KIND = "answer-mails"
WORK = "consult.responses.notify:send_answer_mails"


def after_publication(session: Session, consultation: Consultation) -> Job:
    """Queue the mails for answers just published; start the job after the commit."""
    return jobs.create(session, KIND, f"consultation:{consultation.id}")


def send_answer_mails(session: Session, job: Job, progress: Progress) -> None:
    """Send every participant the answers they were not yet told about."""
    raise NotImplementedError
