"""The form macros: labels, hints and errors tied together, and the error summary."""

from __future__ import annotations

import re

import pytest
from flask import Flask, render_template_string
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email

PAGE = """{% from "macros/forms.html" import error_summary, field, submit %}
<form method="post" novalidate>
{{ error_summary(form) }}
{{ field(form.email, hint="We only use it for a receipt.", autocomplete="email", type="email") }}
{{ field(form.text) }}
{{ field(form.agree, hint="You can change this later.") }}
{{ field(form.group) }}
{{ field(form.age) }}
{{ submit("Send") }}
</form>"""


class ReactionForm(FlaskForm):
    email = StringField(
        "Email address", validators=[DataRequired("Enter your email address."), Email()]
    )
    text = TextAreaField("Your reaction", validators=[DataRequired("Write your reaction.")])
    agree = BooleanField("Publish my reaction", validators=[DataRequired("Tick the box.")])
    group = RadioField(
        "Who are you?",
        choices=[SelectChoice("young", "Young person"), SelectChoice("parent", "Parent")],
        validators=[DataRequired("Choose who you are.")],
    )
    age = SelectField(
        "Age",
        choices=[SelectChoice("", "Choose"), SelectChoice("12-15", "12 to 15")],
        validators=[DataRequired("Choose your age.")],
    )


def render_form(app: Flask, data: dict[str, str] | None, *, csrf: bool = False) -> str:
    with app.test_request_context("/", method="POST", data=data or {}):
        form = ReactionForm(meta={"csrf": csrf})
        form.validate()
        return render_template_string(PAGE, form=form)


def tag(html: str, element_id: str) -> str:
    found = re.search(rf'<[a-z]+\b[^>]*\bid="{element_id}"[^>]*>', html)
    assert found, f"no element with id {element_id}"
    return found.group(0)


def test_a_failed_form_starts_with_an_error_summary(app: Flask) -> None:
    html = render_form(app, {})
    summary = tag(html, "error-summary")
    assert 'role="alert"' in summary
    assert 'tabindex="-1"' in summary
    assert 'aria-labelledby="error-summary-title"' in summary
    assert html.index('id="error-summary"') < html.index('id="email"')
    assert 'href="#email">Email address: Enter your email address.</a>' in html
    assert 'href="#text">Your reaction: Write your reaction.</a>' in html
    assert 'href="#group-0">Who are you?: Choose who you are.</a>' in html  # the first option
    assert 'href="#age">Age: Choose your age.</a>' in html


def test_label_hint_and_error_are_tied_to_the_input(app: Flask) -> None:
    html = render_form(app, {})
    email = tag(html, "email")
    assert 'aria-describedby="email-hint email-error"' in email
    assert 'aria-invalid="true"' in email
    assert 'aria-required="true"' in email
    assert 'autocomplete="email"' in email
    assert 'type="email"' in email
    assert " required" not in email  # the error summary, not the browser's pop-up
    assert '<label class="utrecht-form-label" for="email">Email address</label>' in html
    assert (
        "We only use it for a receipt." in html.split('id="email-hint"', 1)[1].split("</div>", 1)[0]
    )
    assert "Enter your email address." in html.split('id="email-error"', 1)[1].split("</div>", 1)[0]
    assert "utrecht-form-field--invalid" in html
    assert "utrecht-textbox--invalid" in email
    assert 'aria-describedby="text-error"' in tag(html, "text")
    assert "utrecht-textarea" in tag(html, "text")
    assert "utrecht-select" in tag(html, "age")
    assert 'aria-describedby="agree-hint agree-error"' in tag(html, "agree")
    assert "utrecht-checkbox" in tag(html, "agree")


def test_radio_buttons_are_a_fieldset_with_a_legend(app: Flask) -> None:
    html = render_form(app, {})
    fieldset = re.search(r"<fieldset[^>]*>", html).group(0)
    assert 'aria-describedby="group-error"' in fieldset
    assert "<legend" in html
    assert "Who are you?</legend>" in html
    assert (
        '<label class="utrecht-form-label utrecht-form-label--radio" for="group-0">'
        "Young person</label>" in html
    )
    assert "utrecht-radio-button" in tag(html, "group-0")


def test_a_valid_form_has_no_summary_and_no_error_state(app: Flask) -> None:
    html = render_form(
        app,
        {
            "email": "a@example.org",
            "text": "Meer hulp op school.",
            "agree": "y",
            "group": "parent",
            "age": "12-15",
        },
    )
    assert "error-summary" not in html
    assert "aria-invalid" not in html
    assert 'aria-describedby="email-hint"' in tag(html, "email")
    assert "--invalid" not in html


def test_an_expired_form_says_so_in_plain_words(app: Flask) -> None:
    html = render_form(
        app,
        {"email": "a@example.org", "text": "x", "agree": "y", "group": "parent", "age": "12-15"},
        csrf=True,
    )
    assert 'id="error-summary"' in html
    assert "The form had expired." in html or "Het formulier was verlopen." in html


@pytest.mark.parametrize("appearance", ["primary", "secondary"])
def test_submit_button(app: Flask, appearance: str) -> None:
    with app.test_request_context("/"):
        html = render_template_string(
            '{% from "macros/forms.html" import submit %}{{ submit("Send", appearance) }}',
            appearance=appearance,
        )
    assert (
        f'<button type="submit" class="utrecht-button utrecht-button--{appearance}-action">'
        "Send</button>" in html
    )
