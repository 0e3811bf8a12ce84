"""The public face of the evidence record, under ``/bewijs``.

What the record is and how an outsider checks it, every signed checkpoint (a page, an
Atom feed, each one's signed note as text), the public keys (current and retired),
consistency proofs between two checkpoints, and the inclusion proof of a submission's
arrival by its tracking code. Everything here is public and read-only: no login, no
permission beyond being on the internet. Proof lookups by tracking code share the rate
limit of the receipt pages, so codes cannot be tried in bulk here either.

Caching: a checkpoint's note never changes (the table is append-only), so it may be kept
for a year; the machine-readable lists and keys for a few minutes (served the same to
everyone, in Dutch); the HTML pages only by the visitor's own browser for a minute (they
show who is logged in, in the visitor's language).
"""

from __future__ import annotations

import base64
import logging
import re
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consult.comments import codes
from consult.db import utcnow
from consult.extensions import db, limiter
from consult.ledger import canonical, checkpoints, cosignatures, proofs, services, signing
from consult.ledger.models import CheckpointReason, RecordCheckpoint
from consult.web import atom
from consult.web.arguments import whole_number
from consult.web.atom import element

log = logging.getLogger(__name__)

bp = Blueprint("record", __name__)

PAGE_SIZE = 50
FEED_SIZE = 100
SIZE = re.compile(r"^[0-9]{1,15}$")

PAGE_CACHE = "private, max-age=60"
SHARED_CACHE = "public, max-age=300"
FOREVER = "public, max-age=31536000, immutable"

REASONS = {
    CheckpointReason.STATE_CHANGE: _l("a consultation changed state"),
    CheckpointReason.HOURLY: _l("hourly"),
    CheckpointReason.MANUAL: _l("by hand, by the administrator"),
}

proof_limit = limiter.shared_limit(
    lambda: current_app.config.get("RATELIMIT_RECEIPT_LOOKUP", "30 per minute"),
    scope="receipt-lookup",
)

Page = str | tuple[str, int] | Response


@bp.app_template_global()
def checkpoint_reason(checkpoint: RecordCheckpoint) -> str:
    return str(REASONS[checkpoint.reason])


@bp.app_template_filter("b64text")
def _b64text(value: str) -> str:
    """Base64 of UTF-8 text (an event's canonical bytes) as the text itself, to show."""
    return base64.b64decode(value).decode("utf-8")


@bp.app_template_filter("record_moment")
def _record_moment(value: str) -> datetime:
    """A moment of a proof (``2026-03-01T09:00:00.000Z``) as a datetime, to show."""
    return datetime.fromisoformat(value)


def _cached(response: Response, policy: str) -> Response:
    response.headers["Cache-Control"] = policy
    return response


def _page(template: str, status: int = 200, **context: Any) -> Response:
    response = current_app.make_response((render_template(template, **context), status))
    return _cached(response, PAGE_CACHE if status == 200 else "no-store")


def _text(body: str, mimetype: str, policy: str) -> Response:
    return _cached(current_app.response_class(body, mimetype=mimetype), policy)


def _json_error(status: int, message: str) -> Response:
    response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    return _cached(response, "no-store")


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _count_checkpoints() -> int:
    return db.session.scalar(select(func.count()).select_from(RecordCheckpoint)) or 0


def _first_checkpoint() -> RecordCheckpoint | None:
    return db.session.scalar(select(RecordCheckpoint).order_by(RecordCheckpoint.id).limit(1))


def _signed_since(key_id: str) -> datetime | None:
    return db.session.scalar(
        select(func.min(RecordCheckpoint.made_at)).where(RecordCheckpoint.key_id == key_id)
    )


# -- what the record is --------------------------------------------------------------------


@bp.get("/bewijs")
def index() -> Page:
    latest = checkpoints.latest(db.session)
    first = _first_checkpoint()
    return _page(
        "evidence/index.html",
        latest=latest,
        first=first,
        tree_size=services.head(db.session).tree_size,
        checkpoint_count=_count_checkpoints(),
        key_id=signing.current_key_id() if signing.has_key() else None,
        cosigned=cosignatures.of_checkpoints(db.session, [latest.id] if latest else []),
        witnesses=cosignatures.configured(),
    )


# -- checkpoints -----------------------------------------------------------------------------


@bp.get("/bewijs/controlepunten")
def checkpoint_list() -> Page:
    """Newest first, 50 a page; ``voor`` is the id below which the page starts."""
    before = request.args.get("voor", type=whole_number)
    query = select(RecordCheckpoint).order_by(RecordCheckpoint.id.desc()).limit(PAGE_SIZE + 1)
    if before is not None:
        query = query.where(RecordCheckpoint.id < before)
    rows = list(db.session.scalars(query))
    return _page(
        "evidence/checkpoints.html",
        # A checkpoint signed under another name is shown, marked: no part of this log.
        log_origin=checkpoints.log_origin(db.session),
        checkpoints=rows[:PAGE_SIZE],
        more=len(rows) > PAGE_SIZE,
        before=before,
        total=_count_checkpoints(),
        cosigned=cosignatures.of_checkpoints(db.session, [row.id for row in rows[:PAGE_SIZE]]),
        witnesses=cosignatures.configured(),
    )


@bp.get("/bewijs/controlepunten/<int:checkpoint_id>.txt")
def checkpoint_note(checkpoint_id: int) -> Page:
    """The checkpoint as a C2SP signed note, exactly as witnesses and ``note`` tools read it,
    with the witnesses' cosignature lines after the log's own. Kept for a year once every
    configured witness cosigned it (no more lines will come); for a minute until then."""
    checkpoint = db.session.get(RecordCheckpoint, checkpoint_id)
    if checkpoint is None:
        abort(404)
    public = signing.trusted_keys().get(checkpoint.key_id)
    if public is None:  # signed by a key this instance does not trust: no note to give
        abort(404)
    rows = cosignatures.of_checkpoint(db.session, checkpoint)
    done = {row.public_key for row in rows}
    final = all(witness.public_b64 in done for witness in cosignatures.configured())
    note = cosignatures.cosigned_note(db.session, checkpoint, public, rows)
    return _text(note, "text/plain", FOREVER if final else "public, max-age=60")


@bp.get("/bewijs/controlepunten.atom")
def checkpoint_feed() -> Response:
    """The latest 100 checkpoints as Atom 1.0; each entry's content is the signed note.

    The same feed for everyone (in Dutch, the site's first language), so caches may share it.
    """
    keys = signing.trusted_keys()
    latest = list(
        db.session.scalars(
            select(RecordCheckpoint)
            .where(checkpoints.of_log())  # a witness would reject one of another name
            .order_by(RecordCheckpoint.id.desc())
            .limit(FEED_SIZE)
        )
    )
    language = current_app.config["LANGUAGES"][0]
    cosigned = cosignatures.of_checkpoints(db.session, [row.id for row in latest])
    with force_locale(language):
        body = _atom(latest, keys, language, cosigned)
    return _text(body, "application/atom+xml", "public, max-age=60")


def _atom(
    latest: list[RecordCheckpoint],
    keys: dict[str, bytes],
    language: str,
    cosigned: dict[int, list[cosignatures.RecordCosignature]],
) -> str:
    feed_url = url_for("record.checkpoint_feed", _external=True)
    feed = atom.feed(language)
    element(feed, "id", feed_url)
    element(feed, "title", _("Consult evidence record: signed checkpoints"))
    element(
        feed,
        "subtitle",
        _(
            "Every checkpoint is signed with the platform's Ed25519 key. Keep copies: a "
            "later checkpoint must always extend an earlier one."
        ),
    )
    updated = latest[0].made_at if latest else None
    element(feed, "updated", canonical.moment(updated or utcnow()))
    author = element(feed, "author")
    element(author, "name", "Consult")
    element(author, "uri", url_for("record.index", _external=True))
    element(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    element(
        feed,
        "link",
        rel="alternate",
        type="text/html",
        href=url_for("record.checkpoint_list", _external=True),
    )
    for checkpoint in latest:
        note_url = url_for("record.checkpoint_note", checkpoint_id=checkpoint.id, _external=True)
        entry = element(feed, "entry")
        element(entry, "id", note_url)
        element(
            entry,
            "title",
            _(
                "Checkpoint %(number)s: %(size)s events",
                number=checkpoint.id,
                size=checkpoint.tree_size,
            ),
        )
        element(entry, "updated", canonical.moment(checkpoint.made_at))
        element(entry, "link", rel="alternate", type="text/plain", href=note_url)
        public = keys.get(checkpoint.key_id)
        content = (
            cosignatures.cosigned_note(
                db.session, checkpoint, public, cosigned.get(checkpoint.id, [])
            )
            if public is not None
            else _("Signed by key %(key)s, which is not trusted.", key=checkpoint.key_id)
        )
        element(entry, "content", content, type="text")
    return atom.serialize(feed)


# -- keys ------------------------------------------------------------------------------------


@bp.get("/bewijs/sleutel")
def key() -> Page:
    public = proofs.current_key()
    origin = checkpoints.log_origin(db.session)
    current = None
    if public is not None:
        current = proofs.key_facts(public, origin)
        current["since"] = _signed_since(current["key_id"])
        current["fingerprint"] = signing.fingerprint(public)
    return _page(
        "evidence/key.html",
        current=current,
        retired=list(reversed(signing.retired_keys())),
        origin=origin,
    )


def _pem(public: bytes) -> Response:
    response = _text(signing.public_pem(public), "application/x-pem-file", SHARED_CACHE)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="consult-record-{signing.key_id(public)}.pem"'
    )
    return response


@bp.get("/bewijs/sleutel.pem")
def key_pem() -> Response:
    public = proofs.current_key()
    if public is None:
        abort(404)
    return _pem(public)


@bp.get("/bewijs/sleutel/<key_id>.pem")
def any_key_pem(key_id: str) -> Response:
    public = signing.trusted_keys().get(key_id)
    if public is None:
        abort(404)
    return _pem(public)


# -- consistency proofs ----------------------------------------------------------------------


class _BadRequest(Exception):
    """Input the consistency proof cannot use: the status, the message, and its field."""

    def __init__(self, status: int, message: str, field: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def _checkpoints_to_compare(
    first: str | None, second: str | None
) -> tuple[RecordCheckpoint, RecordCheckpoint]:
    for name, value in (("van", first), ("tot", second)):
        if not SIZE.match((value or "").strip()):
            raise _BadRequest(
                400,
                _(
                    "Fill in two numbers of events, as whole numbers (such as 12 and 40). "
                    "You find them in the list of checkpoints."
                ),
                name,
            )
    van, tot = int((first or "").strip()), int((second or "").strip())
    if van > tot:
        raise _BadRequest(
            400,
            _(
                "The first number (%(first)s) is larger than the second (%(second)s). "
                "Put the smaller, older checkpoint first.",
                first=van,
                second=tot,
            ),
            "van",
        )
    found = []
    for name, size in (("van", van), ("tot", tot)):
        checkpoint = proofs.checkpoint_of_size(db.session, size)
        if checkpoint is None:
            raise _BadRequest(
                404,
                _(
                    "There is no checkpoint of %(size)s events. Choose sizes from the list "
                    "of checkpoints.",
                    size=size,
                ),
                name,
            )
        found.append(checkpoint)
    return found[0], found[1]


@bp.get("/bewijs/consistentie")
def consistency() -> Page:
    """The RFC 9162 consistency proof between two checkpoint sizes (``van`` <= ``tot``),
    as a page, or as JSON for ``Accept: application/json``."""
    return _consistency(as_json=_wants_json())


@bp.get("/bewijs/consistentie.json")
def consistency_json() -> Page:
    return _consistency(as_json=True)


def _consistency(as_json: bool) -> Page:
    first, second = request.args.get("van"), request.args.get("tot")
    if not as_json and first is None and second is None:
        return _consistency_page()
    try:
        older, newer = _checkpoints_to_compare(first, second)
        try:
            proof = proofs.consistency(db.session, older, newer)
        except LookupError as missing:  # the stored tree lacks a node: verify names it
            log.error("no consistency proof from %s to %s: %s", first, second, missing)
            raise _BadRequest(
                503,
                _("We cannot make this proof right now. Try again later."),
                "tot",
            ) from missing
    except _BadRequest as error:
        if as_json:
            response = _json_error(error.status, error.message)
        else:
            response = _consistency_page(
                error=error.message, error_field=error.field, status=error.status
            )
        response.vary.add("Accept")
        return response
    if as_json:
        response = _cached(jsonify(proof), SHARED_CACHE)
        response.vary.add("Accept")
        return response
    return _consistency_page(proof=proof, older=older, newer=newer)


def _consistency_page(status: int = 200, **context: Any) -> Response:
    latest = checkpoints.latest(db.session)
    first = _first_checkpoint()
    context.setdefault("error", None)
    context.setdefault("error_field", None)
    response = _page(
        "evidence/consistency.html",
        status=status,
        van=request.args.get("van", str(first.tree_size) if first else ""),
        tot=request.args.get("tot", str(latest.tree_size) if latest else ""),
        **context,
    )
    response.vary.add("Accept")
    return response


# -- inclusion proofs ------------------------------------------------------------------------


@bp.get("/bewijs/opname/<code>.json")
@proof_limit
def inclusion(code: str) -> Response:
    """The inclusion proof of a submission's arrival, by its tracking code."""
    normalised = codes.normalise(code)
    event = proofs.received_event(db.session, normalised) if normalised else None
    if event is None:
        return _json_error(
            404,
            _("The record holds no submission with this code. Check the code on your receipt."),
        )
    proof = proofs.inclusion(db.session, event, utcnow())
    proof["how_to_check"] = url_for("record.index", _external=True)
    return _cached(jsonify(proof), "public, max-age=60")
