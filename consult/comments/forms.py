"""The submission form, its questionnaire fields, and the small confirm and lookup forms.

The submission form is built per consultation: its sections, the region's municipalities,
the person's organisations and the questionnaire decide the choices. Checks that span
fields (age band for young people, at least one comment or answer) live in
:meth:`SubmissionForm.validate`, so every failure shows in one summary. E-mail is optional:
without it a moderator approves the submission (the service's rule). The flood guards of
the web form (a honeypot and a signed moment of handing out) are checked by
:meth:`SubmissionForm.flood_problem`.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from consult.comments.services import MAX_COMMENT_LENGTH, Draft, offers_no_email_first
from consult.comments.text import normalise_newlines
from consult.consultations.models import Question, QuestionKind
from consult.forms import remember_options, strip_whitespace
from consult.stakeholders.explanations import explanation as group_explanation
from consult.stakeholders.models import AgeBand

GENERAL = "algemeen"
# The form's idempotency key: hex, as made by new_idempotency_key, and never longer than
# the column (Submission.idempotency_key is 64 characters).
_IDEMPOTENCY_KEY = re.compile(r"[0-9a-f]{32,64}")
COMMENT_ROWS = 3
# The steps of the web form, one thing per page: what you want to say, who you are, what
# may be shown, and a check of the answers with the Send button.
STEP_SAY, STEP_WHO, STEP_SHOW, STEP_CHECK = 1, 2, 3, 4
STEPS = 4
MAX_LENGTH_MESSAGE = _l(
    "Your text is longer than %(max)d characters. Make it shorter, or split it over two comments."
)


def new_idempotency_key() -> str:
    return secrets.token_hex(16)


def is_idempotency_key(value: Any) -> bool:
    """Whether ``value`` can be a key this site made; checked before any lookup."""
    return isinstance(value, str) and _IDEMPOTENCY_KEY.fullmatch(value) is not None


def _text(value: Any) -> Any:
    return normalise_newlines(value).strip() if isinstance(value, str) else value


class LookupForm(FlaskForm):
    class Meta:
        csrf = False

    code = StringField(
        _l("Your code"),
        validators=[DataRequired(message=_l("Fill in the code from your receipt."))],
        filters=[strip_whitespace],
    )


class SubmissionForm(FlaskForm):
    """Fields that every consultation asks; comment rows and questions are added per form."""

    idempotency_key = HiddenField()
    stakeholder_group = RadioField(
        _l("Who are you?"),
        validators=[InputRequired(message=_l("Choose who you are."))],
        choices=[],
    )
    age_band = RadioField(
        _l("How old are you?"),
        validators=[Optional()],
        choices=[SelectChoice(band.value, band.lazy_label) for band in AgeBand],
    )
    municipality = SelectField(
        _l("Where do you live? (optional)"), choices=[], validators=[Optional()]
    )
    organisation_id = SelectField(
        _l("Do you react on behalf of your organisation?"),
        choices=[],
        validate_choice=False,
        validators=[Optional()],
    )
    organisation_name = StringField(
        _l("On behalf of an organisation (optional)"),
        validators=[Optional(), Length(max=200)],
        filters=[strip_whitespace],
    )
    publish_text = BooleanField(_l("Yes, you may publish my comment on this website"))
    publish_name = BooleanField(_l("Yes, show my name with my comment"))
    display_name = StringField(
        _l("The name to show"), validators=[Optional(), Length(max=120)], filters=[strip_whitespace]
    )
    email = EmailField(
        _l("Your email address (optional)"),
        validators=[
            Optional(),
            Email(message=_l("This is not a valid email address.")),
            Length(max=254),
        ],
        filters=[strip_whitespace],
    )
    attachments = MultipleFileField(_l("Files (optional)"))
    # Flood guards of the web form (the API has its tokens): when the form was given out,
    # signed with its key (:func:`fill_token`), and a field only programs fill in.
    started = HiddenField()
    website = StringField(_l("Leave this field empty"), filters=[strip_whitespace])

    # Set by build_submission_form.
    comment_rows: list[tuple[Field, Field]]
    # Per comment row, the hidden anchor of the paragraph it is about ("" for none).
    paragraph_fields: list[Field]
    sections_by_anchor: dict[str, Any]
    question_fields: list[tuple[Question, Field]]
    questions_required: bool
    asks_email: bool
    age_band_groups: set[str]
    # Form-level messages that every step shows (the others belong to the check page).
    step_messages: list[str]

    def validate(self, extra_validators: Any = None) -> bool:
        self.step_messages = []
        valid = super().validate(extra_validators)
        group = self.stakeholder_group.data
        if group in self.age_band_groups and not self.age_band.data:
            self.age_band.errors.append(str(_l("Choose your age.")))
            valid = False
        if self.publish_name.data and not self.display_name.data and not self._under_16():
            self.display_name.errors.append(
                str(_l("Fill in the name you want to show, or do not tick the box."))
            )
            valid = False
        if not is_idempotency_key(self.idempotency_key.data):
            # Only a changed page gets here; a fresh key lets the next try go through.
            self.idempotency_key.data = new_idempotency_key()
            message = str(
                _l("Something went wrong with the form. Check what you entered and send it again.")
            )
            self.form_errors.append(message)
            self.step_messages.append(message)
            valid = False
        valid = self._check_paragraphs() and valid
        has_comment = any(text.data for _section, text in self.comment_rows)
        has_answer = any(_answered(f) for _q, f in self.question_fields)
        self.nothing_to_send = not has_comment and not has_answer
        if self.nothing_to_send:
            self.form_errors.append(
                str(_l("Write a comment in at least one box, or answer a question."))
            )
            valid = False
        return valid

    # -- the steps of the web form ----------------------------------------------------------

    def step_fields(self, step: int) -> list[Field]:
        """The fields asked on ``step`` of the web form (1 say, 2 who, 3 show, 4 check)."""
        if step == STEP_SAY:
            return [f for row in self.comment_rows for f in row] + list(self.paragraph_fields)
        if step == STEP_WHO:
            return [
                self.stakeholder_group,
                self.age_band,
                self.municipality,
                self.organisation_id,
                self.organisation_name,
            ]
        if step == STEP_SHOW:
            return [self.publish_text, self.publish_name, self.display_name, self.email]
        return [self.attachments]

    def first_step_with_errors(self) -> int | None:
        """The first of steps 1 to 3 with a field in error, or None."""
        if getattr(self, "nothing_to_send", False):
            return STEP_SAY
        for step in (STEP_SAY, STEP_WHO, STEP_SHOW):
            if any(f.errors for f in self.step_fields(step)):
                return step
        return None

    def keep_errors_of(self, step: int) -> None:
        """Forget the errors of the other steps: a step page shows its own problems only
        (the next steps ask their questions, and check them, when their turn comes)."""
        kept = {f.name for f in self.step_fields(step)} | {"csrf_token"}
        for f in self:
            if f.name not in kept:
                f.errors = []
        if step != STEP_CHECK:
            self.form_errors = [m for m in self.form_errors if m in self.step_messages]

    def validate_step(self, step: int) -> bool:
        """Check the fields of one step (all answers so far travel with it)."""
        self.validate()
        self.keep_errors_of(step)
        if step == STEP_SAY and not any(text.data for _section, text in self.comment_rows):
            self.comment_rows[0][1].errors = [str(_l("Write your comment."))]
        return not any(f.errors for f in self) and not self.form_errors

    def _check_paragraphs(self) -> bool:
        """Each paragraph anchor must be a paragraph of the part chosen in its row (of this
        consultation's version). A wrong one is dropped with a message on the row's part;
        what was typed stays, and sending again comments on the part."""
        valid = True
        for (section_field, _text), field in zip(
            self.comment_rows, self.paragraph_fields, strict=True
        ):
            anchor = (field.data or "").strip()
            if not anchor:
                continue
            owner = next(
                (
                    s
                    for s in self.sections_by_anchor.values()
                    if anchor in (s.paragraph_anchors or [])
                ),
                None,
            )
            chosen = self.sections_by_anchor.get(section_field.data)
            if owner is None:
                section_field.errors.append(
                    gettext(
                        "We could not find the paragraph you chose in this plan. Your text "
                        "is kept. Check the part and send your comment again."
                    )
                )
            elif owner is not chosen:
                part = " ".join(p for p in (owner.number, owner.heading) if p)
                section_field.errors.append(
                    gettext(
                        "The paragraph you chose is in part %(part)s, not in the part you "
                        "chose now. Your text is kept. Check the part and send your comment "
                        "again.",
                        part=part,
                    )
                )
            else:
                continue
            field.data = ""
            valid = False
        return valid

    def _under_16(self) -> bool:
        """Whether the sender said they are under 16 (then no name is asked for)."""
        band = self.chosen_age_band()
        return band is not None and band.under_16

    @property
    def under_16(self) -> bool:
        return self._under_16()

    def chosen_age_band(self) -> AgeBand | None:
        """The age band chosen so far (for a group that is asked it), or None."""
        if self.stakeholder_group.data not in self.age_band_groups:
            return None
        try:
            return AgeBand(self.age_band.data)
        except ValueError:
            return None

    @property
    def no_email_first(self) -> bool:
        """Whether to offer the path without e-mail first (the service's rule)."""
        return offers_no_email_first(self.chosen_age_band())

    def flood_problem(self, min_seconds: float, now: float) -> str | None:
        """ "honeypot" when the field only programs see was filled in, "too_fast" when the
        form came back sooner than a person fills it in (or without a valid moment), else
        None. Either way the caller shows the form again with what was typed."""
        if self.website.data:
            return "honeypot"
        if min_seconds <= 0:
            return None
        taken = seconds_to_fill(self.started.data, self.idempotency_key.data, now)
        if taken is None or taken < min_seconds:
            return "too_fast"
        return None

    def renew_guards(self) -> None:
        """Before showing the form again: empty the honeypot, and give a new moment only
        when the one sent is not valid for this form's key (so waiting counts)."""
        self.website.data = ""
        if seconds_to_fill(self.started.data, self.idempotency_key.data, time.time()) is None:
            self.started.data = fill_token(self.idempotency_key.data)


FILL_TOKEN_SALT = "consult.form-started"  # noqa: S105 (a salt that names a purpose)


def _fill_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=FILL_TOKEN_SALT)


def fill_token(key: str | None, at: float | None = None) -> str:
    """The moment the form with idempotency key ``key`` was given out, signed: a program
    cannot make an old one, nor reuse one for another form (each key stores once)."""
    return _fill_serializer().dumps({"k": key or "", "t": int(time.time() if at is None else at)})


def seconds_to_fill(token: Any, key: Any, now: float) -> float | None:
    """Seconds since ``token`` was given out with ``key``; None if it is not such a token."""
    if not isinstance(token, str) or not token:
        return None
    try:
        data = _fill_serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") != key or not isinstance(data.get("t"), int):
        return None
    return now - data["t"]


def chosen_label(f: Field) -> str | None:
    """The label of the choice made in a radio set or a list, or None."""
    for choice in f.choices or []:
        value, label = (choice.value, choice.label) if isinstance(choice, SelectChoice) else choice
        if value == f.data and f.data not in (None, ""):
            return str(label)
    return None


def _answered(f: Field) -> bool:
    data = f.data
    if isinstance(data, list):
        return bool(data)
    return data not in (None, "", "None")


def _comment_text_field(label: Any, row: int) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            Optional(),
            Length(max=MAX_COMMENT_LENGTH, message=MAX_LENGTH_MESSAGE),
        ],
        filters=[_text],
        # No maxlength: a pasted long text must not be cut off silently; the counter warns.
        render_kw={"rows": 8 if row == 1 else 5, "maxlength": False},
    )


ROW_LABELS = {
    1: (_l("About which part?"), _l("Your comment")),
    2: (_l("About which part? (second comment)"), _l("Second comment (optional)")),
    3: (_l("About which part? (third comment)"), _l("Third comment (optional)")),
}


def _question_field(question: Question, enforce_required: bool = True) -> Field:
    message = gettext("Answer this question: %(question)s", question=question.text)
    required = [InputRequired(message=message)] if question.required and enforce_required else []
    validators = required or [Optional()]
    label = question.text
    if question.kind is QuestionKind.OPEN_TEXT:
        return TextAreaField(
            label,
            validators=[*validators, Length(max=MAX_COMMENT_LENGTH)],
            filters=[_text],
            render_kw={"rows": 4, "maxlength": False},
        )
    if question.kind is QuestionKind.SINGLE_CHOICE:
        return RadioField(
            label,
            validators=validators,
            choices=[
                SelectChoice(str(i), str(option)) for i, option in enumerate(question.options)
            ],
        )
    if question.kind is QuestionKind.MULTIPLE_CHOICE:
        return SelectMultipleField(
            label,
            validators=validators,
            choices=[
                SelectChoice(str(i), str(option)) for i, option in enumerate(question.options)
            ],
        )
    return RadioField(
        label, validators=validators, choices=[SelectChoice(str(i), str(i)) for i in range(1, 6)]
    )


class QuestionnaireForm(FlaskForm):
    """The questionnaire after sending: the questions a submission has no answer to yet.
    A question the region marked required must be answered here; the others say
    "(optional)". At least one answer, or there is nothing to store."""

    question_fields: list[tuple[Question, Field]]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.answers():
            self.form_errors.append(str(_l("Answer at least one question.")))
            valid = False
        return valid

    def answers(self) -> list[tuple[Question, Any]]:
        return [
            (question, value)
            for question, field in self.question_fields
            if (value := answer_value(question, field)) is not None
        ]


def build_questionnaire_form(questions: list[Question], formdata: Any = None) -> QuestionnaireForm:
    """A questionnaire form for ``questions``; ``formdata=None`` reads the request."""

    class Form(QuestionnaireForm):
        pass

    for question in questions:
        setattr(Form, f"question_{question.position}", _question_field(question))
    form = Form(**({"formdata": formdata} if formdata is not None else {}))
    form.question_fields = [(q, form[f"question_{q.position}"]) for q in questions]
    return form


def answer_value(question: Question, f: Field) -> Any:
    """The stored form of an answer, or None when it was left empty."""
    if not _answered(f):
        return None
    if question.kind is QuestionKind.OPEN_TEXT:
        return f.data
    if question.kind is QuestionKind.MULTIPLE_CHOICE:
        return sorted(int(v) for v in f.data)
    return int(f.data)


def build_submission_form(
    *,
    sections: list[Any],
    groups: list[Any],
    municipalities: list[Any],
    organisations: list[Any],
    questions: list[Question],
    locale: str,
    asks_email: bool,
    section_anchor: str | None = None,
    paragraph_anchor: str | None = None,
    default_name: str | None = None,
    formdata: Any = None,
    questions_required: bool = True,
) -> SubmissionForm:
    """A submission form for one consultation; ``formdata=None`` reads the request.

    ``paragraph_anchor`` (with the ``section_anchor`` of its part) preselects one
    paragraph for the first comment. ``questions_required=False`` (the web form): no
    question blocks a comment, whatever the region marked required; the questionnaire is
    offered again after sending."""

    class Form(SubmissionForm):
        pass

    section_choices = [SelectChoice(GENERAL, str(_l("The whole plan (general comment)")))] + [
        SelectChoice(s.anchor, f"{s.number} {s.heading}".strip()) for s in sections
    ]
    rows = []
    for row in range(1, COMMENT_ROWS + 1):
        section_label, text_label = ROW_LABELS[row]
        default = section_anchor if row == 1 and section_anchor else GENERAL
        setattr(
            Form,
            f"section_{row}",
            SelectField(section_label, choices=section_choices, default=default),
        )
        setattr(Form, f"text_{row}", _comment_text_field(text_label, row))
        setattr(
            Form,
            f"paragraph_{row}",
            HiddenField(default=paragraph_anchor if row == 1 and section_anchor else ""),
        )
        rows.append(row)
    for question in questions:
        setattr(
            Form,
            f"question_{question.position}",
            _question_field(question, enforce_required=questions_required),
        )

    kwargs: dict[str, Any] = {}
    if formdata is not None:
        kwargs["formdata"] = formdata
    form = Form(
        idempotency_key=new_idempotency_key(),
        display_name=default_name,
        **kwargs,
    )
    form.stakeholder_group.choices = [SelectChoice(g.code, g.label_for(locale)) for g in groups]
    form.stakeholder_group_hints = {
        g.code: line for g in groups if (line := group_explanation(g.code)) is not None
    }
    form.municipality.choices = [SelectChoice("", str(_l("I'd rather not say")))] + [
        SelectChoice(m.code, m.name) for m in municipalities
    ]
    form.organisation_id.choices = [SelectChoice("", str(_l("No, I react for myself")))] + [
        SelectChoice(str(o.id), o.name) for o in organisations
    ]
    form.comment_rows = [(form[f"section_{r}"], form[f"text_{r}"]) for r in rows]
    form.paragraph_fields = [form[f"paragraph_{r}"] for r in rows]
    form.sections_by_anchor = {s.anchor: s for s in sections}
    form.question_fields = [(q, form[f"question_{q.position}"]) for q in questions]
    form.questions_required = questions_required
    form.asks_email = asks_email
    form.age_band_groups = {g.code for g in groups if g.asks_age_band}
    form.step_messages = []
    if not form.started.data:
        form.started.data = fill_token(form.idempotency_key.data)
    remember_options(form)
    return form


def draft_from(
    form: SubmissionForm,
    *,
    sections: list[Any],
    groups: list[Any],
    municipalities: list[Any],
    **sender: Any,
) -> Draft:
    """A validated submission form as a :class:`Draft`: the part every channel reads the
    same way (the web form, and the API's JSON body turned into this form). ``sender``
    holds what differs per channel: who sends, names, organisation, files, API token."""
    by_anchor = {s.anchor: s for s in sections}
    group = {g.code: g for g in groups}[form.stakeholder_group.data]
    return Draft(
        idempotency_key=form.idempotency_key.data,
        stakeholder_group=group,
        age_band=AgeBand(form.age_band.data)
        if group.asks_age_band and form.age_band.data
        else None,
        municipality={m.code: m for m in municipalities}.get(form.municipality.data or ""),
        publish_text=bool(form.publish_text.data),
        comments=[
            (by_anchor.get(section.data), text.data)
            for section, text in form.comment_rows
            if text.data
        ],
        paragraphs=[
            (paragraph.data or None) if by_anchor.get(section.data) else None
            for (section, text), paragraph in zip(
                form.comment_rows, form.paragraph_fields, strict=True
            )
            if text.data
        ],
        answers=[
            (question, value)
            for question, field in form.question_fields
            if (value := answer_value(question, field)) is not None
        ],
        **sender,
    )
