"""Pagination, conditional requests, CORS, rate limits and JSON errors of the API."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from consult.api.views import decode_cursor, encode_cursor
from tests import factories
from tests.api.conftest import ApiWorld
from tests.api.walk import PREFIX
from tests.consultations.conftest import count_queries


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def walk_pages(client: FlaskClient, url: str) -> tuple[list[int], int]:
    ids: list[int] = []
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.get_json()
        ids += [item["id"] for item in body["data"]]
        pages += 1
        if body["next"]:
            assert response.headers["Link"] == f'<{body["next"]}>; rel="next"'
            url = _local(body["next"])
        else:
            assert "Link" not in response.headers
            url = ""
    return ids, pages


def _many_comments(session: Session, count: int) -> tuple[str, list[int]]:
    consultation = factories.consultation(session)
    ids = []
    for number in range(count):
        anchor = "s-1" if number % 3 else "s-2"
        group = "young_person" if number % 2 else "parent"
        item = factories.submission(
            session, consultation, [(anchor, f"Reactie {number}")], group=group
        )
        ids.append(item.comments[0].id)
    return consultation.slug, ids


def test_pages_follow_each_other_without_duplicates_or_gaps(
    quiet_english_client: FlaskClient, session: Session
) -> None:
    slug, ids = _many_comments(session, 23)
    base = f"{PREFIX}/consultations/{slug}/comments"
    walked, pages = walk_pages(quiet_english_client, f"{base}?limit=5")
    assert walked == ids
    assert pages == 5
    walked, pages = walk_pages(quiet_english_client, f"{base}?limit=23")
    assert walked == ids
    assert pages == 1
    # Filters stay in the next link.
    expected = [i for n, i in enumerate(ids) if n % 3 and n % 2]  # on s-1 and from young people
    walked, _ = walk_pages(quiet_english_client, f"{base}?limit=2&section=s-1&group=young_person")
    assert walked == expected
    # The default page is 50, the largest 100.
    regions = quiet_english_client.get(f"{PREFIX}/regions").get_json()
    assert len(regions["data"]) == min(50, len(regions["data"]))
    assert quiet_english_client.get(f"{PREFIX}/regions?limit=101").status_code == 400


def test_the_cursor_is_opaque_and_checked(quiet_english_client: FlaskClient) -> None:
    assert decode_cursor(encode_cursor(1234)) == 1234
    assert "1234" not in encode_cursor(1234)
    for bad in ("%%%", "bm90LWEtbnVtYmVy", "x" * 41):
        response = quiet_english_client.get(f"{PREFIX}/regions", query_string={"cursor": bad})
        assert response.status_code == 400
        assert response.mimetype == "application/problem+json"
    twice = quiet_english_client.get(f"{PREFIX}/regions?limit=1&limit=2")
    assert twice.status_code == 400


def test_a_page_costs_the_same_number_of_queries_whatever_its_content(
    app: Flask, quiet_english_client: FlaskClient, session: Session
) -> None:
    slug, _ = _many_comments(session, 3)
    with count_queries(app) as few:
        quiet_english_client.get(f"{PREFIX}/consultations/{slug}/comments")
    slug, _ = _many_comments(session, 30)
    with count_queries(app) as many:
        quiet_english_client.get(f"{PREFIX}/consultations/{slug}/comments")
    assert len(many) == len(few)


def test_etag_and_304(quiet_english_client: FlaskClient, api_world: ApiWorld) -> None:
    url = f"{PREFIX}/consultations/{api_world.consultation.slug}/comments"
    first = quiet_english_client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('"')
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = quiet_english_client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert quiet_english_client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    # The same data gives the same ETag; other data another one.
    assert quiet_english_client.get(url).headers["ETag"] == etag
    assert quiet_english_client.get(url + "?limit=1").headers["ETag"] != etag


def test_last_modified_on_what_never_changes(
    quiet_english_client: FlaskClient, api_world: ApiWorld
) -> None:
    response = quiet_english_client.get(f"{PREFIX}/record/checkpoints/{api_world.checkpoint.id}")
    assert response.status_code == 200
    modified = response.headers["Last-Modified"]
    assert response.last_modified.replace(microsecond=0) == api_world.checkpoint.made_at.replace(
        microsecond=0
    )
    again = quiet_english_client.get(
        f"{PREFIX}/record/checkpoints/{api_world.checkpoint.id}",
        headers={"If-Modified-Since": modified},
    )
    assert again.status_code == 304
    version = quiet_english_client.get(
        f"{PREFIX}/consultations/{api_world.consultation.slug}/versions/1"
    )
    assert "Last-Modified" in version.headers
    # A list changes as items arrive: no Last-Modified there.
    assert "Last-Modified" not in quiet_english_client.get(f"{PREFIX}/record/checkpoints").headers


def test_cors_for_reading_without_credentials(quiet_english_client: FlaskClient) -> None:
    origin = {"Origin": "https://example.net"}
    for method in ("GET", "HEAD"):
        response = quiet_english_client.open(
            f"{PREFIX}/regions/JZ22", method=method, headers=origin
        )
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "ETag" in response.headers["Access-Control-Expose-Headers"]
        assert "Access-Control-Allow-Credentials" not in response.headers
    preflight = quiet_english_client.options(
        f"{PREFIX}/regions",
        headers={
            **origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    assert "Set-Cookie" not in quiet_english_client.get(f"{PREFIX}/regions").headers
    # Errors are readable cross-origin too.
    missing = quiet_english_client.get(f"{PREFIX}/regions/XX99", headers=origin)
    assert missing.status_code == 404
    assert missing.headers["Access-Control-Allow-Origin"] == "*"


def test_writing_is_not_possible_and_says_so_in_json(quiet_english_client: FlaskClient) -> None:
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = quiet_english_client.open(f"{PREFIX}/regions", method=method)
        assert response.status_code == 405, method
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 405
        assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert quiet_english_client.post(f"{PREFIX}/nothing").status_code == 404


def test_too_many_requests_get_a_json_429(app: Flask, quiet_english_client: FlaskClient) -> None:
    saved = app.config.get("RATELIMIT_API")
    app.config["RATELIMIT_API"] = "3 per minute"
    try:
        statuses = [
            quiet_english_client.get(f"{PREFIX}/regions/JZ22").status_code for _ in range(3)
        ]
        # The limit is shared by every endpoint of the API.
        limited = quiet_english_client.get(f"{PREFIX}/statistics")
    finally:
        if saved is None:
            app.config.pop("RATELIMIT_API", None)
        else:
            app.config["RATELIMIT_API"] = saved
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    body = limited.get_json()
    assert body["status"] == 429
    assert body["title"] == "Too many requests"
    assert "Retry-After" in limited.headers
    assert limited.headers["Access-Control-Allow-Origin"] == "*"


def test_documentation_page_in_dutch_and_english(app: Flask) -> None:
    client = app.test_client()
    english = client.get(f"{PREFIX}/docs", headers={"Accept-Language": "en"})
    assert english.status_code == 200
    text = english.get_data(as_text=True)
    assert "Open data API" in text
    assert "curl -s 'http://consult.test/api/v1/consultations/jz22-regiovisie-jeugd'" in text
    assert "Published comments" in text
    assert "GET /record/checkpoints" in text
    dutch = client.get(f"{PREFIX}/docs", headers={"Accept-Language": "nl"})
    assert dutch.status_code == 200
    assert 'lang="nl"' in dutch.get_data(as_text=True)


def test_numbers_beyond_the_integer_columns_are_not_found_not_errors(
    quiet_english_client: FlaskClient, api_world: ApiWorld
) -> None:
    """Found by Schemathesis on PostgreSQL: 2**31 in a path made an INTEGER overflow (500)."""
    slug = api_world.consultation.slug
    for number in (2**31 - 1, 2**31, 10**15):
        for path in (
            f"/record/checkpoints/{number}",
            f"/record/events/{number}/inclusion",
            f"/consultations/{slug}/comments/{number}",
            f"/consultations/{slug}/versions/{number}",
        ):
            response = quiet_english_client.get(PREFIX + path)
            assert response.status_code == 404, path
            assert response.mimetype == "application/problem+json"
    too_far = encode_cursor(2**31)
    assert quiet_english_client.get(f"{PREFIX}/regions?cursor={too_far}").status_code == 400
    last = encode_cursor(2**31 - 1)
    assert quiet_english_client.get(f"{PREFIX}/regions?cursor={last}").get_json() == {
        "data": [],
        "next": None,
    }
