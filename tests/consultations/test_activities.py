"""Offline activities: registering, checking, removing, the public helper and its files."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select

from consult.consultations import activities
from consult.consultations.lifecycle import today_in_amsterdam
from consult.consultations.models import ActivityKind, ConsultationState, OfflineActivity
from consult.files.models import Attachment
from tests import factories
from tests.conftest import csrf_token, log_in, submit_form
from tests.consultations.conftest import count_queries, text_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def page_of(consultation) -> str:
    return f"/regios/{consultation.region.code}/beheer/consultaties/{consultation.id}"


def group_id(session, code):
    return factories.stakeholder_group(session, code).id


def activity_data(session, **overrides):
    young = group_id(session, "young_person")
    data = {
        "kind": "school_session",
        "held_on": (today_in_amsterdam() - timedelta(days=3)).isoformat(),
        "place": "Het Baken, Utrecht",
        "summary": "Leerlingen praatten over wachtlijsten.",
        f"count_{young}_12_15": "18",
        f"count_{young}_16_17": "4",
        f"count_{group_id(session, 'professional')}": "2",
    }
    data.update(overrides)
    return data


def stored(session, consultation):
    session.expire_all()
    return session.scalars(
        select(OfflineActivity).where(OfflineActivity.consultation_id == consultation.id)
    ).all()


def register(session, consultation, *, files=(), **participants):
    counts = {(group_id(session, code), None): n for code, n in participants.items()}
    return activities.register_activity(
        session,
        None,
        consultation,
        activities.ActivityDetails(
            kind=ActivityKind.MEETING,
            held_on=date(2026, 1, 20),
            place="Wijkcentrum",
            summary="Ouders vertelden.",
            participants=counts or {(group_id(session, "parent"), None): 5},
            attachments=list(files),
        ),
    )


def test_register_an_activity_with_counts_and_a_file(logged_in, session):
    consultation = factories.consultation(session, state="open")
    path = f"{page_of(consultation)}/activiteiten/nieuw"
    form_page = text_of(logged_in.get(path))
    assert "young person: 12 to 15 years" in form_page
    assert "parent or carer" in form_page
    data = activity_data(session, attachments=(io.BytesIO(PDF), "verslag.pdf"))
    response = submit_form(logged_in, path, data, content_type="multipart/form-data")
    assert response.status_code == 302, text_of(response)[:3000]
    (activity,) = stored(session, consultation)
    assert activity.kind is ActivityKind.SCHOOL_SESSION
    counts = sorted((p.age_band or "", p.count) for p in activity.participants)
    assert counts == [("", 2), ("12_15", 18), ("16_17", 4)]
    (attachment,) = session.scalars(select(Attachment).where(Attachment.activity_id == activity.id))
    assert (attachment.filename, attachment.content_type) == ("verslag.pdf", "application/pdf")
    page = text_of(logged_in.get(response.location))
    assert "The activity is registered." in page
    assert "School session" in page
    assert "24 participants" in page
    assert "young person 22 (12 to 15 years: 18, 16 or 17 years: 4)" in page
    assert "verslag.pdf" in page


def test_an_activity_needs_a_past_date_and_at_least_one_person(logged_in, session):
    consultation = factories.consultation(session, state="open")
    path = f"{page_of(consultation)}/activiteiten/nieuw"
    tomorrow = (today_in_amsterdam() + timedelta(days=1)).isoformat()
    page = text_of(submit_form(logged_in, path, activity_data(session, held_on=tomorrow)))
    assert "The date cannot be in the future." in page
    empty = {k: v for k, v in activity_data(session).items() if not k.startswith("count_")}
    page = text_of(submit_form(logged_in, path, empty))
    assert "at least one person in total" in page
    young = group_id(session, "young_person")
    page = text_of(
        submit_form(logged_in, path, activity_data(session, **{f"count_{young}_12_15": "veel"}))
    )
    assert "Fill in a whole number, like 3." in page
    page = text_of(
        submit_form(logged_in, path, activity_data(session, **{f"count_{young}_12_15": "-2"}))
    )
    assert "Fill in a number from 0 to 100000." in page
    assert "Leerlingen praatten over wachtlijsten." in page  # what was typed stays
    assert stored(session, consultation) == []


def test_a_disguised_upload_is_refused(logged_in, session):
    consultation = factories.consultation(session, state="open")
    path = f"{page_of(consultation)}/activiteiten/nieuw"
    data = activity_data(
        session, attachments=(io.BytesIO(b"<html><script>alert(1)</script>"), "verslag.pdf")
    )
    response = submit_form(logged_in, path, data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "The file verslag.pdf is not a PDF" in text_of(response)
    assert stored(session, consultation) == []


def test_at_most_three_files(logged_in, session):
    consultation = factories.consultation(session, state="open")
    path = f"{page_of(consultation)}/activiteiten/nieuw"
    files = [(io.BytesIO(PNG), f"foto{n}.png") for n in range(4)]
    response = submit_form(
        logged_in,
        path,
        activity_data(session, attachments=files),
        content_type="multipart/form-data",
    )
    assert "Add at most 3 files." in text_of(response)
    assert stored(session, consultation) == []


def test_remove_asks_and_is_refused_after_closing(logged_in, session):
    consultation = factories.consultation(session, state="open")
    activity = register(session, consultation, files=[_checked(PDF, "a.pdf")])
    path = f"{page_of(consultation)}/activiteiten/{activity.id}/verwijderen"
    assert "Remove the activity?" in text_of(logged_in.get(path))
    assert submit_form(logged_in, path, {}).status_code == 302
    assert stored(session, consultation) == []
    assert session.scalar(select(Attachment)) is None

    closed = factories.consultation(session, state="closed", closes_in_days=-1)
    kept = register(session, closed)
    path = f"{page_of(closed)}/activiteiten/{kept.id}/verwijderen"
    response = logged_in.get(path)
    assert response.status_code == 302
    assert "part of the record now" in text_of(logged_in.get(response.location))
    token = csrf_token(logged_in, page_of(closed))
    logged_in.post(path, data={"csrf_token": token})
    assert len(stored(session, closed)) == 1


def _checked(data, name):
    from consult.files.uploads import check_upload

    return check_upload(name, data)


def test_public_helper_totals_per_group_in_two_queries(app, session):
    consultation = factories.consultation(session, state="open")
    for n in range(5):
        register(
            session,
            consultation,
            files=[_checked(PDF, f"v{n}.pdf"), _checked(PNG, "f.png")],
            parent=n + 1,
            professional=2,
        )
    session.expire_all()
    assert consultation.id  # loaded again before counting
    with count_queries(app) as statements:
        summaries = activities.activities_for_public(session, consultation)
    assert len(statements) <= 2
    assert len(summaries) == 5
    totals = sorted(s.total for s in summaries)
    assert totals == [3, 4, 5, 6, 7]
    first = summaries[0]
    assert [(g.group.code, g.count) for g in first.groups][1] == ("professional", 2)
    assert [a.filename for a in first.attachments] == [f"v{first.total - 3}.pdf", "f.png"]


def test_activity_attachment_download(english_client, session):
    consultation = factories.consultation(session, state="open")
    activity = register(session, consultation, files=[_checked(PDF, "verslag.pdf")])
    (attachment,) = session.scalars(select(Attachment).where(Attachment.activity_id == activity.id))
    other = factories.consultation(session, state="open")
    path = f"/consultaties/{consultation.slug}/activiteiten/bijlagen/{attachment.id}"
    response = english_client.get(path)
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "verslag.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # The same file under another consultation's address, or an unknown one: not found.
    assert (
        english_client.get(
            f"/consultaties/{other.slug}/activiteiten/bijlagen/{attachment.id}"
        ).status_code
        == 404
    )
    assert (
        english_client.get(
            f"/consultaties/bestaat-niet/activiteiten/bijlagen/{attachment.id}"
        ).status_code
        == 404
    )


def test_a_submission_attachment_is_not_served_as_an_activity_file(english_client, session):
    consultation = factories.consultation(session, state="open")
    submission = factories.submission(session, consultation)
    checked = _checked(PDF, "privé.pdf")
    attachment = Attachment(
        submission_id=submission.id,
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        data=checked.data,
    )
    session.add(attachment)
    session.flush()
    assert (
        english_client.get(
            f"/consultaties/{consultation.slug}/activiteiten/bijlagen/{attachment.id}"
        ).status_code
        == 404
    )


def test_draft_activity_files_are_hidden_from_anonymous_visitors_but_not_the_team(
    english_client, session
):
    consultation = factories.draft_consultation(session)
    activity = register(session, consultation, files=[_checked(PDF, "concept.pdf")])
    attachment_id = session.scalar(
        select(Attachment.id).where(Attachment.activity_id == activity.id)
    )
    path = f"/consultaties/{consultation.slug}/activiteiten/bijlagen/{attachment_id}"
    assert english_client.get(path).status_code == 404
    assert english_client.get(page_of(consultation)).status_code == 302  # to the log-in page
    responder = factories.region_user(session, "responder", "JZ22")
    log_in(english_client, responder.email)
    assert english_client.get(path).status_code == 200


def test_activities_of_another_region_cannot_be_reached(logged_in, session):
    mine = factories.consultation(session, state="open")
    theirs = factories.consultation(
        session, factories.document_version(session, "JZ24"), state="open"
    )
    foreign = register(session, theirs)
    token = csrf_token(logged_in, page_of(mine))
    assert (
        logged_in.get(f"{page_of(mine)}/activiteiten/{foreign.id}/verwijderen").status_code == 404
    )
    assert (
        logged_in.post(
            f"{page_of(mine)}/activiteiten/{foreign.id}/verwijderen", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        logged_in.get(f"{page_of(theirs)}/activiteiten/{foreign.id}/verwijderen").status_code == 403
    )
    assert (
        logged_in.post(
            f"{page_of(theirs)}/activiteiten/nieuw",
            data={"csrf_token": token, **activity_data(session)},
        ).status_code
        == 403
    )
    assert len(stored(session, theirs)) == 1
    assert theirs.state is ConsultationState.OPEN
