"""The journeys' checks fail when a page breaks the rules (issue 8: "an accessibility
violation introduced on purpose makes the suite fail").

A served page is changed in the browser, the way a template mistake would change it, and
the very machinery every journey uses (``journey`` and ``Journey.step``) must fail the test
and say why, with the screenshot and axe's report saved. The same page unchanged passes, so
the failure comes from the change and nothing else.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.journeys.conftest import JourneyServer
from tests.journeys.support import JOURNEY_ARTIFACTS, journey

pytestmark = pytest.mark.timeout(300)

UNLABELLED_INPUT = """() => {
  const input = document.createElement("input");
  input.type = "text";
  input.name = "zonder-label";
  document.querySelector("main").prepend(input);
}"""
TOO_WIDE = """() => {
  const block = document.createElement("div");
  block.style.width = "900px";
  block.style.height = "10px";
  block.className = "te-breed";
  document.querySelector("main").append(block);
}"""


def test_the_unchanged_page_passes(browser: Browser, journey_server: JourneyServer) -> None:
    with journey(browser, "z-control-unchanged", journey_server.url, "phone") as trip:
        trip.goto("/account/inloggen", "log-in page as served")


def unlabelled_input_journey(browser: Browser, base_url: str, name: str) -> None:
    with journey(browser, name, base_url) as trip:
        trip.goto("/account/inloggen")
        trip.page.evaluate(UNLABELLED_INPUT)
        trip.step("an input without a label")
        trip.page.evaluate("document.querySelector('input[name=zonder-label]').remove()")
        trip.step("the input removed again")  # the journey goes on: problems are collected


def too_wide_journey(browser: Browser, base_url: str, name: str) -> None:
    with journey(browser, name, base_url, "phone") as trip:
        trip.goto("/account/inloggen")
        trip.page.evaluate(TOO_WIDE)
        trip.step("a block wider than the phone")


def test_an_input_without_a_label_fails_the_journey(
    browser: Browser, journey_server: JourneyServer
) -> None:
    name = "z-unlabelled-input"
    with pytest.raises(pytest.fail.Exception) as failure:
        unlabelled_input_journey(browser, journey_server.url, name)

    message = str(failure.value)
    assert f"journey '{name}': 1 problem(s)" in message, message
    assert "step 1 'an input without a label' (/account/inloggen)" in message, message
    assert "WCAG 2.1 A/AA violations" in message, message
    assert "label" in message, message  # axe's rule: form elements must have labels
    assert "zonder-label" in message, message  # and it points at the element
    folder = JOURNEY_ARTIFACTS / name
    assert (folder / "01-an-input-without-a-label.png").stat().st_size > 0
    assert "zonder-label" in (folder / "01-an-input-without-a-label.axe.txt").read_text()
    assert not (folder / "02-the-input-removed-again.axe.txt").exists()


def test_a_page_wider_than_the_phone_fails_the_journey(
    browser: Browser, journey_server: JourneyServer
) -> None:
    with pytest.raises(pytest.fail.Exception) as failure:
        too_wide_journey(browser, journey_server.url, "z-too-wide-on-a-phone")

    message = str(failure.value)
    assert "wider than the screen and scrolls sideways" in message, message
    assert "div.te-breed" in message, message
