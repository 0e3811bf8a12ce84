"""Imports every domain's models, so that metadata (and Alembic) sees all tables."""

from consult.accounts.models import RegionRole, RegionRoleKind, User
from consult.comments.models import (
    Attachment,
    Comment,
    CommentReport,
    ModerationAction,
    QuestionAnswer,
    StakeholderGroup,
    Submission,
    SubmissionContact,
)
from consult.consultations.models import (
    ActivityParticipants,
    ClosingChange,
    Consultation,
    InvitedGroup,
    OfflineActivity,
    Question,
    StateChange,
)
from consult.documents.models import Document, DocumentVersion, Section
from consult.organisations.models import Organisation, OrganisationKind, OrganisationMember
from consult.regions.models import Municipality, Region, RegionMembership, RegionSuccession

__all__ = [
    "ActivityParticipants",
    "Attachment",
    "ClosingChange",
    "Comment",
    "CommentReport",
    "Consultation",
    "Document",
    "DocumentVersion",
    "InvitedGroup",
    "ModerationAction",
    "Municipality",
    "OfflineActivity",
    "Organisation",
    "OrganisationKind",
    "OrganisationMember",
    "Question",
    "QuestionAnswer",
    "Region",
    "RegionMembership",
    "RegionRole",
    "RegionRoleKind",
    "RegionSuccession",
    "Section",
    "StakeholderGroup",
    "StateChange",
    "Submission",
    "SubmissionContact",
    "User",
]
