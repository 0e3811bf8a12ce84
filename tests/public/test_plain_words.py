"""Plain words for participants (issue 17, item 4): the evidence folded under "For
checking", one line per role, and the platform glossary."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markupsafe import Markup
from sqlalchemy import select

from consult.comments import codes
from consult.comments.models import Submission
from consult.public.glossary import TERMS, explain_terms
from consult.stakeholders.explanations import EXPLANATIONS
from tests.comments.conftest import open_consultation, open_form, post_form, step_page, valid_data

__all__ = ["open_consultation"]  # the fixture, shared with tests/comments


class _Fold(HTMLParser):
    """The text of a page, split into what is inside the folded "For checking" block
    (``<details data-for-checking>``) and what is outside it."""

    def __init__(self) -> None:
        super().__init__()
        self.inside: list[str] = []
        self.outside: list[str] = []
        self.summary: list[str] = []
        self.folds = 0
        self._depth = 0  # <details> depth inside the fold (0: not in it)
        self._in_summary = False
        self._in_main = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self._in_main = True
        if tag == "details":
            if self._depth:
                self._depth += 1
            elif "data-for-checking" in dict(attrs):
                self._depth = 1
                self.folds += 1
        if tag == "summary" and self._depth == 1:
            self._in_summary = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self._in_main = False
        if tag == "summary":
            self._in_summary = False
        if tag == "details" and self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._in_main:  # the footer links the evidence record on every page
            return
        if self._in_summary:
            self.summary.append(data)
        (self.inside if self._depth else self.outside).append(data)

    @classmethod
    def of(cls, page: str) -> _Fold:
        fold = cls()
        fold.feed(page)
        fold.inside_text = " ".join(" ".join(fold.inside).split())
        fold.outside_text = " ".join(" ".join(fold.outside).split())
        fold.summary_text = " ".join(" ".join(fold.summary).split())
        return fold


def _send(client, consultation, **changes) -> tuple[str, Submission]:
    _page, tokens = open_form(client, consultation.slug)
    response = post_form(client, consultation.slug, tokens, valid_data(**changes))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.location, None


def _submission(session, consultation) -> Submission:
    return session.scalars(
        select(Submission).where(Submission.consultation_id == consultation.id)
    ).one()


def test_the_receipt_folds_the_evidence_under_for_checking(
    dutch_client, session, open_consultation, outbox
):
    receipt_url, _ = _send(dutch_client, open_consultation)
    submission = _submission(session, open_consultation)
    page = _Fold.of(dutch_client.get(receipt_url).get_data(as_text=True))

    assert page.folds == 1
    assert page.summary_text == "Voor controle"
    # The evidence is inside the fold, and nowhere outside it.
    assert submission.content_hash in page.inside_text
    assert submission.content_hash not in page.outside_text
    assert "Vingerafdruk (SHA-256)" in page.inside_text
    assert "bewijsregister" in page.inside_text
    assert "gebeurtenis" in page.inside_text
    for word in ("SHA-256", "Vingerafdruk", "bewijsregister", "gebeurtenis", "controlepunt"):
        assert word not in page.outside_text, word
    # The plain words stay outside: what happened and what happens next.
    assert "Bijna klaar: bevestig je reactie" in page.outside_text
    assert "Open de link daarin binnen 72 uur" in page.outside_text
    assert codes.display(submission.tracking_code) in page.outside_text


def test_the_status_page_folds_the_evidence_and_says_what_happens_next(
    english_client, session, open_consultation, outbox
):
    _send(english_client, open_consultation)
    submission = _submission(session, open_consultation)
    response = english_client.get(f"/ontvangst/{submission.tracking_code}")
    page = _Fold.of(response.get_data(as_text=True))

    assert page.folds == 1
    assert page.summary_text == "For checking"
    assert submission.content_hash in page.inside_text
    assert submission.content_hash not in page.outside_text
    assert "evidence record" in page.inside_text
    for word in ("SHA-256", "Fingerprint", "evidence record", "event", "checkpoint"):
        assert word not in page.outside_text, word
    assert "What happens now?" in page.outside_text
    assert "Open the link in the email we sent you to confirm." in page.outside_text


def test_the_receipt_mail_puts_the_evidence_under_a_for_checking_heading_at_the_end(
    dutch_client, session, open_consultation, outbox
):
    _send(dutch_client, open_consultation)
    submission = _submission(session, open_consultation)
    [mail] = outbox.to("ouder@example.org")
    text = outbox.text_of(mail).replace("\r\n", "\n")

    plain, heading, evidence = text.partition("Voor controle\n-------------\n")
    assert heading, text
    assert codes.display(submission.tracking_code) in plain
    assert "Met vriendelijke groet" in plain
    assert submission.content_hash not in plain
    assert "SHA-256" not in plain
    assert f"Vingerafdruk (SHA-256): {submission.content_hash}" in evidence
    assert "Hallo" not in evidence
    assert "/reactie/bevestigen/" not in evidence


def _described_options(page: str) -> dict[str, str]:
    """Each stakeholder-group radio button's value and the text it is described by."""
    found = {}
    for tag in re.findall(r'<input[^>]*name="stakeholder_group"[^>]*>', page):
        value = re.search(r'value="([^"]+)"', tag).group(1)
        described = re.search(r'aria-describedby="([^"]+)"', tag)
        if described:
            hint = re.search(rf'id="{described.group(1)}">(.*?)</div>', page, re.S).group(1)
            found[value] = " ".join(re.sub(r"<[^>]+>", "", hint).split())
    return found


def test_each_role_is_explained_in_one_line_tied_to_its_option(
    dutch_client, english_client, open_consultation
):
    dutch = step_page(dutch_client, open_consultation.slug, 2)
    english = step_page(english_client, open_consultation.slug, 2)
    in_dutch, in_english = _described_options(dutch), _described_options(english)

    assert set(in_dutch) == set(in_english) == set(EXPLANATIONS)
    assert in_dutch["experience_expert"] == (
        "Je hebt zelf jeugdhulp gehad, of je ouder, broer of zus."
    )
    assert in_english["experience_expert"] == (
        "You had youth care yourself, or your parent, brother or sister had it."
    )
    assert in_dutch["foster_parent"] == "Een kind dat niet thuis kan wonen, woont bij jou."
    # The group's own label stays the label: the line is a description, not a new name.
    assert re.search(r'<label[^>]*for="stakeholder_group-\d+">ervaringsdeskundige</label>', dutch)


def test_the_glossary_page_lists_every_term_in_both_languages(client, english_client):
    dutch = client.get("/woordenlijst")
    assert dutch.status_code == 200
    page = dutch.get_data(as_text=True)
    assert '<h1 class="utrecht-heading-1">Woordenlijst</h1>' in page
    for term in TERMS:
        assert f'id="{term.anchor}"' in page
    assert "Iemand die zelf jeugdhulp heeft gehad" in page  # ervaringsdeskundige, in Dutch
    # Every page's footer links it.
    assert 'href="/woordenlijst">Woordenlijst</a>' in client.get("/").get_data(as_text=True)

    english = english_client.get("/woordenlijst").get_data(as_text=True)
    assert "experience expert" in english
    assert "Someone who had youth care" in english
    assert '<span class="consult-muted" lang="nl">(ervaringsdeskundige)</span>' in english


def test_a_term_is_explained_at_its_first_appearance_on_a_participant_page(
    english_client, session, open_consultation, outbox
):
    _send(english_client, open_consultation, email="", no_email="y")
    submission = _submission(session, open_consultation)
    page = english_client.get(f"/ontvangst/{submission.tracking_code}").get_data(as_text=True)
    # "A moderator looks at your comment first": the word links to its entry, once.
    links = re.findall(r'<a class="utrecht-link consult-term" href="/woordenlijst#(\w+)">', page)
    assert links.count("moderator") == 1
    assert (
        'A <a class="utrecht-link consult-term" href="/woordenlijst#moderator">moderator</a> looks'
        in page
    )


def test_the_filter_links_once_escapes_text_and_leaves_links_alone(app):
    with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        first = explain_terms("Een consultatie over <b>consultaties</b> & jeugdhulp.")
        assert first.count('href="/woordenlijst#consultatie"') == 1
        assert "&lt;b&gt;" in first  # plain text is escaped, never trusted
        assert 'href="/woordenlijst#jeugdhulp"' in first
        # Later on the same page the term is not linked again.
        assert "woordenlijst" not in explain_terms("Nog een consultatie.")
        # Text that is already a link is left alone; words inside other words too.
        inside = explain_terms(Markup('<a href="/x">pleegouders</a> en inspraakronde'))
        assert inside == Markup('<a href="/x">pleegouders</a> en inspraakronde')
