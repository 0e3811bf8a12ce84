"""Form pieces every domain uses; each domain's own forms live in its ``forms.py``."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Form, widgets
from wtforms.fields.choices import Choice


def strip_whitespace(value: Any) -> Any:
    """A WTForms filter: what people type rarely means its leading or trailing spaces."""
    return value.strip() if isinstance(value, str) else value


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the confirmation step of an action that needs no input."""


class RememberingSelect(widgets.Select):
    """A ``<select>`` whose ``<option>`` elements are rendered once per process and then
    remembered: the same choices (a version's sections, a region's municipalities) come
    back on every form page, and rendering each option anew was most of a form's cost.
    The HTML is exactly WTForms' own; an option with attributes of its own is rendered
    as WTForms does it, every time."""

    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Markup:
        if kwargs or choice.render_kw or type(choice.value) is not str:
            return super().render_option(choice, **kwargs)
        if type(choice.label) is not str:
            return super().render_option(choice, **kwargs)
        return _option(choice.value, choice.label, bool(choice.selected))


@lru_cache(maxsize=4096)
def _option(value: str, label: str, selected: bool) -> Markup:
    return widgets.Select.render_option(Choice(value, label, selected, {}))


@lru_cache(maxsize=4096)
def _attributes(given: tuple[tuple[str, Any], ...]) -> Markup:
    return widgets.html_params(**dict(given))


def _remembered_params(**kwargs: Any) -> Markup:
    """:func:`wtforms.widgets.html_params`, remembered for the attributes of a choice (its
    id, name, value, checked, classes): never anything a person typed."""
    given = tuple(sorted(kwargs.items()))
    if not all(type(value) in (str, bool) for _key, value in given):
        return widgets.html_params(**kwargs)
    return _attributes(given)


class RememberingRadio(widgets.RadioInput):
    """A radio button whose attributes are rendered once per process (see
    :class:`RememberingSelect`)."""

    html_params = staticmethod(_remembered_params)


REMEMBERING_SELECT = RememberingSelect()
REMEMBERING_RADIO = RememberingRadio()


def remember_options(form: Form) -> None:
    """Let the choice fields of ``form`` (a single-choice ``<select>``, radio buttons)
    remember how their options look: their values and labels are the form's, not what a
    person typed."""
    for field in form:
        widget = field.widget
        if type(widget) is widgets.Select and not widget.multiple:
            field.widget = REMEMBERING_SELECT
        elif type(getattr(field, "option_widget", None)) is widgets.RadioInput:
            field.option_widget = REMEMBERING_RADIO
