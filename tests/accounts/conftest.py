"""Helpers for the account tests.

They speak English to the app (``english_client``), so they read the same before and after
translation; the few about Dutch-first behaviour use ``dutch_client``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask.testing import FlaskClient

from tests.conftest import TEST_PASSWORD, Outbox, submit_form


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
