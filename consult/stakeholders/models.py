"""The stakeholder groups (a table a platform admin can extend) and the age bands (fixed)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from consult.db import Base
from consult.enums import LabelledEnum


class StakeholderGroup(Base):
    """Who someone speaks as. A fixed list that a platform admin can extend."""

    __tablename__ = "stakeholder_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label_nl: Mapped[str] = mapped_column(String(120))
    label_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    # Young people are asked their age band; and under 16 never publish a name.
    asks_age_band: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    def label_for(self, locale: str) -> str:
        return self.label_nl if locale == "nl" else self.label_en


class AgeBand(LabelledEnum):
    UNDER_12 = "under_12", _l("younger than 12")
    FROM_12_TO_15 = "12_15", _l("12 to 15 years")
    FROM_16_TO_17 = "16_17", _l("16 or 17 years")
    FROM_18_TO_23 = "18_23", _l("18 to 23 years")

    @property
    def under_16(self) -> bool:
        return self in (AgeBand.UNDER_12, AgeBand.FROM_12_TO_15)
