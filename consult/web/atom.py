"""Atom 1.0 (RFC 4287) documents with the standard library's ElementTree.

Shared by every feed on the platform (the record's checkpoints, the monitoring feeds), so
they are written the same way: plain names under a default namespace declared on the
root (ElementTree cannot write a default namespace with unqualified attributes such as
``rel`` and ``href`` any other way), moments in UTC as the record writes them, and a
conditional GET answered from a hash of the body.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree

from flask import Response, current_app, request

from consult.ledger import canonical

ATOM = "http://www.w3.org/2005/Atom"
MIMETYPE = "application/atom+xml"
# The date in every tag: URI of the platform's feeds; it never changes (RFC 4151).
TAG_DATE = "2026"


def element(
    parent: ElementTree.Element, tag: str, text: str | None = None, **attributes: str
) -> ElementTree.Element:
    """A child ``tag`` of ``parent`` with ``text`` and ``attributes``."""
    child = ElementTree.SubElement(parent, tag, attributes)
    if text is not None:
        child.text = text
    return child


def feed(language: str) -> ElementTree.Element:
    """An empty ``<feed>`` in ``language``."""
    return ElementTree.Element("feed", {"xmlns": ATOM, "xml:lang": language})


def moment(value: datetime) -> str:
    """An RFC 3339 moment in UTC, as Atom's ``updated`` wants it."""
    return canonical.moment(value)


def tag_uri(specific: str) -> str:
    """A stable ``tag:`` URI (RFC 4151) for an entry or feed, on the platform's host name.

    From ``BASE_URL`` rather than the request, so a feed read through another address (a
    proxy, an IP address) keeps the same ids and readers do not show entries twice.
    """
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return f"tag:{host},{TAG_DATE}:{specific}"


def serialize(root: ElementTree.Element) -> str:
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def response(body: str, *, updated: datetime | None, cache: str) -> Response:
    """The feed with an ETag (its hash) and Last-Modified; 304 when the reader has it."""
    result = current_app.response_class(body, mimetype=MIMETYPE)
    result.headers["Cache-Control"] = cache
    result.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    if updated is not None:
        result.last_modified = updated
    return result.make_conditional(request)
