"""Counting a journey's taps and pages, as a person on a phone would feel them.

A tap is a click, a check or a fill that needs the finger on the screen first (a field
is filled after tapping it). A page is a page load after the starting page. The counts
are printed and asserted by the journeys that measure the path (issue 17).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import Locator, Page


@dataclass
class TapCounter:
    page: Page
    taps: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    counting_pages: bool = False

    def __post_init__(self) -> None:
        self.page.on("load", self._loaded)

    def _loaded(self, _page: Page) -> None:
        if self.counting_pages:
            self.pages.append(self.page.url)

    def start(self) -> None:
        """From now on page loads count (call it on the starting page)."""
        self.pages.clear()
        self.counting_pages = True

    def click(self, locator: Locator, what: str) -> None:
        self.taps.append(f"tap {what}")
        locator.click()

    def check(self, locator: Locator, what: str) -> None:
        self.taps.append(f"tick {what}")
        locator.check()

    def fill(self, locator: Locator, text: str, what: str) -> None:
        self.taps.append(f"type {what}")
        locator.click()
        locator.fill(text)

    def report(self, title: str) -> str:
        lines = [f"{title}: {len(self.taps)} taps, {len(self.pages)} pages"]
        lines += [f"  {n}. {t}" for n, t in enumerate(self.taps, 1)]
        lines += [f"  page {n}: {p}" for n, p in enumerate(self.pages, 1)]
        return "\n".join(lines)
