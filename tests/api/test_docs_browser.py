"""The API documentation page in a real browser (axe, WCAG 2.1 AA), and the API read
cross-origin by a script on another site, as a newsroom's page would."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import VIEWPORTS, artifact_name, axe_violations, open_page, save_failure


@pytest.fixture
def live_api(live_server: str) -> str:
    """The run's served Consult (tests/conftest.py): these tests only read from it."""
    return live_server


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_docs_page_meets_wcag_21_aa(
    browser: Browser, live_api: str, language: str, viewport: str
) -> None:
    with open_page(browser, viewport, language) as (page, problems):
        response = page.goto(f"{live_api}/api/v1/docs")
        assert response is not None
        assert response.status == 200
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("h1")).to_be_visible()
        report = axe_violations(page)
        if report:
            name = artifact_name("axe", "api-docs", language, viewport)
            pytest.fail(f"{viewport}, {language}:\n{report}\n" + save_failure(page, name, report))
        assert not problems, problems


@contextmanager
def another_site() -> Iterator[str]:
    """A page on another origin (another port), served by a plain local HTTP server."""

    class Blank(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<!doctype html><title>Another site</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Blank)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_another_site_can_read_the_api_with_fetch(browser: Browser, live_api: str) -> None:
    """CORS in a real browser: a script on a page of another origin reads a list, with a
    header that needs a preflight (If-None-Match)."""
    with another_site() as origin, open_page(browser, "desktop", "en") as (page, problems):
        page.goto(origin)
        result = page.evaluate(
            """async (url) => {
                const response = await fetch(url, {headers: {"If-None-Match": "x"}});
                const body = await response.json();
                return {status: response.status, etag: response.headers.get("ETag"),
                        regions: body.data.length, next: body.next};
            }""",
            f"{live_api}/api/v1/regions?limit=5",
        )
    assert not problems, problems
    assert result["status"] == 200
    assert result["etag"]
    assert result["regions"] == 5
    assert result["next"].startswith(f"{live_api}/api/v1/regions?")
