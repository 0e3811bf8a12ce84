"""Canonical JSON (RFC 8785) and the fingerprints made of it; a record event's form.

The one place Consult writes canonical JSON: record events, a submission's content on the
receipt, a document version, an answer and the reactienota are all fingerprinted here
(:func:`digest`), so a reader recomputes each the same way.

An event is hashed as RFC 8785 (JCS) canonical JSON of its body::

    {"v": 1, "leaf_index": 41, "consultation": "jz22-regiovisie" | null, "seq": 7,
     "kind": "submission_received", "occurred_at": "2026-03-01T09:15:02.250Z",
     "actor_role": "participant", "object": {"type": "submission", "id": "ABCD-EFGH-JKLM"},
     "payload": {...}, "prev_hash": "<64 hex>"}

``event_hash`` is SHA-256 of those bytes (the chain link); ``leaf_hash`` is the RFC 9162 leaf
hash SHA-256(0x00 || bytes), the event's leaf in the platform tree. Moments are UTC with
milliseconds and a ``Z``, the same on every database (``occurred_at`` is stored truncated to
the millisecond for that reason).

The body is kept inside a small domain: strings, booleans, null, integers within
+-(2**53 - 1), lists, and objects whose keys are lower-case ASCII names; no floating point.
Inside that domain RFC 8785 output is byte for byte what Python's standard ``json`` writes
with sorted keys and no spaces (:func:`fast_canonical_bytes`; a property test holds the two
together). Appending uses the ``rfc8785`` library; verifying a million events, and the
offline verifier, use the standard library.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from json.encoder import c_make_encoder, encode_basestring
from typing import Any

import rfc8785

from consult.ledger import merkle

FORMAT_VERSION = 1
ZERO_HASH = "0" * 64
MAX_INTEGER = 2**53 - 1
KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# Keys that would put personal data in the record; commit to such a value instead
# (e.g. ``email_commitment``: :func:`commitment`).
PERSONAL_KEYS = frozenset(
    {"email", "name", "display_name", "phone", "ip", "ip_address", "address", "user_id"}
)

# Keys already found good (a verification meets the same few keys a million times).
_GOOD_KEYS: set[str] = set()
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class PayloadError(ValueError):
    """A payload outside the record's JSON domain, or one that names personal data."""


def moment(value: datetime) -> str:
    """RFC 3339 UTC with milliseconds and ``Z``."""
    if value.tzinfo is None:
        raise ValueError("naive datetime; the record keeps aware UTC moments")
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_millisecond(value: datetime) -> datetime:
    """The moment the record keeps: UTC, truncated to the millisecond."""
    if value.tzinfo is None:
        raise ValueError("naive datetime; the record keeps aware UTC moments")
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def check_value(value: Any, where: str = "payload") -> None:
    """Refuse anything outside the record's JSON domain (see the module docstring)."""
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if abs(value) > MAX_INTEGER:
            raise PayloadError(f"{where}: integer {value} is outside +-(2**53 - 1)")
        return
    if isinstance(value, (list, tuple)):
        for position, item in enumerate(value):
            check_value(item, f"{where}[{position}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in _GOOD_KEYS:
                if not isinstance(key, str) or not KEY.match(key):
                    raise PayloadError(f"{where}: key {key!r} is not a lower-case ASCII name")
                if key in PERSONAL_KEYS:
                    raise PayloadError(
                        f"{where}: {key!r} is personal data; record a commitment to it instead"
                    )
                if len(_GOOD_KEYS) < 10_000:
                    _GOOD_KEYS.add(key)
            if item is None or type(item) is str or type(item) is bool:
                continue  # the common case, without a call
            if type(item) is int and -MAX_INTEGER <= item <= MAX_INTEGER:
                continue
            check_value(item, f"{where}.{key}")
        return
    raise PayloadError(f"{where}: {type(value).__name__} has no place in the record")


def event_body(
    *,
    leaf_index: int,
    chain: str,
    seq: int,
    kind: str,
    occurred_at: datetime,
    actor_role: str,
    object_type: str,
    object_id: str,
    payload: dict[str, Any],
    prev_hash: str,
) -> dict[str, Any]:
    """The hashed body of an event, from the values its row keeps (``chain`` "" = platform)."""
    return {
        "v": FORMAT_VERSION,
        "leaf_index": leaf_index,
        "consultation": chain or None,
        "seq": seq,
        "kind": kind,
        "occurred_at": moment(occurred_at),
        "actor_role": actor_role,
        "object": {"type": object_type, "id": object_id},
        "payload": payload,
        "prev_hash": prev_hash,
    }


# The standard library's C writer of _ENCODER, made once: JSONEncoder.encode makes it anew
# for every value, which costs more than writing a small payload.
_C_ENCODE = (
    c_make_encoder(None, _ENCODER.default, encode_basestring, None, ":", ",", True, False, True)
    if c_make_encoder is not None
    else None
)


def _json_text(value: Any) -> str:
    """A JSON value as :func:`fast_canonical_bytes` writes it, without the encoder's set-up
    for the values an event is mostly made of: strings and integers."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is int:
        return int.__repr__(value)
    if _C_ENCODE is not None and kind is dict:
        return "".join(_C_ENCODE(value, 0))
    return _ENCODER.encode(value)


def fast_event_bytes(
    leaf_index: int,
    chain: str,
    seq: int,
    kind: str,
    occurred_at: str,
    actor_role: str,
    object_type: str,
    object_id: str,
    payload: dict[str, Any],
    prev_hash: str,
) -> bytes:
    """``fast_canonical_bytes(event_body(...))`` written in one pass, for verifying a
    million events: the body's keys are fixed, so they are written in their sorted order
    around the values instead of building and sorting a dict per event. ``occurred_at`` is
    the moment as :func:`moment` writes it; ``payload`` must have passed
    :func:`check_value`. A property test holds this to :func:`event_body`."""
    text = _json_text
    string = encode_basestring
    # Strings and integers written in line (a call less per value), the rest by _json_text.
    return (
        f'{{"actor_role":{string(actor_role) if type(actor_role) is str else text(actor_role)},'
        f'"consultation":{string(chain) if chain and type(chain) is str else text(chain or None)},'
        f'"kind":{string(kind) if type(kind) is str else text(kind)},'
        f'"leaf_index":{int.__repr__(leaf_index) if type(leaf_index) is int else text(leaf_index)},'
        f'"object":{{"id":{string(object_id) if type(object_id) is str else text(object_id)},'
        f'"type":{string(object_type) if type(object_type) is str else text(object_type)}}},'
        f'"occurred_at":{string(occurred_at) if type(occurred_at) is str else text(occurred_at)},'
        f'"payload":{text(payload)},'
        f'"prev_hash":{string(prev_hash) if type(prev_hash) is str else text(prev_hash)},'
        f'"seq":{int.__repr__(seq) if type(seq) is int else text(seq)},"v":{FORMAT_VERSION}}}'
    ).encode()


def canonical_bytes(value: Any) -> bytes:
    """RFC 8785 canonical JSON, by the ``rfc8785`` library (the reference)."""
    return rfc8785.dumps(value)


def fast_canonical_bytes(value: Any) -> bytes:
    """The same bytes as :func:`canonical_bytes`, written by the standard library, for a
    value of strings, integers within +-(2**53 - 1), booleans, null, lists and objects with
    ASCII keys (a record body passes :func:`check_value`). For those the standard library
    writes exactly what JCS prescribes: keys sorted, no white space, strings as UTF-8 with
    only quote, backslash and control characters escaped; property tests hold the two to
    the same bytes. It matters for a million events or a 20,000-comment reactienota."""
    return _ENCODER.encode(value).encode("utf-8")


def digest(value: Any, *, fast: bool = False) -> str:
    """SHA-256 (hex) of ``value``'s canonical JSON: a submission's, version's, answer's or
    reactienota's fingerprint. ``fast`` for a value that holds only strings, integers,
    booleans, null, lists and ASCII-keyed objects (the same bytes, a tenth of the time)."""
    data = fast_canonical_bytes(value) if fast else canonical_bytes(value)
    return hashlib.sha256(data).hexdigest()


def event_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leaf_hash(data: bytes) -> str:
    return merkle.leaf_hash(data).hex()


def commitment(salt: str | bytes, value: Any) -> str:
    """SHA-256(salt || canonical JSON of value), hex: a commitment to a personal field.

    The salt is the one kept with the personal data (``SubmissionContact.salt``, its UTF-8
    bytes). Whoever holds both can show what was committed to; once the personal data and
    its salt are erased, the commitment links to nobody, and the record still verifies.
    """
    salt_bytes = salt.encode("utf-8") if isinstance(salt, str) else salt
    if len(salt_bytes) < 16:
        raise ValueError("a commitment salt needs at least 16 bytes of randomness")
    return hashlib.sha256(salt_bytes + rfc8785.dumps(value)).hexdigest()
