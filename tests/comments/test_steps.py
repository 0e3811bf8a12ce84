"""The comment form as steps, one thing per page (issue 17, item 2), without JavaScript.

Each step posts every answer so far; the server checks that step only and shows it again
with its problems and everything typed, or shows the next step. "Change" and "Back" go to
an earlier step with everything kept. The check page posts to the one endpoint that
stores, so its guards (key, fill time, honeypot, limits) stay one path.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from consult.comments.models import Comment, Submission, SubmissionState
from consult.db import utcnow
from consult.stakeholders.models import AgeBand
from tests import factories
from tests.comments.conftest import text_of

SECTIONS = [
    ("Inleiding", "<p>Waarom deze visie er is.</p>"),
    (
        "Wachttijden",
        "<p>Kinderen wachten te lang op jeugdhulp.</p><p>Gemeenten kopen samen in.</p>",
    ),
]
COMMENT = "Ik wil op school iemand om mee te praten."


class _Forms(HTMLParser):
    """The fields of each form on a page: {form id or action: [(name, value)]} of hidden
    inputs, plus each form's action."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"id": a.get("id"), "action": a.get("action"), "hidden": []})
        elif tag == "input" and self.forms and a.get("type") == "hidden" and a.get("name"):
            self.forms[-1]["hidden"].append((a["name"], a.get("value") or ""))


def forms_on(page: str) -> list[dict]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


def main_form(page: str) -> dict:
    return next(f for f in forms_on(page) if f["id"] == "comment-form")


def hidden(page: str) -> dict[str, str]:
    return dict(main_form(page)["hidden"])


@pytest.fixture
def consultation(session):
    version = factories.document_version(session, sections=SECTIONS, locked=True)
    return factories.consultation(session, version)


def _steps_url(slug: str) -> str:
    return f"/consultaties/{slug}/reageren/stappen"


def _next(client, slug, page, **answers):
    """Answer the step on ``page`` and continue: the response."""
    return client.post(_steps_url(slug), data={**hidden(page), **answers})


def _caption(page: str) -> str:
    found = re.search(r'id="step-caption"[^>]*>([^<]+)<', page)
    assert found, "no step caption"
    return found.group(1)


def _title(page: str) -> str:
    return re.search(r"<title>([^<]+)</title>", page).group(1)


def _walk_to_check(client, consultation, age="12_15"):
    """Through the steps as a young person of ``age``: (step 1, step 2, the page after step
    2, the check page, the paragraph). Under 16 the page after step 2 is the check page
    (no name is asked, e-mail is optional); otherwise it is step 3."""
    slug = consultation.slug
    paragraph = consultation.version.sections[1].paragraph_anchors[1]
    first = client.get(f"/consultaties/{slug}/reageren?alinea={paragraph}")
    assert first.status_code == 200
    page1 = first.get_data(as_text=True)
    page2 = _next(client, slug, page1, text_1=COMMENT, publish_text="y").get_data(as_text=True)
    after_who = _next(client, slug, page2, stakeholder_group="young_person", age_band=age)
    assert after_who.status_code == 200
    page3 = after_who.get_data(as_text=True)
    if AgeBand(age).under_16:
        return page1, page2, page3, page3, paragraph
    check = _next(client, slug, page3)
    assert check.status_code == 200
    return page1, page2, page3, check.get_data(as_text=True), paragraph


def test_steps_to_a_receipt_without_email(english_client, session, consultation):
    """Under 16: say (with the consent to publish), who, check and send; step 3 (name and
    e-mail) is left out, so the steps count to 3."""
    page1, page2, after_who, check, paragraph = _walk_to_check(english_client, consultation)
    assert _caption(page1) == "Step 1 of 4"
    assert "What do you want to say?" in _title(page1)
    assert "Kinderen wachten te lang" not in text_of_page(page1)  # another paragraph
    assert "Gemeenten kopen samen in." in text_of_page(page1)  # the chosen one, quoted
    assert 'id="publish_text"' in page1  # the consent sits beside the text it is about
    assert _caption(page2) == "Step 2 of 4"
    assert "Who are you?" in page2
    assert hidden(page2)["text_1"] == COMMENT  # the answer so far travels along
    assert hidden(page2)["publish_text"] == "y"
    assert after_who is check  # 12 to 15: no step 3
    assert _caption(check) == "Step 3 of 3"
    assert "Check your answers" in _title(check)
    assert 'id="display_name"' not in check
    # "Back" from the check page goes to step 2, the step before it.
    [back] = [f for f in forms_on(check) if f["id"] != "comment-form"]
    assert back["action"] == _steps_url(consultation.slug)
    back_form = re.search(r'<form class="consult-back".*?</form>', check, re.S).group(0)
    assert 'name="wijzig" value="2"' in back_form
    summary = text_of_page(check)
    for expected in (COMMENT, "young person", "12 to 15 years", "No email", "Yes, on this website"):
        assert expected in summary, expected
    form = main_form(check)
    assert form["action"] == f"/consultaties/{consultation.slug}/reageren"
    # The moment step 1 was given out is the one the check page sends.
    assert hidden(check)["started"] == hidden(page1)["started"]

    sent = english_client.post(
        form["action"], data=hidden(check), content_type="multipart/form-data"
    )
    assert sent.status_code == 302, text_of(sent)[:2000]
    assert "/ontvangst/" in sent.location
    submission = session.scalar(
        select(Submission).where(Submission.consultation_id == consultation.id)
    )
    assert submission.state is SubmissionState.AWAITING
    assert submission.age_band is AgeBand.FROM_12_TO_15
    assert submission.publish_text is True
    [comment] = session.scalars(select(Comment).where(Comment.submission_id == submission.id))
    assert comment.body == COMMENT
    assert comment.paragraph == paragraph


def text_of_page(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_an_adult_is_asked_a_name_and_sees_the_address_field(english_client, consultation):
    slug = consultation.slug
    page1 = english_client.get(f"/consultaties/{slug}/reageren").get_data(as_text=True)
    page2 = _next(english_client, slug, page1, text_1=COMMENT).get_data(as_text=True)
    page3 = _next(english_client, slug, page2, stakeholder_group="parent").get_data(as_text=True)
    assert _caption(page3) == "Step 3 of 4"
    assert 'id="display_name"' in page3
    assert 'id="email"' in page3
    assert 'id="publish_text"' not in page3  # asked in step 1
    assert "data-email-details" not in page3  # not folded away for an adult
    check = _next(english_client, slug, page3).get_data(as_text=True)
    assert _caption(check) == "Step 4 of 4"
    back_form = re.search(r'<form class="consult-back".*?</form>', check, re.S).group(0)
    assert 'name="wijzig" value="3"' in back_form


def test_someone_under_16_can_still_add_an_email_address(english_client, consultation):
    """Step 3 is left out under 16, but "Change" on the check page's e-mail row opens it:
    the name is never asked there, and the address comes back to the check page."""
    *_, check, _paragraph = _walk_to_check(english_client, consultation)
    slug = consultation.slug
    page3 = english_client.post(_steps_url(slug), data={**hidden(check), "wijzig": "3"})
    page = page3.get_data(as_text=True)
    assert 'id="email"' in page
    assert 'id="display_name"' not in page
    assert "we never show your name" in text_of_page(page)
    assert _caption(page) == "Step 3 of 4"
    back = _next(english_client, slug, page, email="kim@example.org").get_data(as_text=True)
    assert _caption(back) == "Step 4 of 4"
    assert "kim@example.org" in text_of_page(back)


def test_a_step_with_a_mistake_keeps_everything_and_says_so(english_client, consultation):
    slug = consultation.slug
    page1 = english_client.get(f"/consultaties/{slug}/reageren").get_data(as_text=True)
    empty = _next(english_client, slug, page1, text_1="  ")
    assert empty.status_code == 422
    page = empty.get_data(as_text=True)
    assert _title(page).startswith("Error: What do you want to say?")
    assert 'id="error-summary"' in page
    assert "Write your comment." in page
    assert _caption(page) == "Step 1 of 4"

    page2 = _next(english_client, slug, page1, text_1=COMMENT).get_data(as_text=True)
    # Step 2 without a group, but with a municipality chosen: the problem is told, and
    # both the comment (hidden) and the choice (shown) are kept.
    wrong = _next(english_client, slug, page2, stakeholder_group="young_person")
    assert wrong.status_code == 422
    page = wrong.get_data(as_text=True)
    assert _caption(page) == "Step 2 of 4"
    assert _title(page).startswith("Error: About you")
    assert "Choose your age." in page
    assert "Choose who you are" not in page
    assert hidden(page)["text_1"] == COMMENT
    assert re.search(r'checked[^>]*value="young_person"|value="young_person"[^>]*checked', page)
    # Only this step's problems: step 3's questions are not asked yet.
    assert "email" not in "".join(re.findall(r'id="error-summary".*?</ul>', page, re.S)).lower()


def test_change_and_back_go_to_an_earlier_step_with_everything_kept(english_client, consultation):
    _p1, _p2, page3, check, paragraph = _walk_to_check(english_client, consultation, age="16_17")
    slug = consultation.slug
    change = english_client.post(_steps_url(slug), data={**hidden(check), "wijzig": "2"})
    assert change.status_code == 200
    page = change.get_data(as_text=True)
    assert _caption(page) == "Step 2 of 4"
    assert re.search(r'checked[^>]*value="16_17"|value="16_17"[^>]*checked', page)
    assert hidden(page)["text_1"] == COMMENT
    assert hidden(page)["paragraph_1"] == paragraph
    assert hidden(page)["publish_text"] == "y"  # a later step's answer is kept too

    # The back link of step 3 is a form of its own with every answer so far.
    [back] = [f for f in forms_on(page3) if f["id"] != "comment-form"]
    assert back["action"] == _steps_url(slug)
    assert dict(back["hidden"])["text_1"] == COMMENT
    assert 'name="wijzig" value="2"' in page3
    again = english_client.post(_steps_url(slug), data={**dict(back["hidden"]), "wijzig": "2"})
    assert _caption(again.get_data(as_text=True)) == "Step 2 of 4"


def test_a_whole_form_sent_at_once_with_a_mistake_shows_the_first_step_with_it(
    english_client, consultation
):
    page1 = english_client.get(f"/consultaties/{consultation.slug}/reageren").get_data(as_text=True)
    response = english_client.post(
        f"/consultaties/{consultation.slug}/reageren",
        data={**hidden(page1), "text_1": COMMENT, "publish_text": "y"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _caption(page) == "Step 2 of 4"
    assert "Choose who you are." in page
    assert hidden(page)["text_1"] == COMMENT


def test_the_steps_need_csrf(app, consultation):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page1 = client.get(f"/consultaties/{consultation.slug}/reageren").get_data(as_text=True)
    data = {k: v for k, v in hidden(page1).items() if k != "csrf_token"}
    refused = client.post(_steps_url(consultation.slug), data={**data, "text_1": COMMENT})
    assert refused.status_code == 400
    with_token = client.post(
        _steps_url(consultation.slug), data={**hidden(page1), "text_1": COMMENT}
    )
    assert with_token.status_code == 200
    assert _caption(with_token.get_data(as_text=True)) == "Step 2 of 4"


def test_the_steps_are_rate_limited(app, english_client, consultation, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_SUBMISSION_STEPS", "2 per hour")
    slug = consultation.slug
    page1 = english_client.get(f"/consultaties/{slug}/reageren").get_data(as_text=True)
    for _ in range(2):
        assert _next(english_client, slug, page1, text_1=COMMENT).status_code == 200
    limited = _next(english_client, slug, page1, text_1=COMMENT)
    assert limited.status_code == 429
    # The friendly page of the form: the text typed, to copy.
    assert COMMENT in limited.get_data(as_text=True)


def test_a_closed_consultation_takes_no_step(english_client, session, consultation):
    page1 = english_client.get(f"/consultaties/{consultation.slug}/reageren").get_data(as_text=True)
    consultation.closes_at = utcnow() - timedelta(minutes=1)
    session.flush()
    assert _next(english_client, consultation.slug, page1, text_1=COMMENT).status_code == 409


def test_files_chosen_before_change_are_asked_again_on_the_check_page(english_client, consultation):
    """A page cannot refill a file field: a person who chose files on the check page and
    then pressed "Change" is told, on the step and again back on the check page."""
    import io

    _p1, _p2, _page3, check, _paragraph = _walk_to_check(english_client, consultation, "16_17")
    slug = consultation.slug
    notice = "Files are not kept: choose the files again before you send."
    assert notice not in check
    data = {
        **hidden(check),
        "wijzig": "2",
        "attachments": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "plan.pdf"),
    }
    change = english_client.post(_steps_url(slug), data=data, content_type="multipart/form-data")
    page2 = change.get_data(as_text=True)
    assert _caption(page2) == "Step 2 of 4"
    assert notice in text_of(change)
    page3 = _next(
        english_client, slug, page2, stakeholder_group="young_person", age_band="16_17"
    ).get_data(as_text=True)
    assert _caption(page3) == "Step 3 of 4"
    back = _next(english_client, slug, page3)
    assert _caption(back.get_data(as_text=True)) == "Step 4 of 4"
    assert notice in text_of(back)
    # Without files, "Change" says nothing of them.
    plain = english_client.post(_steps_url(slug), data={**hidden(check), "wijzig": "2"})
    assert notice not in text_of(plain)
