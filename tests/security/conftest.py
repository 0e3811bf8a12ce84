"""Fixtures of the security pack: the attacked world, and a client per attacker."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import log_in, make_client
from tests.security import world as world_module


@pytest.fixture
def world(session) -> world_module.World:
    return world_module.build(session)


def client_for(app: Flask, person=None) -> FlaskClient:
    """An English client, logged in as ``person`` (None: anonymous)."""
    client = make_client(app, "en")
    if person is not None:
        log_in(client, person.email)
    return client
