"""A journey: one person's path through Consult in a real browser, step by step.

Every step saves a full-page screenshot to ``test-artifacts/journeys/<journey>/`` (always,
so a person can look through them), runs axe-core (WCAG 2.1 A and AA) on the page, and on
a phone checks that nothing scrolls sideways. Problems are collected and reported together
when the journey ends, so one run shows every page that needs work; an error on the way
(a button not found by its name) ends the journey at once, with a screenshot of where.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from email.message import Message
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser import ARTIFACTS, axe_violations, csp_refusals, open_page
from tests.conftest import Outbox

JOURNEY_ARTIFACTS = ARTIFACTS / "journeys"
# Generous: another CI job may be using the CPU, and axe on a long page takes a while.
TIMEOUT_MS = 15_000
MAIL_WAIT_SECONDS = 15
expect.set_options(timeout=TIMEOUT_MS)

# The demo data (consult/seeds/demo.py, consult/seeds/demo_consultation.py).
DEMO_PASSWORD = "demo-wachtwoord-2026"
OFFICIAL = "ambtenaar.utrecht@example.org"
MODERATOR = "moderator.utrecht@example.org"
REGION = "JZ22"
DEMO_SLUG = "regiovisie-jeugdhulp-utrecht-stad-2026-2030"
DEMO_DOCUMENT_TITLE = "Regiovisie Jeugdhulp Utrecht Stad 2026–2030"

# What makes a focused element visibly focused: an outline of its own or a box-shadow that
# shows (a colour that is not transparent, some size). The browser's thin default ring
# (outline-style "auto") does not count: on our custom radios and checkboxes it is hard to see.
FOCUS_STYLE = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) { return null; }
  const style = getComputedStyle(element);
  const outline = !["none", "auto"].includes(style.outlineStyle)
    && parseFloat(style.outlineWidth) > 0;
  const shadows = style.boxShadow === "none" ? [] : style.boxShadow.split(/,(?![^(]*\\))/);
  const shadow = shadows.some(one => {
    const colour = one.match(/rgba?\\(([^)]+)\\)/);
    if (!colour) { return false; }
    const channels = colour[1].split(",").map(parseFloat);
    const alpha = channels.length === 4 ? channels[3] : 1;
    const sizes = one.replace(colour[0], "").trim().split(/\\s+/).map(parseFloat);
    return alpha > 0 && sizes.some(size => size !== 0);
  });
  return {
    tag: element.tagName.toLowerCase(),
    id: element.id,
    text: (element.innerText || element.value || "").trim().slice(0, 80),
    outline: outline ? `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}` : "",
    shadow: shadow ? style.boxShadow : "",
    computed: `outline: ${style.outlineStyle} ${style.outlineWidth}; shadow: ${style.boxShadow}`,
  };
}"""


class Journey:
    def __init__(self, page: Page, problems: list[str], name: str, base_url: str, phone: bool):
        self.page = page
        self.console = problems
        self.name = name
        self.base_url = base_url
        self.phone = phone
        self.folder = JOURNEY_ARTIFACTS / name
        self.steps = 0
        self.findings: list[str] = []

    # -- moving around -------------------------------------------------------------------

    def goto(self, path: str, label: str | None = None, status: int = 200) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None
        if response.status != status:
            self.step(f"unexpected-{response.status}", check=False)
            pytest.fail(f"{self.name}: {path} answered {response.status}, not {status}")
        if label:
            self.step(label)

    def path(self) -> str:
        return self.page.url.removeprefix(self.base_url)

    # -- checking every page -------------------------------------------------------------

    def step(
        self, label: str, *, check: bool = True, full_page: bool = True, narrow: bool | None = None
    ) -> None:
        """Screenshot the page; check it with axe and (on a phone) for sideways scrolling.

        ``full_page=False`` shows what is on the screen, e.g. where the focus is.
        """
        self.steps += 1
        self.page.wait_for_load_state("load")
        where = f"step {self.steps} '{label}' ({self.path()})"
        shot = self.folder / f"{self.steps:02d}-{_slug(label)}.png"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(shot), full_page=full_page)
        if not check:
            return
        report = axe_violations(self.page)
        if report:
            shot.with_suffix(".axe.txt").write_text(report)
            self.findings.append(f"{where}: axe found WCAG 2.1 A/AA violations:\n{report}")
        if self.phone if narrow is None else narrow:
            overflow = self.page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                wide = self.page.evaluate(WIDEST_ELEMENTS)
                self.findings.append(
                    f"{where}: the page is {overflow}px wider than the screen and scrolls "
                    f"sideways; too wide: {wide}"
                )
        refused = csp_refusals(self.console)
        if refused:
            self.findings.append(f"{where}: the browser refused content: {refused}")
            self.console.clear()

    def check_widths(self, label: str, widths: tuple[int, ...] = (320, 1280)) -> None:
        """axe (and, when narrow, no sideways scrolling) on the page as it is, at each of
        ``widths``; then back to the journey's own screen size. Nothing is reloaded, so a
        page that answered a POST is checked as shown."""
        original = self.page.viewport_size
        assert original is not None
        try:
            for width in widths:
                self.page.set_viewport_size({"width": width, "height": original["height"]})
                self.step(f"{label} at {width}px", full_page=width < 600, narrow=width < 600)
        finally:
            self.page.set_viewport_size(original)

    def expect_focus_visible(self, what: str) -> dict[str, Any]:
        """The focused element shows it: an outline of its own or a box-shadow that shows."""
        focus = self.page.evaluate(FOCUS_STYLE)
        assert focus is not None, f"{self.name}: nothing has focus at '{what}'"
        if not (focus["outline"] or focus["shadow"]):
            self.step(f"focus-invisible-{what}", check=False, full_page=False)
            self.findings.append(
                f"{self.name}: focus is not visible at '{what}': {focus} has no outline of "
                "its own and no box-shadow that shows (the browser's thin ring does not count)"
            )
        return focus

    # -- the keyboard --------------------------------------------------------------------

    def tab_to(self, target: Locator | Callable[[dict[str, Any]], bool], what: str) -> None:
        """Press Tab until ``target`` has focus (at most 150 times)."""
        for _ in range(150):
            self.page.keyboard.press("Tab")
            if isinstance(target, Locator):
                if target.evaluate("element => element === document.activeElement"):
                    return
            else:
                focus = self.page.evaluate(FOCUS_STYLE)
                if focus is not None and target(focus):
                    return
        self.step(f"tab-not-reached-{what}", check=False)
        pytest.fail(f"{self.name}: Tab never reached {what}")


WIDEST_ELEMENTS = """() => {
  const limit = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll("body *"))
    .filter(e => e.getBoundingClientRect().right > limit + 1)
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
      (e.className && typeof e.className === "string" ? "." + e.className.split(" ")[0] : ""));
}"""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60]


@contextmanager
def journey(
    browser: Browser,
    name: str,
    base_url: str,
    viewport: str | dict[str, int] = "desktop",
    language: str = "nl",
) -> Iterator[Journey]:
    """Run a journey; afterwards fail with everything axe and the other checks found."""
    folder = JOURNEY_ARTIFACTS / name
    shutil.rmtree(folder, ignore_errors=True)
    phone = viewport == "phone" or (isinstance(viewport, dict) and viewport["width"] < 600)
    with open_page(browser, viewport, language, timeout_ms=TIMEOUT_MS) as (page, problems):
        trip = Journey(page, problems, name, base_url, phone)
        try:
            yield trip
        except BaseException:
            # The original error matters more than the picture of where it happened.
            with suppress(Exception):
                trip.step("FAILED-here", check=False)
            if trip.findings:  # shown by pytest with the failure
                print("Found on the way:\n\n" + "\n\n".join(trip.findings))
            raise
    if trip.findings:
        pytest.fail(
            f"journey '{name}': {len(trip.findings)} problem(s); screenshots in "
            f"test-artifacts/journeys/{name}/\n\n" + "\n\n".join(trip.findings),
            pytrace=False,
        )


def log_in(trip: Journey, email: str) -> None:
    page = trip.page
    trip.goto("/account/inloggen", "log-in page")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("button", name="Uitloggen", exact=True).count() == 1, (
        f"{email} is not logged in; now at {trip.path()}"
    )


def wait_for_mail(outbox: Outbox, address: str, subject_part: str) -> Message:
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while time.monotonic() < deadline:
        for message in outbox.to(address):
            if subject_part in str(message["Subject"]):
                return message
        time.sleep(0.2)
    seen = [str(m["Subject"]) for m in outbox.to(address)]
    raise AssertionError(
        f"no mail to {address} about '{subject_part}' within {MAIL_WAIT_SECONDS}s; got {seen}"
    )
