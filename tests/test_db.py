"""The database layer: UTC moments, constraints in the database, rolled-back tests."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from consult.accounts.models import User
from consult.regions.models import Region
from tests import factories


def test_moments_come_back_aware_and_in_utc(session):
    amsterdam_summer = timezone(timedelta(hours=2))
    person = factories.user(session)
    person.last_login_at = datetime(2026, 7, 1, 14, 30, tzinfo=amsterdam_summer)
    session.flush()
    session.expire_all()
    stored = session.scalar(select(User).where(User.id == person.id))
    assert stored.last_login_at == datetime(2026, 7, 1, 12, 30, tzinfo=UTC)
    assert stored.last_login_at.utcoffset() == timedelta(0)


def test_naive_moments_are_refused(session):
    person = factories.user(session)
    person.last_login_at = datetime(2026, 7, 1, 14, 30)  # noqa: DTZ001 - the point of the test
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()
    session.rollback()


def test_the_database_checks_a_region_period(session):
    session.add(
        Region(code="JZ99", name="Test", valid_from=date(2026, 1, 1), valid_to=date(2025, 1, 1))
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_email_addresses_are_unique_regardless_of_case(session):
    factories.user(session, "Sam@Example.org")
    from consult.accounts.services import AccountError, create_user

    with pytest.raises(AccountError):
        create_user(session, "sam@example.ORG", "a long enough password")
    # And the database itself refuses it, whatever the code above does.
    session.add(User(email="SAM@example.org", email_key="sam@example.org", password_hash="x"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_a_municipality_has_one_open_membership_at_most(session):
    from consult.regions.models import Municipality, RegionMembership

    utrecht = session.scalar(select(Municipality).where(Municipality.code == "GM0344"))
    session.add(
        RegionMembership(
            region=factories.region(session, "JZ24"),
            municipality=utrecht,
            valid_from=date(2026, 1, 1),
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


class TestRollback:
    """Two tests in order: what the first stores, the second must not see."""

    def test_store_a_person(self, session):
        factories.user(session, "only-in-one-test@example.org")
        session.commit()  # releases the test's savepoint; the outer transaction still rolls back
        assert session.scalar(select(User).where(User.email_key == "only-in-one-test@example.org"))

    def test_the_person_is_gone(self, session):
        assert (
            session.scalar(select(User).where(User.email_key == "only-in-one-test@example.org"))
            is None
        )
