"""SQL injection and hostile query strings: searches, filters, paging, the API.

Every GET route of the app gets hostile values in every query parameter it reads (the
names are collected from the code: searches, workspace filters, paging, sorting, the API's
filters and cursor). None may fail with a server error (on PostgreSQL a NUL byte, an
unbalanced full-text query or an integer past 64 bits are the classic 500s), and a
tautology must not widen a search.
"""

from __future__ import annotations

from flask import Flask

from tests.responses import report_world
from tests.security.conftest import client_for
from tests.security.routes import fill, rules

PARAMETERS = [
    # searches and filters
    "q", "gemeente", "code", "zoek", "onderdeel", "groep", "leeftijd", "afhandeling",
    "status", "verborgen", "bijlage", "provincie", "binnenkort", "sorteer", "volgorde",
    # paging
    "pagina", "na", "van", "naar", "cursor", "limit", "page_size",
    # the API's filters
    "region", "state", "consultation", "section", "stakeholder_group", "since", "sort",
    # selection and navigation
    "comment", "terug", "next",
]  # fmt: skip
HOSTILE = [
    "' OR '1'='1",
    "1 UNION SELECT password_hash FROM users --",
    "\\",
    "%_",
    "\x00",
    "99999999999999999999999",
    '"unterminated !(&|:* <>',
]


def _query(value: str) -> dict[str, str]:
    return dict.fromkeys(PARAMETERS, value)


def _server_errors(client, path: str, **kwargs) -> str | None:
    try:
        response = client.get(path, **kwargs)
        response.get_data()
        response.close()
    except Exception as error:  # the test app lets errors through
        return type(error).__name__
    return str(response.status_code) if response.status_code >= 500 else None


def _admin_official(session, world):
    official = world.people["official"]
    official.is_platform_admin = True  # sees every route: the region's and the platform's
    session.flush()
    return official


def test_hostile_query_strings_never_cause_a_server_error(app: Flask, session, world) -> None:
    client = client_for(app, _admin_official(session, world))
    failures = []
    for rule in rules(app):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        path = fill(rule, world.values)
        for value in HOSTILE:
            if error := _server_errors(client, path, query_string=_query(value)):
                failures.append(f"{path} {value[:30]!r}: {error}")
    assert failures == [], "\n".join(failures)


def test_hostile_path_parts_never_cause_a_server_error(app: Flask, session, world) -> None:
    client = client_for(app, _admin_official(session, world))
    failures = []
    for rule in rules(app):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        texts = [
            name
            for name in rule.arguments
            if type(rule._converters.get(name)).__name__ == "UnicodeConverter"
        ]
        for value in ("\x00", "' OR '1'='1", "%25"):
            if texts:
                path = fill(rule, {**world.values, **dict.fromkeys(texts, value)})
                if error := _server_errors(client, path):
                    failures.append(f"{path!r}: {error}")
    assert failures == [], "\n".join(failures)


def test_a_nul_character_is_refused_before_any_view(app: Flask, session, world) -> None:
    client = client_for(app)
    assert client.get("/regios/zoeken", query_string={"gemeente": "Utrecht\x00"}).status_code == 400
    assert client.get("/consultaties/a%00b").status_code == 400
    token_page = client.get("/account/inloggen")
    assert token_page.status_code == 200
    response = client.post(
        "/account/inloggen", data={"email": "a\x00@example.org", "password": "x"}
    )
    assert response.status_code == 400


def test_a_tautology_or_a_wildcard_does_not_widen_a_search(app: Flask, session, world) -> None:
    client = client_for(app)
    for query in ("' OR '1'='1", "%", "_", "%%", "' OR 1=1 --"):
        page = client.get("/regios/zoeken", query_string={"gemeente": query})
        assert page.status_code in (200, 400), query
        assert "municipalities found" not in page.get_data(as_text=True), query

    official = client_for(app, world.people["official"])
    workspace = f"/regios/JZ22/beheer/consultaties/{world.values['slug']}/antwoorden"
    everything = official.get(workspace).get_data(as_text=True)
    assert report_world.PUBLIC_TEXT in everything
    for query in ("' OR '1'='1", "x' OR 'x'='x", "%", "*", ":*", "!x"):
        page = official.get(workspace, query_string={"q": query, "status": "all"})
        assert page.status_code == 200, query
        assert report_world.PUBLIC_TEXT not in page.get_data(as_text=True), query


def test_whole_number_refuses_what_the_database_cannot_compare() -> None:
    import pytest

    from consult.web.arguments import LARGEST, whole_number

    assert whole_number("12") == 12
    assert whole_number(str(LARGEST)) == LARGEST
    assert whole_number("-3") == -3
    for text in (str(LARGEST + 1), "9" * 25, "abc", "", "1e3"):
        with pytest.raises(ValueError, match=r"out of range|invalid literal"):
            whole_number(text)
