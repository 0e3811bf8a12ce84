"""The browser tests' server: a real Consult served by gunicorn (see tests/live.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live import serve_consult


@pytest.fixture(scope="session")
def live_server(
    database_server_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL (``http://127.0.0.1:PORT``) of a gunicorn serving a seeded Consult."""
    with serve_consult(database_server_url, tmp_path_factory.mktemp("live")) as (url, _log):
        yield url
