"""Fixtures for the witness tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from consult.db import utcnow
from consult.ledger import checkpoints, signing
from consult.ledger.models import RecordCheckpoint
from consult.witness import state
from tests import factories
from tests.witness.helpers import serving


@pytest.fixture
def consultation(session):
    return factories.consultation(session)


ORIGIN = "consult.test/record"
NAMES = ("ieder-in.example/witness", "gemeente.example/witness")


class Witnesses:
    """Witness directories served over HTTP, and the platform configured with them."""

    def __init__(self, app, tmp_path: Path, stack: ExitStack, names: tuple[str, ...]) -> None:
        self.app = app
        self.dirs: dict[str, Path] = {}
        self.urls: dict[str, str] = {}
        self.stack = stack
        with app.app_context():
            log_vkey = signing.verifier_key(ORIGIN, signing.public_bytes(signing.signing_key()))
        self.witnesses = {}
        for name in names:
            folder = tmp_path / name.replace("/", "_")
            witness = state.init(folder, name)
            witness.add_log(ORIGIN, log_vkey)
            self.dirs[name] = folder
            self.witnesses[name] = witness
            self.urls[name] = stack.enter_context(serving(witness))

    @property
    def config(self) -> list[tuple[str, str]]:
        return [(str(w.vkey), self.urls[name]) for name, w in self.witnesses.items()]

    def vkey(self, name: str) -> str:
        return str(self.witnesses[name].vkey)

    def size(self, name: str) -> int | None:
        return state.Witness(self.dirs[name]).state()["logs"][ORIGIN].get("size")


@pytest.fixture
def two(app, tmp_path, monkeypatch) -> Iterator[Witnesses]:
    """Two witnesses served over HTTP, configured as the platform's CONSULT_WITNESSES."""
    with ExitStack() as stack:
        witnesses = Witnesses(app, tmp_path, stack, NAMES)
        monkeypatch.setitem(app.config, "WITNESSES", witnesses.config)
        yield witnesses


def sign(session, consultation, events: int = 2) -> RecordCheckpoint:
    """New events and a checkpoint, committed: the witnesses' job runs (inline in tests)."""
    factories.record_events(session, consultation, events)
    made = checkpoints.make(session, "manual", now=utcnow())
    session.commit()
    return made
