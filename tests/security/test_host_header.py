"""Absolute links come from ``BASE_URL`` only, never from the request.

The request's Host (or, behind trusted proxies, ``X-Forwarded-Host``) is whatever the client
sends. A feed or API answer that a shared cache keeps, or a page with a canonical link,
must not carry a host an attacker chose. The proxy is switched on the way
``CONSULT_TRUSTED_PROXIES`` does it, so the forwarded header is believed.
"""

from __future__ import annotations

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from tests.security.conftest import client_for

FORGED = "forged-host.invalid"


@pytest.fixture
def behind_a_proxy(app, monkeypatch):
    """As in production: behind one proxy, and no SERVER_NAME (the tests' own setting of
    it would hide where a link's host comes from)."""
    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1))


def _paths(world) -> list[str]:
    slug = world.values["slug"]
    return [
        "/landelijk.atom",
        f"/regios/{world.values['code']}/nieuws.atom",
        f"/consultaties/{slug}/nieuws.atom",
        "/api/v1/consultations",
        "/agenda.ics",
        f"/consultaties/{slug}",
    ]


@pytest.mark.parametrize(
    "headers",
    [{"Host": FORGED}, {"X-Forwarded-Host": FORGED}, {"Host": FORGED, "X-Forwarded-Host": FORGED}],
    ids=["host", "forwarded-host", "both"],
)
def test_a_forged_host_appears_nowhere(app, session, world, behind_a_proxy, headers) -> None:
    client = client_for(app)
    leaks, elsewhere = [], []
    for path in _paths(world):
        response = client.get(path, headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, path
        if FORGED in body or FORGED in response.headers.get("Location", ""):
            leaks.append(path)
        # The links that are there point at the configured address.
        if "http://consult.test/" not in body:
            elsewhere.append(path)
    assert leaks == []
    assert elsewhere == []


def test_the_canonical_link_of_a_page_is_on_the_base_url(app, session, world, behind_a_proxy):
    slug = world.values["slug"]
    page = client_for(app).get(f"/consultaties/{slug}", headers={"X-Forwarded-Host": FORGED})
    assert f'<link rel="canonical" href="http://consult.test/consultaties/{slug}">' in (
        page.get_data(as_text=True)
    )
