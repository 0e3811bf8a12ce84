"""Questionnaire results: counts and percentages per option, group and age band, with small
cells suppressed on the participation page, in the reactienota (HTML, JSON, PDF) and in
the API; open answers only with consent."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import jsonschema
import pypdf
import pytest
from sqlalchemy.orm import Session

from consult.comments.models import HideReason, QuestionAnswer
from consult.consultations.models import ConsultationState, Question, QuestionKind
from consult.db import utcnow
from consult.files.pdf import render_pdf
from consult.participation import questionnaire
from consult.participation.questionnaire import FEWER_THAN_MINIMUM, NOT_SHOWN, Cell, suppress
from consult.reports import rendering
from consult.reports import services as reactienota
from consult.stakeholders.models import AgeBand
from tests import factories
from tests.api.test_schema import validator
from tests.consultations.conftest import count_queries
from tests.consultations.test_participation import table

YES, NO = 0, 1
SECRET_TEXT = "GEHEIM-ANTWOORD-zonder-toestemming"
PUBLIC_TEXT = "Meer jongerenwerkers in de wijk."
HIDDEN_TEXT = "VERBORGEN-ANTWOORD-bij-verborgen-reactie"
WITHDRAWN_TEXT = "INGETROKKEN-ANTWOORD"
PENDING_TEXT = "ONBEVESTIGD-ANTWOORD"
ERASED_TEXT = "GEWIST-ANTWOORD"


def respond(
    session: Session,
    consultation,
    answers: dict[Question, Any],
    *,
    group: str = "parent",
    age_band: AgeBand | None = None,
    confirmed: bool = True,
    publish_text: bool = True,
    comments: list[tuple[str | None, str]] | None = None,
    times: int = 1,
):
    """``times`` people who answer ``answers`` (question: stored value), no comments."""
    made = []
    for _ in range(times):
        submission = factories.submission(
            session,
            consultation,
            comments if comments is not None else [],
            group=group,
            age_band=age_band,
            confirmed=confirmed,
            publish_text=publish_text,
        )
        for question, value in answers.items():
            session.add(
                QuestionAnswer(submission_id=submission.id, question_id=question.id, value=value)
            )
        made.append(submission)
    session.flush()
    return made


def yes_no(session, consultation, position=1):
    return factories.question(
        session,
        consultation,
        "Vind je dat de regio genoeg naar jongeren luistert?",
        QuestionKind.SINGLE_CHOICE,
        position=position,
        options=["Ja", "Nee"],
    )


def page_of(client, consultation) -> str:
    response = client.get(f"/consultaties/{consultation.slug}/deelname")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def rows_of(body: str, table_id: str) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in table(body, table_id)}


def figures(cells: list[dict[str, Any]]) -> list[Any]:
    return [c["count"] if c["suppressed"] is None else c["suppressed"] for c in cells]


# -- counting ------------------------------------------------------------------------------------


@pytest.fixture
def counted(session):
    """11 parents (6 yes, 5 no) and 12 care providers (5 yes, 7 no): nothing small."""
    consultation = factories.closed_consultation(session)
    question = yes_no(session, consultation)
    respond(session, consultation, {question: YES}, times=6)
    respond(session, consultation, {question: NO}, times=5)
    respond(session, consultation, {question: YES}, group="care_provider", times=5)
    respond(session, consultation, {question: NO}, group="care_provider", times=7)
    return consultation


def test_counts_and_percentages_per_option_and_group(session, counted):
    results = questionnaire.results(session, counted)
    assert results["respondents"]["count"] == 23
    (question,) = results["questions"]
    assert question["options"] == ["Ja", "Nee"]
    assert figures([question["all"]["respondents"], *question["all"]["options"]]) == [23, 11, 12]
    assert [c["share"] for c in question["all"]["options"]] == [0.4783, 0.5217]
    rows = {row["group"]: row for row in question["by_group"]}
    assert list(rows) == ["parent", "care_provider"]
    assert figures([rows["parent"]["respondents"], *rows["parent"]["options"]]) == [11, 6, 5]
    assert [c["share"] for c in rows["parent"]["options"]] == [0.5455, 0.4545]
    assert figures(rows["care_provider"]["options"]) == [5, 7]
    assert question["by_age_band"] == []
    assert question["age_bands_all"] is None


def test_the_page_shows_the_table_in_words(english_client, counted):
    body = page_of(english_client, counted)
    rows = rows_of(body, "vragenlijst-1-groep")
    assert rows["Group"] == ["Number of people", "Ja", "Nee"]
    assert rows["Parent or carer"] == ["11", "6 55%", "5 45%"]
    assert rows["Care provider"] == ["12", "5 42%", "7 58%"]
    assert rows["Everyone"] == ["23", "11 48%", "12 52%"]
    assert "Question 1: answers per stakeholder group" in body
    assert "23 people answered the questionnaire." in body
    # Accessible: a caption, header cells with a scope.
    found = re.search(r'<table[^>]*id="vragenlijst-1-groep".*?</table>', body, flags=re.S)
    assert "<caption" in found.group(0)
    assert 'scope="row"' in found.group(0)
    assert 'scope="col"' in found.group(0)


def test_the_dutch_page_says_it_in_dutch(dutch_client, counted):
    body = page_of(dutch_client, counted)
    assert rows_of(body, "vragenlijst-1-groep")["Ouder of verzorger"] == ["11", "6 55%", "5 45%"]


def test_multiple_choice_and_scale_count_each_choice(session, counted):
    many = factories.question(
        session,
        counted,
        "Wat is belangrijk?",
        QuestionKind.MULTIPLE_CHOICE,
        position=2,
        options=["School", "Thuis", "Sport"],
    )
    scale = factories.question(session, counted, "Hoe tevreden?", QuestionKind.SCALE, position=3)
    respond(session, counted, {many: [0, 1], scale: 4}, times=5)
    respond(session, counted, {many: [0], scale: 5}, times=6)
    respond(session, counted, {many: [0, 1, 2], scale: 4}, times=5)
    results = questionnaire.results(session, counted)
    many_results, scale_results = results["questions"][1:]
    all_many = many_results["all"]
    # The care providers answered question 1 only: their 0 for "Sport" is fewer than 5,
    # and everyone's 5 would give it away next to the parents' 5; so both go.
    assert figures([all_many["respondents"], *all_many["options"]]) == [16, 16, 10, NOT_SHOWN]
    # More than one choice each: the shares add up to more than 100%.
    assert [c["share"] for c in all_many["options"]] == [1.0, 0.625, None]
    assert scale_results["options"] == ["1", "2", "3", "4", "5"]
    # Nobody chose 1, 2 or 3: zero is fewer than 5 too. Together they are 0 = 16 - 10 - 6,
    # so the 6 is not shown either.
    assert figures(scale_results["all"]["options"]) == [
        *[FEWER_THAN_MINIMUM] * 3,
        10,
        NOT_SHOWN,
    ]
    assert scale_results["all"]["options"][3]["share"] == 0.625


# -- who counts ----------------------------------------------------------------------------------


def test_only_confirmed_kept_unerased_submissions_count(session, counted):
    question = counted.questions[0]
    # Not counted: unconfirmed, every comment withdrawn, contact erased.
    respond(session, counted, {question: YES}, confirmed=False, times=5)
    for submission in respond(
        session, counted, {question: YES}, comments=[(None, "Tekst")], times=5
    ):
        submission.comments[0].withdrawn_at = utcnow()
    for submission in respond(session, counted, {question: YES}, times=5):
        submission.contact.erased_at = utcnow()
    # Counted: one of two comments withdrawn, a hidden comment (moderation never removes).
    for submission in respond(
        session, counted, {question: YES}, comments=[(None, "Een"), (None, "Twee")], times=5
    ):
        submission.comments[0].withdrawn_at = utcnow()
    for submission in respond(
        session, counted, {question: NO}, comments=[(None, "Scheldwoord")], times=5
    ):
        submission.comments[0].hidden_at = utcnow()
        submission.comments[0].hidden_reason = HideReason.OFFENSIVE
    session.flush()
    results = questionnaire.results(session, counted)
    assert figures([results["questions"][0]["all"]["respondents"]]) == [33]
    assert figures(results["questions"][0]["all"]["options"]) == [16, 17]


# -- suppression ---------------------------------------------------------------------------------


def test_the_suppression_rule_on_a_row():
    total, parts = Cell(20), [Cell(3), Cell(9), Cell(8)]
    suppress([(total, parts)])
    # The 3 is fewer than 5; alone it could be worked out as 20 - 9 - 8: the 8 goes too.
    assert [p.hidden for p in parts] == [FEWER_THAN_MINIMUM, None, NOT_SHOWN]
    assert total.hidden is None


def test_hidden_parts_must_add_up_to_five():
    total, parts = Cell(30), [Cell(1), Cell(2), Cell(27)]
    suppress([(total, parts)])
    # 1 + 2 = 3 could be worked out: the 27 goes too.
    assert [p.hidden for p in parts] == [FEWER_THAN_MINIMUM, FEWER_THAN_MINIMUM, NOT_SHOWN]


def test_a_hidden_total_is_not_given_away_by_its_parts():
    total, parts = Cell(4), [Cell(2), Cell(2)]
    suppress([(total, parts)])
    assert total.hidden == FEWER_THAN_MINIMUM
    total, parts = Cell(12), [Cell(12)]
    total.hidden = NOT_SHOWN
    suppress([(total, parts)])
    assert parts[0].hidden == NOT_SHOWN


@pytest.fixture
def small(session):
    """A crafted consultation: a cell of 1 to 4 people everywhere, and a differencing trap.

    Parents: 20 (17 yes, 3 no): the 3 alone would be 20 - 17. Care providers: 12 (7 yes,
    5 no). Young people 12-15: 2 (both yes); 16-17: 9 (5 yes, 4 no); 18-23: 1 (no).
    Foster parents: 4 (all no). A multiple-choice question that 1 person answered.
    """
    consultation = factories.closed_consultation(session)
    question = yes_no(session, consultation)
    rare = factories.question(
        session,
        consultation,
        "Wat mis je?",
        QuestionKind.MULTIPLE_CHOICE,
        position=2,
        options=["Tijd", "Geld"],
    )
    respond(session, consultation, {question: YES}, times=17)
    respond(session, consultation, {question: NO}, times=3)
    respond(session, consultation, {question: YES}, group="care_provider", times=7)
    respond(session, consultation, {question: NO}, group="care_provider", times=5)
    young = {"group": "young_person"}
    respond(
        session, consultation, {question: YES}, age_band=AgeBand.FROM_12_TO_15, **young, times=2
    )
    respond(
        session, consultation, {question: YES}, age_band=AgeBand.FROM_16_TO_17, **young, times=5
    )
    respond(session, consultation, {question: NO}, age_band=AgeBand.FROM_16_TO_17, **young, times=4)
    respond(
        session, consultation, {question: NO, rare: [1]}, age_band=AgeBand.FROM_18_TO_23, **young
    )
    respond(session, consultation, {question: NO}, group="foster_parent", times=4)
    return consultation


SMALL_NUMBER = re.compile(r"(?<![\d.,/-])[0-4](?![\d.,/:-])")


def _numbers_in_tables(html: str) -> list[str]:
    """Every figure in the questionnaire's tables, as shown."""
    tables = re.findall(r'<table[^>]*id="(?:vragenlijst|rn-vraag)-.*?</table>', html, flags=re.S)
    assert tables
    cells = []
    for found in tables:
        for cell in re.findall(r"<td\b[^>]*>(.*?)</td>", found, flags=re.S):
            cells.append(" ".join(re.sub(r"<[^>]+>", " ", cell).split()))
    return cells


def _assert_no_small_figure(cells: list[str]) -> None:
    for cell in cells:
        if cell in ("fewer than 5", "not shown", "minder dan 5", "niet getoond"):
            continue
        count = cell.partition(" ")[0]
        assert int(count.replace(",", "")) >= 5, cell


def _all_cells(results: dict[str, Any]) -> list[dict[str, Any]]:
    cells = [results["respondents"]]
    for question in results["questions"]:
        rows = [question["all"], *question["by_group"], *question["by_age_band"]]
        rows += [question["age_bands_all"]] if question["age_bands_all"] else []
        for row in rows:
            cells += [row["respondents"], *row["options"]]
    return cells


def _assert_no_small_data(results: dict[str, Any]) -> None:
    for cell in _all_cells(results):
        if cell["suppressed"] is None:
            assert cell["count"] >= 5, cell
        else:
            assert cell["count"] is None, cell
            assert cell["share"] is None, cell


def test_no_figure_below_five_in_the_results(session, small):
    results = questionnaire.results(session, small)
    _assert_no_small_data(results)
    question = results["questions"][0]
    rows = {row["group"]: row for row in question["by_group"]}
    # The parents' 3 is fewer than 5; 20 and 17 would give it away, so 17 is not shown.
    assert figures([rows["parent"]["respondents"], *rows["parent"]["options"]]) == [
        20,
        NOT_SHOWN,
        FEWER_THAN_MINIMUM,
    ]
    assert figures([rows["foster_parent"]["respondents"]]) == [FEWER_THAN_MINIMUM]
    bands = {row["age_band"]: row for row in question["by_age_band"]}
    assert list(bands) == ["12_15", "16_17", "18_23"]
    assert figures([bands["12_15"]["respondents"]]) == [FEWER_THAN_MINIMUM]
    # 9 people of 16-17: shown, 2 + 1 of the other bands would be 12 - 9.
    assert figures([bands["16_17"]["respondents"]]) == [NOT_SHOWN]
    # No row with exactly one hidden figure and its total shown; no column either.
    for row in [question["all"], *question["by_group"], *question["by_age_band"]]:
        cells = row["options"]
        hidden = [c for c in cells if c["suppressed"]]
        if row["respondents"]["suppressed"] is None:
            assert len(hidden) != 1, row
    for j in range(3):
        column = [(row["respondents"], *row["options"])[j] for row in [*question["by_group"]]]
        total = (question["all"]["respondents"], *question["all"]["options"])[j]
        hidden = [c for c in column if c["suppressed"]]
        assert len(hidden) + (1 if total["suppressed"] else 0) != 1, j
    # The question that only 1 person answered shows no figure at all.
    rare = results["questions"][1]
    assert all(
        c["suppressed"] for row in rare["by_group"] for c in [row["respondents"], *row["options"]]
    )
    assert rare["all"]["respondents"]["suppressed"] == FEWER_THAN_MINIMUM


def test_no_figure_below_five_on_the_page(english_client, dutch_client, small):
    body = page_of(english_client, small)
    cells = _numbers_in_tables(body)
    _assert_no_small_figure(cells)
    assert "fewer than 5" in cells
    assert "not shown" in cells
    rows = rows_of(body, "vragenlijst-1-groep")
    assert rows["Parent or carer"] == ["20", "not shown", "fewer than 5"]
    assert rows["Foster parent"] == ["fewer than 5", "fewer than 5", "fewer than 5"]
    bands = rows_of(body, "vragenlijst-1-leeftijd")
    assert bands["12 to 15 years"] == ["fewer than 5", "fewer than 5", "fewer than 5"]
    dutch = page_of(dutch_client, small)
    _assert_no_small_figure(_numbers_in_tables(dutch))
    assert "minder dan 5" in _numbers_in_tables(dutch)


def test_no_figure_below_five_in_the_reactienota(app, session, client, small):
    official = factories.region_user(session, "official")
    small.state = ConsultationState.ANSWERED  # it has no comments to answer
    session.flush()
    report = reactienota.generate(session, official, small)
    session.flush()
    _assert_no_small_data(report.content["questionnaire"])
    schema = json.loads(rendering.SCHEMA_PATH.read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report.content)
    with app.test_request_context("/"):
        html = str(rendering.article_html(report, "nl"))
    cells = _numbers_in_tables(html)
    _assert_no_small_figure(cells)
    assert "minder dan 5" in cells
    assert "niet getoond" in cells
    # Published: the page and the JSON download carry the same figures.
    with factories.app_context(session):
        reactienota.publish(session, official, report)
    session.flush()
    page = client.get(f"/consultaties/{small.slug}/reactienota").get_data(as_text=True)
    assert 'href="#rn-vragenlijst"' in page
    _assert_no_small_figure(_numbers_in_tables(page))
    download = client.get(f"/consultaties/{small.slug}/reactienota/1.json")
    assert download.get_json()["questionnaire"] == report.content["questionnaire"]
    assert all(int(n) >= 5 for n in re.findall(r'"count": ?(\d+)', download.get_data(as_text=True)))
    with app.app_context():
        pdf = render_pdf(rendering.pdf_html(report))
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    start = text.index("Vraag 1: Vind je")
    chapter = text[start : text.index("Bijlage", start)]
    assert "minder dan 5" in chapter
    assert "niet getoond" in chapter
    # Every figure in the chapter is 5 or more, or a percentage, or the question's number.
    for line in chapter.splitlines():
        if line.startswith(("Vraag ", "Antwoorden")):
            continue
        assert not SMALL_NUMBER.search(line.replace("minder dan 5", "")), line


# -- open answers --------------------------------------------------------------------------------


def test_open_answers_only_with_consent(english_client, session):
    consultation = factories.closed_consultation(session)
    open_question = factories.question(session, consultation, "Wat wil je nog zeggen?", position=1)
    respond(session, consultation, {open_question: PUBLIC_TEXT})
    respond(session, consultation, {open_question: SECRET_TEXT}, publish_text=False)
    respond(session, consultation, {open_question: PENDING_TEXT}, confirmed=False)
    (hidden,) = respond(
        session, consultation, {open_question: HIDDEN_TEXT}, comments=[(None, "Scheldwoord")]
    )
    hidden.comments[0].hidden_at = utcnow()
    hidden.comments[0].hidden_reason = HideReason.OFFENSIVE
    (withdrawn,) = respond(
        session, consultation, {open_question: WITHDRAWN_TEXT}, comments=[(None, "Weg")]
    )
    withdrawn.comments[0].withdrawn_at = utcnow()
    (erased,) = respond(session, consultation, {open_question: ERASED_TEXT})
    erased.contact.erased_at = utcnow()
    session.flush()

    results = questionnaire.results(session, consultation)
    assert results["questions"][0]["texts"] == [PUBLIC_TEXT]
    body = page_of(english_client, consultation)
    assert PUBLIC_TEXT in body
    for secret in (SECRET_TEXT, PENDING_TEXT, HIDDEN_TEXT, WITHDRAWN_TEXT, ERASED_TEXT):
        assert secret not in body
    # Three people count (the public, the unconsented and the hidden one): fewer than 5.
    assert "Fewer than 5 people answered this question." in body


def test_open_answers_are_escaped(english_client, session):
    consultation = factories.closed_consultation(session)
    open_question = factories.question(session, consultation, "Nog iets?", position=1)
    respond(session, consultation, {open_question: "<script>alert(1)</script>"})
    body = page_of(english_client, consultation)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# -- empty states, drafts, the API ---------------------------------------------------------------


def test_without_a_questionnaire_the_page_says_so(english_client, session):
    consultation = factories.closed_consultation(session)
    body = page_of(english_client, consultation)
    assert "This consultation had no questionnaire." in body
    assert questionnaire.results(session, consultation)["questions"] == []


def test_the_api_gives_the_same_figures(client, session, small):
    response = client.get(f"/api/v1/consultations/{small.slug}/questionnaire")
    assert response.status_code == 200
    data = response.get_json()
    assert data["consultation"] == small.slug
    doc = client.get("/api/v1/openapi.json").get_json()
    validator(doc, {"$ref": "#/components/schemas/Questionnaire"}).validate(data)
    _assert_no_small_data(data)
    assert data["questions"] == questionnaire.results(session, small)["questions"]
    parent = next(r for r in data["questions"][0]["by_group"] if r["group"] == "parent")
    assert parent["respondents"] == {"count": 20, "share": None, "suppressed": None}
    assert parent["options"][1] == {"count": None, "share": None, "suppressed": "fewer_than_5"}
    raw = response.get_data(as_text=True)
    assert all(int(n) >= 5 for n in re.findall(r'"count":(\d+)', raw))
    assert '"suppressed":"not_shown"' in raw


def test_the_api_hides_a_draft(client, session):
    draft = factories.draft_consultation(session)
    question = yes_no(session, draft)
    assert question.id
    response = client.get(f"/api/v1/consultations/{draft.slug}/questionnaire")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert "Vind je" not in response.get_data(as_text=True)


def test_the_api_says_when_there_is_no_questionnaire(client, session):
    consultation = factories.closed_consultation(session)
    data = client.get(f"/api/v1/consultations/{consultation.slug}/questionnaire").get_json()
    assert data["questions"] == []
    assert data["respondents"]["suppressed"] == FEWER_THAN_MINIMUM


@pytest.mark.usefixtures("quiet_housekeeping")
def test_the_query_count_does_not_grow(app, english_client, session, counted):
    path = f"/consultaties/{counted.slug}/deelname"
    english_client.get(path)
    with count_queries(app) as few:
        english_client.get(path)
    question = counted.questions[0]
    respond(
        session,
        counted,
        {question: YES},
        group="young_person",
        age_band=AgeBand.FROM_16_TO_17,
        times=40,
    )
    with count_queries(app) as many:
        body = english_client.get(path).get_data(as_text=True)
    assert len(few) == len(many)
    assert rows_of(body, "vragenlijst-1-groep")["Everyone"] == ["63", "51 81%", "12 19%"]


# -- the rule against a reader who subtracts -----------------------------------------------------


def test_a_zero_next_to_a_five_is_not_given_away():
    # 5 = (0, fewer than 5) + (5, not shown) would leave only 0 + 5: the total goes too.
    total, parts = Cell(5), [Cell(0), Cell(5)]
    suppress([(total, parts)])
    assert [p.hidden for p in parts] == [FEWER_THAN_MINIMUM, NOT_SHOWN]
    assert total.hidden == NOT_SHOWN


def _reader_solutions(question: dict[str, Any], most: int) -> dict[tuple[int, int], set[int]]:
    """Every value a reader could give each hidden cell of a three-group, two-option
    single-choice table, by trying every filling that fits the shown figures and labels.

    Independent of the module's own check: plain enumeration, row by row."""

    def fits(cell: dict[str, Any], value: int) -> bool:
        if cell["suppressed"] is None:
            return value == cell["count"]
        if cell["suppressed"] == FEWER_THAN_MINIMUM:
            return value < 5
        return value >= 5

    def options_for(cell: dict[str, Any]) -> range:
        if cell["suppressed"] is None:
            return range(cell["count"], cell["count"] + 1)
        if cell["suppressed"] == FEWER_THAN_MINIMUM:
            return range(5)
        return range(5, most + 1)

    rows = question["by_group"]
    per_row = []
    for row in rows:
        fillings = [
            (a, b)
            for a in options_for(row["options"][0])
            for b in options_for(row["options"][1])
            if fits(row["respondents"], a + b)
        ]
        per_row.append(fillings)
    seen: dict[tuple[int, int], set[int]] = {}
    everyone = [question["all"]["respondents"], *question["all"]["options"]]
    for first in per_row[0]:
        for second in per_row[1]:
            for third in per_row[2]:
                filled = (first, second, third)
                column_a = sum(f[0] for f in filled)
                column_b = sum(f[1] for f in filled)
                if not (
                    fits(everyone[0], column_a + column_b)
                    and fits(everyone[1], column_a)
                    and fits(everyone[2], column_b)
                ):
                    continue
                for r, (a, b) in enumerate(filled):
                    seen.setdefault((r, 0), set()).add(a + b)
                    seen.setdefault((r, 1), set()).add(a)
                    seen.setdefault((r, 2), set()).add(b)
                seen.setdefault((3, 0), set()).add(column_a + column_b)
                seen.setdefault((3, 1), set()).add(column_a)
                seen.setdefault((3, 2), set()).add(column_b)
    return seen


def test_no_small_cell_can_be_worked_out_by_subtracting():
    """Random small tables: whatever a reader tries, a "fewer than 5" cell keeps at least
    two possible values, and the true one is among them."""
    import random
    from types import SimpleNamespace

    from consult.participation.questionnaire import _question_results

    question = SimpleNamespace(
        kind=QuestionKind.SINGLE_CHOICE, options=["Ja", "Nee"], position=1, text="Vraag?"
    )
    groups = [(1, "parent", False), (2, "care_provider", False), (3, "foster_parent", False)]
    chooser = random.Random(15)
    for _ in range(60):
        table_counts = [
            [chooser.choice([0, 1, 2, 3, 4, 5, 6, 8, 11]) for _ in range(2)] for _ in groups
        ]
        raw = {
            (gid, None): (sum(c), list(c))
            for (gid, _code, _a), c in zip(groups, table_counts, strict=True)
        }
        results = _question_results(question, raw, groups, [], [])
        truth = {}
        for r, counts in enumerate(table_counts):
            truth[(r, 0)], truth[(r, 1)], truth[(r, 2)] = sum(counts), *counts
        truth[(3, 1)] = sum(c[0] for c in table_counts)
        truth[(3, 2)] = sum(c[1] for c in table_counts)
        truth[(3, 0)] = truth[(3, 1)] + truth[(3, 2)]
        most = truth[(3, 0)] if results["all"]["respondents"]["suppressed"] is None else 40
        solutions = _reader_solutions(results, most)
        rows = [*results["by_group"], results["all"]]
        for r, row in enumerate(rows):
            for j, cell in enumerate([row["respondents"], *row["options"]]):
                if cell["suppressed"] == FEWER_THAN_MINIMUM:
                    assert truth[(r, j)] in solutions[(r, j)], (table_counts, r, j)
                    assert len(solutions[(r, j)]) >= 2, (table_counts, r, j, solutions[(r, j)])
