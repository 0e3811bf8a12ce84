"""JSON bodies the API cannot take (issue 18, point 4): too deeply nested, a lone surrogate,
bytes that are not UTF-8. Each is a 422 problem+json that says what is wrong, never an HTML
500, and nothing is stored."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from consult.comments.models import Submission
from tests.api.tokens_world import PREFIX, TokenWorld, body, build


@pytest.fixture
def world(session) -> TokenWorld:
    return build(session)


def _post(client, world: TokenWorld, data: bytes):
    return client.post(
        f"{PREFIX}/consultations/{world.consultation.slug}/submissions",
        data=data,
        content_type="application/json",
        headers={
            "Authorization": f"Bearer {world.token.secret}",
            "Idempotency-Key": "sessie-12-nov-001",
        },
    )


def _assert_refused(session, response, words: str) -> None:
    assert response.status_code == 422, response.get_data(True)[:300]
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422
    assert words in problem["detail"]
    assert session.scalar(select(func.count()).select_from(Submission)) == 0


def test_deeply_nested_json_is_refused(quiet_english_client, session, world) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    data = json.dumps(body()).replace('"collected"', f'"deep": {nested}, "collected"')
    response = _post(quiet_english_client, world, data.encode())
    _assert_refused(session, response, "nested too deeply")


def test_nesting_just_over_the_limit_is_refused(quiet_english_client, session, world) -> None:
    # 33 levels: the object itself and 32 lists. Not deep enough to break the parser.
    nested = "[" * 32 + "]" * 32
    data = json.dumps(body()).replace('"collected"', f'"deep": {nested}, "collected"')
    response = _post(quiet_english_client, world, data.encode())
    _assert_refused(session, response, "nested too deeply")


def test_a_lone_surrogate_is_refused(quiet_english_client, session, world) -> None:
    data = json.dumps(body()).replace("Maak de wachttijden", "Maak \\ud800 de wachttijden")
    assert "\\ud800" in data
    response = _post(quiet_english_client, world, data.encode())
    _assert_refused(session, response, "UTF-8")


def test_a_lone_surrogate_in_a_key_is_refused(quiet_english_client, session, world) -> None:
    data = json.dumps(body()).replace('"collected"', '"x\\udfff": 1, "collected"')
    response = _post(quiet_english_client, world, data.encode())
    _assert_refused(session, response, "UTF-8")


def test_invalid_utf8_bytes_are_refused(quiet_english_client, session, world) -> None:
    data = json.dumps(body()).encode().replace(b"Maak de", b"Maak \xff\xfe de")
    response = _post(quiet_english_client, world, data)
    _assert_refused(session, response, "UTF-8")


def test_a_surrogate_pair_is_fine(quiet_english_client, session, world) -> None:
    data = json.dumps(body()).replace("Maak de wachttijden", "Maak \\ud83d\\ude00 de wachttijden")
    response = _post(quiet_english_client, world, data.encode())
    assert response.status_code == 201, response.get_data(True)
    stored = session.scalar(select(Submission))
    assert any("\U0001f600" in comment.body for comment in stored.comments)


def test_brackets_inside_strings_do_not_count_and_hostile_strings_stay_cheap() -> None:
    from consult.api.bodies import too_deep

    assert not too_deep('{"text": "' + "[" * 1000 + '"}')
    assert not too_deep('{"text": "a \\" [[[[ \\\\"}')
    assert too_deep('["\\"",' + "[" * 40)
    # An unclosed string of escaped quotes once cost quadratic time; now it is one pass.
    assert not too_deep('"' + '\\"' * 500_000)
