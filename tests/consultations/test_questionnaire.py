"""The questionnaire builder: kinds, options, order, and locking once open."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.consultations import services
from consult.consultations.lifecycle import ConsultationError
from consult.consultations.models import Question, QuestionKind
from tests import factories
from tests.conftest import csrf_token, submit_form
from tests.consultations.conftest import text_of


def page_of(consultation) -> str:
    return f"/regios/{consultation.region.code}/beheer/consultaties/{consultation.id}"


def questions_of(session, consultation):
    session.expire_all()
    return session.scalars(
        select(Question)
        .where(Question.consultation_id == consultation.id)
        .order_by(Question.position)
    ).all()


def test_add_each_kind_of_question(logged_in, session):
    consultation = factories.draft_consultation(session)
    path = f"{page_of(consultation)}/vragen/nieuw"
    for kind, text, options in [
        ("open_text", "Wat vind je belangrijk?", ""),
        ("single_choice", "Waar woon je?", "Utrecht\nStichtse Vecht\n\n"),
        ("multiple_choice", "Welke hulp ken je?", "Wijkteam\nJeugdarts\nSchool"),
        ("scale", "Hoe tevreden ben je?", "wordt genegeerd"),
    ]:
        data = {"kind": kind, "text": text, "hint": "Kies wat past.", "options": options}
        if kind == "scale":
            data["required"] = "y"
        assert submit_form(logged_in, path, data).status_code == 302
    stored = questions_of(session, consultation)
    assert [(q.position, q.kind, q.options, q.required) for q in stored] == [
        (1, QuestionKind.OPEN_TEXT, [], False),
        (2, QuestionKind.SINGLE_CHOICE, ["Utrecht", "Stichtse Vecht"], False),
        (3, QuestionKind.MULTIPLE_CHOICE, ["Wijkteam", "Jeugdarts", "School"], False),
        (4, QuestionKind.SCALE, [], True),
    ]
    page = text_of(logged_in.get(page_of(consultation)))
    assert "Waar woon je? choose one · optional" in page
    assert "Hoe tevreden ben je? scale of 1 to 5 · required" in page


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("Alleen één", "Give at least 2 options, one per line."),
        ("\n".join(f"optie {n}" for n in range(13)), "Give at most 12 options."),
        ("kort\n" + "x" * 201, "An option has at most 200 characters."),
        ("Ja\nja", "Each option may appear only once."),
    ],
)
def test_choice_options_are_checked_with_clear_messages(logged_in, session, options, message):
    consultation = factories.draft_consultation(session)
    data = {"kind": "single_choice", "text": "Kies", "options": options}
    response = submit_form(logged_in, f"{page_of(consultation)}/vragen/nieuw", data)
    assert response.status_code == 200
    page = text_of(response)
    assert "Please correct the following" in page
    assert message in page
    assert questions_of(session, consultation) == []


def test_a_question_needs_text(logged_in, session):
    consultation = factories.draft_consultation(session)
    page = text_of(
        submit_form(logged_in, f"{page_of(consultation)}/vragen/nieuw", {"kind": "scale"})
    )
    assert "Write the question." in page


def test_edit_move_and_remove(logged_in, session):
    consultation = factories.draft_consultation(session)
    for text in ("Eerste", "Tweede", "Derde"):
        services.add_question(
            session,
            consultation,
            services.QuestionDetails(QuestionKind.OPEN_TEXT, text, "", False, []),
        )
    first, second, third = questions_of(session, consultation)
    base = page_of(consultation)
    data = {"kind": "multiple_choice", "text": "Tweede, anders", "options": "a\nb"}
    assert submit_form(logged_in, f"{base}/vragen/{second.id}/bewerken", data).status_code == 302
    token = csrf_token(logged_in, base)
    move = logged_in.post(
        f"{base}/vragen/{third.id}/verplaatsen", data={"csrf_token": token, "richting": "omhoog"}
    )
    assert move.status_code == 302
    assert [q.text for q in questions_of(session, consultation)] == [
        "Eerste",
        "Derde",
        "Tweede, anders",
    ]
    assert "Remove the question?" in text_of(logged_in.get(f"{base}/vragen/{first.id}/verwijderen"))
    assert submit_form(logged_in, f"{base}/vragen/{first.id}/verwijderen", {}).status_code == 302
    assert [(q.position, q.text) for q in questions_of(session, consultation)] == [
        (1, "Derde"),
        (2, "Tweede, anders"),
    ]


def test_the_questionnaire_is_locked_once_open(logged_in, session):
    consultation = factories.consultation(session, state="open")
    factories.question(session, consultation, "Cijfer?", QuestionKind.SCALE, position=1)
    (question,) = questions_of(session, consultation)
    with pytest.raises(ConsultationError, match="cannot change once the consultation has opened"):
        services.add_question(
            session,
            consultation,
            services.QuestionDetails(QuestionKind.SCALE, "Nog een", "", False, []),
        )
    base = page_of(consultation)
    for path in (
        f"{base}/vragen/nieuw",
        f"{base}/vragen/{question.id}/bewerken",
        f"{base}/vragen/{question.id}/verwijderen",
    ):
        response = logged_in.get(path)
        assert response.status_code == 302, path
    page = text_of(logged_in.get(base))
    assert "The questionnaire is locked" in page
    assert "Add a question" not in page
    token = csrf_token(logged_in, f"{base}/verlengen")
    logged_in.post(f"{base}/vragen/{question.id}/verwijderen", data={"csrf_token": token})
    assert len(questions_of(session, consultation)) == 1


def test_questions_of_another_region_are_not_found(logged_in, session):
    mine = factories.draft_consultation(session)
    theirs = factories.draft_consultation(session, "JZ24")
    services.add_question(
        session, theirs, services.QuestionDetails(QuestionKind.OPEN_TEXT, "Van JZ24", "", False, [])
    )
    (foreign,) = questions_of(session, theirs)
    base = page_of(mine)
    assert logged_in.get(f"{base}/vragen/{foreign.id}/bewerken").status_code == 404
    token = csrf_token(logged_in, base)
    assert (
        logged_in.post(
            f"{base}/vragen/{foreign.id}/verwijderen", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        logged_in.post(
            f"{base}/vragen/{foreign.id}/verplaatsen",
            data={"csrf_token": token, "richting": "omhoog"},
        ).status_code
        == 404
    )
    assert logged_in.get(f"{page_of(theirs)}/vragen/{foreign.id}/bewerken").status_code == 403
    assert [q.text for q in questions_of(session, theirs)] == ["Van JZ24"]
