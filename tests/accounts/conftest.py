"""Account tests speak English to the app, so they read the same before and after translation.

The few tests about Dutch-first behaviour make a client of their own.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import TEST_PASSWORD, Outbox, submit_form


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    english = app.test_client()
    english.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return english


@pytest.fixture
def other_client(app: Flask) -> FlaskClient:
    """A second browser, for what happens to someone's other sessions."""
    english = app.test_client()
    english.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return english


def path_of(url: str) -> str:
    """The path of an absolute link from a mail, checked to point at this site."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("http", "consult.test"), url
    return parts.path


def only_mail_to(outbox: Outbox, address: str):
    messages = outbox.to(address)
    assert len(messages) == 1, [m["Subject"] for m in messages]
    return messages[0]


def link_in(outbox: Outbox, address: str, prefix: str) -> str:
    """The one link starting with ``prefix`` in the one mail to ``address``, as a path."""
    links = [path_of(link) for link in outbox.links_in(only_mail_to(outbox, address))]
    matching = [link for link in links if link.startswith(prefix)]
    assert len(matching) == 1, links
    return matching[0]


def register(client: FlaskClient, email: str, password: str = TEST_PASSWORD, **extra: str):
    data = {"email": email, "password": password, "password_repeat": password, **extra}
    return submit_form(client, "/account/registreren", data)


def text(response) -> str:
    return response.get_data(as_text=True)
