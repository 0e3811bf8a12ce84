"""Enums whose members carry their own translated label (Indico's ``RichEnum`` idea).

A member is declared with its stored value and its label together, so no enum keeps a
separate table of labels to fall out of step with it::

    class Disposition(LabelledEnum):
        ADOPTED = "adopted", _l("adopted")

The value is what the database, the API and the record keep; :attr:`label` is translated
in the current language when read, :attr:`lazy_label` when shown (for form choices made
before any request).
"""

from __future__ import annotations

import enum
from typing import Any


class LabelledEnum(enum.Enum):
    """An enum of string values, each with a (lazily) translated label."""

    _lazy_label: Any

    def __new__(cls, value: str, label: Any) -> LabelledEnum:
        member = object.__new__(cls)
        member._value_ = value
        member._lazy_label = label
        return member

    @property
    def label(self) -> str:
        """The label in the current language."""
        return str(self._lazy_label)

    @property
    def lazy_label(self) -> Any:
        """The label, translated only when it is shown."""
        return self._lazy_label

    @classmethod
    def choices(cls) -> list[tuple[str, Any]]:
        """(value, lazy label) for every member, in declaration order: a form's choices."""
        return [(member.value, member.lazy_label) for member in cls]
