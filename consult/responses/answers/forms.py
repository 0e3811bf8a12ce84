"""Forms of the answering workspace: filters (GET), drafting, correcting, region setting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SearchField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from consult.documents.models import Section
from consult.forms import strip_whitespace
from consult.responses.answers.workspace import GENERAL, MAX_QUERY_LENGTH, Filters, Status
from consult.responses.models import Disposition
from consult.stakeholders.models import AgeBand, StakeholderGroup

YES, NO = "ja", "nee"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def disposition_choices() -> list[SelectChoice]:
    return [SelectChoice(d.value, _sentence(d.label)) for d in Disposition]


class FilterForm(FlaskForm):
    """The workspace's filters, read from the query string (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search in the text"), filters=[strip_whitespace])
    onderdeel = SelectField(_l("Section"), default="")
    groep = SelectField(_l("Stakeholder group"), default="")
    leeftijd = SelectField(_l("Age band"), default="")
    afhandeling = SelectField(_l("Disposition"), default="")
    status = SelectField(_l("Answer status"), default=Status.ALL)
    verborgen = SelectField(_l("Hidden by moderation"), default="")
    bijlage = SelectField(_l("Attachment with the submission"), default="")

    def __init__(
        self,
        *args: Any,
        sections: Sequence[Section] = (),
        groups: Sequence[StakeholderGroup] = (),
        locale: str = "nl",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        anything = SelectChoice("", str(_l("All")))
        self.onderdeel.choices = [
            anything,
            SelectChoice(GENERAL, str(_l("The document as a whole"))),
            *(
                SelectChoice(s.anchor, f"{s.number} {s.heading}".strip() if s.number else s.heading)
                for s in sections
            ),
        ]
        self.groep.choices = [
            anything,
            *(SelectChoice(g.code, _sentence(g.label_for(locale))) for g in groups),
        ]
        self.leeftijd.choices = [
            anything,
            *(SelectChoice(b.value, _sentence(b.label)) for b in AgeBand),
        ]
        self.afhandeling.choices = [anything, *disposition_choices()]
        self.status.choices = [
            SelectChoice(Status.ALL, str(_l("All"))),
            SelectChoice(Status.WAITING, str(_l("Not answered yet"))),
            SelectChoice(Status.DRAFT, str(_l("Draft, waiting for approval"))),
            SelectChoice(Status.APPROVED, str(_l("Approved, not yet published"))),
            SelectChoice(Status.PUBLISHED, str(_l("Published"))),
        ]
        yes_no = [anything, SelectChoice(YES, str(_l("Yes"))), SelectChoice(NO, str(_l("No")))]
        self.verborgen.choices = list(yes_no)
        self.bijlage.choices = list(yes_no)

    def filters(self) -> Filters:
        """The filters asked for; a value that is not one of the choices counts as "all"."""
        self.validate()
        for f in self:
            if f.errors:
                # A stale or hand-made link: show the list unfiltered on that point.
                f.data = f.default
                f.errors = []

        def value(f: Field) -> str:
            return str(f.data) if f.data else ""

        def yes_no(f: Field) -> bool | None:
            return {YES: True, NO: False}.get(value(f))

        q = value(self.q)[:MAX_QUERY_LENGTH]
        return Filters(
            section=value(self.onderdeel) or None,
            group=value(self.groep) or None,
            age_band=AgeBand(value(self.leeftijd)) if value(self.leeftijd) else None,
            disposition=(Disposition(value(self.afhandeling)) if value(self.afhandeling) else None),
            status=value(self.status) or Status.ALL,
            hidden=yes_no(self.verborgen),
            attachment=yes_no(self.bijlage),
            q=q,
        )

    def query_args(self) -> dict[str, str]:
        """The active filters as query arguments, for page links and "back to the list"."""
        args: dict[str, str] = {}
        for f in (
            self.q,
            self.onderdeel,
            self.groep,
            self.leeftijd,
            self.afhandeling,
            self.status,
            self.verborgen,
            self.bijlage,
        ):
            if f.data and not (f is self.status and f.data == Status.ALL):
                args[f.name] = str(f.data)
        return args


class IdListField(Field):
    """Ids sent as repeated values (``comment=3&comment=8``); anything else is dropped."""

    def process_formdata(self, valuelist: list[str]) -> None:
        ids: list[int] = []
        for raw in valuelist:
            try:
                number = int(raw)
            except (TypeError, ValueError):
                continue
            if number > 0 and number not in ids:
                ids.append(number)
        self.data = ids

    def _value(self) -> str:
        return ""


class AnswerForm(FlaskForm):
    """What an answer says: the disposition and, in plain words, why."""

    disposition = RadioField(
        _l("What do you do with the comment?"),
        choices=disposition_choices,
        validate_choice=True,
        validators=[InputRequired(_l("Choose what you do with the comment."))],
    )
    reason = TextAreaField(
        _l("Answer in plain words"),
        validators=[Optional()],
        filters=[strip_whitespace],
    )

    @property
    def chosen_disposition(self) -> Disposition:
        return Disposition(self.disposition.data)


class DraftForm(AnswerForm):
    """A new answer, or a change to a draft: also which comments it covers."""

    comment = IdListField(_l("Comments"), default=list)


class CorrectionForm(AnswerForm):
    note = TextAreaField(
        _l("What did you correct, and why?"),
        validators=[InputRequired(_l("Say what you corrected and why."))],
        filters=[strip_whitespace],
    )


class PublishForm(FlaskForm):
    """The confirmation of publishing: exactly the answers the official saw."""

    answer = IdListField(_l("Answers"), default=list)
