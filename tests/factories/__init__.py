"""Test data: one home, one module per domain of the application.

Each factory goes through the domain's services where they exist (read the module's
docstring where it does not). Everything is re-exported here, so
``from tests import factories; factories.user(session)`` works for every factory; new code
may import a domain's module directly (``from tests.factories import comments``).

The scenario builders (``tests/*/*world.py``, ``tests/responses/tracing_support.py``, the
worlds in the conftests) put their worlds together from these factories.
"""

from tests.factories._support import app_context
from tests.factories.accounts import region_user, user
from tests.factories.comments import sent_submission, submission
from tests.factories.consultations import (
    closed_consultation,
    consultation,
    draft_consultation,
    question,
)
from tests.factories.documents import document_version
from tests.factories.files import attachment
from tests.factories.ledger import record_events
from tests.factories.organisations import api_token, organisation
from tests.factories.regions import region
from tests.factories.responses import answer, comment_group, correction
from tests.factories.stakeholders import stakeholder_group

__all__ = [
    "answer",
    "api_token",
    "app_context",
    "attachment",
    "closed_consultation",
    "comment_group",
    "consultation",
    "correction",
    "document_version",
    "draft_consultation",
    "organisation",
    "question",
    "record_events",
    "region",
    "region_user",
    "sent_submission",
    "stakeholder_group",
    "submission",
    "user",
]
