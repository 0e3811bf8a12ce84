"""What the factories share: one running number for unique names, and the app's context."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

from flask import has_app_context
from sqlalchemy.orm import Session

_sequence = itertools.count(1)


def next_number() -> int:
    """A number no other factory call of this run got: for unique emails, names and slugs."""
    return next(_sequence)


@contextmanager
def app_context(session: Session) -> Iterator[None]:
    """The test app's context around services that sign the record (a consultation's
    state change makes a checkpoint with the instance's key), for tests that also use
    the client and so must not keep one pushed (see tests/conftest.py)."""
    if has_app_context():
        yield
        return
    with session.info["app"].test_request_context(headers={"Accept-Language": "en"}):
        yield
