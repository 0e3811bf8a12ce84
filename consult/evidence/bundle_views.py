"""The evidence bundle download: a page per consultation that makes the bundle in the
background and offers the finished zip.

Why a job and not the request: a bundle holds an inclusion proof per event, and for a
consultation of 100,000 events that is minutes of work, past any proxy's timeout; a job
shows its progress on a page that updates itself (live-refresh.js; a link without script)
and leaves a file that the next visitor can download at once. The demo consultation's
bundle takes well under a second, so with the inline runner (tests) or a thread
(development) the page shows the finished bundle right away.

The consultation is loaded by its public slug; the policy (``consultation:record:export``)
decides, and a draft is a 404 to everyone outside its region.

Once a consultation has closed, anyone can download its *public* bundle
(``/consultaties/<slug>/bewijsbundel/openbaar.zip``, no login): the same record and proofs,
with the openings of the commitments to a sender's group, age band and municipality only
where a comment of theirs is public, and old-format arrivals of the others as hashes only
(:func:`consult.evidence.bundle.build`). It is made by the same job, once per change of the
consultation's chain, and served from the store; a request while it is being made gets a
503 with ``Retry-After``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from consult import jobs
from consult.consultations.models import AFTER_CLOSING, Consultation, ConsultationState
from consult.consultations.services import public_consultation
from consult.evidence import bundle
from consult.extensions import db, limiter
from consult.forms import ConfirmForm
from consult.jobs import Job, JobState
from consult.ledger import checkpoints
from consult.permissions import Permission, allowed, authorize

log = logging.getLogger(__name__)

bp = Blueprint("record_bundle", __name__)

PAGE = "/consultaties/<slug>/bewijsbundel"
REFRESH_SECONDS = 3

# Public downloads: a served file is cheap, but an out-of-date one starts a job.
public_limit = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_PUBLIC_BUNDLE", "30 per hour"),
    scope="record-bundle-public",
)

make_limit = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_RECORD_BUNDLE", "10 per hour"),
    methods=["POST"],
    scope="record-bundle",
)


def _consultation(slug: str) -> Consultation:
    consultation = public_consultation(db.session, slug)
    if consultation is None:
        abort(404)
    authorize(
        current_user,
        Permission.CONSULTATION_RECORD_EXPORT,
        consultation,
        hide=consultation.state is ConsultationState.DRAFT,
    )
    return consultation


def _working(job: Job | None) -> bool:
    return (
        job is not None
        and job.state in (JobState.QUEUED, JobState.RUNNING)
        and not jobs.is_stale(job)
    )


@bp.app_template_global()
def record_bundle_url(consultation: Consultation) -> str | None:
    """The bundle page, for those who may download it (for links on other pages)."""
    if not allowed(current_user, Permission.CONSULTATION_RECORD_EXPORT, consultation):
        return None
    return url_for("record_bundle.page", slug=consultation.slug)


@bp.get(PAGE)
def page(slug: str) -> str:
    consultation = _consultation(slug)
    job = bundle.latest_job(db.session, consultation)
    working = _working(job)
    summary = None
    if job is not None and job.state is JobState.DONE:
        summary = bundle.stored_summary(job)
    if summary is not None:
        made_at = datetime.fromisoformat(summary["created_at"].replace("Z", "+00:00"))
        summary = {**summary, "created": made_at}
    latest = checkpoints.latest(db.session)
    return render_template(
        "evidence/bundle.html",
        consultation=consultation,
        job=job,
        working=working,
        failed=job is not None and (job.state is JobState.FAILED or jobs.is_stale(job)),
        step=bundle.step_text(job) if job is not None else "",
        summary=summary,
        grown=summary is not None
        and latest is not None
        and latest.tree_size > summary["tree_size"],
        refresh=REFRESH_SECONDS if working else None,
        form=ConfirmForm(),
    )


@bp.post(PAGE)
@make_limit
def make(slug: str) -> Response:
    consultation = _consultation(slug)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if not _working(bundle.latest_job(db.session, consultation)):
        bundle.start_job(db.session, consultation)
        db.session.commit()
        if jobs.not_started(db.session):
            flash(_("The bundle could not be started. Try again in a moment."), "warning")
    return redirect(url_for("record_bundle.page", slug=consultation.slug), code=303)


@bp.app_template_global()
def public_record_bundle_url(consultation: Consultation) -> str | None:
    """The public bundle of a closed consultation, for everyone."""
    if consultation.state not in AFTER_CLOSING:
        return None
    return url_for("record_bundle.public_download", slug=consultation.slug)


@bp.get(PAGE + "/openbaar.zip")
@public_limit
def public_download(slug: str) -> Response:
    """The public bundle of a closed consultation: no login; made by a job when there is
    none yet or the consultation's chain grew since (served from the store otherwise)."""
    consultation = public_consultation(db.session, slug)
    if consultation is None or consultation.state not in AFTER_CLOSING:
        abort(404)
    job = bundle.latest_job(db.session, consultation, public=True)
    summary = _current_summary(consultation, job)
    if summary is None and not _working(job):
        bundle.start_job(db.session, consultation, public=True)
        db.session.commit()  # the job starts now (and with the inline runner, ends)
        job = bundle.latest_job(db.session, consultation, public=True)
        summary = _current_summary(consultation, job)
    if summary is None or job is None:
        response = current_app.make_response(
            (
                _("The public evidence bundle is being made. Try again in a minute."),
                503,
                {"Retry-After": "30", "Cache-Control": "no-store"},
            )
        )
        response.mimetype = "text/plain"
        return response
    response = send_file(
        bundle.stored_file(job),
        mimetype="application/zip",
        as_attachment=True,
        download_name=summary["file_name"],
        max_age=0,
    )
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _current_summary(consultation: Consultation, job: Job | None) -> dict[str, Any] | None:
    if job is None or job.state is not JobState.DONE:
        return None
    summary = bundle.stored_summary(job)
    if summary is None or not bundle.is_current(db.session, consultation, summary):
        return None
    return summary


@bp.get(PAGE + "/<int:job_id>.zip")
def download(slug: str, job_id: int) -> Response:
    consultation = _consultation(slug)
    job = db.session.get(Job, job_id)
    # The job must be this consultation's bundle: an id of another is a 404, not its file.
    if (
        job is None
        or job.kind != bundle.JOB_KIND
        or job.subject != bundle.job_subject(consultation)
        or job.state is not JobState.DONE
    ):
        abort(404)
    summary = bundle.stored_summary(job)
    if summary is None:
        abort(404)
    return send_file(
        bundle.stored_file(job),
        mimetype="application/zip",
        as_attachment=True,
        download_name=summary["file_name"],
        max_age=0,
    )
