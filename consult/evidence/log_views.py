"""The record as a C2SP tiled transparency log, under ``/bewijs/log/``.

``checkpoint`` (the latest signed checkpoint, a C2SP signed note), hash tiles
``tile/<L>/<N>[.p/<W>]`` and entry bundles ``tile/entries/<N>[.p/<W>]``
(:mod:`consult.ledger.tiles`), so that any standard monitor can fetch and audit every
leaf. Public, no login; a tile is one range read of stored hashes.

Caching: a full tile never changes (immutable, a year); the checkpoint moves within a
minute of a new leaf (a few seconds); a partial tile is replaced by a wider one as the log
grows (a minute). Everything here is the same for every visitor, in no language.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from consult.extensions import db, limiter
from consult.ledger import checkpoints, signing, tiles

log = logging.getLogger(__name__)

bp = Blueprint("record_log", __name__)

PREFIX = "/bewijs/log"
CHECKPOINT_CACHE = "public, max-age=5"
PARTIAL_CACHE = "public, max-age=60"
FULL_CACHE = "public, max-age=31536000, immutable"

tile_limit = limiter.shared_limit(
    lambda: current_app.config.get("RATELIMIT_RECORD_TILES", "1200 per minute"),
    scope="record-tiles",
)


def _served_size() -> int:
    """How many leaves are served: the latest signed checkpoint's (0 before the first)."""
    latest = checkpoints.latest(db.session)
    return latest.tree_size if latest is not None else 0


def _response(body: bytes | str, mimetype: str, policy: str, status: int = 200) -> Response:
    response = current_app.response_class(body, status=status, mimetype=mimetype)
    response.headers["Cache-Control"] = policy
    response.headers["Access-Control-Allow-Origin"] = "*"  # monitors in a browser, too
    return response


@bp.get(f"{PREFIX}/checkpoint")
@tile_limit
def checkpoint() -> Response:
    """The latest signed checkpoint of this log, as a C2SP signed note."""
    latest = checkpoints.latest(db.session)
    public = signing.trusted_keys().get(latest.key_id) if latest is not None else None
    if latest is None or public is None:
        return _response(_no_checkpoint(), "text/plain", "no-store", 404)
    return _response(checkpoints.note(latest, public), "text/plain", CHECKPOINT_CACHE)


def _no_checkpoint() -> str:
    with force_locale(current_app.config["LANGUAGES"][0]):
        return _("This record has no signed checkpoint yet.") + "\n"


@bp.get(f"{PREFIX}/tile/<path:path>")
@tile_limit
def tile(path: str) -> Response:
    try:
        wanted = tiles.parse(path)
        size = _served_size()
        if wanted.level is None:
            body = tiles.entry_bundle(db.session, wanted, size)
        else:
            body = tiles.hash_tile(db.session, wanted, size)
    except tiles.NotFound:
        abort(404)
    except tiles.Withheld as withheld:
        return _response(_withheld(withheld.first_leaf), "text/plain", FULL_CACHE, 451)
    except LookupError as missing:  # the stored tree lacks a node: verify names it
        log.error("tile %s: %s", path, missing)
        abort(503)
    return _response(body, "application/octet-stream", FULL_CACHE if wanted.full else PARTIAL_CACHE)


def _withheld(first_leaf: int) -> str:
    """Why an entry bundle is not served (the same text for everyone, in the site's first
    language and in English)."""
    with force_locale(current_app.config["LANGUAGES"][0]):
        local = _(
            "This entry bundle is not published. Leaf %(leaf)s was written before the record "
            "hid a sender's group, age band and municipality behind a commitment, so it "
            "holds them in the open. Its hash is in the hash tile: the tree still checks.",
            leaf=first_leaf,
        )
    english = (
        f"This entry bundle is not published. Leaf {first_leaf} was written before the "
        "record hid a sender's group, age band and municipality behind a commitment, so it "
        "holds them in the open. Its hash is in the hash tile: the tree still checks."
    )
    return f"{local}\n\n{english}\n" if local != english else f"{english}\n"
