"""The API shows what the public pages show, and nothing more (issue 7, Security).

The Decidim class (CVE-2026-40870, "the public API exposes every comment"): walk EVERY
path of the OpenAPI document, with every parameter value the world has (public and
private), every filter and every following page, and look for private content anywhere in
any body: hidden, withdrawn, unconfirmed and not-to-be-published texts, the name an
under-16 typed, email addresses, tracking codes, drafts.
"""

from __future__ import annotations

from tests.api.conftest import CHILD_TEXT, NAMED_TEXT, PUBLIC_NAME, PUBLIC_TEXT, ApiWorld
from tests.api.walk import PREFIX, document, read_paths, walk


def test_walk_every_path_and_find_nothing_private(
    quiet_english_client, api_world: ApiWorld
) -> None:
    visits = walk(quiet_english_client, api_world)
    templates = {v.template for v in visits}
    assert templates == read_paths(document(quiet_english_client))
    assert all(v.status in (200, 404) for v in visits), [
        (v.url, v.status) for v in visits if v.status not in (200, 404)
    ]
    everything = "\n".join(
        [v.body for v in visits]
        + [
            quiet_english_client.get(f"{PREFIX}/openapi.json").get_data(True),
            quiet_english_client.get(f"{PREFIX}/docs").get_data(True),
        ]
    )
    # The walk did reach the public content (so the absence below means something).
    for text in (PUBLIC_TEXT, NAMED_TEXT, CHILD_TEXT, PUBLIC_NAME):
        assert text in everything
    for secret in api_world.secrets:
        assert secret not in everything, secret
    assert "@example.org" not in everything  # no email at all, not even the region's contact
    assert len(visits) > 60


def test_drafts_are_not_found_anywhere(quiet_english_client, api_world: ApiWorld) -> None:
    slug = api_world.draft.slug
    for path in (
        f"/consultations/{slug}",
        f"/consultations/{slug}/versions",
        f"/consultations/{slug}/versions/1",
        f"/consultations/{slug}/comments",
        f"/consultations/{slug}/answers",
    ):
        response = quiet_english_client.get(PREFIX + path)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 404
    listed = quiet_english_client.get(f"{PREFIX}/consultations?limit=100").get_json()["data"]
    assert [c["slug"] for c in listed] == [api_world.consultation.slug]
    assert "draft" not in {c["state"] for c in listed}
    assert quiet_english_client.get(f"{PREFIX}/consultations?state=draft").status_code == 400
    # The draft version 3 of the public consultation's document is not public either.
    base = f"{PREFIX}/consultations/{api_world.consultation.slug}/versions"
    assert [v["number"] for v in quiet_english_client.get(base).get_json()["data"]] == [1, 2]
    assert quiet_english_client.get(f"{base}/3").status_code == 404


def test_only_public_comments_and_names(quiet_english_client, api_world: ApiWorld) -> None:
    base = f"{PREFIX}/consultations/{api_world.consultation.slug}"
    comments = quiet_english_client.get(f"{base}/comments").get_json()["data"]
    assert [c["id"] for c in comments] == [c.id for c in api_world.public_comments]
    by_text = {c["text"]: c for c in comments}
    assert by_text[NAMED_TEXT]["name"] == PUBLIC_NAME
    assert by_text[CHILD_TEXT]["name"] is None  # under 16: never a name, even when typed
    assert by_text[CHILD_TEXT]["age_band"] == "12_15"
    assert by_text[PUBLIC_TEXT]["name"] is None  # no consent to publish a name
    for private in api_world.private_comments:
        assert quiet_english_client.get(f"{base}/comments/{private.id}").status_code == 404
    # A comment is found only through its own consultation (no IDOR across consultations).
    public_id = api_world.public_comments[0].id
    assert quiet_english_client.get(f"{base}/comments/{public_id}").status_code == 200
    other = f"{PREFIX}/consultations/{api_world.draft.slug}/comments/{public_id}"
    assert quiet_english_client.get(other).status_code == 404


def test_answers_list_only_published_answers_and_public_comment_ids(
    quiet_english_client, api_world: ApiWorld
) -> None:
    base = f"{PREFIX}/consultations/{api_world.consultation.slug}"
    answers = quiet_english_client.get(f"{base}/answers").get_json()["data"]
    first, correction, second = api_world.answers
    assert [a["id"] for a in answers] == [first.id, correction.id, second.id]
    by_id = {a["id"]: a for a in answers}
    hidden, _withdrawn, _pending, private = api_world.private_comments
    public, named, _child = api_world.public_comments
    assert by_id[first.id]["current"] is False
    assert by_id[first.id]["superseded_at"] is not None
    assert by_id[correction.id] | {"published_at": None} == {
        "id": correction.id,
        "disposition": "partly_adopted",
        "reason": "Deels overgenomen.",
        "published_at": None,
        "current": True,
        "superseded_at": None,
        "supersedes": first.id,
        "correction_note": "Fout.",
        "comments": [public.id],
    }
    assert hidden.id not in by_id[first.id]["comments"]
    assert by_id[second.id]["comments"] == [named.id]
    assert private.id not in by_id[second.id]["comments"]
    noted = quiet_english_client.get(f"{base}/answers?disposition=noted").get_json()["data"]
    assert [a["id"] for a in noted] == [second.id]


def test_inclusion_proofs_leave_out_the_event_and_its_tracking_code(
    quiet_english_client, api_world: ApiWorld
) -> None:
    for index in range(api_world.tree_size):
        response = quiet_english_client.get(f"{PREFIX}/record/events/{index}/inclusion")
        assert response.status_code == 200
        proof = response.get_json()
        assert proof["status"] == "included"
        assert proof["verified"] is True
        assert proof["tree_size"] == api_world.tree_size
        assert proof["checkpoint"]["id"] == api_world.checkpoint.id
        assert "body" not in proof
        assert "canonical_b64" not in proof
    beyond = quiet_english_client.get(f"{PREFIX}/record/events/{api_world.tree_size + 5}/inclusion")
    assert beyond.status_code == 404
