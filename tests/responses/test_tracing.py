"""Tracing changes to the comments that caused them: links between answers and sections.

An official links an answer to the sections of the next version that changed because of
it (or, from a changed section, the answers behind it). Links can be added to drafts and
published answers, removed until the reactienota is published, and only by officials of
the consultation's own region. The public diff says after how many comments a section
changed, counting published answers only.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult.consultations.models import ConsultationState
from consult.responses import queries
from consult.responses.models import AnswerSection, Disposition
from consult.responses.tracing import services as tracing
from tests import factories
from tests.conftest import csrf_token, log_in
from tests.responses.tracing_support import (
    World,
    make_world,
    section,
    text_of,
)


@pytest.fixture
def world(session) -> World:
    return make_world(session)


def links_of(session, answer) -> set[str]:
    session.expire_all()
    return set(
        session.scalars(
            select(AnswerSection.section_id).where(AnswerSection.answer_id == answer.id)
        )
    )


def post(client, url: str, data: dict) -> object:
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)})


# -- services ----------------------------------------------------------------------------------


def test_changed_sections_follow_the_diff_and_count_distinct_comments(session, world):
    v2 = world.next_version()
    school, steunpunt = section(v2, "s-2"), section(v2, "s-4")
    first = world.submission([("s-2", "Een hulpverlener op elke school."), ("s-3", "Korter.")])
    second = world.submission([("s-2", "Hulp op school graag.")], email="b@example.org")
    third = world.submission([(None, "Een steunpunt zou helpen.")], email="c@example.org")
    group = world.answer([first.comments[0], second.comments[0]])
    single = world.answer([third.comments[0]], publish=False)  # a draft counts for the team
    tracing.link(session, world.official, group, [school, steunpunt])
    tracing.link(session, world.official, single, [steunpunt])
    # A correction covers the same comments and starts from the old answer's links; its
    # comments still count once.
    correction = world.correct(group, Disposition.PARTLY_ADOPTED, "Deels.", "Preciezer.")
    assert links_of(session, correction) == {school.id, steunpunt.id}
    tracing.link(session, world.official, correction, [school])

    traced = {t.section.anchor: t for t in tracing.changed_sections(session, world.consultation)}
    assert list(traced) == ["s-1", "s-2", "s-3", "s-4"]
    assert [(a, t.status.value, t.changed) for a, t in traced.items()] == [
        ("s-1", "unchanged", False),
        ("s-2", "changed", True),
        ("s-3", "unchanged", False),
        ("s-4", "added", True),
    ]
    assert (traced["s-2"].comments, traced["s-2"].answers) == (2, 2)
    assert (traced["s-4"].comments, traced["s-4"].answers) == (3, 3)
    assert traced["s-1"].comments == 0
    public = {
        t.section.anchor: t.comments
        for t in tracing.changed_sections(session, world.consultation, published_only=True)
    }
    assert public == {"s-1": 0, "s-2": 2, "s-3": 0, "s-4": 2}


def test_links_are_made_once_and_only_to_later_versions_of_the_document(session, world):
    v2 = world.next_version()
    answer = world.answer([world.submission([("s-2", "Op school.")]).comments[0]])
    made = tracing.link(session, world.official, answer, [section(v2, "s-2")])
    again = tracing.link(session, world.official, answer, [section(v2, "s-2")])
    assert len(made) == 1
    assert again == []
    assert made[0].linked_by_id == world.official.id

    with pytest.raises(tracing.TracingError, match="later version"):
        tracing.link(session, world.official, answer, [section(world.consulted, "s-2")])
    elsewhere = factories.document_version(session, number=2, sections=[("Ander", "<p>x</p>")])
    with pytest.raises(tracing.TracingError, match="later version"):
        tracing.link(session, world.official, answer, elsewhere.sections)


def test_a_replaced_answer_cannot_be_linked_and_a_published_report_fixes_the_links(session, world):
    v2 = world.next_version()
    answer = world.answer([world.submission([("s-2", "Op school.")]).comments[0]])
    tracing.link(session, world.official, answer, [section(v2, "s-2")])
    correction = world.correct(answer, Disposition.NOTED, "", "Anders beoordeeld.")
    with pytest.raises(tracing.TracingError, match="correction"):
        tracing.link(session, world.official, answer, [section(v2, "s-4")])
    tracing.link(session, world.official, correction, [section(v2, "s-4")])

    tracing.unlink(session, world.official, correction, [section(v2, "s-2")])

    world.consultation.state = ConsultationState.REPORT_PUBLISHED
    with pytest.raises(tracing.TracingError, match="reactienota"):
        tracing.unlink(session, world.official, correction, [section(v2, "s-4")])
    with pytest.raises(tracing.TracingError, match="reactienota"):
        tracing.link(session, world.official, correction, [section(v2, "s-2")])
    assert links_of(session, correction) == {section(v2, "s-4").id}


def test_published_answers_show_the_current_one_with_its_history_and_never_drafts(session, world):
    submission = world.submission([("s-2", "Op school."), ("s-3", "Wachten."), (None, "Algemeen.")])
    school, waiting, general = submission.comments
    first = world.answer([school], Disposition.NOT_ADOPTED, "Dat kan niet.")
    correction = world.correct(first, Disposition.ADOPTED, "Toch wel.", "We keken opnieuw.")
    world.answer([waiting], publish=False)

    found = queries.published_answers(session, [c.id for c in submission.comments])
    assert set(found) == {school.id}
    assert found[school.id].current.id == correction.id
    assert [a.id for a in found[school.id].earlier] == [first.id]
    assert found[school.id].corrected
    assert general.id not in found


# -- the answer's page -------------------------------------------------------------------------


def test_an_official_links_an_answer_to_changed_sections(english_client, session, world):
    v2 = world.next_version()
    answer = world.answer([world.submission([("s-2", "Op school.")]).comments[0]])
    log_in(english_client, world.official.email)
    page = english_client.get(world.answer_url(answer))
    assert page.status_code == 200
    text = text_of(page)
    assert "Sections of version 2" in text
    assert "2 Hulp op school Changed" in text
    assert "4 Een steunpunt Added" in text
    assert "1 Inleiding Unchanged" in text
    assert "We nemen dit over." in text

    wanted = [section(v2, "s-2").id, section(v2, "s-4").id]
    response = post(english_client, world.answer_url(answer), {"section": wanted})
    assert response.status_code == 302
    assert links_of(session, answer) == set(wanted)
    assert f'value="{wanted[0]}" id="section-{wanted[0]}" checked' in english_client.get(
        world.answer_url(answer)
    ).get_data(as_text=True)

    # Unticking one removes that link: before the reactienota, links can be taken back.
    response = post(english_client, world.answer_url(answer), {"section": [wanted[0]]})
    assert response.status_code == 302
    assert links_of(session, answer) == {wanted[0]}


def test_a_draft_answer_can_be_linked_too(english_client, session, world):
    v2 = world.next_version()
    draft = world.answer([world.submission([("s-2", "Op school.")]).comments[0]], publish=False)
    log_in(english_client, world.official.email)
    post(english_client, world.answer_url(draft), {"section": [section(v2, "s-2").id]})
    assert links_of(session, draft) == {section(v2, "s-2").id}


def test_without_a_next_version_the_page_says_how_to_make_one(english_client, world):
    answer = world.answer([world.submission([("s-2", "Op school.")]).comments[0]])
    log_in(english_client, world.official.email)
    page = english_client.get(world.answer_url(answer))
    assert page.status_code == 200
    assert "There is no next version yet" in text_of(page)
    document_page = f"/regios/JZ22/beheer/documenten/{world.consulted.document_id}"
    assert f'href="{document_page}"' in page.get_data(as_text=True)
    overview = english_client.get(f"{world.team}/wijzigingen")
    assert "There is no next version yet" in text_of(overview)


def test_after_the_reactienota_the_page_is_read_only(english_client, session, world):
    v2 = world.next_version()
    answer = world.answer([world.submission([("s-2", "Op school.")]).comments[0]])
    tracing.link(session, world.official, answer, [section(v2, "s-2")])
    world.consultation.state = ConsultationState.REPORT_PUBLISHED
    session.flush()
    log_in(english_client, world.official.email)
    page = english_client.get(world.answer_url(answer))
    body = page.get_data(as_text=True)
    assert "can no longer change" in text_of(page)
    assert "Save the links" not in body
    assert " disabled" in body
    response = post(english_client, world.answer_url(answer), {"section": []})
    assert response.status_code == 302
    assert links_of(session, answer) == {section(v2, "s-2").id}


@pytest.mark.parametrize("who", ["responder", "moderator", "other_official"])
def test_only_officials_of_the_region_may_link(english_client, session, world, who):
    world.next_version()
    answer = world.answer([world.submission([("s-2", "Op school.")]).comments[0]])
    log_in(english_client, getattr(world, who).email)
    assert english_client.get(world.answer_url(answer)).status_code == 404
    assert english_client.get(f"{world.team}/wijzigingen").status_code == 404


def test_ids_of_another_region_or_consultation_answer_404(english_client, session, world):
    v2 = world.next_version()
    answer = world.answer([world.submission([("s-2", "Op school.")]).comments[0]])
    other = factories.consultation(
        session,
        factories.document_version(session, "JZ24", locked=True),
        state="closed",
        opens_in_days=-40,
        closes_in_days=-2,
    )
    other_comment = factories.submission(session, other, [("s-1", "Haaglanden.")]).comments[0]
    other_answer = factories.answer(
        session,
        other,
        [other_comment],
        responder=factories.region_user(session, "responder", "JZ24"),
        official=world.other_official,
    )
    log_in(english_client, world.official.email)
    # Another region's answer under this consultation's address: not found.
    assert english_client.get(world.answer_url(other_answer)).status_code == 404
    # This region's address with the other region's consultation slug: not found.
    assert (
        english_client.get(f"/regios/JZ22/beheer/consultaties/{other.slug}/wijzigingen").status_code
        == 404
    )
    # Another region's address for this consultation: not found (not allowed there either).
    assert english_client.get(world.answer_url(answer).replace("JZ22", "JZ24")).status_code == 404
    # A section of the consulted version is no "changed section".
    consulted_section = section(world.consulted, "s-2")
    assert english_client.get(world.section_url(consulted_section)).status_code == 404
    assert english_client.get(world.section_url(section(v2, "s-2"))).status_code == 200
    # Linking a section of another document through the form does nothing.
    response = post(
        english_client, world.answer_url(answer), {"section": [other.version.sections[0].id]}
    )
    assert response.status_code == 302
    assert links_of(session, answer) == set()


def test_anonymous_visitors_are_sent_to_log_in_and_forms_need_the_csrf_token(
    english_client, session, world
):
    v2 = world.next_version()
    answer = world.answer([world.submission([("s-2", "Op school.")]).comments[0]])
    response = english_client.get(world.answer_url(answer))
    assert response.status_code == 302
    assert "/account/inloggen" in response.location
    log_in(english_client, world.official.email)
    refused = english_client.post(
        world.answer_url(answer), data={"section": [section(v2, "s-2").id]}
    )
    assert refused.status_code == 400
    assert links_of(session, answer) == set()


# -- the changed section's page ----------------------------------------------------------------


def test_from_a_changed_section_an_official_links_the_answers_behind_it(
    english_client, session, world
):
    v2 = world.next_version()
    school = section(v2, "s-2")
    asked = world.submission([("s-2", "Elke school een vaste hulpverlener, alsjeblieft.")])
    on_school = world.answer(
        [asked.comments[0]],
        reason="Wij zetten op elke school een vaste jeugdhulpverlener in, zoals u vraagt.",
    )
    on_waiting = world.answer(
        [world.submission([("s-3", "Wachten duurt te lang.")], email="w@example.org").comments[0]],
        Disposition.NOTED,
        "Wij houden dit in gedachten.",
        publish=False,
    )
    log_in(english_client, world.official.email)
    page = english_client.get(world.section_url(school))
    text = text_of(page)
    assert "Which answers caused this change?" in text
    assert f"Answer {on_school.id}: adopted" in text
    assert f"Answer {on_waiting.id}: noted" in text
    assert "draft, waiting for approval" in text
    assert "Wij zetten op elke school een vaste" in text  # the first words of the reason

    # Filtered on comments about "Hulp op school" in the consulted version.
    filtered = text_of(english_client.get(world.section_url(school) + "?onderdeel=s-2"))
    assert f"Answer {on_school.id}:" in filtered
    assert f"Answer {on_waiting.id}:" not in filtered

    url = world.section_url(school) + "?onderdeel=s-2"
    response = post(english_client, url, {"shown": [on_school.id], "answer": [on_school.id]})
    assert response.status_code == 302
    assert links_of(session, on_school) == {school.id}

    # Saving the list filtered on s-3 (where the linked answer is not about) keeps the link:
    # the linked answer is shown anyway, and only shown answers change.
    s3 = world.section_url(school) + "?onderdeel=s-3"
    assert f"Answer {on_school.id}:" in text_of(english_client.get(s3))
    post(english_client, s3, {"shown": [on_waiting.id], "answer": [on_waiting.id]})
    assert links_of(session, on_school) == {school.id}
    assert links_of(session, on_waiting) == {school.id}

    overview = text_of(english_client.get(f"{world.team}/wijzigingen"))
    assert "Changed 2 Hulp op school Linked to 2 comments (2 answers)" in overview
    assert "Added 4 Een steunpunt Not linked to any comment yet." in overview


def test_the_section_page_never_counts_answers_of_another_consultation(
    english_client, session, world
):
    v2 = world.next_version()
    answer = world.answer([world.submission([("s-2", "Op school.")]).comments[0]])
    log_in(english_client, world.official.email)
    # An id that is not an answer of this consultation is ignored, whatever the form says.
    unknown = answer.id + 999
    post(
        english_client,
        world.section_url(section(v2, "s-2")),
        {"shown": [unknown], "answer": [unknown]},
    )
    assert session.scalar(select(func.count(AnswerSection.id))) == 0


# -- the public diff ---------------------------------------------------------------------------


def test_the_diff_says_after_how_many_comments_a_section_changed(english_client, session, world):
    v2 = world.next_version(locked=True)
    school = section(v2, "s-2")
    shown = world.submission([("s-2", "Een vaste hulpverlener op school, graag.")])
    private = world.submission(
        [("s-2", "Mijn zoon wacht al lang op hulp op school.")],
        publish_text=False,
        email="prive@example.org",
    )
    published = world.answer([shown.comments[0], private.comments[0]])
    draft = world.answer(
        [world.submission([("s-2", "Nog een.")], email="d@example.org").comments[0]],
        publish=False,
    )
    tracing.link(session, world.official, published, [school])
    tracing.link(session, world.official, draft, [school])  # drafts are not public: not counted
    session.flush()

    page = english_client.get(f"/documenten/{world.consulted.document_id}/verschillen")
    assert page.status_code == 200
    text = text_of(page)
    assert "Changed after 2 comments: read the comments and the answers" in text
    link = f"/consultaties/{world.consultation.slug}/wijzigingen/{school.id}"
    assert f'href="{link}"' in page.get_data(as_text=True)

    public = english_client.get(link)
    assert public.status_code == 200
    text = text_of(public)
    assert "Answer: adopted" in text
    assert "This answer covers 2 comments." in text
    assert "We nemen dit over." in text
    assert "Een vaste hulpverlener op school, graag." in text
    # Without consent the text is never shown, only counted.
    assert "Mijn zoon wacht" not in text
    assert "1 comment is not shown" in text
    assert "Nog een." not in text


def test_the_public_page_of_a_draft_next_version_is_not_public(english_client, session, world):
    v2 = world.next_version()
    answer = world.answer([world.submission([("s-2", "Op school.")]).comments[0]])
    tracing.link(session, world.official, answer, [section(v2, "s-2")])
    url = f"/consultaties/{world.consultation.slug}/wijzigingen/{section(v2, 's-2').id}"
    assert english_client.get(url).status_code == 404
    log_in(english_client, world.official.email)
    assert english_client.get(url).status_code == 200
