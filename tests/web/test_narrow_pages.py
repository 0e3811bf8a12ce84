"""At 320 px, in Chromium on the seeded demo: an organisation's members page and a diff page
fit the screen (a wide table scrolls inside its own box, with a hint, so no text lands on the
page's dark background), pass axe (WCAG 2.1 A/AA and the landmark rules), and on the comment
form a focused option of a scale that nobody chose does not look chosen. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

import re
import secrets

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from consult.seeds.demo import DEMO_ORGANISATION, DEMO_PASSWORD
from consult.seeds.demo_closed import CLOSED_SLUG
from consult.seeds.demo_consultation import DEMO_SLUG
from tests.browser import ARTIFACTS, axe_violations, comment_through_steps, open_page

NARROW = {"width": 320, "height": 740}
LANDMARK_RULES = [
    "landmark-unique",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main",
    "landmark-one-main",
    "region",
]

# The page does not scroll sideways, and every element that sticks out to the right lies
# inside a scroll box (or is visually hidden).
OVERFLOW = """() => {
  const doc = document.documentElement;
  const out = [...document.querySelectorAll('body *')].filter(el =>
    el.getBoundingClientRect().right > doc.clientWidth + 1
    && !el.closest('.consult-table-scroll') && !el.closest('.consult-visually-hidden'));
  return {page: [doc.scrollWidth, doc.clientWidth],
          out: out.slice(0, 5).map(el => el.outerHTML.slice(0, 120))};
}"""


def _fits(page: Page) -> None:
    measured = page.evaluate(OVERFLOW)
    scroll_width, client_width = measured["page"]
    assert scroll_width <= client_width, measured
    assert measured["out"] == [], measured


def _axe(page: Page) -> None:
    report = axe_violations(page)
    assert report is None, report
    landmarks = Axe().run(page, options={"runOnly": {"type": "rule", "values": LANDMARK_RULES}})
    assert landmarks.violations_count == 0, landmarks.generate_report()


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/account/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("button", name="Uitloggen", exact=True).count() == 1


def test_the_members_table_scrolls_in_its_own_box_at_320px(
    browser: Browser, live_server: str
) -> None:
    with open_page(browser, NARROW, "nl") as (page, _problems):
        _log_in(page, live_server, "lid.jeugdstem@example.org")
        page.goto(f"{live_server}/organisaties/{DEMO_ORGANISATION[1]}")
        page.get_by_role("main").get_by_role("link", name="Leden", exact=True).click()
        page.wait_for_load_state("load")
        assert re.search(r"/organisaties/\d+/leden$", page.url), page.url
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "leden-320.png"), full_page=True)
        _fits(page)
        box = page.get_by_role("region", name=re.compile(r"^\d+ (lid|leden)$"))
        assert box.count() == 1
        assert box.get_attribute("tabindex") == "0"
        # The table is wider than the screen, so it scrolls inside the box ...
        assert box.evaluate("el => el.scrollWidth > el.clientWidth")
        # ... whose background is white (the text's background), and a hint says so.
        assert box.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 255, 255)"
        hint = page.get_by_text("Veeg of scrol opzij om de hele tabel te zien.")
        assert hint.is_visible()
        _axe(page)


def test_the_diff_page_fits_and_has_unique_landmarks_at_320px(
    browser: Browser, live_server: str
) -> None:
    with open_page(browser, NARROW, "nl") as (page, _problems):
        page.goto(f"{live_server}/consultaties/{CLOSED_SLUG}")
        diff = page.locator("a[href*='/verschillen']").first.get_attribute("href")
        assert diff is not None
        page.goto(f"{live_server}{diff.split('#')[0]}")
        assert page.get_by_role("heading", level=1).inner_text().startswith("Wat is er veranderd")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "verschillen-320.png"), full_page=True)
        _fits(page)
        names = page.evaluate(
            """() => [...document.querySelectorAll('nav, [role=navigation], aside')]
                 .map(el => el.getAttribute('aria-label') || el.id || '')"""
        )
        assert len(names) == len(set(names)), names
        _axe(page)


def test_a_focused_scale_option_that_is_not_chosen_has_no_dot(
    browser: Browser, live_server: str
) -> None:
    with open_page(browser, NARROW, "nl") as (page, _problems):
        # The scale question is asked after sending, in the questionnaire.
        page.goto(f"{live_server}/consultaties/{DEMO_SLUG}/reageren")
        comment_through_steps(
            page,
            "Ik wil de schaalvraag na het versturen beantwoorden.",
            "ouder of verzorger",
            email=f"schaal-{secrets.token_hex(4)}@example.org",
        )
        page.get_by_role("link", name=re.compile(r"^Wil je nog \d+ korte vra")).click()
        scale = page.locator(".consult-scale").first
        options = scale.locator("input[type=radio]")
        chosen, focused = options.nth(3), options.nth(1)
        chosen.check()
        # Keyboard focus on an option that is not chosen, without choosing it.
        focused.evaluate("el => el.focus({focusVisible: true})")
        assert focused.evaluate("el => el.matches(':focus') && !el.checked")

        plain = options.nth(0)

        def style(radio, name: str) -> str:
            return radio.evaluate(f"el => getComputedStyle(el).getPropertyValue('{name}')").strip()

        # Only the chosen option has a dot; the focused one is as empty as a plain one.
        icon = "--_utrecht-radio-button-icon-size"
        assert style(focused, icon) == style(plain, icon) == "0"
        assert style(chosen, icon) not in ("", "0")
        assert style(focused, "background-color") == "rgb(255, 255, 255)"
        # Focus does not thicken the option's own border: it is a ring apart from it.
        assert style(focused, "border-top-width") == style(plain, "border-top-width")
        assert float(style(focused, "outline-offset").removesuffix("px")) >= 2
        assert style(focused, "outline-style") == "solid"
        page.screenshot(path=str(ARTIFACTS / "schaal-focus-320.png"), full_page=False)
