"""Forms of the consultation workspace. Dates and times are Amsterdam wall-clock time."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any, ClassVar

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from consult.consultations.council import MAX_URL_LENGTH, url_problem
from consult.consultations.lifecycle import NonexistentTime, to_amsterdam, to_utc
from consult.consultations.models import ActivityKind, CouncilOutcome, QuestionKind
from consult.consultations.services import option_problem, parse_options
from consult.forms import strip_whitespace
from consult.stakeholders.models import AgeBand


def _lines(value: Any) -> Any:
    """Browsers send textarea line breaks as CRLF; store plain LF so paragraphs split."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4})$"),
)
TIME_FORMAT = re.compile(r"^(?P<h>\d{1,2})[:.](?P<m>\d{2})$")


def parse_day(text: str | None) -> date | None:
    """2026-03-02 (what a date field sends) or 2-3-2026 (how people write it); None if neither."""
    for pattern in DATE_FORMATS:
        found = pattern.match((text or "").strip())
        if found:
            try:
                return date(int(found["y"]), int(found["m"]), int(found["d"]))
            except ValueError:
                return None
    return None


def parse_clock(text: str | None) -> time | None:
    found = TIME_FORMAT.match((text or "").strip())
    if not found:
        return None
    try:
        return time(int(found["h"]), int(found["m"]))
    except ValueError:
        return None


def _date_field(label: Any) -> StringField:
    return StringField(
        label, validators=[InputRequired(_l("Fill in a date."))], filters=[strip_whitespace]
    )


def _time_field(label: Any) -> StringField:
    return StringField(
        label, validators=[InputRequired(_l("Fill in a time."))], filters=[strip_whitespace]
    )


class MomentFields:
    """Turns a date field and a time field into one UTC moment, with clear messages."""

    @staticmethod
    def moment(date_field: Field, time_field: Field, *, later: bool) -> datetime | None:
        day = parse_day(date_field.data)
        clock = parse_clock(time_field.data)
        ok = True
        if date_field.data and day is None:
            date_field.errors.append(_l("Fill in a date like 2026-03-02."))
            ok = False
        if time_field.data and clock is None:
            time_field.errors.append(_l("Fill in a time like 09:00 or 17:00."))
            ok = False
        if not ok or day is None or clock is None:
            return None
        try:
            return to_utc(day, clock, later=later)
        except NonexistentTime:
            time_field.errors.append(
                _l(
                    "This time does not exist in the Netherlands: on %(day)s the clocks go "
                    "forward from 02:00 to 03:00. Choose another time.",
                    day=format_date(day, "long"),
                )
            )
            return None

    @staticmethod
    def fill(date_field: Field, time_field: Field, moment: datetime) -> None:
        local = to_amsterdam(moment)
        date_field.data = local.date().isoformat()
        time_field.data = local.strftime("%H:%M")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConsultationForm(FlaskForm):
    version = SelectField(
        _l("Document and version"),
        coerce=int,
        validate_choice=True,
        validators=[InputRequired(_l("Choose the version people will comment on."))],
    )
    title = StringField(
        _l("Title"),
        validators=[
            InputRequired(_l("Fill in a title.")),
            Length(max=300, message=_l("A title has at most %(max)d characters.")),
        ],
        filters=[strip_whitespace],
    )
    introduction = TextAreaField(
        _l("Introduction for young readers"),
        validators=[
            InputRequired(_l("Write a short introduction for young readers.")),
            Length(max=3000, message=_l("The introduction has at most %(max)d characters.")),
        ],
        filters=[strip_whitespace, _lines],
    )
    contact_name = StringField(
        _l("Contact person"),
        validators=[
            InputRequired(_l("Fill in who people can contact with questions.")),
            Length(max=200, message=_l("A name has at most %(max)d characters.")),
        ],
        filters=[strip_whitespace],
    )
    contact_email = EmailField(
        _l("Contact email address"),
        validators=[
            InputRequired(_l("Fill in an email address for questions.")),
            Length(max=254, message=_l("An email address has at most %(max)d characters.")),
            Email(_l("Fill in an email address like name@example.nl.")),
        ],
        filters=[strip_whitespace],
    )
    contact_phone = StringField(
        _l("Contact phone number (optional)"),
        validators=[
            Optional(),
            Length(max=40, message=_l("A phone number has at most %(max)d characters.")),
        ],
        filters=[strip_whitespace],
    )
    opens_on = _date_field(_l("Opening date"))
    opens_time = _time_field(_l("Opening time"))
    closes_on = _date_field(_l("Closing date"))
    closes_time = _time_field(_l("Closing time"))
    answers_due_on = StringField(_l("Answers published by (optional)"), filters=[strip_whitespace])
    invited_groups = MultiCheckboxField(_l("Invited groups"), coerce=int, validate_choice=True)

    opens_at: datetime | None = None
    closes_at: datetime | None = None
    answers_due_day: date | None = None

    def set_choices(self, versions: list[tuple[Any, Any]], groups: list[Any], locale: str) -> None:
        self.version.choices = [
            SelectChoice(
                version.id,
                str(
                    _l(
                        "%(title)s, version %(number)d (locked)",
                        title=document.title,
                        number=version.number,
                    )
                    if version.is_locked
                    else _l(
                        "%(title)s, version %(number)d", title=document.title, number=version.number
                    )
                ),
            )
            for document, version in versions
        ]
        self.invited_groups.choices = [SelectChoice(g.id, g.label_for(locale)) for g in groups]

    def fill_moments(self, opens_at: datetime, closes_at: datetime) -> None:
        MomentFields.fill(self.opens_on, self.opens_time, opens_at)
        MomentFields.fill(self.closes_on, self.closes_time, closes_at)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        self.opens_at = MomentFields.moment(self.opens_on, self.opens_time, later=False)
        self.closes_at = MomentFields.moment(self.closes_on, self.closes_time, later=True)
        if self.opens_at is None or self.closes_at is None:
            return False
        if self.closes_at <= self.opens_at:
            self.closes_on.errors.append(
                _l("The closing moment must come after the opening moment.")
            )
            return False
        self.answers_due_day = None
        if (self.answers_due_on.data or "").strip():
            self.answers_due_day = parse_day(self.answers_due_on.data)
            if self.answers_due_day is None:
                self.answers_due_on.errors.append(
                    _l("Fill in a date like 2026-06-08, or leave it empty.")
                )
                return False
        return ok


class ExtendForm(FlaskForm):
    closes_on = _date_field(_l("New closing date"))
    closes_time = _time_field(_l("New closing time"))
    reason = TextAreaField(
        _l("Why do you extend?"),
        validators=[
            InputRequired(_l("Write why you extend the consultation.")),
            Length(max=1000, message=_l("Write at most %(max)d characters.")),
        ],
        filters=[strip_whitespace],
    )
    # Set by the confirmation page: the official has seen what will change.
    confirmed = StringField()

    closes_at: datetime | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        self.closes_at = MomentFields.moment(self.closes_on, self.closes_time, later=True)
        return ok and self.closes_at is not None


class AnswerDateForm(FlaskForm):
    """Move the day the region promised its answers, with the reason why."""

    answers_due_on = _date_field(_l("New answer date"))
    reason = TextAreaField(
        _l("Why do the answers come on another date?"),
        validators=[
            InputRequired(_l("Write why the answers come on another date.")),
            Length(max=1000, message=_l("Write at most %(max)d characters.")),
        ],
        filters=[strip_whitespace],
    )

    due_on: date | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        self.due_on = parse_day(self.answers_due_on.data)
        if self.due_on is None:
            if not self.answers_due_on.errors:
                self.answers_due_on.errors.append(_l("Fill in a date like 2026-06-08."))
            return False
        return ok


class CouncilDecisionForm(FlaskForm):
    """What one municipality's council decided on the regiovisie (record or correct)."""

    decided_on = _date_field(_l("Date of the council's decision"))
    outcome = RadioField(
        _l("What did the council decide?"),
        choices=[SelectChoice(outcome.value, outcome.label) for outcome in CouncilOutcome],
        validate_choice=True,
        validators=[InputRequired(_l("Choose what the council decided."))],
    )
    url = StringField(
        _l("Link to the decision in the council's information system"),
        validators=[
            InputRequired(
                _l("Fill in the link to the decision in the council's information system.")
            ),
            Length(max=MAX_URL_LENGTH, message=_l("A link has at most %(max)d characters.")),
        ],
        filters=[strip_whitespace],
    )

    day: date | None = None

    def validate_url(self, field: Field) -> None:
        problem = url_problem(field.data or "")
        if problem is not None:
            raise ValidationError(problem)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        self.day = parse_day(self.decided_on.data)
        if self.day is None:
            if not self.decided_on.errors:
                self.decided_on.errors.append(_l("Fill in a date like 2026-06-08."))
            return False
        return ok

    @property
    def chosen_outcome(self) -> CouncilOutcome:
        return CouncilOutcome(self.outcome.data)


class QuestionForm(FlaskForm):
    kind = RadioField(
        _l("Kind of question"),
        choices=[SelectChoice(kind.value, kind.label) for kind in QuestionKind],
        default=QuestionKind.OPEN_TEXT.value,
        validate_choice=True,
        validators=[InputRequired(_l("Choose the kind of question."))],
    )
    text = TextAreaField(
        _l("Question"),
        validators=[
            InputRequired(_l("Write the question.")),
            Length(max=500, message=_l("A question has at most %(max)d characters.")),
        ],
        filters=[strip_whitespace],
    )
    hint = TextAreaField(
        _l("Hint (optional)"),
        validators=[
            Optional(),
            Length(max=500, message=_l("A hint has at most %(max)d characters.")),
        ],
        filters=[strip_whitespace],
    )
    options = TextAreaField(_l("Options"), filters=[strip_whitespace])
    required = BooleanField(_l("People must answer this question"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The labels are lazy; resolve them in the current language.
        self.kind.choices = [SelectChoice(kind.value, kind.label) for kind in QuestionKind]

    @property
    def question_kind(self) -> QuestionKind:
        return QuestionKind(self.kind.data)

    def validate_options(self, field: Field) -> None:

        if self.kind.data not in {k.value for k in QuestionKind}:
            return
        problem = option_problem(QuestionKind(self.kind.data), parse_options(field.data))
        if problem is not None:
            raise ValidationError(str(problem))


class CountField(IntegerField):
    """A number of people; empty means none."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = (valuelist[0] if valuelist else "") or ""
        text = text.strip() if isinstance(text, str) else str(text)
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError(str(_l("Fill in a whole number, like 3."))) from None


def participant_field_name(group_id: int, band: AgeBand | None) -> str:
    return f"count_{group_id}" + (f"_{band.value}" if band else "")


def activity_form_class(groups: list[Any], locale: str) -> type[FlaskForm]:
    """An activity form with one number field per group (and per age band for young people)."""

    class ActivityForm(FlaskForm):
        kind = SelectField(
            _l("Kind of activity"),
            choices=[SelectChoice(kind.value, kind.label) for kind in ActivityKind],
            validate_choice=True,
            validators=[InputRequired(_l("Choose the kind of activity."))],
        )
        held_on = _date_field(_l("Date"))
        place = StringField(
            _l("Place"),
            validators=[
                InputRequired(_l("Fill in where it took place.")),
                Length(max=200, message=_l("A place has at most %(max)d characters.")),
            ],
            filters=[strip_whitespace],
        )
        summary = TextAreaField(
            _l("Summary"),
            validators=[
                InputRequired(_l("Write what was said, in a few sentences.")),
                Length(max=5000, message=_l("A summary has at most %(max)d characters.")),
            ],
            filters=[strip_whitespace],
        )
        attachments = MultipleFileField(_l("Files (optional)"))

        held_on_day: date | None = None
        participant_rows: ClassVar[list[tuple[Any, list[tuple[AgeBand | None, str]]]]] = []

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.kind.choices = [SelectChoice(kind.value, kind.label) for kind in ActivityKind]

        @property
        def participant_errors(self) -> list[str]:
            return [
                error
                for _group, fields in self.participant_rows
                for _band, name in fields
                for error in self[name].errors
            ]

        def participants(self) -> dict[tuple[int, AgeBand | None], int]:
            return {
                (group.id, band): self[name].data or 0
                for group, fields in self.participant_rows
                for band, name in fields
            }

        def validate(self, extra_validators: Any = None) -> bool:
            ok = super().validate(extra_validators)
            if self.held_on.data:
                self.held_on_day = parse_day(self.held_on.data)
                if self.held_on_day is None:
                    self.held_on.errors.append(_l("Fill in a date like 2026-03-02."))
                    ok = False
            return ok

    rows = []
    for group in groups:
        bands: list[AgeBand | None] = list(AgeBand) if group.asks_age_band else [None]
        fields = []
        for band in bands:
            name = participant_field_name(group.id, band)
            label = f"{group.label_for(locale)}: {band.label}" if band else group.label_for(locale)
            setattr(
                ActivityForm,
                name,
                CountField(
                    label,
                    validators=[
                        Optional(),
                        NumberRange(
                            min=0, max=100000, message=_l("Fill in a number from 0 to 100000.")
                        ),
                    ],
                ),
            )
            fields.append((band, name))
        rows.append((group, fields))
    ActivityForm.participant_rows = rows
    return ActivityForm
