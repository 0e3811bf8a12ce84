"""consultations, documents, submissions and comments

Revision ID: e1c5149fb3c6
Revises: 8d2656e2538c
Create Date: 2026-11-23 15:04:04.265834
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import consult.db

revision: str = "e1c5149fb3c6"
down_revision: str | Sequence[str] | None = "8d2656e2538c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


STAKEHOLDER_GROUPS = [
    ("young_person", "jongere", "young person"),
    ("parent", "ouder of verzorger", "parent or carer"),
    ("foster_parent", "pleegouder", "foster parent"),
    ("experience_expert", "ervaringsdeskundige", "experience expert"),
    ("care_provider", "zorgaanbieder", "care provider"),
    (
        "professional",
        "professional (bijvoorbeeld jeugdarts of leerkracht)",
        "professional (e.g. youth doctor or teacher)",
    ),
    ("advocacy_group", "belangenbehartiger", "advocacy group"),
    ("municipality", "gemeente of raadslid", "municipality or council member"),
    ("other", "anders", "other"),
]


def upgrade() -> None:

    stakeholder_groups = op.create_table(
        "stakeholder_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_nl", sa.String(length=120), nullable=False),
        sa.Column("label_en", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("asks_age_band", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stakeholder_groups")),
        sa.UniqueConstraint("code", name=op.f("uq_stakeholder_groups_code")),
    )
    # The fixed list of DOMAIN.md; a platform admin can add more later.
    op.bulk_insert(
        stakeholder_groups,
        [
            {
                "code": code,
                "label_nl": nl,
                "label_en": en,
                "position": position,
                "asks_age_band": code == "young_person",
                "active": True,
            }
            for position, (code, nl, en) in enumerate(STAKEHOLDER_GROUPS, start=1)
        ],
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_documents_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_documents_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_region_id"), ["region_id"], unique=False)

    op.create_table(
        "document_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "docx",
                "markdown",
                "editor",
                name="versionsource",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("change_note", sa.Text(), nullable=False),
        sa.Column("import_notes", sa.Text(), nullable=False),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("locked_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.CheckConstraint("number >= 1", name=op.f("ck_document_versions_positive_number")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_document_versions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_versions_document_id_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_versions")),
        sa.UniqueConstraint(
            "document_id", "number", name=op.f("uq_document_versions_document_id_number")
        ),
    )
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_versions_document_id"), ["document_id"], unique=False
        )

    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("introduction", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("opens_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "scheduled",
                "open",
                "closed",
                name="consultationstate",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "closes_at > opens_at", name=op.f("ck_consultations_closes_after_opening")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_consultations_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_consultations_region_id_regions")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_versions.id"],
            name=op.f("fk_consultations_version_id_document_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
        sa.UniqueConstraint("slug", name=op.f("uq_consultations_slug")),
    )
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consultations_region_id"), ["region_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_consultations_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("anchor", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("heading", sa.String(length=500), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 6", name=op.f("ck_sections_heading_level")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_versions.id"],
            name=op.f("fk_sections_version_id_document_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sections")),
        sa.UniqueConstraint("version_id", "anchor", name=op.f("uq_sections_version_id_anchor")),
        sa.UniqueConstraint("version_id", "position", name=op.f("uq_sections_version_id_position")),
    )
    with op.batch_alter_table("sections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sections_version_id"), ["version_id"], unique=False)

    op.create_table(
        "consultation_closing_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("old_closes_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("new_closes_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_consultation_closing_changes_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_closing_changes_consultation_id_consultations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_closing_changes")),
    )
    with op.batch_alter_table("consultation_closing_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_closing_changes_consultation_id"),
            ["consultation_id"],
            unique=False,
        )

    op.create_table(
        "consultation_invited_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("stakeholder_group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_invited_groups_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["stakeholder_group_id"],
            ["stakeholder_groups.id"],
            name=op.f("fk_consultation_invited_groups_stakeholder_group_id_stakeholder_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_invited_groups")),
        sa.UniqueConstraint(
            "consultation_id",
            "stakeholder_group_id",
            name=op.f("uq_consultation_invited_groups_consultation_id_stakeholder_group_id"),
        ),
    )
    with op.batch_alter_table("consultation_invited_groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_invited_groups_consultation_id"),
            ["consultation_id"],
            unique=False,
        )

    op.create_table(
        "consultation_state_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_state",
            sa.Enum(
                "draft",
                "scheduled",
                "open",
                "closed",
                name="from_state",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_state",
            sa.Enum(
                "draft",
                "scheduled",
                "open",
                "closed",
                name="to_state",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("changed_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_consultation_state_changes_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_state_changes_consultation_id_consultations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_state_changes")),
    )
    with op.batch_alter_table("consultation_state_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_state_changes_consultation_id"),
            ["consultation_id"],
            unique=False,
        )

    op.create_table(
        "offline_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "meeting",
                "school_session",
                "interview",
                "workshop",
                "other",
                name="activitykind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_offline_activities_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_offline_activities_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offline_activities")),
    )
    with op.batch_alter_table("offline_activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_offline_activities_consultation_id"), ["consultation_id"], unique=False
        )

    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "open_text",
                "single_choice",
                "multiple_choice",
                "scale",
                name="questionkind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("hint", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_questions_consultation_id_consultations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
        sa.UniqueConstraint(
            "consultation_id", "position", name=op.f("uq_questions_consultation_id_position")
        ),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_questions_consultation_id"), ["consultation_id"], unique=False
        )

    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("tracking_code", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("stakeholder_group_id", sa.Integer(), nullable=False),
        sa.Column(
            "age_band",
            sa.Enum(
                "under_12",
                "12_15",
                "16_17",
                "18_23",
                name="ageband",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("organisation_name", sa.String(length=200), nullable=True),
        sa.Column("organisation_verified", sa.Boolean(), nullable=False),
        sa.Column("publish_text", sa.Boolean(), nullable=False),
        sa.Column("publish_name", sa.Boolean(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "confirmed",
                "discarded",
                name="submissionstate",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("received_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("discarded_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "NOT (organisation_id IS NOT NULL AND organisation_name IS NOT NULL)",
            name=op.f("ck_submissions_one_kind_of_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_submissions_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_submissions_municipality_id_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_submissions_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["stakeholder_group_id"],
            ["stakeholder_groups.id"],
            name=op.f("fk_submissions_stakeholder_group_id_stakeholder_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_submissions_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint(
            "consultation_id",
            "idempotency_key",
            name=op.f("uq_submissions_consultation_id_idempotency_key"),
        ),
        sa.UniqueConstraint("tracking_code", name=op.f("uq_submissions_tracking_code")),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submissions_consultation_id"), ["consultation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_submissions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(submission_id IS NULL) <> (activity_id IS NULL)",
            name=op.f("ck_attachments_belongs_to_one_owner"),
        ),
        sa.CheckConstraint("size > 0", name=op.f("ck_attachments_not_empty")),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["offline_activities.id"],
            name=op.f("fk_attachments_activity_id_offline_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_attachments_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attachments_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_attachments_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "hidden_reason",
            sa.Enum(
                "personal_data",
                "offensive",
                "discrimination",
                "threat",
                "spam",
                "other",
                name="hidereason",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("hidden_note", sa.Text(), nullable=True),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_comments_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["section_id"], ["sections.id"], name=op.f("fk_comments_section_id_sections")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_comments_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
        sa.UniqueConstraint(
            "submission_id", "position", name=op.f("uq_comments_submission_id_position")
        ),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comments_public_by_section",
            ["consultation_id", "section_id", "is_public", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_comments_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "offline_activity_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("stakeholder_group_id", sa.Integer(), nullable=False),
        sa.Column("age_band", sa.String(length=16), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "count > 0", name=op.f("ck_offline_activity_participants_positive_count")
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["offline_activities.id"],
            name=op.f("fk_offline_activity_participants_activity_id_offline_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["stakeholder_group_id"],
            ["stakeholder_groups.id"],
            name=op.f("fk_offline_activity_participants_stakeholder_group_id_stakeholder_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offline_activity_participants")),
    )
    with op.batch_alter_table("offline_activity_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_offline_activity_participants_activity_id"),
            ["activity_id"],
            unique=False,
        )

    op.create_table(
        "question_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_question_answers_question_id_questions"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_question_answers_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_answers")),
        sa.UniqueConstraint(
            "submission_id",
            "question_id",
            name=op.f("uq_question_answers_submission_id_question_id"),
        ),
    )
    with op.batch_alter_table("question_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_question_answers_question_id"), ["question_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_question_answers_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "submission_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("display_name", sa.String(length=120), nullable=True),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("erased_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_submission_contacts_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_contacts")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_submission_contacts_submission_id")),
    )
    op.create_table(
        "comment_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "personal_data",
                "offensive",
                "discrimination",
                "threat",
                "spam",
                "other",
                name="hidereason",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reported_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name=op.f("fk_comment_reports_comment_id_comments")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_comment_reports_reporter_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_reports")),
    )
    with op.batch_alter_table("comment_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comment_reports_comment_id"), ["comment_id"], unique=False
        )

    op.create_table(
        "moderation_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "hide", "unhide", name="moderationkind", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column(
            "reason",
            sa.Enum(
                "personal_data",
                "offensive",
                "discrimination",
                "threat",
                "spam",
                "other",
                name="hidereason",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("acted_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_moderation_actions_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name=op.f("fk_moderation_actions_comment_id_comments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_actions")),
    )
    with op.batch_alter_table("moderation_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_moderation_actions_comment_id"), ["comment_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("moderation_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_actions_comment_id"))

    op.drop_table("moderation_actions")
    with op.batch_alter_table("comment_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_reports_comment_id"))

    op.drop_table("comment_reports")
    op.drop_table("submission_contacts")
    with op.batch_alter_table("question_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_answers_submission_id"))
        batch_op.drop_index(batch_op.f("ix_question_answers_question_id"))

    op.drop_table("question_answers")
    with op.batch_alter_table("offline_activity_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offline_activity_participants_activity_id"))

    op.drop_table("offline_activity_participants")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comments_submission_id"))
        batch_op.drop_index("ix_comments_public_by_section")

    op.drop_table("comments")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_submission_id"))
        batch_op.drop_index(batch_op.f("ix_attachments_activity_id"))

    op.drop_table("attachments")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_user_id"))
        batch_op.drop_index(batch_op.f("ix_submissions_consultation_id"))

    op.drop_table("submissions")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questions_consultation_id"))

    op.drop_table("questions")
    with op.batch_alter_table("offline_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offline_activities_consultation_id"))

    op.drop_table("offline_activities")
    with op.batch_alter_table("consultation_state_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_state_changes_consultation_id"))

    op.drop_table("consultation_state_changes")
    with op.batch_alter_table("consultation_invited_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_invited_groups_consultation_id"))

    op.drop_table("consultation_invited_groups")
    with op.batch_alter_table("consultation_closing_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_closing_changes_consultation_id"))

    op.drop_table("consultation_closing_changes")
    with op.batch_alter_table("sections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sections_version_id"))

    op.drop_table("sections")
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultations_version_id"))
        batch_op.drop_index(batch_op.f("ix_consultations_region_id"))

    op.drop_table("consultations")
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_versions_document_id"))

    op.drop_table("document_versions")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_region_id"))

    op.drop_table("documents")
    op.drop_table("stakeholder_groups")
