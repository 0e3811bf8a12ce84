"""Helpers for the region tests."""

from __future__ import annotations

import html
import re
import time

from flask import Flask
from flask.testing import FlaskClient
from flask_login.utils import _create_identifier

from consult.accounts.models import User
from consult.accounts.sessions import SEEN_AT


def login_as(app: Flask, client: FlaskClient, user: User) -> None:
    """Log ``user`` in by writing Flask-Login's session keys, as the log-in page would.

    Session protection is "strong", so ``_id`` must match what Flask-Login computes for
    this client (its remote address and User-Agent). The lead will switch these tests to
    the shared ``log_in`` once the log-in page exists.
    """
    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True
        sess["_id"] = identifier
        sess[SEEN_AT] = int(time.time())  # the moment of log-in, which staff sessions count from


def text_of(response) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces squeezed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return _squeeze(re.sub(r"<[^>]+>", " ", body))


def _squeeze(text: str) -> str:
    text = " ".join(html.unescape(text).split())
    return re.sub(r" ([.,:;)])", r"\1", text).replace("( ", "(")


def fragment(response, element_id: str) -> str:
    """The text of the element with ``element_id`` (a table row or list item)."""
    body = response.get_data(as_text=True)
    found = re.search(rf'<(tr|li|section)\b[^>]*id="{re.escape(element_id)}".*?</\1>', body, re.S)
    assert found, f"no element #{element_id} on the page"
    return _squeeze(re.sub(r"<[^>]+>", " ", found.group(0)))
