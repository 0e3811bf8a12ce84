"""Issue 4's acceptance in a real browser: an official puts a Word file up for comment, and a
young person on a phone, without an account, comments on two sections, answers the
questionnaire, confirms by email and sees the receipt and the public status page.

The official's journey runs once per module (the ``opened_consultation`` fixture) and hands
the public address of its consultation to the phone journey. Every page is checked by axe.
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from docx import Document as WordDocument
from playwright.sync_api import Browser, expect

from consult.comments import codes
from tests.browser import comment_through_steps
from tests.journeys.conftest import JourneyServer
from tests.journeys.support import OFFICIAL, REGION, Journey, journey, log_in, wait_for_mail

pytestmark = pytest.mark.timeout(600)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# The Word file: three chapters, each with text; the second holds a list.
HEADINGS = [
    "Wat we willen bereiken",
    "Hulp dichtbij huis en op school",
    "Samen beslissen met jongeren",
]
PARAGRAPHS = [
    "Kinderen en jongeren krijgen op tijd de hulp die bij hen past, zo dicht mogelijk bij huis.",
    "Op elke school is een vaste jeugdhulpverlener. Zo hoef je niet lang te wachten.",
    "Jongeren praten mee in een adviesraad. Wat zij zeggen, nemen we mee in elk besluit.",
]
LIST_ITEMS = ["Een vast aanspreekpunt per school", "Geen wachtlijst langer dan vier weken"]

SCALE_QUESTION = "Hoe goed past dit plan bij jou?"
OPEN_QUESTION = "Wat wil je ons nog meer vertellen?"


def word_file() -> bytes:
    """A real .docx, as Word would save it: Heading 1 styles, paragraphs and a bulleted list."""
    document = WordDocument()
    for number, (heading, paragraph) in enumerate(zip(HEADINGS, PARAGRAPHS, strict=True)):
        document.add_heading(heading, level=1)
        document.add_paragraph(paragraph)
        if number == 1:
            for item in LIST_ITEMS:
                document.add_paragraph(item, style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@dataclass
class OpenedConsultation:
    slug: str
    title: str


@pytest.fixture(scope="module")
def opened_consultation(browser: Browser, journey_server: JourneyServer) -> OpenedConsultation:
    """Journey (a): the official imports a .docx, previews it and opens a consultation on it."""
    suffix = secrets.token_hex(3)
    document_title = f"Regiovisie jeugdhulp proef {suffix}"
    title = f"Praat mee over de regiovisie {suffix}"
    with journey(browser, "a-official-docx-to-open-consultation", journey_server.url) as trip:
        page = trip.page
        log_in(trip, OFFICIAL)

        trip.goto(f"/regios/{REGION}/beheer", "admin page")
        page.get_by_role("link", name="Documenten en hun versies").click()
        trip.step("documents workspace")

        page.get_by_role("link", name="Nieuw document maken").click()
        trip.step("new document form")
        page.get_by_label("Titel").fill(document_title)
        page.get_by_label("Samenvatting in gewone taal").fill(
            "Hoe wij de komende jaren samen zorgen voor goede jeugdhulp, dichtbij en op tijd."
        )
        page.get_by_role("button", name="Document maken").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe versie toevoegen")
        trip.step("new version: upload or paste")

        page.get_by_label("Word-bestand (.docx)").set_input_files(
            {
                "name": "regiovisie.docx",
                "mimeType": "application/vnd.openxmlformats-officedocument"
                ".wordprocessingml.document",
                "buffer": word_file(),
            }
        )
        page.get_by_role("button", name="Uploaden en versie maken").click()
        # The import runs as a job (main's e5b2b40): its page links the preview when done.
        expect(page.get_by_role("main")).to_contain_text("Versie 1 is gemaakt.")
        trip.step("import done")
        page.get_by_role("link", name="Bekijk het voorbeeld").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Voorbeeld van versie 1")
        trip.step("preview of version 1")
        preview = page.get_by_role("article", name=document_title)
        for number, heading in enumerate(HEADINGS, start=1):
            expect(preview.get_by_role("heading", name=re.compile(heading))).to_contain_text(
                str(number)
            )
        for paragraph in PARAGRAPHS:
            expect(preview).to_contain_text(paragraph)
        for item in LIST_ITEMS:
            expect(preview.get_by_role("listitem").filter(has_text=item)).to_have_count(1)

        trip.goto(f"/regios/{REGION}/beheer/consultaties", "consultations workspace")
        page.get_by_role("link", name="Nieuwe consultatie").click()
        trip.step("new consultation form")
        page.get_by_label("Document en versie").select_option(label=f"{document_title}, versie 1")
        page.get_by_label("Titel", exact=True).fill(title)
        page.get_by_label("Inleiding voor jonge lezers").fill(
            "De gemeenten willen de jeugdhulp beter maken. Lees wat we van plan zijn.\n\n"
            "Wat vind jij ervan? Je mag op elk stukje reageren. Je naam is niet nodig."
        )
        page.get_by_label("Contactpersoon").fill("Anne de Vries")
        page.get_by_label("E-mailadres voor contact").fill("regiovisie@example.org")
        tomorrow = datetime.now(AMSTERDAM).date() + timedelta(days=1)
        closing = tomorrow + timedelta(weeks=6)
        page.get_by_label("Openingsdatum").fill(tomorrow.isoformat())
        page.get_by_label("Openingstijd").fill("09:00")
        page.get_by_label("Sluitingsdatum").fill(closing.isoformat())
        page.get_by_label("Sluitingstijd").fill("17:00")
        page.get_by_role("group", name="Uitgenodigde groepen").get_by_label("jongere").check()
        trip.step("new consultation form filled in")
        page.get_by_role("button", name="Bewaren als concept").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        introduction = page.get_by_role("region", name="Inleiding voor jonge lezers")
        expect(introduction.locator("p")).to_have_count(2)  # the two paragraphs typed
        trip.step("consultation saved as draft")

        add_question(trip, SCALE_QUESTION, "schaal van 1 tot 5", required=True)
        add_question(trip, OPEN_QUESTION, "open antwoord", required=False)
        questionnaire = page.locator("#vragenlijst")
        expect(
            questionnaire.get_by_role("listitem").filter(has_text=SCALE_QUESTION)
        ).to_contain_text("verplicht")

        page.get_by_role("link", name="Inplannen", exact=True).click()
        trip.step("confirm scheduling")
        page.get_by_role("button", name="Ja, inplannen").click()
        expect(page.get_by_role("main")).to_contain_text("De consultatie is ingepland.")
        trip.step("scheduled")

        page.get_by_role("link", name="Nu openen").click()
        trip.step("confirm opening now")
        page.get_by_role("button", name="Ja, nu openen").click()
        expect(page.get_by_role("main")).to_contain_text("De consultatie is open.")
        trip.step("open")

        public = page.locator("#gegevens").get_by_role(
            "link", name=re.compile(r"^\/consultaties\/")
        )
        href = public.get_attribute("href")
        assert href is not None
        slug = href.removeprefix("/consultaties/")
        public.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        trip.step("public page")
        check_public_page(trip, document_title)
    return OpenedConsultation(slug=slug, title=title)


def add_question(trip: Journey, text: str, kind: str, *, required: bool) -> None:
    page = trip.page
    page.get_by_role("link", name="Een vraag toevoegen").click()
    trip.step(f"add question: {kind}")
    page.get_by_label("Vraag", exact=True).fill(text)
    page.get_by_role("radiogroup", name="Soort vraag").get_by_label(kind).check()
    if required:
        page.get_by_label("Mensen moeten deze vraag beantwoorden").check()
    trip.step(f"question filled in: {kind}")
    page.get_by_role("button", name="Vraag bewaren").click()
    expect(page.get_by_role("main")).to_contain_text("De vraag is toegevoegd.")


def check_public_page(trip: Journey, document_title: str) -> None:
    page = trip.page
    document = page.get_by_role("region", name=document_title)
    for heading in HEADINGS:
        expect(document.get_by_role("heading", name=re.compile(heading))).to_be_visible()
    for paragraph in PARAGRAPHS:
        expect(document).to_contain_text(paragraph)
    actions = document.get_by_role("link", name=re.compile(r"^Reageer op dit onderdeel"))
    expect(actions).to_have_count(len(HEADINGS))


def test_official_imports_a_docx_and_opens_a_consultation(
    opened_consultation: OpenedConsultation, browser: Browser, journey_server: JourneyServer
) -> None:
    """Everyone, logged in or not, now finds the document open for comment."""
    with journey(browser, "a2-anonymous-reads-the-new-consultation", journey_server.url) as trip:
        trip.goto(f"/consultaties/{opened_consultation.slug}", "public page, not logged in")
        expect(trip.page.get_by_role("heading", level=1)).to_have_text(opened_consultation.title)
        expect(trip.page.get_by_role("main")).to_contain_text("Je kunt reageren tot")
        expect(
            trip.page.get_by_role("link", name=re.compile(r"^Reageer op dit onderdeel"))
        ).to_have_count(len(HEADINGS))


def test_young_person_on_a_phone_comments_confirms_and_is_published(
    opened_consultation: OpenedConsultation, browser: Browser, journey_server: JourneyServer
) -> None:
    """Journey (b): 360×740, no account, two sections, questionnaire, email confirmation."""
    email = f"jongere-{secrets.token_hex(4)}@example.org"
    first = "Ik wil een vaste persoon op school met wie ik kan praten, niet steeds iemand anders."
    second = "Laat jongeren echt meebeslissen, ook als ze jonger dan zestien zijn."
    with journey(browser, "b-young-person-phone", journey_server.url, "phone") as trip:
        page = trip.page
        trip.goto(f"/consultaties/{opened_consultation.slug}", "public page")
        page.get_by_role(
            "link", name=re.compile(rf"^Reageer op dit onderdeel\s*:\s*2 {HEADINGS[1]}$")
        ).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Wat wil je zeggen?")
        expect(page.locator("#step-caption")).to_have_text("Stap 1 van 4")
        trip.step("comment form, step 1")

        part = page.get_by_label("Over welk onderdeel?", exact=True)
        expect(part.locator("option:checked")).to_have_text(f"2 {HEADINGS[1]}")
        page.get_by_label("Jouw reactie", exact=True).fill(first)
        page.get_by_text("Reageer ook op een ander onderdeel").click()
        page.get_by_label("Over welk onderdeel? (tweede reactie)").select_option(
            label=f"3 {HEADINGS[2]}"
        )
        page.get_by_label("Tweede reactie (niet verplicht)").fill(second)
        page.get_by_label("Ja, jullie mogen mijn reactie op deze website laten zien").check()
        trip.step("two comments written")
        # The region's questions are not asked here: they come after sending.
        expect(page.get_by_role("radiogroup", name=SCALE_QUESTION)).to_have_count(0)
        page.get_by_role("button", name="Verder").click()

        expect(page.locator("#step-caption")).to_have_text("Stap 2 van 4")
        page.get_by_role("radiogroup", name="Wie ben jij?").get_by_label(
            "jongere", exact=True
        ).check()
        ages = page.get_by_role("radiogroup", name="Hoe oud ben je?")
        expect(ages).to_be_visible()
        ages.get_by_label("12 tot en met 15 jaar").check()
        # Under 16 there is no step 3: the count says so as soon as the age is chosen.
        expect(page.locator("#step-caption")).to_have_text("Stap 2 van 3")
        trip.step("step 2: who are you")
        page.get_by_role("button", name="Verder").click()

        # Under 16 a name is never asked and the path without e-mail comes first (issue
        # 17): the check page follows, and this young person adds an address with
        # "Wijzig" to be told by e-mail.
        expect(page.locator("#step-caption")).to_have_text("Stap 3 van 3")
        expect(page.get_by_role("main")).to_contain_text("Geen e-mail")
        page.get_by_role("button", name="Wijzig je e-mailadres").click()
        expect(page.locator("#step-caption")).to_have_text("Stap 3 van 4")
        expect(page.get_by_label("Ja, zet mijn naam bij mijn reactie")).to_have_count(0)
        expect(page.get_by_label("De naam die we laten zien")).to_have_count(0)
        email_field = page.get_by_label("Je e-mailadres (niet verplicht)", exact=True)
        expect(email_field).to_be_hidden()
        page.get_by_text("Je e-mailadres toevoegen (niet verplicht)").click()
        email_field.fill(email)
        trip.step("step 3: what may we show")
        page.get_by_role("button", name="Verder").click()

        expect(page.locator("#step-caption")).to_have_text("Stap 4 van 4")
        main = page.get_by_role("main")
        for shown in (first, second, "jongere", "12 tot en met 15 jaar", email):
            expect(main).to_contain_text(shown)
        trip.step("step 4: check your answers")
        page.get_by_role("button", name="Verstuur mijn reactie").click()

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Bijna klaar: bevestig je reactie"
        )
        code = page.locator(".consult-receipt__code .consult-code").inner_text().strip()
        assert codes.normalise(code) is not None, f"{code} is not a valid tracking code"
        expect(page.get_by_role("main")).to_contain_text(first)
        expect(page.get_by_role("main")).to_contain_text(second)
        trip.step("receipt with tracking code")

        # The questionnaire is offered after sending (issue 17).
        page.get_by_role("link", name="Wil je nog 2 korte vragen beantwoorden?").click()
        trip.step("questionnaire after sending")
        page.get_by_role("radiogroup", name=SCALE_QUESTION).get_by_label("4", exact=True).check()
        page.get_by_label(OPEN_QUESTION).fill("Maak het plan korter, met plaatjes.")
        page.get_by_role("button", name="Verstuur mijn antwoorden").click()
        expect(page.get_by_role("main")).to_contain_text("Bedankt voor je antwoorden.")
        expect(page.get_by_role("main")).to_contain_text("4 van de 5")

        message = wait_for_mail(journey_server.outbox, email, code)
        links = [
            link
            for link in journey_server.outbox.links_in(message)
            if "/reactie/bevestigen/" in link
        ]
        assert len(links) == 1, journey_server.outbox.text_of(message)
        assert links[0].startswith(journey_server.url), links[0]
        trip.goto(links[0].removeprefix(journey_server.url), "confirm page from the email link")
        expect(page.get_by_role("main")).to_contain_text(code)
        page.get_by_role("button", name="Ja, bevestig mijn reactie").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Hoe staat het met mijn reactie?")
        assert unquote(trip.path()) == f"/ontvangst/{codes.normalise(code)}", trip.path()
        main = page.get_by_role("main")
        expect(main).to_contain_text("Dank je wel! Je reactie is bevestigd.")
        expect(main.locator(".consult-receipt__facts")).to_contain_text("bevestigd")
        states = main.locator(".consult-status-list__item")
        expect(states).to_have_count(2)
        for index in range(2):
            expect(states.nth(index)).to_contain_text("gepubliceerd")
        trip.step("status page: confirmed and published")

        trip.goto(f"/consultaties/{opened_consultation.slug}", "public page with the comments")
        section = page.get_by_role("region", name=re.compile(rf"^2 {HEADINGS[1]}"))
        expect(section).to_contain_text(first)
        expect(section).to_contain_text("jongere")
        expect(page.get_by_role("region", name=re.compile(rf"^3 {HEADINGS[2]}"))).to_contain_text(
            second
        )


def test_a_parent_comments_on_one_paragraph_and_finds_it_under_that_paragraph(
    opened_consultation: OpenedConsultation, browser: Browser, journey_server: JourneyServer
) -> None:
    """Issue 17: on a computer, comment on the list of section 2 from its margin link (the
    form quotes it), confirm, and find the comment behind the list's margin count; on a
    320 px phone the same pages offer the small button after the paragraph. Axe at both."""
    email = f"ouder-{secrets.token_hex(4)}@example.org"
    text = "Een vast aanspreekpunt per school is goed, maar zeg ook wie dat is."
    part = f"2 {HEADINGS[1]}"
    list_link = re.compile(rf"^Reageer op deze alinea\s*\(alinea 2 van {part}\)$")
    with journey(browser, "e-paragraph-comment-desktop", journey_server.url) as trip:
        page = trip.page
        trip.goto(f"/consultaties/{opened_consultation.slug}", "public page with paragraph links")
        page.get_by_role("link", name=list_link).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Wat wil je zeggen?")
        quote = page.locator(".consult-chosen-paragraph")
        expect(quote).to_contain_text("Je reageert op deze alinea:")
        for item in LIST_ITEMS:
            expect(quote).to_contain_text(item)
        trip.step("form with the quoted paragraph")
        comment_through_steps(page, text, "ouder of verzorger", email=email, send=False)
        expect(page.get_by_role("main")).to_contain_text(LIST_ITEMS[0])  # the quote again
        trip.step("check your answers, with the quoted paragraph")
        page.get_by_role("button", name="Verstuur mijn reactie").click()
        code = page.locator(".consult-receipt__code .consult-code").inner_text().strip()
        trip.step("receipt")

        message = wait_for_mail(journey_server.outbox, email, code)
        [link] = [
            link
            for link in journey_server.outbox.links_in(message)
            if "/reactie/bevestigen/" in link
        ]
        trip.goto(link.removeprefix(journey_server.url), "confirm page")
        page.get_by_role("button", name="Ja, bevestig mijn reactie").click()
        expect(page.get_by_role("main")).to_contain_text("Je reactie is bevestigd.")

        trip.goto(f"/consultaties/{opened_consultation.slug}", "public page with a margin count")
        count = page.get_by_role("link", name=re.compile(rf"^1 reactie\s*\(alinea 2 van {part}\)$"))
        expect(count).to_be_visible()
        list_box = page.get_by_role("list").filter(has_text=LIST_ITEMS[0]).first.bounding_box()
        count_box = count.bounding_box()
        assert list_box is not None
        assert count_box is not None
        assert count_box["x"] > list_box["x"] + list_box["width"], "the count is in the margin"
        count.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Reacties op een alinea van")
        expect(page.get_by_role("main")).to_contain_text(text)
        trip.step("the paragraph's comments")

    with journey(
        browser, "e-paragraph-comment-320", journey_server.url, {"width": 320, "height": 740}
    ) as trip:
        page = trip.page
        trip.goto(f"/consultaties/{opened_consultation.slug}", "public page at 320 px")
        button = page.get_by_role("link", name=list_link)
        expect(button).to_be_visible()
        count = page.get_by_role("link", name=re.compile(rf"^1 reactie\s*\(alinea 2 van {part}\)$"))
        list_box = page.get_by_role("list").filter(has_text=LIST_ITEMS[0]).first.bounding_box()
        count_box = count.bounding_box()
        assert list_box is not None
        assert count_box is not None
        assert count_box["y"] > list_box["y"] + list_box["height"] - 1, "the count follows it"
        button.click()
        expect(page.locator(".consult-chosen-paragraph")).to_contain_text(LIST_ITEMS[0])
        trip.step("form with the quoted paragraph at 320 px")
        trip.goto(f"/consultaties/{opened_consultation.slug}", "back to the plan")
        count = page.get_by_role("link", name=re.compile(rf"^1 reactie\s*\(alinea 2 van {part}\)$"))
        count.click()
        expect(page.get_by_role("main")).to_contain_text(text)
        trip.step("the paragraph's comments at 320 px")
