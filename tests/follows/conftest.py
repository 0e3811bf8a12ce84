"""Fixtures of the follow tests: a consultation with a team (``world``) and a follower."""

from __future__ import annotations

import pytest

from tests import factories
from tests.responses.tracing_support import World, make_world

FOLLOWER = "volger@example.org"


@pytest.fixture
def world(session) -> World:
    return make_world(session)


@pytest.fixture
def follower(session):
    return factories.user(session, FOLLOWER, locale="en")
