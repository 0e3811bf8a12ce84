"""Private data behind public or reusable links: exports, feeds, files, the API.

Decidim's CVE-2026-40870 served every comment through the API without a check; other
platforms leaked private exports through links that worked for anyone who had them. Here
every public route (everything the authorisation walk does not protect) is fetched with the
ids of the victim region's objects, logged out, and none may contain what is private: the
text of a comment without consent to publish, a hidden or withdrawn text, a name without
consent or of someone under 16, an email address, an attachment's bytes. A draft
consultation and an unpublished reactienota edition are not found at all; the evidence
bundle's download needs the right person and the right consultation.
"""

from __future__ import annotations

import io
import zipfile

from flask import Flask
from sqlalchemy import select

from consult.evidence import bundle
from consult.jobs import Job, JobState
from tests import factories
from tests.conftest import submit_form
from tests.responses import report_world
from tests.security.conftest import client_for
from tests.security.routes import fill, paths, rules
from tests.security.test_authorisation import is_protected

PRIVATE = {
    "text without consent": report_world.SECRET_TEXT,
    "hidden text": report_world.HIDDEN_TEXT,
    "withdrawn text": report_world.WITHDRAWN_TEXT,
    "name without consent": report_world.SECRET_NAME,
    "name of someone under 16": report_world.YOUNG_NAME,
    **{f"address {email}": email for email in report_world.EMAILS},
    "attachment bytes": "%PDF-1.4 private",
}
# Links that are themselves the key (a signed token mailed to one person) or that need
# no object; fetched with a stand-in they find nothing, which is all a stranger has.
NOT_OBJECT_ROUTES = {"static", "web.switch_language"}


def _public_values(world, rule) -> dict[str, object]:
    values = dict(world.values)
    if rule.rule.startswith(("/ontvangst/", "/bewijs/opname/")):
        # A tracking code is printed on the receipt: a stranger may have seen it.
        values["code"] = world.base.comments["secret"].submission.tracking_code
    if "comment_id" in rule.arguments or rule.endpoint == "api.comment":
        values["comment_id"] = world.base.comments["secret"].id
        values["id"] = world.base.comments["secret"].id
    return values


def _body(response) -> str:
    data = response.get_data()
    response.close()
    if data[:2] == b"PK":  # a zip: look inside
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return data.decode("utf-8", "replace")


def test_no_public_route_shows_anything_private(app: Flask, session, world) -> None:
    visited, leaks, seen_public = 0, [], False
    for who in ("anonymous", "participant", "official elsewhere"):
        person = None if who == "anonymous" else world.people[who]
        client = client_for(app, person)
        for rule in rules(app):
            if (
                "GET" not in rule.methods
                or is_protected(rule)
                or rule.endpoint in NOT_OBJECT_ROUTES
            ):
                continue
            for path in paths(rule, _public_values(world, rule)):
                response = client.get(path)
                body = _body(response)
                assert response.status_code < 500, f"{path}: {response.status_code}"
                visited += response.status_code == 200
                seen_public |= report_world.PUBLIC_TEXT in body
                leaks += [f"{who} {path}: {w}" for w, text in PRIVATE.items() if text in body]
    assert leaks == []
    assert visited > 60  # the walk found the pages, not only 404s
    assert seen_public  # and read them: the public text is there


def test_a_draft_consultation_is_not_found_on_any_public_route(app, session, world) -> None:
    draft = world.draft
    values = {
        **world.values,
        "slug": draft.slug,
        "consultation_id": draft.id,
        "document_id": draft.version.document_id,
        "number": draft.version.number,
        "section_id": draft.version.sections[0].id,
    }
    found = []
    for who in ("anonymous", "participant", "official elsewhere", "organisation member"):
        person = None if who == "anonymous" else world.people[who]
        client = client_for(app, person)
        for rule in rules(app):
            names = {"slug", "document_id"}
            if "GET" not in rule.methods or is_protected(rule) or not rule.arguments & names:
                continue
            for path in paths(rule, values):
                response = client.get(path)
                response.close()
                if response.status_code not in (404, 410):
                    found.append(f"{who} {path}: {response.status_code}")
    assert found == []


def test_an_unpublished_reactienota_edition_is_found_by_nobody(app, session, world) -> None:
    """Not by the public, and not by its own officials either: they use the preview."""
    found = []
    for who in ("anonymous", "participant", "official"):
        person = None if who == "anonymous" else world.people[who]
        client = client_for(app, person)
        for rule in rules(app):
            if rule.endpoint.startswith("reactienota.public_") and "edition" in rule.arguments:
                path = fill(rule, world.values)
                response = client.get(path)
                response.close()
                if response.status_code != 404:
                    found.append(f"{who} {path}: {response.status_code}")
    assert found == []


def test_the_only_job_address_is_the_bundle_download_and_it_is_protected(app: Flask) -> None:
    with_jobs = [rule for rule in rules(app) if "job_id" in rule.arguments]
    assert [rule.endpoint for rule in with_jobs] == ["record_bundle.download"]
    assert all(is_protected(rule) for rule in with_jobs)


def test_a_bundle_is_downloaded_only_by_its_people_and_only_under_its_consultation(
    app: Flask, session, world
) -> None:
    official = world.people["official"]
    maker = client_for(app, official)
    page = f"/consultaties/{world.values['slug']}/bewijsbundel"
    made = submit_form(maker, page, {})
    assert made.status_code == 303
    job = session.scalars(
        select(Job)
        .where(
            Job.subject == bundle.job_subject(world.base.consultation), Job.state == JobState.DONE
        )
        .order_by(Job.id.desc())
    ).first()
    assert job is not None
    download = f"{page}/{job.id}.zip"
    response = maker.get(download)
    assert response.status_code == 200
    assert response.get_data()[:2] == b"PK"
    response.close()

    for who in ("anonymous", "participant", "official elsewhere"):
        person = None if who == "anonymous" else world.people[who]
        response = client_for(app, person).get(download)
        response.close()
        assert response.status_code in (302, 403, 404), who
        if response.status_code == 302:
            assert response.location.startswith("/account/inloggen"), who

    # The right job under the URL of a consultation the person may export: not found.
    elsewhere = client_for(app, world.people["official elsewhere"])
    foreign = elsewhere.get(
        f"/consultaties/{world.other_consultation.slug}/bewijsbundel/{job.id}.zip"
    )
    foreign.close()
    assert foreign.status_code == 404
    other_of_own_region = factories.consultation(session, state="open")
    wrong_url = maker.get(f"/consultaties/{other_of_own_region.slug}/bewijsbundel/{job.id}.zip")
    wrong_url.close()
    assert wrong_url.status_code == 404
