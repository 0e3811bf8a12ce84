"""Imports every domain's models, so that metadata (and Alembic) sees all tables."""

from consult.accounts.models import RegionRole, User
from consult.comments.models import (
    Comment,
    CommentReport,
    ModerationAction,
    QuestionAnswer,
    Submission,
    SubmissionContact,
)
from consult.consultations.models import (
    ActivityParticipants,
    AnswerDateChange,
    ClosingChange,
    Consultation,
    CouncilDecision,
    InvitedGroup,
    OfflineActivity,
    Question,
    StateChange,
)
from consult.documents.models import (
    Document,
    DocumentImport,
    DocumentVersion,
    Section,
    VersionPdf,
)
from consult.files.models import Attachment
from consult.follows.models import Follow, Notice
from consult.jobs import Job
from consult.ledger.cosignatures import RecordCosignature
from consult.ledger.models import (
    RecordCheckpoint,
    RecordEvent,
    RecordHead,
    RecordNode,
    RecordPromise,
)
from consult.organisations.models import Organisation, OrganisationKind, OrganisationMember
from consult.outbox import OutboxMail
from consult.participation.models import LundyStatement
from consult.permissions import RegionRoleKind
from consult.regions.models import Municipality, Region, RegionMembership, RegionSuccession
from consult.reports.models import ReportFile, ResponseReport
from consult.responses.models import (
    Answer,
    AnsweredComment,
    AnswerNotice,
    AnswerSection,
    CommentGroup,
    CommentGroupMember,
    CommentKeptApart,
)
from consult.stakeholders.models import StakeholderGroup

__all__ = [
    "ActivityParticipants",
    "Answer",
    "AnswerDateChange",
    "AnswerNotice",
    "AnswerSection",
    "AnsweredComment",
    "Attachment",
    "ClosingChange",
    "Comment",
    "CommentGroup",
    "CommentGroupMember",
    "CommentKeptApart",
    "CommentReport",
    "Consultation",
    "CouncilDecision",
    "Document",
    "DocumentImport",
    "DocumentVersion",
    "Follow",
    "InvitedGroup",
    "Job",
    "LundyStatement",
    "ModerationAction",
    "Municipality",
    "Notice",
    "OfflineActivity",
    "Organisation",
    "OrganisationKind",
    "OrganisationMember",
    "OutboxMail",
    "Question",
    "QuestionAnswer",
    "RecordCheckpoint",
    "RecordCosignature",
    "RecordEvent",
    "RecordHead",
    "RecordNode",
    "RecordPromise",
    "Region",
    "RegionMembership",
    "RegionRole",
    "RegionRoleKind",
    "RegionSuccession",
    "ReportFile",
    "ResponseReport",
    "Section",
    "StakeholderGroup",
    "StateChange",
    "Submission",
    "SubmissionContact",
    "User",
    "VersionPdf",
]
