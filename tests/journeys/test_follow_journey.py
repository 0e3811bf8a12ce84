"""Issue 8 journey (f): an advocacy user follows a region and reads the national overview.

The demo's member of Stichting Jeugdstem (an advocacy group) follows JZ22 Utrecht Stad from
the region's page and the open demo consultation from its page, finds both on
``/account/volgen``, and reads ``/landelijk``: the map (every region a link, named with its
state) and the table, filtered to the open consultations, on a desktop and on a phone.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from consult.seeds.demo_consultation import DEMO_TITLE
from tests.journeys.conftest import JourneyServer
from tests.journeys.support import DEMO_SLUG, REGION, journey, log_in

pytestmark = pytest.mark.timeout(600)

ADVOCATE = "lid.jeugdstem@example.org"
REGION_NAME = "Utrecht Stad"
REGIONS = 42  # the seeded youth-care regions (consult/seeds/data)


def test_advocacy_user_follows_a_region_and_a_consultation(
    browser: Browser, journey_server: JourneyServer
) -> None:
    with journey(browser, "f-advocate-follows", journey_server.url) as trip:
        page = trip.page
        log_in(trip, ADVOCATE)

        trip.goto(f"/regios/{REGION}", "region page")
        follow = page.get_by_role("region", name="Volgen")
        follow.get_by_role("radiogroup", name="Hoe vaak wil je e-mail?").get_by_label(
            "Eén e-mail per dag"
        ).check()
        follow.get_by_role("button", name="Volgen").click()
        expect(page.get_by_role("main")).to_contain_text(f"Je volgt {REGION_NAME}")
        expect(page.get_by_role("region", name="Volgen")).to_contain_text("Je volgt dit.")
        trip.step("region followed")

        trip.goto(f"/consultaties/{DEMO_SLUG}", "consultation page")
        follow = page.get_by_role("region", name="Volgen")
        follow.get_by_role("button", name="Volgen").click()
        expect(page.get_by_role("region", name="Volgen")).to_contain_text("Je volgt dit.")
        trip.step("consultation followed")

        page.get_by_role("link", name="Alles wat je volgt").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Wat je volgt")
        main = page.get_by_role("main")
        region = main.get_by_role("region", name=re.compile(rf"^{REGION_NAME}"))
        expect(region).to_have_count(1)
        expect(region.get_by_role("radiogroup").get_by_label("Eén e-mail per dag")).to_be_checked()
        consultation = main.get_by_role("region", name=re.compile(rf"^{re.escape(DEMO_TITLE)}"))
        expect(consultation).to_have_count(1)
        trip.step("what I follow: the region and the consultation")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_advocacy_user_reads_the_national_overview(
    browser: Browser, journey_server: JourneyServer, viewport: str
) -> None:
    with journey(browser, f"f-national-overview-{viewport}", journey_server.url, viewport) as trip:
        page = trip.page
        trip.goto("/landelijk", "national overview")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Landelijk overzicht van de regiovisies"
        )

        # The map: one link per region, named with the region and the state of its consultation.
        map_links = page.locator(".consult-overview-map svg a")
        expect(map_links).to_have_count(REGIONS)
        utrecht = page.locator(".consult-overview-map svg a").filter(
            has=page.locator("title", has_text=re.compile(rf"^{REGION_NAME}: open voor reacties$"))
        )
        expect(utrecht).to_have_count(1)

        # The same as text: every public consultation (the demo fills a dozen regions),
        # then filtered to what is open now.
        table = page.get_by_role("table", name=re.compile("^Openbare consultaties over de"))
        rows = table.locator("tbody tr")
        assert rows.count() >= 12, rows.count()
        expect(table).to_contain_text(REGION_NAME)
        page.get_by_label("Stand", exact=True).select_option(label="open voor reacties")
        page.get_by_role("button", name="Filteren").click()
        page.wait_for_load_state("load")
        rows = table.locator("tbody tr")
        expect(rows.first).to_be_visible()
        for index in range(rows.count()):
            expect(rows.nth(index)).to_contain_text("open voor reacties")
        utrecht_rows = rows.filter(has_text=REGION_NAME)
        expect(utrecht_rows.first).to_be_visible()
        # Its consultation, linked (the demo's, or one a journey opened since).
        expect(
            utrecht_rows.first.locator("a.consult-overview-table__consultation")
        ).to_have_attribute("href", re.compile(r"^/consultaties/"))
        trip.step("overview filtered to open consultations")

        utrecht.click()
        page.wait_for_load_state("load")
        assert trip.path() == f"/regios/{REGION}", trip.path()
        expect(page.get_by_role("heading", level=1)).to_contain_text(REGION_NAME)
        trip.step("region page from the map")
