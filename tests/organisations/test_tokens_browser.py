"""The API key pages in a real browser (axe, WCAG 2.1 AA), and the write refused to a script
on another site by the browser itself (CORS preflight), even with a valid key."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Browser, Page, expect

from consult.seeds.demo import DEMO_PASSWORD
from tests.api.test_docs_browser import another_site
from tests.browser import VIEWPORTS, artifact_name, axe_violations, open_page, save_failure

ADMIN = "lid.jeugdstem@example.org"  # the demo organisation's admin
SECRET = re.compile(r"^consult_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$")


@pytest.fixture
def live(live_server: str) -> str:
    """The run's served Consult (tests/conftest.py); the keys made here are the demo
    organisation's own, which no other browser test looks at."""
    return live_server


def _log_in(page: Page, live: str) -> None:
    page.goto(f"{live}/account/inloggen")
    page.locator("input[name=email]").fill(ADMIN)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("main").locator("button[type=submit]").click()
    page.wait_for_load_state("load")


def _check(page: Page, label: str, language: str, viewport: str) -> None:
    report = axe_violations(page)
    if report:
        name = artifact_name("axe", "api-keys", label, language, viewport)
        pytest.fail(
            f"{label}, {viewport}, {language}:\n{report}\n" + save_failure(page, name, report)
        )


def _to_keys(page: Page, live: str) -> None:
    """From the organisation's public page to its members, then to its API keys."""
    page.goto(f"{live}/organisaties/stichting-jeugdstem-demo")
    page.locator("main a[href$='/leden']").first.click()
    page.wait_for_load_state("load")
    page.locator("main a[href$='/sleutels']").click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_api_key_pages_meet_wcag_21_aa(
    browser: Browser, live: str, language: str, viewport: str
) -> None:
    with open_page(browser, viewport, language) as (page, problems):
        _log_in(page, live)
        _to_keys(page, live)
        expect(page.locator("h1")).to_be_visible()
        _check(page, "list", language, viewport)

        page.locator("input[name=name]").fill(f"Schoolsessies {language} {viewport}")
        page.locator("input[name=scopes]").check()
        page.locator("form[action$='/sleutels'] button[type=submit]").click()
        page.wait_for_load_state("load")
        secret = page.locator("#new-token-secret").input_value()
        assert SECRET.match(secret)
        _check(page, "secret-shown", language, viewport)

        page.locator("a[href*='/intrekken']").first.click()
        page.wait_for_load_state("load")
        _check(page, "revoke", language, viewport)
        assert not problems, problems


def _open_consultation(live: str) -> str:
    with urllib.request.urlopen(f"{live}/api/v1/consultations?state=open") as response:  # noqa: S310
        return json.load(response)["data"][0]["slug"]


def test_a_script_on_another_site_cannot_send_even_with_a_key(browser: Browser, live: str) -> None:
    with open_page(browser, "desktop", "en") as (page, _problems):
        _log_in(page, live)
        _to_keys(page, live)
        page.locator("input[name=name]").fill("Lek")
        page.locator("input[name=scopes]").check()
        page.locator("form[action$='/sleutels'] button[type=submit]").click()
        page.wait_for_load_state("load")
        secret = page.locator("#new-token-secret").input_value()

    slug = _open_consultation(live)
    sent = {
        "stakeholder_group": "parent",
        "comments": [{"section": None, "text": "Vanaf een andere site"}],
        "publish_text": True,
        "collected": "Nergens",
        "answers": [{"question": 1, "value": 4}],  # the demo's required scale question
    }
    with another_site() as origin, open_page(browser, "desktop", "en") as (page, _problems):
        page.goto(origin)
        result = page.evaluate(
            """async ([url, secret, body]) => {
                try {
                    const response = await fetch(url, {
                        method: "POST",
                        headers: {"Authorization": "Bearer " + secret,
                                  "Content-Type": "application/json",
                                  "Idempotency-Key": "van-een-andere-site"},
                        body: JSON.stringify(body),
                    });
                    return {sent: true, status: response.status};
                } catch (error) {
                    return {sent: false, error: String(error)};
                }
            }""",
            [f"{live}/api/v1/consultations/{slug}/submissions", secret, sent],
        )
    assert result["sent"] is False, result  # the preflight found no permission
    # And nothing was stored: the same key from a server (no browser) stores it now, fresh.
    request = urllib.request.Request(  # noqa: S310
        f"{live}/api/v1/consultations/{slug}/submissions",
        data=json.dumps(sent).encode(),
        headers={
            "Authorization": f"Bearer {secret}",
            "Content-Type": "application/json",
            "Idempotency-Key": "van-een-andere-site",
        },
        method="POST",
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        assert response.status == 201
        assert "Idempotent-Replayed" not in response.headers
