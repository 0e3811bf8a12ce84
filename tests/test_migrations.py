"""The models and the migrations describe the same schema, on SQLite and on PostgreSQL."""

import uuid

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from consult import migrate
from consult.app import create_app
from consult.extensions import db
from tests.conftest import app_settings


def test_autogenerate_finds_no_difference(app):
    with app.app_context():
        assert migrate.differences() == []
        assert migrate.current_revision() == migrate.head_revision()


@pytest.fixture
def empty_database_url(tmp_path, database_server_url):
    if database_server_url is None:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"consult_migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(database_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(database_server_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_run_up_down_and_up_again(empty_database_url, tmp_path, smtp_server):
    controller, _ = smtp_server
    other = create_app(app_settings(empty_database_url, tmp_path, controller.port), "testing")
    with other.app_context():
        migrate.upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {
            "regions",
            "municipalities",
            "region_memberships",
            "users",
            "region_roles",
        } <= tables
        migrate.downgrade("base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade()
        assert migrate.differences() == []
        db.engine.dispose()


def test_paragraph_anchor_migration_is_deterministic(empty_database_url, tmp_path, smtp_server):
    """0019 gives existing versions the anchors the services give (carried from version to
    version), the same on every run; locked sections stay locked, their hashes unchanged."""
    from datetime import date

    from sqlalchemy import select

    from consult.documents import services
    from consult.documents.importing import SectionDraft
    from consult.documents.models import DocumentVersion, Section, VersionSource
    from consult.regions.models import Region

    controller, _ = smtp_server
    other = create_app(app_settings(empty_database_url, tmp_path, controller.port), "testing")
    body = (
        "<p>Kinderen wachten te lang op specialistische jeugdhulp in onze regio.</p>"
        "<ul><li>een</li><li>twee</li></ul><p>Gemeenten kopen samen in.</p>"
    )
    with other.app_context():
        migrate.upgrade()
        session = db.session_factory()
        region = Region(code="JZ99", name="Proefregio", valid_from=date(2025, 1, 1))
        session.add(region)
        session.flush()
        document = services.create_document(session, None, region, "Visie", "")
        first = services.create_version(
            session,
            None,
            document,
            [SectionDraft(heading="Wachten", body_html=body, number="1")],
            VersionSource.EDITOR,
        )
        services.lock_version(session, first)
        lightly = body.replace("te lang", "veel te lang") + "<p>Nieuw.</p>"
        services.create_version(
            session,
            None,
            document,
            [SectionDraft(heading="Wachten", body_html=lightly, number="1")],
            VersionSource.EDITOR,
        )
        session.commit()

        def anchors() -> list[list[str]]:
            return [
                list(s.paragraph_anchors)
                for s in session.scalars(
                    select(Section)
                    .join(DocumentVersion)
                    .order_by(DocumentVersion.number, Section.position)
                )
            ]

        def hashes() -> list[str | None]:
            return list(session.scalars(select(DocumentVersion.content_hash)))

        made = anchors()
        locked_hashes = hashes()
        assert made[0] == made[1][:3]
        assert len(made[1]) == 4
        session.close()
        for _run in range(2):
            migrate.downgrade("0018_premoderation")
            migrate.upgrade()
            session = db.session_factory()
            assert anchors() == made
            assert hashes() == locked_hashes
            session.close()
        # The locked version's sections are still refused any change.
        with db.engine.begin() as connection, pytest.raises(Exception, match="locked"):
            connection.execute(text("UPDATE sections SET paragraph_anchors = '[]'"))
        db.engine.dispose()
