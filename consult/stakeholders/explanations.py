"""One plain line per stakeholder group, shown with each choice of "Who are you?".

Keyed by the group's code; a group a platform admin adds later has no line until one is
written here, and the form simply shows its label alone.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

EXPLANATIONS = {
    "young_person": _l("You are 23 or younger."),
    "parent": _l("You raise a child, as a parent or as a carer."),
    "foster_parent": _l("A child who cannot live at home lives with you."),
    "experience_expert": _l(
        "You had youth care yourself, or your parent, brother or sister had it."
    ),
    "care_provider": _l("You work for an organisation that gives youth care."),
    "professional": _l("You work with children, for example at a school or as a doctor."),
    "advocacy_group": _l("You speak up for a group of people, for example in a client council."),
    "municipality": _l("You work for a municipality, or you are on its council."),
    "other": _l("None of the above fits you."),
}


def explanation(code: str) -> str | None:
    """The plain line for the group with this code, in the current language, or None."""
    line = EXPLANATIONS.get(code)
    return str(line) if line is not None else None
