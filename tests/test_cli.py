"""The consult command: seeds, users and the database, as an operator would use them."""

from sqlalchemy import func, select

from consult.accounts.models import User
from consult.accounts.passwords import verify_password
from consult.permissions import RegionRoleKind
from consult.regions.models import Municipality, Region, RegionMembership
from consult.seeds.demo import DEMO_ACCOUNTS, DEMO_PASSWORD


def invoke(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False, **kwargs)


def test_seed_regions_is_idempotent(app, session):
    result = invoke(app, "seed", "regions")
    assert result.exit_code == 0
    assert "regions are up to date" in result.output
    assert session.scalar(select(func.count()).select_from(Region)) == 42
    assert session.scalar(select(func.count()).select_from(Municipality)) == 342
    assert session.scalar(select(func.count()).select_from(RegionMembership)) == 342


def test_user_create_makes_a_confirmed_official_of_one_region(app, session):
    result = invoke(
        app,
        "user",
        "create",
        "Anne@Example.org",
        "--role",
        "official",
        "--region",
        "jz22",
        "--password",
        "a long enough password",
    )
    assert result.exit_code == 0, result.output
    assert "official in JZ22 Utrecht Stad" in result.output
    user = session.scalar(select(User).where(User.email_key == "anne@example.org"))
    assert user is not None
    assert user.is_confirmed
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, "a long enough password")
    assert [(r.region.code, r.role) for r in user.region_roles] == [
        ("JZ22", RegionRoleKind.OFFICIAL)
    ]


def test_user_create_again_adds_a_role_without_a_second_account(app, session):
    args = ["user", "create", "sam@example.org", "--password", "a long enough password"]
    invoke(app, *args, "--role", "moderator", "--region", "JZ22")
    result = invoke(app, *args, "--role", "moderator", "--region", "JZ22")
    assert "already existed" in result.output
    invoke(app, *args, "--role", "responder", "--region", "JZ24")
    user = session.scalar(select(User).where(User.email_key == "sam@example.org"))
    session.refresh(user)
    roles = sorted((r.region.code, r.role.value) for r in user.region_roles)
    assert roles == [("JZ22", "moderator"), ("JZ24", "responder")]
    count = session.scalar(
        select(func.count()).select_from(User).where(User.email_key == "sam@example.org")
    )
    assert count == 1


def test_user_create_asks_for_a_region_for_a_region_role(app):
    result = app.test_cli_runner().invoke(
        args=[
            "user",
            "create",
            "x@example.org",
            "--role",
            "official",
            "--password",
            "long enough pw",
        ]
    )
    assert result.exit_code == 2
    assert "a region role needs --region CODE" in result.output


def test_user_create_rejects_an_unknown_region(app):
    result = app.test_cli_runner().invoke(
        args=[
            "user",
            "create",
            "x@example.org",
            "--role",
            "official",
            "--region",
            "JZ99",
            "--password",
            "long enough pw",
        ]
    )
    assert result.exit_code == 2
    assert "there is no region JZ99" in result.output


def test_user_create_admin(app, session):
    invoke(
        app,
        "user",
        "create",
        "root@example.org",
        "--role",
        "admin",
        "--password",
        "a long enough password",
    )
    user = session.scalar(select(User).where(User.email_key == "root@example.org"))
    assert user.is_platform_admin


def test_seed_demo_prints_the_log_ins_and_is_idempotent(app, session):
    first = invoke(app, "seed", "demo")
    second = invoke(app, "seed", "demo")
    assert first.exit_code == second.exit_code == 0
    assert DEMO_PASSWORD in first.output
    for email, *_ in DEMO_ACCOUNTS:
        assert email in first.output
    emails = [email for email, *_ in DEMO_ACCOUNTS]
    count = session.scalar(select(func.count()).select_from(User).where(User.email_key.in_(emails)))
    assert count == len(DEMO_ACCOUNTS)


def test_seed_demo_is_refused_in_production(app):
    app.config["ENV_NAME"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["seed", "demo"])
    finally:
        app.config["ENV_NAME"] = "testing"
    assert result.exit_code == 1
    assert "never seeded in production" in result.output


def test_every_command_has_help(app):
    for group, commands in {
        "db": ["upgrade", "downgrade", "revision", "check"],
        "seed": ["regions", "demo"],
        "user": ["create"],
        "region": ["split", "merge"],
    }.items():
        for command in commands:
            result = invoke(app, group, command, "--help")
            assert result.exit_code == 0
            assert "Usage:" in result.output


def test_db_check_reports_agreement(app):
    result = invoke(app, "db", "check")
    assert "the models and the migrations agree" in result.output


def test_unreachable_database_is_a_clear_message_not_a_traceback(tmp_path, smtp_server):
    from consult.app import create_app
    from tests.conftest import app_settings

    controller, _ = smtp_server
    settings = app_settings("postgresql://consult@127.0.0.1:9/consult", tmp_path, controller.port)
    broken = create_app(settings, environment="testing")
    result = broken.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 1
    assert "cannot reach the database at postgresql://consult@127.0.0.1:9/consult" in result.output
    assert "Is it running" in result.output
    assert "Traceback" not in result.output


def test_user_create_applies_the_password_rules(app, session):
    result = app.test_cli_runner().invoke(
        args=["user", "create", "weak@example.org", "--password", "short"]
    )
    assert result.exit_code == 2
    assert "Use at least 10 characters." in result.output
    assert session.scalar(select(User).where(User.email_key == "weak@example.org")) is None
