"""foundation: regions, accounts, roles, organisations

Revision ID: 8d2656e2538c
Revises:
Create Date: 2026-11-23 14:33:48.478262
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import consult.db

revision: str = "8d2656e2538c"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "municipalities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=False),
        sa.Column("aliases", sa.String(length=400), nullable=False),
        sa.Column("search_key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipalities")),
        sa.UniqueConstraint("code", name=op.f("uq_municipalities_code")),
    )
    with op.batch_alter_table("municipalities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_municipalities_search_key"), ["search_key"], unique=False
        )

    op.create_table(
        "regions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("provinces", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to > valid_from", name=op.f("ck_regions_valid_period")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regions")),
        sa.UniqueConstraint("code", name=op.f("uq_regions_code")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=True),
        sa.Column("is_platform_admin", sa.Boolean(), nullable=False),
        sa.Column("email_confirmed_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("session_nonce", sa.String(length=32), nullable=False),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email_key", name=op.f("uq_users_email_key")),
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "advocacy_group",
                "client_council",
                "youth_council",
                "support_point",
                "care_provider",
                "professional_body",
                "other",
                name="organisationkind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verified_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["verified_by_id"],
            ["users.id"],
            name=op.f("fk_organisations_verified_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("slug", name=op.f("uq_organisations_slug")),
    )
    op.create_table(
        "region_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to > valid_from",
            name=op.f("ck_region_memberships_valid_period"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_region_memberships_municipality_id_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_region_memberships_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_memberships")),
    )
    with op.batch_alter_table("region_memberships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_region_memberships_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(
            "uq_region_memberships_open_municipality",
            ["municipality_id"],
            unique=True,
            sqlite_where=sa.text("valid_to IS NULL"),
            postgresql_where=sa.text("valid_to IS NULL"),
        )
        batch_op.create_index(
            batch_op.f("ix_region_memberships_region_id"), ["region_id"], unique=False
        )

    op.create_table(
        "region_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "official",
                "moderator",
                "responder",
                name="regionrolekind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("granted_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["granted_by_id"],
            ["users.id"],
            name=op.f("fk_region_roles_granted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_region_roles_region_id_regions")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_region_roles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_roles")),
        sa.UniqueConstraint(
            "user_id", "region_id", "role", name=op.f("uq_region_roles_user_id_region_id_role")
        ),
    )
    with op.batch_alter_table("region_roles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_region_roles_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_region_roles_user_id"), ["user_id"], unique=False)

    op.create_table(
        "region_successions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("predecessor_id", sa.Integer(), nullable=False),
        sa.Column("successor_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "split", "merge", name="successionkind", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "predecessor_id <> successor_id", name=op.f("ck_region_successions_distinct_regions")
        ),
        sa.ForeignKeyConstraint(
            ["predecessor_id"],
            ["regions.id"],
            name=op.f("fk_region_successions_predecessor_id_regions"),
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"],
            ["regions.id"],
            name=op.f("fk_region_successions_successor_id_regions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_successions")),
    )
    with op.batch_alter_table("region_successions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_region_successions_predecessor_id"), ["predecessor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_region_successions_successor_id"), ["successor_id"], unique=False
        )

    op.create_table(
        "organisation_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("joined_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_members_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_organisation_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_members")),
        sa.UniqueConstraint(
            "organisation_id",
            "user_id",
            name=op.f("uq_organisation_members_organisation_id_user_id"),
        ),
    )
    with op.batch_alter_table("organisation_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_members_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_organisation_members_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("organisation_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_organisation_members_organisation_id"))

    op.drop_table("organisation_members")
    with op.batch_alter_table("region_successions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_successions_successor_id"))
        batch_op.drop_index(batch_op.f("ix_region_successions_predecessor_id"))

    op.drop_table("region_successions")
    with op.batch_alter_table("region_roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_roles_user_id"))
        batch_op.drop_index(batch_op.f("ix_region_roles_region_id"))

    op.drop_table("region_roles")
    with op.batch_alter_table("region_memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_memberships_region_id"))
        batch_op.drop_index(batch_op.f("ix_region_memberships_municipality_id"))
        batch_op.drop_index("uq_region_memberships_open_municipality")

    op.drop_table("region_memberships")
    op.drop_table("organisations")
    op.drop_table("users")
    op.drop_table("regions")
    with op.batch_alter_table("municipalities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_municipalities_search_key"))

    op.drop_table("municipalities")
