"""The reactienota's pages: the team's page, generating, publishing, the public editions."""

from __future__ import annotations

import json

import jsonschema
from sqlalchemy import select

from consult import jobs
from consult.consultations.models import ConsultationState
from consult.reports import rendering
from consult.reports import services as reactienota
from consult.reports.models import ReportFile
from consult.security import CONTENT_SECURITY_POLICY
from tests import factories
from tests.conftest import csrf_token, log_in, submit_form
from tests.responses import report_world


def _either(page, english, dutch):
    """Texts added with this feature read English until the Dutch catalog has them."""
    return english in page or dutch in page


def _manage(world):
    return f"/regios/JZ22/beheer/consultaties/{world.consultation.slug}/reactienota"


def _public(world):
    return f"/consultaties/{world.consultation.slug}/reactienota"


def test_an_official_generates_previews_and_publishes(session, client):
    world = report_world.build(session)
    log_in(client, world.official.email)
    manage = _manage(world)

    page = client.get(manage)
    assert page.status_code == 200
    # Nothing published yet: the address says when to expect it, and the page says so too.
    expected = client.get(_public(world))
    assert expected.status_code == 200
    assert "De reactienota is nog niet gepubliceerd" in expected.get_data(as_text=True)
    consultation_page = client.get(f"/consultaties/{world.consultation.slug}").get_data(
        as_text=True
    )
    assert "De reactienota wordt verwacht rond" in consultation_page
    assert "Lees de reactienota" not in consultation_page

    response = submit_form(client, manage, {}, action=f"{manage}/maken")
    assert response.status_code == 302
    report = reactienota.draft_of(session, world.consultation)
    assert report is not None
    assert report.edition == 1
    # The PDF job ran (inline in the tests) and kept the file.
    assert reactienota.has_file(session, report, "pdf")
    page = client.get(manage).get_data(as_text=True)
    assert _either(page, "Edition 1 (not published)", "Editie 1 (niet gepubliceerd)")
    assert 'http-equiv="refresh"' not in page  # the job is done: no more reloading

    preview = client.get(f"{manage}/1/voorbeeld")
    assert preview.status_code == 200
    assert report_world.PUBLIC_TEXT in preview.get_data(as_text=True)
    assert client.get(f"{manage}/1/voorbeeld.pdf").data.startswith(b"%PDF-")

    confirm = client.get(f"{manage}/1/publiceren")
    assert confirm.status_code == 200
    response = submit_form(client, f"{manage}/1/publiceren", {})
    assert response.status_code == 302
    session.refresh(world.consultation)
    assert world.consultation.state is ConsultationState.REPORT_PUBLISHED
    assert world.consultation.state_changes[-1].actor_id == world.official.id

    # The consultation's own page now leads to it.
    consultation_page = client.get(f"/consultaties/{world.consultation.slug}")
    assert f'href="{_public(world)}"' in consultation_page.get_data(as_text=True)
    public = client.get(_public(world))
    assert public.status_code == 200
    body = public.get_data(as_text=True)
    assert report_world.PUBLIC_TEXT in body
    assert report.content_hash in body
    assert client.get(f"{_public(world)}/1").status_code == 200
    pdf = client.get(f"{_public(world)}/1.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"


def test_the_page_reloads_itself_while_the_pdf_is_made(session, client):
    world = report_world.build(session)
    report = reactienota.generate(session, world.official, world.consultation)
    job = rendering.start_pdf(session, report)  # queued, not started
    jobs.forget_planned(session)  # the test runs the work itself
    session.flush()
    log_in(client, world.official.email)
    response = client.get(_manage(world))
    page = response.get_data(as_text=True)
    # Not a <meta http-equiv="refresh"> (WCAG 2.2.1, axe: meta-refresh): a script of our own
    # updates the PDF's part of the page; without script a "Reload now" link remains.
    assert 'http-equiv="refresh"' not in page
    assert 'id="pdf-stand" data-live-refresh="3"' in page
    assert "/static/js/live-refresh.js" in page
    assert "<progress" in page
    # The policy still forbids inline scripts.
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    # What the job writes (through jobs.Progress) is what the page says.
    jobs.Progress(client.application, job.id)(2, 4, "layout:12")
    page = client.get(_manage(world)).get_data(as_text=True)
    assert _either(page, "step 2 of 4, laying out page 12", "stap 2 van 4, bezig met pagina 12")


def test_publishing_waits_until_every_comment_is_answered(session, client):
    world = report_world.build(session, answer_all=False)
    log_in(client, world.official.email)
    manage = _manage(world)
    submit_form(client, manage, {}, action=f"{manage}/maken")
    response = submit_form(client, f"{manage}/1/publiceren", {})
    assert response.status_code == 302
    session.refresh(world.consultation)
    assert world.consultation.state is ConsultationState.CLOSED
    assert reactienota.published_editions(session, world.consultation) == []
    assert "De reactienota is nog niet gepubliceerd" in client.get(_public(world)).get_data(
        as_text=True
    )


def test_a_correction_is_a_new_edition_with_a_note(session, client):
    world = report_world.build(session)
    first = reactienota.generate(session, world.official, world.consultation)
    with factories.app_context(session):  # signs a checkpoint
        reactienota.publish(session, world.official, first)
    session.flush()
    log_in(client, world.official.email)
    manage = _manage(world)

    # Without a note the correction is refused.
    submit_form(client, manage, {"note": ""}, action=f"{manage}/maken")
    assert reactienota.draft_of(session, world.consultation) is None
    submit_form(
        client,
        manage,
        {"note": "Een antwoord stond bij het verkeerde onderdeel."},
        action=f"{manage}/maken",
    )
    second = reactienota.draft_of(session, world.consultation)
    assert second is not None
    assert second.edition == 2
    assert second.content["correction_note"] == "Een antwoord stond bij het verkeerde onderdeel."
    # A draft edition is not public.
    assert client.get(f"{_public(world)}/2").status_code == 404
    submit_form(client, f"{manage}/2/publiceren", {})
    session.refresh(second)
    assert second.is_published

    newest = client.get(_public(world)).get_data(as_text=True)
    assert "Een antwoord stond bij het verkeerde onderdeel." in newest
    assert f"{_public(world)}/1" in newest  # the earlier edition is listed
    earlier = client.get(f"{_public(world)}/1").get_data(as_text=True)
    assert f'href="{_public(world)}"' in earlier  # and points to the newest


def test_only_the_regions_team_sees_the_team_page(session, client):
    world = report_world.build(session)
    reactienota.generate(session, world.official, world.consultation)
    session.flush()
    manage = _manage(world)
    assert client.get(manage).status_code == 302  # to the log-in page

    log_in(client, factories.region_user(session, "official", "JZ24").email)
    assert client.get(manage).status_code == 404
    assert client.get(f"{manage}/1/voorbeeld").status_code == 404
    token = csrf_token(client, "/")
    assert client.post(f"{manage}/maken", data={"csrf_token": token}).status_code == 404
    assert client.post(f"{manage}/1/publiceren", data={"csrf_token": token}).status_code == 404


def test_a_responder_may_look_but_not_generate_or_publish(session, client):
    world = report_world.build(session)
    reactienota.generate(session, world.official, world.consultation)
    session.flush()
    log_in(client, world.responder.email)
    manage = _manage(world)
    page = client.get(manage).get_data(as_text=True)
    assert f"{manage}/1/voorbeeld" in page
    assert f"{manage}/maken" not in page
    assert client.get(f"{manage}/1/voorbeeld").status_code == 200
    token = csrf_token(client, "/")
    assert client.post(f"{manage}/maken", data={"csrf_token": token}).status_code == 403
    assert client.get(f"{manage}/1/publiceren").status_code == 403


def test_forms_need_their_csrf_token(session, client):
    world = report_world.build(session)
    reactienota.generate(session, world.official, world.consultation)
    session.flush()
    log_in(client, world.official.email)
    manage = _manage(world)
    assert client.post(f"{manage}/1/publiceren").status_code == 400
    assert client.post(f"{manage}/1/pdf").status_code == 400
    assert client.post(f"{manage}/maken", data={"note": ""}).status_code == 400
    assert not reactienota.published_editions(session, world.consultation)


def test_json_and_csv_follow_their_documented_schemas(app, session, client):
    from pathlib import Path

    world = report_world.build(session)
    report = reactienota.generate(session, world.official, world.consultation)
    with factories.app_context(session):  # signs a checkpoint
        reactienota.publish(session, world.official, report)
    session.flush()

    schema = client.get("/schemas/reactienota-v1.json")
    assert schema.status_code == 200
    validator = jsonschema.Draft202012Validator(json.loads(schema.data))
    response = client.get(f"{_public(world)}/1.json")
    assert response.mimetype == "application/json"
    assert "describedby" in response.headers["Link"]
    validator.validate(json.loads(response.data))
    # The file's SHA-256 is the edition's fingerprint.
    import hashlib

    assert hashlib.sha256(response.data).hexdigest() == report.content_hash
    # The schema refuses what must never be there, such as an email address on a comment.
    spoiled = json.loads(response.data)
    spoiled["appendix"][0]["email"] = "ouder@example.org"
    assert not validator.is_valid(spoiled)

    csv_text = client.get(f"{_public(world)}/1.csv").data.decode("utf-8-sig")
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(csv_text)))
    documented = Path(__file__).resolve().parents[2] / "docs" / "reactienota.md"
    columns = [
        line.split("`")[1]
        for line in documented.read_text("utf-8").split("## The CSV file")[1].splitlines()
        if line.startswith("| `")
    ]
    assert list(rows[0]) == columns == rendering.CSV_COLUMNS
    assert len(rows) == 9
    dispositions = set(validator.schema["$defs"]["disposition"]["enum"])
    for row in rows:
        assert row["disposition"] in dispositions
        assert row["text_status"] in {"published", "withheld", "hidden"}
        assert (row["text"] != "") == (row["text_status"] == "published")
    # A text that starts like a spreadsheet formula stays text.
    assert not any(row["text"].startswith(("=", "+", "-", "@")) for row in rows)


def test_the_english_page_speaks_english(session, client):
    world = report_world.build(session)
    report = reactienota.generate(session, world.official, world.consultation)
    with factories.app_context(session):  # signs a checkpoint
        reactienota.publish(session, world.official, report)
    session.flush()
    client.get("/taal/en")
    page = client.get(_public(world)).get_data(as_text=True)
    assert 'lang="en"' in page
    assert "How the consultation went" in page
    assert "Comments and answers per section" in page
    assert "Hoe de inspraak is verlopen" not in page


def test_published_files_are_never_replaced(session):
    world = report_world.build(session)
    report = reactienota.generate(session, world.official, world.consultation)
    with factories.app_context(session):  # signs a checkpoint
        reactienota.publish(session, world.official, report)
    first = rendering.store_file(session, report, "pdf", "application/pdf", b"%PDF-1.7 one")
    again = rendering.store_file(session, report, "pdf", "application/pdf", b"%PDF-1.7 two")
    assert again.id == first.id
    assert again.data == b"%PDF-1.7 one"
    assert (
        len(session.scalars(select(ReportFile).where(ReportFile.report_id == report.id)).all()) == 1
    )


def test_the_page_serves_the_chapters_the_job_kept(session, client):
    world = report_world.build(session)
    report = reactienota.generate(session, world.official, world.consultation)
    log_in(client, world.official.email)
    preview = f"{_manage(world)}/1/voorbeeld"
    assert report_world.PUBLIC_TEXT in client.get(preview).get_data(as_text=True)
    rendering.store_file(session, report, "html-nl", "text/html", b"<p>KEPT-CHAPTERS</p>")
    session.flush()
    page = client.get(preview).get_data(as_text=True)
    assert "<p>KEPT-CHAPTERS</p>" in page
    assert report_world.PUBLIC_TEXT not in page


def test_the_page_says_when_answers_were_approved_by_their_drafter(session, client):
    from consult.responses.answers import services
    from consult.responses.models import Disposition

    world = report_world.build(session, answer_all=False)
    world.consultation.region.allow_self_approval = True
    answer = services.draft_answer(
        session,
        world.official,
        world.consultation,
        [world.comments["public"]],
        Disposition.NOTED,
        "",
    )
    services.approve(session, world.official, answer)
    services.publish(session, world.official, world.consultation, [answer])
    reactienota.generate(session, world.official, world.consultation)
    session.flush()
    log_in(client, world.official.email)
    page = client.get(f"{_manage(world)}/1/voorbeeld").get_data(as_text=True)
    assert _either(
        page,
        "The region allows the person who drafted an answer to approve it as well.",
        "De regio staat toe dat degene die een antwoord schrijft, het ook zelf goedkeurt.",
    )
    assert _either(
        page,
        "1 answer was approved by the person who drafted it.",
        "1 antwoord is goedgekeurd door degene die het schreef.",
    )
