"""The download of the evidence bundle: who sees the button, who may make and download a
bundle, the background job and its page, and that nobody gets another consultation's file."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from consult import jobs
from consult.evidence import bundle
from consult.jobs import Job, JobState
from consult.permissions import allowed
from tests import factories
from tests.conftest import csrf_token, log_in, submit_form
from tests.record import bundle_world
from tests.record.test_bundle import run_verifier, unzip


def _either(page: str, english: str, dutch: str) -> bool:
    """Texts added with this feature read English until the Dutch catalog has them."""
    return english in page or dutch in page


def _page(consultation) -> str:
    return f"/consultaties/{consultation.slug}/bewijsbundel"


@pytest.fixture
def world(app, session):
    with app.app_context():
        return bundle_world.build(session)


def _member(session, *, verified: bool):
    person = factories.user(session)
    factories.organisation(session, verified=verified, members=(person,))
    return person


def _make(client, consultation):
    page = _page(consultation)
    return submit_form(client, page, {}, action=page)


def test_an_official_makes_and_downloads_a_bundle_that_verifies(session, client, world, tmp_path):
    consultation = world.consultation
    log_in(client, world.official.email)
    workspace = client.get(f"/regios/JZ22/beheer/consultaties/{consultation.id}").get_data(
        as_text=True
    )
    assert f'href="{_page(consultation)}"' in workspace
    public = client.get(f"/consultaties/{consultation.slug}").get_data(as_text=True)
    assert f'href="{_page(consultation)}"' in public

    page = client.get(_page(consultation))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert _either(text, "There is no bundle yet.", "Er is nog geen bundel.")
    assert 'href="/bewijs/sleutel"' in text
    assert 'http-equiv="refresh"' not in text

    response = _make(client, consultation)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(_page(consultation))
    job = bundle.latest_job(session, consultation)
    assert job is not None
    assert job.state is JobState.DONE, job.error
    assert job.done == job.total > 0

    text = client.get(_page(consultation)).get_data(as_text=True)
    link = f"{_page(consultation)}/{job.id}.zip"
    assert f'href="{link}"' in text
    assert "data-live-refresh=" not in text  # finished: no more updating
    download = client.get(link)
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    disposition = download.headers["Content-Disposition"]
    assert f"bewijsbundel-{consultation.slug}-" in disposition
    assert "attachment" in disposition
    data = download.get_data()
    assert "verify.py" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    status, output = run_verifier(unzip(data, tmp_path / "bundel"))
    assert status == 0, output
    assert output.strip().endswith("OK")


def test_a_new_bundle_replaces_the_old_file(app, session, client, world):
    log_in(client, world.official.email)
    _make(client, world.consultation)
    first = bundle.latest_job(session, world.consultation)
    assert bundle.stored_file(first, app).exists()
    _make(client, world.consultation)
    second = bundle.latest_job(session, world.consultation)
    assert second.id != first.id
    assert not bundle.stored_file(first, app).exists()
    assert client.get(f"{_page(world.consultation)}/{first.id}.zip").status_code == 404
    assert client.get(f"{_page(world.consultation)}/{second.id}.zip").status_code == 200


def test_a_member_of_a_verified_organisation_may_download(app, session, client, world):
    member = _member(session, verified=True)
    log_in(client, member.email)
    public = client.get(f"/consultaties/{world.consultation.slug}").get_data(as_text=True)
    assert f'href="{_page(world.consultation)}"' in public
    assert _make(client, world.consultation).status_code == 303
    job = bundle.latest_job(session, world.consultation)
    assert job.state is JobState.DONE
    assert client.get(f"{_page(world.consultation)}/{job.id}.zip").status_code == 200


def test_others_see_no_button_and_get_403_or_404(app, session, client, world):
    consultation = world.consultation
    with app.app_context():
        # A bundle exists, made by an official: its file is what the others must not get.
        job = bundle.start_job(session, consultation)
        jobs.forget_planned(session)  # the test runs the work itself
        session.flush()
        jobs.run(job.id, bundle.JOB_WORK, app=app)
    session.refresh(job)
    assert job.state is JobState.DONE
    link = f"{_page(consultation)}/{job.id}.zip"

    # Anonymous: no button, and the page asks to log in.
    public = client.get(f"/consultaties/{consultation.slug}").get_data(as_text=True)
    assert f'href="{_page(consultation)}"' not in public
    assert client.get(_page(consultation)).status_code == 302
    assert client.get(link).status_code == 302

    outsiders = {
        "official of another region": factories.region_user(session, "official", "JZ24"),
        "member of an unverified organisation": _member(session, verified=False),
        "participant": factories.user(session),
        "moderator": factories.region_user(session, "moderator"),
    }
    for who, person in outsiders.items():
        client = app.test_client()
        log_in(client, person.email)
        public = client.get(f"/consultaties/{consultation.slug}").get_data(as_text=True)
        assert f'href="{_page(consultation)}"' not in public, who
        assert client.get(_page(consultation)).status_code == 403, who
        assert client.get(link).status_code == 403, who
        token = csrf_token(client, f"/consultaties/{consultation.slug}/reageren")
        response = client.post(_page(consultation), data={"csrf_token": token})
        assert response.status_code == 403, who
    assert bundle.latest_job(session, consultation).id == job.id  # nobody started one


def test_a_draft_is_hidden_and_a_file_of_another_consultation_is_404(app, session, client, world):
    official = world.official
    draft = factories.consultation(session, state="draft")
    other = world.other  # open, same region
    with app.app_context():
        job = bundle.start_job(session, world.consultation)
        jobs.forget_planned(session)  # the test runs the work itself
        session.flush()
        jobs.run(job.id, bundle.JOB_WORK, app=app)

    outsider = app.test_client()
    log_in(outsider, factories.region_user(session, "official", "JZ24").email)
    assert outsider.get(_page(draft)).status_code == 404

    log_in(client, official.email)
    assert client.get(_page(draft)).status_code == 200
    # The job id of one consultation under the address of another: not its file.
    assert client.get(f"{_page(other)}/{job.id}.zip").status_code == 404
    assert client.get(f"{_page(world.consultation)}/{job.id}.zip").status_code == 200
    assert client.get(f"{_page(world.consultation)}/{job.id + 999}.zip").status_code == 404
    assert client.get("/consultaties/bestaat-niet/bewijsbundel").status_code == 404


def test_the_page_follows_a_running_job_in_place(app, session, client, world):
    """Not a <meta http-equiv="refresh"> (WCAG 2.2.1, axe: meta-refresh): live-refresh.js
    updates the bundle's part of the page; without script a "Reload now" link remains."""
    job = bundle.start_job(session, world.consultation)
    jobs.forget_planned(session)  # the test runs the work itself
    job.state = JobState.RUNNING
    job.done, job.total, job.step = 30, 120, "proofs"
    session.flush()
    log_in(client, world.official.email)
    text = client.get(_page(world.consultation)).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in text
    assert 'id="bundel-stand" data-live-refresh="3"' in text
    assert "/static/js/live-refresh.js" in text
    assert 'value="25"' in text  # the progress element: 30 of 120
    assert _either(text, "computing the proofs", "de bewijzen berekenen")
    assert "<script>" not in text  # no inline script: the policy forbids it
    assert 'action="' + _page(world.consultation) + '"' not in text  # no second job meanwhile
    # A second press while it runs starts nothing new.
    token = csrf_token(client, f"/consultaties/{world.consultation.slug}/reageren")
    client.post(_page(world.consultation), data={"csrf_token": token})
    assert bundle.latest_job(session, world.consultation).id == job.id

    job.state = JobState.FAILED
    session.flush()
    text = client.get(_page(world.consultation)).get_data(as_text=True)
    assert "data-live-refresh=" not in text
    assert _either(text, "Making the bundle failed.", "Het maken van de bundel is mislukt.")
    assert _either(text, "Try again", "Opnieuw proberen")


def test_making_needs_a_csrf_token(session, client, world):
    log_in(client, world.official.email)
    assert client.post(_page(world.consultation)).status_code == 400
    assert session.scalar(select(Job.id).where(Job.kind == bundle.JOB_KIND)) is None


def test_the_policy(session):
    consultation = factories.consultation(session)
    draft = factories.consultation(session, state="draft")
    official = factories.region_user(session, "official")
    admin = factories.user(session, admin=True)
    verified = _member(session, verified=True)
    unverified = _member(session, verified=False)
    other = factories.region_user(session, "official", "JZ24")
    assert allowed(official, "consultation:record:export", draft)
    assert allowed(admin, "consultation:record:export", draft)
    assert allowed(verified, "consultation:record:export", consultation)
    assert not allowed(verified, "consultation:record:export", draft)
    for person in (unverified, other, None):
        assert not allowed(person, "consultation:record:export", consultation)
