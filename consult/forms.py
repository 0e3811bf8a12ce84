"""Form pieces every domain uses; each domain's own forms live in its ``forms.py``."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm


def strip_whitespace(value: Any) -> Any:
    """A WTForms filter: what people type rarely means its leading or trailing spaces."""
    return value.strip() if isinstance(value, str) else value


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the confirmation step of an action that needs no input."""
