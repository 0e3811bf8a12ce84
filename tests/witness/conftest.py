"""Fixtures for the witness tests."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def consultation(session):
    return factories.consultation(session)
