"""The grouping pages: the list of groups, one group, and its edits, for the region's team.

Only officials and responders of the consultation's region see them; everyone else gets 404
(or the log-in page), and ids of another region's groups or comments answer 404 as well.
Every change is a POST with a CSRF token.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, select

from consult.comments.codes import display
from consult.extensions import db
from consult.responses.answers import services as answering
from consult.responses.grouping import services as grouping
from consult.responses.grouping import views as grouping_views
from consult.responses.models import CommentGroup, Disposition
from tests import factories
from tests.conftest import csrf_token, log_in, submit_form
from tests.responses.test_grouping import (
    LETTER,
    campaign_consultation,
    groups_of,
    member_ids,
)


def text_of(response) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces squeezed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def list_url(consultation, code: str = "JZ22") -> str:
    return f"/regios/{code}/beheer/consultaties/{consultation.slug}/groepen"


def group_url(consultation, group_id: int, code: str = "JZ22") -> str:
    return f"{list_url(consultation, code)}/{group_id}"


@pytest.fixture
def campaign(session):
    return campaign_consultation(session)


@pytest.fixture
def official(session):
    return factories.region_user(session, "official")


@pytest.fixture
def grouped(session, campaign) -> CommentGroup:
    grouping.regroup(session, None, campaign.consultation)
    [group] = groups_of(session, campaign.consultation)
    return group


# -- the list ----------------------------------------------------------------------------------


def test_the_empty_list_invites_to_group_and_the_button_shows_what_it_found(
    english_client, session, campaign, official
):
    log_in(english_client, official.email)
    page = english_client.get(list_url(campaign.consultation))
    assert page.status_code == 200
    assert "There are no groups of similar comments yet." in text_of(page)

    response = submit_form(
        english_client,
        list_url(campaign.consultation),
        {},
        action=list_url(campaign.consultation) + "/opnieuw",
        follow_redirects=True,
    )

    page = text_of(response)
    assert re.search(r"Similar comments were grouped in [\d.,]+ seconds: 1 group\.", page)
    assert "12 comments are in a group." in page
    [group] = groups_of(session, campaign.consultation)
    assert f"Group {group.id}: 12 comments" in page
    assert "Waiting for an answer 12" in page
    assert "Geachte leden van het regiobestuur" in page
    assert "There are no groups" not in page


def test_the_list_shows_the_largest_group_first_with_its_facts(
    english_client, session, campaign, grouped, official
):
    grouping.add_to_group(session, official, grouped, campaign.own[0])
    pair = [
        factories.submission(session, campaign.consultation, [(None, f"Kort briefje {n}.")])
        for n in range(2)
    ]
    small = CommentGroup(
        consultation_id=campaign.consultation.id, representative_id=pair[0].comments[0].id
    )
    session.add(small)
    session.flush()
    for submission in pair:
        grouping.add_to_group(session, official, small, submission.comments[0])
    session.flush()
    log_in(english_client, official.email)

    page = text_of(english_client.get(list_url(campaign.consultation)))

    assert page.index(f"Group {grouped.id}: 13 comments") < page.index(
        f"Group {small.id}: 2 comments"
    )
    assert "yes, grouping again leaves it as it is" in page
    assert "2 groups, 15 comments in total" in page


def test_texts_are_escaped(english_client, session, official):
    campaign = campaign_consultation(session, copies=0)
    evil = '<script>alert("x")</script> ' + LETTER
    for name in ("Ans", "Bert"):
        factories.submission(session, campaign.consultation, [(None, evil + name)])
    grouping.regroup(session, None, campaign.consultation)
    [group] = groups_of(session, campaign.consultation)
    log_in(english_client, official.email)
    for url in (list_url(campaign.consultation), group_url(campaign.consultation, group.id)):
        body = english_client.get(url).get_data(as_text=True)
        assert '<script>alert("x")</script>' not in body
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body


# -- one group ---------------------------------------------------------------------------------


def test_the_group_page_shows_members_and_answers_the_unanswered_together(
    english_client, session, campaign, grouped, official
):
    responder = factories.region_user(session, "responder")
    answered = [c for c in campaign.copies if c.id != grouped.representative_id][:2]
    answer = answering.draft_answer(
        session, responder, campaign.consultation, answered, Disposition.NOTED, "Gelezen."
    )
    answering.approve(session, official, answer)
    answering.publish(session, official, campaign.consultation)
    session.flush()
    log_in(english_client, responder.email)

    response = english_client.get(group_url(campaign.consultation, grouped.id))

    assert response.status_code == 200
    page = text_of(response)
    assert "Answer the 10 unanswered comments of this group together" in page
    assert "Has a published answer" in page
    assert re.search(r"\b\d{2,3}% similar: (\(almost\) the same text|small differences)", page)
    assert "The text that stands for the group" in page
    link = re.search(
        r'href="([^"]+)">Answer the 10 unanswered', response.get_data(as_text=True)
    ).group(1)
    url = urlsplit(html.unescape(link))
    assert (
        url.path
        == f"/regios/JZ22/beheer/consultaties/{campaign.consultation.slug}/antwoorden/nieuw"
    )
    ids = {int(i) for i in parse_qs(url.query)["comment"]}
    assert ids == {c.id for c in campaign.copies} - {c.id for c in answered}
    # The answering page takes exactly those comments.
    chosen = english_client.get(html.unescape(link))
    assert chosen.status_code == 200
    assert "Answer 10 comments together" in text_of(chosen)


def test_a_large_group_is_answered_by_its_number(
    english_client, session, campaign, grouped, official, monkeypatch
):
    # A URL naming hundreds of comments would be too long for the web server.
    monkeypatch.setattr(grouping_views, "LINK_IDS", 5)
    log_in(english_client, official.email)
    response = english_client.get(group_url(campaign.consultation, grouped.id))
    link = html.unescape(
        re.search(
            r'href="([^"]+)">Answer the 12 unanswered', response.get_data(as_text=True)
        ).group(1)
    )
    assert parse_qs(urlsplit(link).query) == {"groep": [str(grouped.id)]}
    assert "Answer 12 comments together" in text_of(english_client.get(link))


def test_removing_a_comment_keeps_it_out_when_grouping_again(
    english_client, session, campaign, grouped, official
):
    leaving = next(c for c in campaign.copies if c.id != grouped.representative_id)
    log_in(english_client, official.email)
    url = group_url(campaign.consultation, grouped.id)

    response = submit_form(
        english_client,
        url,
        {},
        action=f"{url}/reacties/{leaving.id}/uit-groep",
        follow_redirects=True,
    )

    assert f"Comment {leaving.id} is out of the group." in text_of(response)
    [group] = groups_of(session, campaign.consultation)
    assert leaving.id not in member_ids(group)
    assert group.created_by_id == official.id
    submit_form(
        english_client,
        list_url(campaign.consultation),
        {},
        action=list_url(campaign.consultation) + "/opnieuw",
    )
    [group] = groups_of(session, campaign.consultation)
    assert leaving.id not in member_ids(group)
    assert len(group.members) == 11


def test_adding_by_tracking_code(english_client, session, campaign, grouped, official):
    own = campaign.own[2]
    log_in(english_client, official.email)
    url = group_url(campaign.consultation, grouped.id)

    response = submit_form(
        english_client,
        url,
        {"code": display(own.submission.tracking_code).lower()},
        action=f"{url}/toevoegen",
        follow_redirects=True,
    )

    assert f"Comment {own.id} is now in this group." in text_of(response)
    assert "Added by hand" in text_of(response)
    assert own.id in member_ids(groups_of(session, campaign.consultation)[0])


def test_a_code_with_several_comments_asks_which_one(
    english_client, session, campaign, grouped, official
):
    submission = factories.submission(
        session,
        campaign.consultation,
        [("s-1", "Meer geld voor preventie."), ("s-3", "Ook aandacht voor <b>vervoer</b>.")],
    )
    first, second = submission.comments
    log_in(english_client, official.email)
    url = group_url(campaign.consultation, grouped.id)
    add = f"{url}/toevoegen"
    token = csrf_token(english_client, url)

    asked = english_client.post(add, data={"code": submission.tracking_code, "csrf_token": token})

    assert asked.status_code == 200
    page = text_of(asked)
    assert "Which comment?" in page
    assert "Ook aandacht voor <b>vervoer</b>." in page  # shown as text, not markup
    assert "<b>vervoer</b>" not in asked.get_data(as_text=True)
    assert second.id not in member_ids(groups_of(session, campaign.consultation)[0])

    done = english_client.post(
        add,
        data={"code": submission.tracking_code, "comment": str(second.id), "csrf_token": token},
    )
    assert done.status_code == 302
    members = member_ids(groups_of(session, campaign.consultation)[0])
    assert second.id in members
    assert first.id not in members


def test_a_wrong_or_foreign_code_is_refused(english_client, session, campaign, grouped, official):
    foreign = campaign_consultation(session, copies=0, region_code="JZ24").own[0]
    log_in(english_client, official.email)
    url = group_url(campaign.consultation, grouped.id)
    for code, message in (
        ("ABCD", "This is not a valid tracking code."),
        (
            foreign.submission.tracking_code,
            "No comment of this consultation that needs an answer has this tracking code.",
        ),
    ):
        response = submit_form(english_client, url, {"code": code}, action=f"{url}/toevoegen")
        assert response.status_code == 200
        assert "Please correct the following" in text_of(response)
        assert message in text_of(response)
    assert foreign.id not in member_ids(groups_of(session, campaign.consultation)[0])


def test_merging_two_groups(english_client, session, campaign, grouped, official):
    pair = [
        factories.submission(session, campaign.consultation, [(None, f"Brief {n}.")])
        for n in range(2)
    ]
    small = CommentGroup(
        consultation_id=campaign.consultation.id, representative_id=pair[0].comments[0].id
    )
    session.add(small)
    session.flush()
    for submission in pair:
        grouping.add_to_group(session, official, small, submission.comments[0])
    session.flush()
    small_id = small.id
    log_in(english_client, official.email)
    url = group_url(campaign.consultation, grouped.id)
    assert f"Group {small_id} (2 comments): Brief" in text_of(english_client.get(url))

    response = submit_form(
        english_client,
        url,
        {"other": str(small_id)},
        action=f"{url}/samenvoegen",
        follow_redirects=True,
    )

    assert "This group now has 14 comments." in text_of(response)
    [group] = groups_of(session, campaign.consultation)
    assert group.id == grouped.id
    assert len(group.members) == 14


def test_dissolving_asks_first(english_client, session, campaign, grouped, official):
    log_in(english_client, official.email)
    url = f"{group_url(campaign.consultation, grouped.id)}/opheffen"
    confirm = english_client.get(url)
    assert confirm.status_code == 200
    assert f"Dissolve group {grouped.id}?" in text_of(confirm)
    assert groups_of(session, campaign.consultation)  # looking changes nothing

    response = submit_form(english_client, url, {}, follow_redirects=True)

    assert "The group is dissolved; its 12 comments are in no group now." in text_of(response)
    assert groups_of(session, campaign.consultation) == []


def test_splitting_a_plain_copy_takes_it_out(english_client, session, campaign, grouped, official):
    leaving = next(
        c
        for c in campaign.copies
        if c.id != grouped.representative_id and c.body.startswith(LETTER)
    )
    log_in(english_client, official.email)
    url = group_url(campaign.consultation, grouped.id)
    response = submit_form(
        english_client,
        url,
        {},
        action=f"{url}/reacties/{leaving.id}/afsplitsen",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert leaving.id not in set().union(
        *(member_ids(g) for g in groups_of(session, campaign.consultation) if g.id == grouped.id)
    )


# -- who may, and forms without a token --------------------------------------------------------


@pytest.mark.parametrize("role", ["moderator", "participant", "other_official"])
def test_others_get_404(english_client, session, campaign, grouped, role):
    if role == "participant":
        person = factories.user(session)
    elif role == "other_official":
        person = factories.region_user(session, "official", "JZ24")
    else:
        person = factories.region_user(session, role)
    log_in(english_client, person.email)
    url = group_url(campaign.consultation, grouped.id)
    for path in (list_url(campaign.consultation), url, f"{url}/opheffen"):
        assert english_client.get(path).status_code == 404, path
    # With a valid token of their own (from the log-out form on every page), still 404.
    token = csrf_token(english_client, "/")
    for action in (list_url(campaign.consultation) + "/opnieuw", f"{url}/opheffen"):
        assert english_client.post(action, data={"csrf_token": token}).status_code == 404, action
    assert groups_of(session, campaign.consultation)[0].id == grouped.id


def test_anonymous_visitors_are_sent_to_log_in(english_client, session, campaign, grouped):
    response = english_client.get(group_url(campaign.consultation, grouped.id))
    assert response.status_code == 302
    assert "/account/inloggen" in response.location
    token = csrf_token(english_client, "/account/inloggen")
    refused = english_client.post(
        list_url(campaign.consultation) + "/opnieuw", data={"csrf_token": token}
    )
    assert refused.status_code == 302
    assert "/account/inloggen" in refused.location
    [group] = groups_of(session, campaign.consultation)
    assert member_ids(group) == {c.id for c in campaign.copies}


def test_ids_of_another_region_answer_404(english_client, session, campaign, grouped, official):
    theirs = campaign_consultation(session, region_code="JZ24")
    grouping.regroup(session, None, theirs.consultation)
    [their_group] = groups_of(session, theirs.consultation)
    foreign_comment = theirs.copies[0]
    log_in(english_client, official.email)
    ours = group_url(campaign.consultation, grouped.id)

    # Their consultation under our region, their group under our consultation, their comment.
    assert english_client.get(list_url(theirs.consultation)).status_code == 404
    assert english_client.get(list_url(theirs.consultation, "JZ24")).status_code == 404
    assert english_client.get(group_url(campaign.consultation, their_group.id)).status_code == 404
    token = csrf_token(english_client, ours)
    for action in (
        f"{group_url(campaign.consultation, their_group.id)}/opheffen",
        f"{ours}/reacties/{foreign_comment.id}/uit-groep",
        f"{ours}/reacties/{foreign_comment.id}/afsplitsen",
    ):
        assert english_client.post(action, data={"csrf_token": token}).status_code == 404, action
    merged = english_client.post(
        f"{ours}/samenvoegen", data={"other": str(their_group.id), "csrf_token": token}
    )
    assert merged.status_code == 422
    assert len(groups_of(session, theirs.consultation)[0].members) == len(theirs.copies)


def test_posts_without_a_csrf_token_change_nothing(
    english_client, session, campaign, grouped, official
):
    leaving = next(c for c in campaign.copies if c.id != grouped.representative_id)
    log_in(english_client, official.email)
    url = group_url(campaign.consultation, grouped.id)

    for action, data in (
        (f"{url}/reacties/{leaving.id}/uit-groep", {}),
        (f"{url}/opheffen", {}),
        (f"{url}/toevoegen", {"code": campaign.own[0].submission.tracking_code}),
        (f"{url}/samenvoegen", {"other": str(grouped.id)}),
        (list_url(campaign.consultation) + "/opnieuw", {}),
    ):
        assert english_client.post(action, data=data).status_code == 400, action

    [group] = groups_of(session, campaign.consultation)
    assert group.id == grouped.id
    assert member_ids(group) == {c.id for c in campaign.copies}
    assert group.created_by_id is None
    assert (
        session.scalar(select(CommentGroup.id).where(CommentGroup.created_by_id.is_not(None)))
        is None
    )


@pytest.mark.usefixtures("quiet_housekeeping")
def test_the_pages_query_count_does_not_grow_with_the_group(
    app, english_client, session, campaign, grouped, official
):
    def queries(url: str) -> int:
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args):
            statements.append(statement)

        engine = db.state(app).engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert english_client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    log_in(english_client, official.email)
    pages = (list_url(campaign.consultation), group_url(campaign.consultation, grouped.id))
    before = [queries(url) for url in pages]
    for n in range(20):
        comment = factories.submission(
            session, campaign.consultation, [(None, LETTER + f"Afzender {n}")]
        ).comments[0]
        grouping.add_to_group(session, official, grouped, comment)
    session.flush()
    assert [queries(url) for url in pages] == before
