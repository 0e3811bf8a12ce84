"""The one write of the API: a verified organisation sends a submission it collected offline.

There is no second path that could differ from the web form: the JSON body is turned into
the web form's own fields and checked by the same :class:`~consult.comments.forms.
SubmissionForm` (groups, age band, the region's municipalities, sections, lengths, at most
three comments, the questionnaire), and stored by the same
:func:`consult.comments.services.submit` (the same privacy rules: under 16 no organisation
and no name; the same record events). What the API fixes itself:

- the organisation is always the token's: no field of the body can name one;
- no email address and no name: the submission is confirmed on arrival, because the
  organisation vouches for it (``submission_confirmed`` by ``api_token``), and its
  ``submission_received`` event names the channel (``api``) and the token's prefix;
- the ``Idempotency-Key`` header is turned into the form's key with an HMAC under the
  app's secret and the organisation's id, so one organisation's keys can never meet
  another's (or a web form's); a retry returns the first receipt, a reuse of the key with
  another body is refused (422, as the IETF Idempotency-Key draft advises).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from consult.api.problems import ApiError
from consult.comments import forms as comment_forms
from consult.comments import services as comment_services
from consult.comments.models import Submission
from consult.consultations import lifecycle
from consult.consultations import services as consultation_services
from consult.consultations.models import Consultation, ConsultationState
from consult.i18n import current_locale
from consult.ledger import proofs
from consult.ledger.canonical import moment
from consult.organisations import tokens
from consult.organisations.models import ApiSubmission, ApiToken
from consult.permissions import Permission, allowed
from consult.regions.services import members_on
from consult.stakeholders import services as stakeholders

SCOPE = tokens.SUBMISSION_CREATE
BODY_FIELDS = {
    "stakeholder_group",
    "age_band",
    "municipality",
    "comments",
    "answers",
    "publish_text",
    "collected",
}
MAX_COLLECTED = 200


@dataclass
class Written:
    body: dict[str, Any]
    status: int
    headers: dict[str, str] = field(default_factory=dict)


class Invalid(ApiError):
    """422 with the fields that are wrong."""

    def __init__(self, errors: list[tuple[str, str]], detail: str = "") -> None:
        super().__init__(422, detail or _("The submission is not valid. See errors."))
        self.errors = errors


# -- the body ---------------------------------------------------------------------------------


def _nul_paths(value: Any, path: str = "") -> list[str]:
    """Where a text holds a NUL character: never typed, and PostgreSQL cannot store it."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _nul_paths(item, _join(path, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _nul_paths(item, f"{path}[{index}]")]
    return []


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _shape_errors(body: Any) -> list[tuple[str, str]]:
    """What the JSON itself gets wrong (types, unknown fields); the form checks the rest."""
    if not isinstance(body, dict):
        return [("", _("The body must be a JSON object."))]
    errors: list[tuple[str, str]] = [
        (path, _("This text holds a NUL character (\\u0000), which cannot be stored."))
        for path in _nul_paths(body)
    ]
    for name in sorted(set(body) - BODY_FIELDS):
        errors.append((name, _("This field is unknown.")))
    if not isinstance(body.get("stakeholder_group"), str):
        errors.append(("stakeholder_group", _("Give the code of a stakeholder group.")))
    for name in ("age_band", "municipality"):
        if body.get(name) is not None and not isinstance(body[name], str):
            errors.append((name, _("Give a text, or null.")))
    if not isinstance(body.get("publish_text"), bool):
        errors.append(("publish_text", _("Give true or false.")))
    collected = body.get("collected")
    if not isinstance(collected, str) or not collected.strip():
        errors.append(("collected", _("Say where and when you collected this.")))
    elif len(collected) > MAX_COLLECTED:
        errors.append(("collected", _("Use at most %(max)d characters.", max=MAX_COLLECTED)))
    comments = body.get("comments")
    if not isinstance(comments, list):
        errors.append(("comments", _("Give a list of comments (it may be empty).")))
    elif len(comments) > comment_forms.COMMENT_ROWS:
        errors.append(
            (
                "comments",
                _("Send at most %(max)d comments at once.", max=comment_forms.COMMENT_ROWS),
            )
        )
    else:
        for index, item in enumerate(comments):
            where = f"comments[{index}]"
            if not isinstance(item, dict) or not (
                {"section", "text"} <= set(item) <= {"section", "text", "paragraph"}
            ):
                errors.append((where, _("Give exactly a section and a text.")))
                continue
            if item["section"] is not None and not isinstance(item["section"], str):
                errors.append((f"{where}.section", _("Give a section's anchor, or null.")))
            paragraph = item.get("paragraph")
            if paragraph is not None and not isinstance(paragraph, str):
                errors.append((f"{where}.paragraph", _("Give a paragraph's anchor, or null.")))
            if not isinstance(item["text"], str) or not item["text"].strip():
                errors.append((f"{where}.text", _("Write the comment.")))
    answers = body.get("answers", [])
    if not isinstance(answers, list):
        errors.append(("answers", _("Give a list of answers.")))
    else:
        for index, item in enumerate(answers):
            where = f"answers[{index}]"
            if (
                not isinstance(item, dict)
                or set(item) != {"question", "value"}
                or type(item["question"]) is not int
                or not _answer_value_ok(item["value"])
            ):
                errors.append((where, _("Give a question's number and its answer.")))
    return errors


def _answer_value_ok(value: Any) -> bool:
    if isinstance(value, str):
        return True
    if type(value) is int:
        return True
    return isinstance(value, list) and all(type(v) is int for v in value)


def _formdata(body: dict[str, Any], key: str) -> MultiDict[str, str]:
    """The web form's fields, filled in from the JSON body."""
    data: MultiDict[str, str] = MultiDict()
    data["idempotency_key"] = key
    data["stakeholder_group"] = body["stakeholder_group"]
    if body.get("age_band"):
        data["age_band"] = body["age_band"]
    if body.get("municipality"):
        data["municipality"] = body["municipality"]
    if body["publish_text"]:
        data["publish_text"] = "y"
    for row, item in enumerate(body["comments"], start=1):
        data[f"section_{row}"] = item["section"] or comment_forms.GENERAL
        data[f"text_{row}"] = item["text"]
        if item.get("paragraph"):
            data[f"paragraph_{row}"] = item["paragraph"]
    for item in body.get("answers", []):
        value = item["value"]
        values = value if isinstance(value, list) else [value]
        data.setlist(f"question_{item['question']}", [str(v) for v in values])
    return data


def _field_path(name: str) -> str:
    """The JSON path of a form field, for the 422's ``errors``."""
    for prefix, key in (("section_", "section"), ("text_", "text")):
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            return f"comments[{int(name[len(prefix) :]) - 1}].{key}"
    if name.startswith("question_"):
        return f"answers(question {name.removeprefix('question_')})"
    return name


def _form_errors(form: Any) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = [("", str(message)) for message in form.form_errors]
    for name, messages in form.errors.items():
        if name is None:
            continue
        errors.extend((_field_path(name), str(message)) for message in messages)
    return errors


def request_hash(body: dict[str, Any]) -> str:
    data = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def form_key(token: ApiToken, idempotency_key: str) -> str:
    """The form's idempotency key (64 hex) for a client's key, per organisation."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode("utf-8") if isinstance(secret, str) else secret
    message = f"api-submission:{token.organisation_id}:{idempotency_key}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


# -- the receipt ------------------------------------------------------------------------------


def receipt(session: Session, submission: Submission) -> dict[str, Any]:
    event = proofs.received_event(session, submission.tracking_code)
    assert event is not None  # submit() records it in the same transaction
    return {
        "tracking_code": submission.tracking_code,
        "state": "confirmed",
        "received_at": moment(submission.received_at),
        "content_hash": submission.content_hash,
        "comment_count": len(submission.comments),
        "receipt_url": url_for("public.status", code=submission.tracking_code, _external=True),
        "leaf_index": event.leaf_index,
        "inclusion_url": url_for("api.inclusion", leaf_index=event.leaf_index, _external=True),
    }


def _answer(session: Session, submission: Submission, replayed: bool) -> Written:
    headers = {"Location": url_for("public.status", code=submission.tracking_code, _external=True)}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Written(receipt(session, submission), 201, headers)


def _repeat(session: Session, existing: Submission, token: ApiToken, digest: str) -> Written:
    sent = session.scalar(select(ApiSubmission).where(ApiSubmission.submission_id == existing.id))
    if sent is None or sent.token.organisation_id != token.organisation_id:
        # Cannot happen with HMAC keys; never hand out a receipt that is not the org's own.
        raise ApiError(409, _("This Idempotency-Key cannot be used. Use a new one."))
    if sent.request_hash != digest:
        raise Invalid(
            [("Idempotency-Key", _("This key was used before, for another submission."))],
            _("This Idempotency-Key was used before, for another submission. Use a new key."),
        )
    return _answer(session, existing, replayed=True)


# -- the handler ------------------------------------------------------------------------------


def _consultation(session: Session, slug: str, now: datetime) -> Consultation:
    consultation = consultation_services.public_consultation(session, slug)
    if consultation is None or not allowed(None, Permission.CONSULTATION_PAGE_VIEW, consultation):
        raise ApiError(404, _("There is no public resource at this address."))
    due = (consultation.state is ConsultationState.SCHEDULED and consultation.opens_at <= now) or (
        consultation.state is ConsultationState.OPEN and consultation.closes_at <= now
    )
    if due:  # as the web form does: open or close it on time before deciding
        lifecycle.advance(session, now)
        session.commit()
    return consultation


def submit(
    session: Session, params: dict[str, Any], body: Any, token: ApiToken, now: datetime
) -> Written:
    """Store one submission for ``token``'s organisation (the caller authorised the token);
    commits."""
    consultation = _consultation(session, params["slug"], now)
    errors = _shape_errors(body)
    if errors:
        raise Invalid(errors)
    key = form_key(token, params["Idempotency-Key"])
    digest = request_hash(body)
    existing = comment_services.find_by_key(session, consultation, key)
    if existing is not None:
        tokens.mark_used(token, now)
        answer = _repeat(session, existing, token, digest)
        session.commit()
        return answer
    if not consultation.accepts_comments_at(now):
        raise ApiError(409, _("This consultation does not accept comments now."))

    sections = consultation_services.sections_of(session, consultation)
    groups = stakeholders.active_groups(session)
    municipalities = members_on(session, consultation.region, now.date())
    questions = comment_services.questions_of(session, consultation)
    form = comment_forms.build_submission_form(
        sections=sections,
        groups=groups,
        municipalities=municipalities,
        organisations=[],
        questions=questions,
        locale=current_locale(),
        asks_email=False,
        formdata=_formdata(body, key),
        # As on the web form: no question blocks a comment, whatever the region marked
        # required (answers given are still checked against their question).
        questions_required=False,
    )
    # Bearer authentication replaces the CSRF token: no cookie authenticates this request.
    if "csrf_token" in form:
        del form["csrf_token"]
    known_questions = {q.position for q in questions}
    unknown = [
        (f"answers[{i}]", _("This consultation has no question %(number)d.", number=a["question"]))
        for i, a in enumerate(body.get("answers", []))
        if a["question"] not in known_questions
    ]
    if not form.validate() or unknown:
        raise Invalid(_form_errors(form) + unknown)

    draft = comment_forms.draft_from(
        form,
        sections=sections,
        groups=groups,
        municipalities=municipalities,
        organisation=token.organisation,
        api_token=token.prefix,
    )
    try:
        submission, created = comment_services.submit(session, consultation, draft, now)
    except comment_services.SubmissionError:
        session.rollback()
        raise ApiError(409, _("This consultation does not accept comments now.")) from None
    tokens.mark_used(token, now)
    if not created:  # a request with the same key won the race
        answer = _repeat(session, submission, token, digest)
        session.commit()
        return answer
    session.add(
        ApiSubmission(
            submission_id=submission.id,
            token_id=token.id,
            request_hash=digest,
            collected=body["collected"].strip(),
            created_at=now,
        )
    )
    session.flush()
    answer = _answer(session, submission, replayed=False)
    session.commit()
    return answer
