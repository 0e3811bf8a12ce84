"""The English interface around Dutch content: the regions' plans, questions and answers and
the participants' comments stay Dutch, so each element holding them says lang="nl" (a screen
reader then pronounces it as Dutch), and the top of the plan says once that it is in Dutch
only. The Dutch interface needs neither."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from consult.consultations.models import QuestionKind
from consult.responses.models import Disposition
from tests import factories
from tests.comments.conftest import open_form, post_form, valid_data
from tests.responses.tracing_support import make_world

NOTICE = "This plan is available in Dutch only."
COMMENT = "Meer hulp op school, graag."
REASON = "Op elke school komt een vaste hulpverlener."


def _main(response) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:500]
    return body.split("<main", 1)[1].split("</main>", 1)[0]


VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Languages(HTMLParser):
    """For each piece of text: the lang of its nearest element that has one (None: none)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if data.strip():
            lang = next((lang for _tag, lang in reversed(self.stack) if lang), None)
            self.texts.append((" ".join(data.split()), lang))


def lang_of(main: str, text: str) -> str | None:
    """The language a screen reader uses for the first piece of text holding ``text``."""
    parser = _Languages()
    parser.feed(main)
    found = [lang for data, lang in parser.texts if text in data]
    assert found, f"{text!r} not on the page"
    return found[0]


@pytest.fixture
def answered(session):
    world = make_world(session)
    submission = world.submission([("s-2", COMMENT)])
    world.answer(submission.comments, Disposition.ADOPTED, REASON)
    return world, submission


def test_the_consultation_page_marks_the_plan_comments_and_answers_as_dutch(
    english_client, answered
):
    world, _submission = answered
    main = _main(english_client.get(f"/consultaties/{world.consultation.slug}"))
    assert main.count(NOTICE) == 1
    # The notice comes at the top of the plan, before its first section.
    assert main.index(NOTICE) < main.index('id="onderdeel-s-1"')
    assert lang_of(main, world.consultation.title) == "nl"
    assert lang_of(main, "Vertel ons wat jij vindt.") == "nl"
    assert lang_of(main, "Regiovisie jeugdhulp 2026-2030") == "nl"
    heading = re.search(r'<h\d[^>]*id="kop-s-2"[^>]*>', main).group(0)
    assert 'lang="nl"' in heading
    assert lang_of(main, "Scholen werken samen") == "nl"
    assert lang_of(main, COMMENT) == "nl"
    assert lang_of(main, REASON) == "nl"
    # The interface around them stays English, without a lang of its own.
    assert lang_of(main, "Answer from the region:") is None
    assert lang_of(main, "Comments on the whole plan") is None


def test_the_dutch_consultation_page_has_no_notice_and_no_lang_attributes(client, answered):
    world, _submission = answered
    main = _main(client.get(f"/consultaties/{world.consultation.slug}"))
    assert COMMENT in main
    assert REASON in main
    assert NOTICE not in main
    assert "alleen in het Nederlands" not in main
    assert "lang=" not in main


def test_the_version_page_marks_its_sections_and_says_dutch_only(english_client, answered):
    world, _submission = answered
    path = f"/documenten/{world.consulted.document_id}/versies/1"
    main = _main(english_client.get(path))
    assert main.count(NOTICE) == 1
    assert main.index(NOTICE) < main.index('id="s-1"')
    assert 'lang="nl"' in re.search(r'<h\d[^>]*id="s-2-heading"[^>]*>', main).group(0)
    assert lang_of(main, "Scholen werken samen") == "nl"
    assert lang_of(main, "Regiovisie jeugdhulp 2026-2030") == "nl"


def test_the_dutch_version_page_has_no_lang_attributes(client, answered):
    world, _submission = answered
    main = _main(client.get(f"/documenten/{world.consulted.document_id}/versies/1"))
    assert "Scholen werken samen" in main
    assert "lang=" not in main
    assert NOTICE not in main


def test_the_section_and_status_pages_mark_comments_and_answers(english_client, answered):
    world, submission = answered
    section_page = _main(
        english_client.get(f"/consultaties/{world.consultation.slug}/onderdelen/s-2/reacties")
    )
    assert lang_of(section_page, "2 Hulp op school") == "nl"
    assert lang_of(section_page, COMMENT) == "nl"
    assert lang_of(section_page, REASON) == "nl"
    status = _main(english_client.get(f"/ontvangst/{submission.tracking_code}"))
    assert lang_of(status, "2 Hulp op school") == "nl"
    assert lang_of(status, REASON) == "nl"
    assert lang_of(status, world.consultation.title) == "nl"
    assert lang_of(status, "What happens now?") is None


def test_the_comment_form_marks_the_regions_questions_as_dutch(english_client, client, session):
    consultation = factories.consultation(session)
    factories.question(
        session,
        consultation,
        "Waar zoek je hulp?",
        QuestionKind.SINGLE_CHOICE,
        position=1,
        options=["huisarts", "school"],
    )
    factories.question(session, consultation, "Wat wil je nog kwijt?", position=2)
    factories.question(session, consultation, "Past dit plan?", QuestionKind.SCALE, position=3)
    # The comment form names the plan; its questions come after sending.
    form = _main(english_client.get(f"/consultaties/{consultation.slug}/reageren"))
    assert lang_of(form, consultation.title) == "nl"
    main = _main(english_client.get(_questionnaire(english_client, consultation)))
    assert lang_of(main, "Waar zoek je hulp?") == "nl"
    assert lang_of(main, "huisarts") == "nl"
    assert lang_of(main, "Wat wil je nog kwijt?") == "nl"
    assert lang_of(main, "Past dit plan?") == "nl"
    # A scale's options are numbers, not Dutch.
    assert re.search(r'<label class="utrecht-form-label" for="[^"]+">1</label>', main)
    dutch = _main(client.get(_questionnaire(client, consultation)))
    assert "Waar zoek je hulp?" in dutch
    assert "lang=" not in dutch


def _questionnaire(client, consultation) -> str:
    """The questionnaire offered after sending a comment (its address)."""
    _page, tokens = open_form(client, consultation.slug)
    sent = post_form(
        client, consultation.slug, tokens, valid_data(section_1="algemeen", question_1=None)
    )
    assert sent.status_code == 302
    code = sent.location.rstrip("/").split("/ontvangst/")[1].split("/")[0]
    return f"/ontvangst/{code}/vragen"


def test_an_organisations_page_and_the_search_mark_comments_as_dutch(
    english_client, client, session, answered
):
    world, _submission = answered
    organisation = factories.organisation(session, "Stichting Stem", verified=True)
    world.submission(
        [("s-2", "Wachtlijsten moeten korter.")],
        organisation=organisation,
        organisation_verified=True,
    )
    page = _main(english_client.get(f"/organisaties/{organisation.slug}"))
    assert lang_of(page, "Wachtlijsten moeten korter.") == "nl"
    assert lang_of(page, "Hulp op school") == "nl"
    assert lang_of(page, world.consultation.title) == "nl"
    assert "lang=" not in _main(client.get(f"/organisaties/{organisation.slug}"))
    found = _main(
        english_client.get(
            f"/consultaties/{world.consultation.slug}/zoeken", query_string={"q": "wachtlijsten"}
        )
    )
    assert lang_of(found, "moeten korter") == "nl"
    dutch = _main(
        client.get(
            f"/consultaties/{world.consultation.slug}/zoeken", query_string={"q": "wachtlijsten"}
        )
    )
    assert "moeten korter" in dutch
    assert "lang=" not in dutch
