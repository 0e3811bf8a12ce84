"""Laying out a PDF with WeasyPrint: tagged (PDF/UA-1), and without fetching anything.

Used by every PDF Consult makes: the reactienota, the plan of a consultation, the poster.
WeasyPrint would fetch any ``<img>``, ``<link>`` or ``url()`` it meets, from the web or
from the disk; the fetcher given to it here (:func:`refusing_fetcher`) refuses every URL.
A document made here embeds its CSS as a string, draws with inline SVG, and uses the
system's fonts. The language of the PDF is the ``lang`` of its ``<html>``, its outline is
made from the headings (CSS ``bookmark-level``), and its title from ``<title>``.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app, g
from flask_babel import force_locale

log = logging.getLogger(__name__)


@contextmanager
def offline_request(locale: str) -> Iterator[None]:
    """A request context at the public address (``BASE_URL``), in ``locale``, for a job.

    Inside a request (the inline runner) Flask shares ``g`` with it, so the reader's own
    language is put back afterwards.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with app.test_request_context("/", base_url=app.config.get("BASE_URL") or None):
        before = g.get("locale")
        g.locale = locale
        try:
            with force_locale(locale):
                yield
        finally:
            if before is None:
                g.pop("locale", None)
            else:
                g.locale = before


def _weasyprint() -> Any:
    import weasyprint

    return weasyprint


@functools.cache
def _fetcher_class() -> type:
    weasyprint = _weasyprint()

    class RefusingFetcher(weasyprint.URLFetcher):  # type: ignore[misc, name-defined]
        """Fetches nothing, and remembers what it was asked for (the tests look)."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=(), allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            self.refused.append(url)
            log.warning("a PDF asked for %r; refused", url[:200])
            raise ValueError(f"Consult fetches no URL while making a PDF: {url[:200]}")

    return RefusingFetcher


def refusing_fetcher() -> Any:
    """A WeasyPrint URL fetcher that refuses every URL: file:, http(s):, data:, all."""
    return _fetcher_class()()


class _PageProgress(logging.Handler):
    """Turns WeasyPrint's progress log ("Creating layout - Page 12") into job progress.

    Only records of the thread doing this job count, so two jobs in one process do not mix.
    """

    def __init__(self, report: Callable[[int], None]) -> None:
        super().__init__(logging.INFO)
        self.thread = threading.get_ident()
        self.report = report
        self.page = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread or not str(record.msg).startswith("Step 5"):
            return
        if record.args and isinstance(record.args, tuple) and isinstance(record.args[0], int):
            self.page = max(self.page, record.args[0])
            self.report(self.page)


def render_pdf(
    html: str,
    *,
    fetcher: Any | None = None,
    on_page: Callable[[int], None] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> bytes:
    """Lay out ``html`` as a tagged PDF (PDF/UA-1) without fetching anything."""
    weasyprint = _weasyprint()
    fetcher = fetcher if fetcher is not None else refusing_fetcher()
    handler = _PageProgress(on_page) if on_page else None
    progress_log = logging.getLogger("weasyprint.progress")
    previous_level = progress_log.level
    if handler:
        progress_log.addHandler(handler)
        progress_log.setLevel(logging.INFO)
    try:
        document = weasyprint.HTML(string=html, url_fetcher=fetcher, base_url=None).render(
            pdf_variant="pdf/ua-1"
        )
        if on_step:
            on_step("write")
        return bytes(document.write_pdf(pdf_variant="pdf/ua-1"))
    finally:
        if handler:
            progress_log.removeHandler(handler)
            progress_log.setLevel(previous_level)


# How often a job's page count is written while it lays out (every page would be a write).
PROGRESS_EVERY_SECONDS = 0.5


def render_pdf_for_job(
    html: str, progress: Callable[[int, int, str], None], *, step: int, total: int
) -> bytes:
    """:func:`render_pdf` inside a job, telling its ``progress`` how far it is.

    While it lays out: step ``step`` of ``total``, ``"layout:<page>"``, at most twice a
    second; while it writes the file: step ``step + 1``, ``"write"``.
    """
    last = [0.0]

    def on_page(page: int) -> None:
        now = time.monotonic()
        if now - last[0] > PROGRESS_EVERY_SECONDS:
            last[0] = now
            progress(step, total, f"layout:{page}")

    progress(step, total, "layout:0")
    return render_pdf(html, on_page=on_page, on_step=lambda name: progress(step + 1, total, name))
