"""Issue 8 journeys (b) and (d): a parent with an account, and the official's answering work.

A small consultation of JZ22 is prepared through the services (three sections, three
near-identical letters of a campaign) and opened. Then, in the browser:

(b) a parent registers, confirms the account from the mail, comments on a section and reads
    the comment on the status page;
(d) after the clock closes the consultation (the services, as the server's clock would), the
    official answers the parent's comment on its own and the campaign as one group; a second
    official approves both and publishes them; the official makes and publishes the
    reactienota and downloads its PDF, which holds a known answer;
(b) the parent logs in again and reads the answer on the status page, and gets it by mail.

Every page on the way is checked by axe (``Journey.step``).
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect
from pypdf import PdfReader
from sqlalchemy import select

from consult.accounts.models import User
from consult.comments import codes
from consult.consultations import lifecycle
from consult.db import utcnow
from consult.extensions import db
from tests import factories
from tests.browser import comment_through_steps
from tests.journeys.conftest import JourneyServer
from tests.journeys.support import (
    OFFICIAL,
    REGION,
    Journey,
    journey,
    log_in,
    wait_for_mail,
)

pytestmark = pytest.mark.timeout(600)

SECOND_OFFICIAL = "teamleider.utrecht@example.org"  # consult/seeds/demo.py: approves (four eyes)
PARENT_PASSWORD = "een lange zin als wachtwoord"
PDF_WAIT_SECONDS = 60

SECTIONS = [
    ("Hulp dichtbij huis", "<p>Kinderen krijgen hulp in hun eigen wijk, zonder lange reis.</p>"),
    ("Hulp op school", "<p>Op elke school werkt een vaste jeugdhulpverlener.</p>"),
    ("Meepraten", "<p>Ouders en jongeren praten mee over de hulp die de regio inkoopt.</p>"),
]
CAMPAIGN = [
    "Houd de jeugdhulpverlener op elke school, ook na 2027. Zonder haar wachten kinderen weer "
    "maanden op hulp en moeten ouders zelf de weg zoeken.",
    "Houd de jeugdhulpverlener op elke school, ook na 2027! Zonder haar wachten kinderen weer "
    "maanden op hulp en moeten ouders zelf de weg zoeken. Groet, een ouder",
    "houd de jeugdhulpverlener op elke school, ook na 2027. Zonder haar wachten kinderen weer "
    "maanden op hulp en moeten ouders zelf de weg zoeken.",
]
PARENT_COMMENT = (
    "Mijn dochter moest drie kwartier met de bus naar haar therapeut. Zorg dat de hulp echt in "
    "de wijk komt, ook voor kinderen met een beperking."
)
PARENT_ANSWER = (
    "We nemen dit over. In de nieuwe versie staat dat hulp in de wijk ook geldt voor kinderen "
    "met een beperking, en dat reistijd meetelt bij het kiezen van een aanbieder."
)
CAMPAIGN_ANSWER = (
    "Dit staat al in de regiovisie: de vaste jeugdhulpverlener op school blijft, ook na 2027."
)


@dataclass
class SmallConsultation:
    slug: str
    title: str


@dataclass
class ParentComment:
    email: str
    code: str  # as shown, e.g. K7QX-M2PA-9R2N


def _user(email: str) -> User:
    found = db.session.scalar(select(User).where(User.email_key == email.lower()))
    assert found is not None, f"{email} is not seeded (consult/seeds/demo.py)"
    return found


@pytest.fixture(scope="module")
def small_consultation(journey_app: Flask) -> SmallConsultation:
    """Opened by the official through the services, with a campaign of three letters."""
    slug = f"inspraak-jeugdhulp-proef-{secrets.token_hex(3)}"
    with journey_app.test_request_context(headers={"Accept-Language": "nl"}):
        session = db.session
        version = factories.document_version(
            session, title=f"Jeugdhulp dichtbij {slug[-6:]}", sections=SECTIONS
        )
        consultation = factories.consultation(
            session, version, state="scheduled", opens_in_days=1, closes_in_days=42, slug=slug
        )
        lifecycle.open_now(session, _user(OFFICIAL), consultation)
        for number, text in enumerate(CAMPAIGN, start=1):
            factories.submission(
                session, consultation, [("s-2", text)], email=f"campagne-{number}@example.org"
            )
        title = consultation.title
        session.commit()
    return SmallConsultation(slug=slug, title=title)


@pytest.fixture(scope="module")
def parent_comment(
    small_consultation: SmallConsultation, browser: Browser, journey_server: JourneyServer
) -> ParentComment:
    """Journey (b), first half: register, confirm by mail, comment, read the status page."""
    email = f"ouder-{secrets.token_hex(4)}@example.org"
    with journey(browser, "b2-parent-registers-and-comments", journey_server.url) as trip:
        page = trip.page
        trip.goto("/account/registreren", "register form")
        page.get_by_label("E-mailadres").fill(email)
        page.get_by_label("Nieuw wachtwoord").fill(PARENT_PASSWORD)
        page.get_by_label("Herhaal het nieuwe wachtwoord").fill(PARENT_PASSWORD)
        page.get_by_label("Naam (niet verplicht)").fill("Fenna Bos")
        page.get_by_role("button", name="Account maken").click()
        page.wait_for_load_state("load")
        trip.step("mail sent")

        message = wait_for_mail(journey_server.outbox, email, "")
        links = [
            link
            for link in journey_server.outbox.links_in(message)
            if "/account/bevestigen/" in link
        ]
        assert len(links) == 1, journey_server.outbox.text_of(message)
        trip.goto(links[0].removeprefix(journey_server.url))
        expect(page.get_by_role("heading", level=1)).to_have_text("Mijn account")
        expect(page.get_by_role("main")).to_contain_text(email)
        assert page.get_by_role("button", name="Uitloggen", exact=True).count() == 1
        trip.step("account confirmed and logged in")

        trip.goto(f"/consultaties/{small_consultation.slug}", "public page")
        page.get_by_role(
            "link", name=re.compile(rf"^Reageer op dit onderdeel\s*:\s*1 {SECTIONS[0][0]}$")
        ).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Wat wil je zeggen?")
        trip.step("comment form, logged in")
        comment_through_steps(page, PARENT_COMMENT, "ouder of verzorger", send=False)
        # Logged in, the address of the account is used: no e-mail is asked.
        expect(page.get_by_role("main")).not_to_contain_text("Geen e-mail")
        trip.step("check your answers, logged in")
        page.get_by_role("button", name="Verstuur mijn reactie").click()

        # From a confirmed account the comment counts at once: no mail to confirm it.
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Dank je wel! We hebben je reactie ontvangen"
        )
        code = page.locator(".consult-receipt__code .consult-code").inner_text().strip()
        assert codes.normalise(code) is not None, f"{code} is not a valid tracking code"
        trip.step("receipt")

        page.get_by_role("link", name="Open de statuspagina").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Hoe staat het met mijn reactie?")
        main = page.get_by_role("main")
        expect(main).to_contain_text(PARENT_COMMENT)
        expect(main.locator(".consult-receipt__facts")).to_contain_text("bevestigd")
        expect(main.locator(".consult-status-list__item")).to_contain_text("gepubliceerd")
        trip.step("status page: confirmed, no answer yet")
    return ParentComment(email=email, code=code)


def close_now(journey_app: Flask, slug: str) -> None:
    """What the server's clock does at the closing moment, now (the services)."""
    from consult.consultations.models import Consultation, ConsultationState

    with journey_app.test_request_context(headers={"Accept-Language": "nl"}):
        session = db.session
        consultation = session.scalar(select(Consultation).where(Consultation.slug == slug))
        assert consultation is not None
        consultation.closes_at = utcnow() - timedelta(seconds=1)
        session.flush()
        lifecycle.advance(session)
        assert consultation.state is ConsultationState.CLOSED, consultation.state
        session.commit()


def write_answer(trip: Journey, count: int, disposition: str, reason: str) -> None:
    page = trip.page
    heading = "1 reactie beantwoorden" if count == 1 else f"{count} reacties samen beantwoorden"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    trip.step(f"new answer form: {disposition}")
    page.get_by_role("radiogroup", name="Wat doe je met de reactie?").get_by_label(
        disposition, exact=True
    ).check()
    page.get_by_label("Antwoord in gewone woorden").fill(reason)
    page.get_by_role("button", name="Bewaren als concept").click()
    comments = "1 reactie" if count == 1 else f"{count} reacties"
    expect(page.get_by_role("main")).to_contain_text(
        f"Het concept-antwoord op {comments} is opgeslagen. Iemand anders moet het goedkeuren."
    )
    trip.step(f"draft saved: {disposition}")


@pytest.fixture(scope="module")
def answered(
    small_consultation: SmallConsultation,
    parent_comment: ParentComment,
    browser: Browser,
    journey_app: Flask,
    journey_server: JourneyServer,
) -> SmallConsultation:
    """Journey (d): one answer, one group answer, a second official approves and publishes."""
    close_now(journey_app, small_consultation.slug)
    workspace = f"/regios/{REGION}/beheer/consultaties/{small_consultation.slug}/antwoorden"
    with journey(browser, "d2-official-answers", journey_server.url) as trip:
        page = trip.page
        log_in(trip, OFFICIAL)
        trip.goto(workspace, "answers workspace")
        main = page.get_by_role("main")
        expect(main).to_contain_text("4 reacties, 4 nog niet beantwoord")

        # One comment on its own: the parent's.
        parent = page.locator("article, li").filter(has_text=PARENT_COMMENT).last
        parent.get_by_role("link", name=re.compile("^Deze reactie beantwoorden")).click()
        write_answer(trip, 1, "Overgenomen", PARENT_ANSWER)

        # The campaign at once, as the group the grouping finds.
        # (The workspace has no link to the grouping page: it is reached by its address.)
        trip.goto(f"/regios/{REGION}/beheer/consultaties/{small_consultation.slug}/groepen")
        trip.step("similar comments")
        page.get_by_role("button", name="Vergelijkbare reacties opnieuw groeperen").click()
        page.wait_for_load_state("load")
        trip.step("grouped")
        page.get_by_role("link", name=re.compile(r"^Groep \d+: 3 reacties$")).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("3 reacties")
        trip.step("the campaign's group")
        page.get_by_role(
            "link", name="Beantwoord de 3 onbeantwoorde reacties van deze groep samen"
        ).click()
        form = page.get_by_role("main")
        for text in CAMPAIGN:
            expect(form).to_contain_text(text)
        write_answer(trip, 3, "Staat er al in", CAMPAIGN_ANSWER)

        trip.goto(f"{workspace}/goedkeuring", "approvals: two drafts, not mine to approve")
        expect(page.get_by_role("main")).to_contain_text(
            "Je hebt dit antwoord opgesteld. Daarom moet iemand anders het goedkeuren."
        )
        expect(page.get_by_role("button", name=re.compile("^Goedkeuren"))).to_have_count(0)

    with journey(browser, "d3-second-official-approves", journey_server.url) as trip:
        page = trip.page
        log_in(trip, SECOND_OFFICIAL)
        trip.goto(f"{workspace}/goedkeuring", "approvals: two drafts")
        approve = page.get_by_role("button", name=re.compile("^Goedkeuren"))
        expect(approve).to_have_count(2)
        for remaining in (2, 1):
            expect(approve).to_have_count(remaining)
            approve.first.click()
            page.wait_for_load_state("load")
        expect(approve).to_have_count(0)
        trip.step("both approved")
        page.get_by_role("link", name="2 goedgekeurde antwoorden publiceren").click()
        trip.step("confirm publishing")
        page.get_by_role("button", name="Ja, publiceer 2 antwoorden").click()
        page.wait_for_load_state("load")
        trip.step("published")

        trip.goto(workspace, "workspace: everything answered")
        expect(page.get_by_role("main")).to_contain_text("4 reacties, 0 nog niet beantwoord")
    return small_consultation


def test_official_publishes_the_reactienota_and_downloads_its_pdf(
    answered: SmallConsultation, browser: Browser, journey_server: JourneyServer
) -> None:
    """Journey (d), the end: the reactienota, published, and its PDF with the answers."""
    manage = f"/regios/{REGION}/beheer/consultaties/{answered.slug}/reactienota"
    with journey(browser, "d4-official-publishes-reactienota", journey_server.url) as trip:
        page = trip.page
        log_in(trip, OFFICIAL)
        trip.goto(manage, "reactienota: nothing made yet")
        page.get_by_role("button", name="De editie maken").click()
        page.wait_for_load_state("load")
        trip.step("edition 1 made, its PDF on the way")
        # The PDF is made in the background; the page updates that part by itself (no
        # reload, no meta refresh) and then links it.
        expect(page.get_by_role("link", name="De pdf openen")).to_be_visible(
            timeout=PDF_WAIT_SECONDS * 1000
        )
        trip.step("edition 1 with its PDF")
        page.get_by_role("link", name="Editie 1 publiceren").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Editie 1 publiceren")
        trip.step("confirm publishing the reactienota")
        page.get_by_role("button", name="Ja, publiceren").click()
        page.wait_for_load_state("load")
        trip.step("reactienota published")

        public = f"/consultaties/{answered.slug}/reactienota"
        trip.goto(public, "public reactienota")
        main = page.get_by_role("main")
        expect(main).to_contain_text(PARENT_ANSWER)
        expect(main).to_contain_text(CAMPAIGN_ANSWER)
        pdf = main.get_by_role("link", name=re.compile(r"^pdf$", re.IGNORECASE))
        expect(pdf).to_have_attribute("href", re.compile(r"\.pdf$"))
        href = pdf.get_attribute("href")
        assert href is not None
        # Served inline (the browser's PDF viewer opens it); fetched with the page's own
        # cookies and connection, as the browser would save it.
        download = page.context.request.get(journey_server.url + href)
        assert download.status == 200, download.status
        assert download.headers["content-type"] == "application/pdf", download.headers
        data = download.body()
        assert data.startswith(b"%PDF-"), data[:20]
        text = " ".join(
            " ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages
        )
        assert " ".join(PARENT_ANSWER.split()) in text, text[:2000]


def test_parent_reads_the_answer_on_the_status_page_and_in_the_mail(
    parent_comment: ParentComment,
    answered: SmallConsultation,
    browser: Browser,
    journey_server: JourneyServer,
) -> None:
    """Journey (b), second half: once published, the parent sees the answer."""
    message = wait_for_mail(journey_server.outbox, parent_comment.email, "antwoord")
    body = journey_server.outbox.text_of(message)
    assert PARENT_ANSWER.split(".")[0] in " ".join(body.split()), body
    with journey(browser, "b3-parent-reads-the-answer", journey_server.url) as trip:
        page = trip.page
        trip.goto("/account/inloggen", "log-in page")
        page.get_by_label("E-mailadres").fill(parent_comment.email)
        page.get_by_label("Wachtwoord", exact=True).fill(PARENT_PASSWORD)
        page.get_by_role("main").get_by_role("button", name="Inloggen").click()
        expect(page.get_by_role("button", name="Uitloggen", exact=True)).to_have_count(1)
        trip.step("logged in")
        trip.goto(f"/ontvangst/{codes.normalise(parent_comment.code)}", "status page")
        main = page.get_by_role("main")
        expect(main).to_contain_text(PARENT_COMMENT)
        expect(main).to_contain_text(PARENT_ANSWER)
        expect(main).to_contain_text("Overgenomen")
