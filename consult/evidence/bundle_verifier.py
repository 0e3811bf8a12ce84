#!/usr/bin/env python3
"""Check a Consult evidence bundle offline / Controleer een bewijsbundel van Consult offline.

This file is ``verify.py`` in every evidence bundle. It needs Python 3.9 or newer and
nothing but its standard library: it recomputes everything itself, so that whoever checks
a bundle need not trust the platform that made it, nor any package it would install.

Usage, in the unzipped folder::

    python3 verify.py                  # checks the folder this file is in
    python3 verify.py FOLDER|ZIP       # checks another unzipped bundle, or the zip itself
    python3 verify.py --key BASE64     # and insists on this public key (see /bewijs/sleutel)
    python3 verify.py --promise FILE   # and checks a promise kept from a receipt (repeatable)
    python3 verify.py --witness VKEY [--witness VKEY ...] [--threshold K]
                                       # and requires K witnesses' cosignatures (default: all)

What it checks, in this order (each prints one line, in Dutch and English):

1. ``manifest.json`` is RFC 8785 canonical JSON, and ``manifest.sig`` is a valid Ed25519
   signature over it by a key in ``keys.json`` (so nothing in the manifest, not even the
   title or the time, can change unnoticed);
2. every file the manifest lists has the listed size and SHA-256 (README, LEESMIJ and this
   script included), and the manifest lists every file of the bundle;
3. ``keys.json``: each key's id is the SHA-256 of the key; with ``--key``, that key is among
   them and signed the manifest and the checkpoint the bundle is anchored to;
4. ``checkpoints.jsonl``: each checkpoint's Ed25519 signature over its C2SP checkpoint text,
   its signed note, sizes that never shrink, the last one being the manifest's anchor (a
   checkpoint signed under another name than the manifest's origin, which an older
   version of the platform could sign, is no part of this log: skipped, with a note);
5. ``consistency.jsonl``: an RFC 9162 consistency proof between each two consecutive
   checkpoints (the log only grew, nothing in it changed);
6. ``events.jsonl``: each event's ``event_hash`` and ``leaf_hash`` recomputed from its
   fields (RFC 8785 canonical JSON), and the chain: numbers 1, 2, 3, ... with each
   ``prev_hash`` the hash of the event before it;
7. ``proofs.jsonl``: an RFC 9162 inclusion proof of each event in the anchor checkpoint's tree;
8. the version texts (``versions/``) and the reactienota (``reactienota/``): their content
   hash is the one their ``version_published`` and ``report_published`` events hold;
9. ``promises.jsonl`` (and each ``--promise`` file, a promise as the receipt shows it): the
   log's signed promise of inclusion, made when a submission was stored, is kept: the
   Ed25519 signature over its ``consult-promise/v1`` text is valid, and the event it names
   is in the bundle, at its leaf index, with its leaf hash, in the signed tree. A promise
   whose leaf is missing or different is a broken promise: proof, signed by the platform
   itself, that an acknowledged submission was removed or changed.

10. ``cosignatures.jsonl``: each witness's cosignature (C2SP tlog-cosignature/v1,
    Ed25519: ``cosignature/v1``, the time line and the checkpoint's text) of a checkpoint
    of the bundle. With ``--witness VKEY`` (a witness's verifier key, from the witness
    itself, not from the platform), the anchor checkpoint must carry valid cosignatures of
    at least ``--threshold`` of those witnesses (default: all of them): then no operator
    alone could have shown this history to the witnesses and another one to others.

It ends with ``OK`` (exit status 0) or ``FOUT`` (exit status 1), naming the file and line of
the first failure.

The Ed25519 verification follows the reference code of RFC 8032, section 6 (with the
checks of section 5.1.7: a canonical S, points on the curve); the Merkle tree algorithms
are those of RFC 9162, sections 2.1.3.2 and 2.1.4.2; canonical JSON is RFC 8785.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import math
import os
import re
import sys
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

BUNDLE_FORMAT = "consult-evidence-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
# What the manifest signature covers: this line, then the manifest's bytes. The line keeps
# the signature apart from checkpoint signatures made with the same key.
MANIFEST_CONTEXT = b"consult-evidence-bundle-manifest/1\n"
# The first line of a promise's signed text: no log's name (origin) is this, so a promise
# can never be read as a checkpoint, nor a checkpoint as a promise.
PROMISE_PREFIX = "consult-promise/v1"
ZERO_HASH = "0" * 64
HEX64 = re.compile(r"^[0-9a-f]{64}$")
KEY_ID = re.compile(r"^[0-9a-f]{16}$")
SAFE_PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
EVENT_FIELDS = (
    "v",
    "leaf_index",
    "consultation",
    "seq",
    "kind",
    "occurred_at",
    "actor_role",
    "object",
    "payload",
    "prev_hash",
)
CHUNK = 1 << 20
MAX_SHOWN = 20
PROGRESS_EVERY = 100_000


# -- RFC 8785 canonical JSON -------------------------------------------------------------------


class CanonicalError(ValueError):
    """A value that has no RFC 8785 form (NaN, an infinity, an unpaired surrogate)."""


def _number(value: float) -> str:
    """An IEEE double as ECMAScript's Number.prototype.toString writes it (RFC 8785 3.2.2.3)."""
    if math.isnan(value) or math.isinf(value):
        raise CanonicalError("NaN and infinity have no JSON form")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # repr gives the shortest digits that read back as the same double, as ECMAScript does.
    text = repr(abs(value))
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    power = int(exponent) if exponent else 0
    # value = 0.<digits> * 10**point (repr writes no leading zeros before the point but "0")
    if whole == "0":
        point = power - (len(fraction) - len(fraction.lstrip("0")))
    else:
        point = power + len(whole)
    digits = (whole + fraction).lstrip("0").rstrip("0") or "0"
    count = len(digits)
    if count <= point <= 21:
        return sign + digits + "0" * (point - count)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * -point + digits
    power = point - 1
    head = digits[0] + ("." + digits[1:] if count > 1 else "")
    return f"{sign}{head}e{'+' if power >= 0 else '-'}{abs(power)}"


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        # The standard library escapes exactly what RFC 8785 3.2.2.2 escapes: the quote,
        # the backslash, \b \t \n \f \r, and other controls as \u00xx in lower case.
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        if abs(value) > 2**53 - 1:
            raise CanonicalError(f"integer {value} is outside the exact range of JSON numbers")
        out.append(str(value))
    elif isinstance(value, float):
        out.append(_number(value))
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for position, item in enumerate(value):
            if position:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for position, key in enumerate(sorted(value, key=_utf16_key)):
            if not isinstance(key, str):
                raise CanonicalError("object keys are strings")
            if position:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    else:
        raise CanonicalError(f"{type(value).__name__} has no JSON form")


def canonical(value: Any) -> bytes:
    """RFC 8785 (JSON Canonicalization Scheme) bytes of a JSON value."""
    out: list[str] = []
    _write(value, out)
    try:
        return "".join(out).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalError("a string holds an unpaired surrogate") from exc


# -- Ed25519 (RFC 8032) ------------------------------------------------------------------------
# After the reference implementation in RFC 8032, section 6, with extended coordinates.

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)

Point = tuple[int, int, int, int]


def _add(a: Point, b: Point) -> Point:
    x = (a[1] - a[0]) * (b[1] - b[0]) % _P
    y = (a[1] + a[0]) * (b[1] + b[0]) % _P
    c = 2 * a[3] * b[3] * _D % _P
    d = 2 * a[2] * b[2] % _P
    e, f, g, h = y - x, d - c, d + c, y + x
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _multiply(scalar: int, point: Point) -> Point:
    result: Point = (0, 1, 1, 0)  # the neutral element
    while scalar > 0:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _equal(a: Point, b: Point) -> bool:
    # x1 / z1 == x2 / z2 and y1 / z1 == y2 / z2, without a division
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    if x2 % _P == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _decompress(data: bytes) -> Point | None:
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0) or 0
_G: Point = (_GX, _GY, 1, _GX * _GY % _P)


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is a valid Ed25519 signature of ``message`` by ``public``
    (RFC 8032 section 5.1.7, as its section 6 reference code checks it)."""
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decompress(public)
    if a is None:
        return False
    r = _decompress(signature[:32])
    if r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % _L
    return _equal(_multiply(s, _G), _add(r, _multiply(h, a)))


# -- RFC 9162 Merkle tree ------------------------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2: is ``leaf`` the leaf ``index`` of the tree of ``size`` leaves
    whose root is ``root``, by the audit path ``proof``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: is the tree of ``second`` leaves an extension of the tree of
    ``first`` leaves? (A tree is consistent with itself: same root, empty proof.)"""
    if first < 1 or second < first:
        return False
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # first is an exact power of two
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# -- checkpoints (C2SP tlog-checkpoint and signed note) --------------------------------------------


def checkpoint_text(origin: str, size: int, root: bytes, moment: str) -> bytes:
    """The bytes a checkpoint's signature covers: origin, size, base64 root, time line."""
    encoded = base64.b64encode(root).decode("ascii")
    return f"{origin}\n{size}\n{encoded}\ntime {moment}\n".encode()


def note_key_hash(origin: str, public: bytes) -> bytes:
    return hashlib.sha256(origin.encode() + b"\n\x01" + public).digest()[:4]


def promise_text(origin: str, index: int, leaf: bytes, moment: str) -> bytes:
    """The bytes a promise's signature covers: prefix, origin, leaf index, base64 leaf
    hash, time line."""
    encoded = base64.b64encode(leaf).decode("ascii")
    return f"{PROMISE_PREFIX}\n{origin}\n{index}\n{encoded}\ntime {moment}\n".encode()


def parse_promise_note(text: str) -> dict[str, Any] | None:
    """A promise as a receipt shows it (a C2SP signed note) as ``promises.jsonl`` fields
    (without key_id, which the verifier finds from the key hash); None when unreadable."""
    body, _, signature_line = text.strip().partition("\n\n")
    lines = body.split("\n")
    if len(lines) != 5 or lines[0] != PROMISE_PREFIX or not lines[4].startswith("time "):
        return None
    parts = signature_line.strip().split(" ")
    if len(parts) != 3 or parts[0] != "\u2014" or parts[1] != lines[1]:
        return None
    try:
        raw = base64.b64decode(parts[2], validate=True)
        leaf = base64.b64decode(lines[3], validate=True)
        index = int(lines[2])
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 68 or len(leaf) != 32:
        return None
    return {
        "leaf_index": index,
        "leaf_hash": leaf.hex(),
        "origin": lines[1],
        "time": lines[4][len("time ") :],
        "key_hash": raw[:4],
        "signature": base64.b64encode(raw[4:]).decode("ascii"),
        "note": text.strip() + "\n",
    }


def signed_note(origin: str, text: bytes, public: bytes, signature: bytes) -> str:
    line = base64.b64encode(note_key_hash(origin, public) + signature).decode("ascii")
    return f"{text.decode()}\n\u2014 {origin} {line}\n"


COSIGNATURE_HEADER = b"cosignature/v1\n"


def parse_witness_vkey(text: str) -> tuple[str, bytes, bytes]:
    """A witness's verifier key ``<name>+<hex key id>+<base64(0x04 || Ed25519 key)>`` as
    (name, 4-byte key id, public key); ValueError naming what is wrong."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3 or not parts[0]:
        raise ValueError("geen vkey (naam+sleutel-id+base64) / not a vkey (name+key id+base64)")
    name, hex_id, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
        wanted = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError):
        raise ValueError("sleutel-id of sleutel onleesbaar / key id or key unreadable") from None
    if len(raw) != 33 or raw[0] != 0x04:
        raise ValueError(
            "geen Ed25519-medeondertekeningssleutel (type 0x04) / "
            "not an Ed25519 cosignature key (type 0x04)"
        )
    public = raw[1:]
    if hashlib.sha256(name.encode() + b"\n\x04" + public).digest()[:4] != wanted:
        raise ValueError("sleutel-id klopt niet / the key id does not match")
    return name, wanted, public


def cosignature_time(witness: tuple[str, bytes, bytes], text: bytes, line: str) -> int | None:
    """The timestamp of a valid Ed25519 cosignature/v1 by ``witness`` over a checkpoint's
    ``text`` (the signature ``line``: ``— <name> <base64(key id || time || signature)>``);
    None when the line is by another key or does not verify."""
    name, key_id, public = witness
    parts = line.rstrip("\n").split(" ")
    if len(parts) != 3 or parts[0] != "\u2014" or parts[1] != name:
        return None
    try:
        blob = base64.b64decode(parts[2], validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(blob) != 76 or blob[:4] != key_id:
        return None
    timestamp = int.from_bytes(blob[4:12], "big")
    message = COSIGNATURE_HEADER + f"time {timestamp}\n".encode() + text
    if not 0 < timestamp < 1 << 63 or not ed25519_verify(public, message, blob[12:]):
        return None
    return timestamp


# -- reading the bundle ----------------------------------------------------------------------------


class Problem(Exception):
    """One failure: where (file, line) and what, in Dutch and English."""

    def __init__(self, path: str, line: int | None, dutch: str, english: str) -> None:
        super().__init__(english)
        self.path = path
        self.line = line
        self.dutch = dutch
        self.english = english

    def where(self) -> str:
        if self.line is None:
            return self.path
        return f"{self.path}, regel/line {self.line}"

    def __str__(self) -> str:
        return f"{self.where()}: {self.dutch} / {self.english}"


class Source:
    """The files of a bundle: an unzipped folder, or the zip file itself."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.archive: zipfile.ZipFile | None = None
        if os.path.isfile(location) and zipfile.is_zipfile(location):
            self.archive = zipfile.ZipFile(location)

    def names(self) -> list[str]:
        if self.archive is not None:
            return [n for n in self.archive.namelist() if not n.endswith("/")]
        found = []
        for folder, subfolders, files in os.walk(self.location):
            subfolders[:] = [d for d in subfolders if d != "__pycache__"]
            for name in files:
                full = os.path.join(folder, name)
                found.append(os.path.relpath(full, self.location).replace(os.sep, "/"))
        return found

    def exists(self, name: str) -> bool:
        if self.archive is not None:
            try:
                self.archive.getinfo(name)
            except KeyError:
                return False
            return True
        return os.path.isfile(os.path.join(self.location, *name.split("/")))

    def open(self, name: str) -> Any:
        if self.archive is not None:
            return self.archive.open(name)
        return open(os.path.join(self.location, *name.split("/")), "rb")

    def read(self, name: str) -> bytes:
        with self.open(name) as handle:
            return handle.read()  # type: ignore[no-any-return]


def _parse_line(path: str, number: int, raw: bytes) -> Any:
    """One line of a JSON Lines file: canonical JSON and a newline, nothing else."""
    if not raw.endswith(b"\n"):
        raise Problem(
            path, number, "regel eindigt niet op een newline", "line does not end in a newline"
        )
    try:
        value = json.loads(raw[:-1].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Problem(
            path, number, f"geen geldige JSON ({exc})", f"not valid JSON ({exc})"
        ) from None
    try:
        again = canonical(value)
    except CanonicalError as exc:
        raise Problem(
            path, number, f"geen canonieke JSON ({exc})", f"not canonical JSON ({exc})"
        ) from None
    if again != raw[:-1]:
        raise Problem(
            path, number, "niet in canonieke vorm (RFC 8785)", "not in canonical form (RFC 8785)"
        )
    return value


def _lines(source: Source, path: str) -> Iterator[tuple[int, Any]]:
    with source.open(path) as handle:
        for number, raw in enumerate(handle, start=1):
            yield number, _parse_line(path, number, raw)


def _hex(path: str, line: int | None, value: Any, what: str) -> bytes:
    if not isinstance(value, str) or not HEX64.match(value):
        raise Problem(
            path,
            line,
            f"{what} is geen hash van 64 hexcijfers",
            f"{what} is not a 64 hex digit hash",
        )
    return bytes.fromhex(value)


def _b64(path: str, line: int | None, value: Any, what: str, size: int) -> bytes:
    try:
        data = base64.b64decode(value, validate=True) if isinstance(value, str) else b""
    except (binascii.Error, ValueError):
        data = b""
    if len(data) != size:
        raise Problem(
            path,
            line,
            f"{what} is geen geldige base64 van {size} bytes",
            f"{what} is not valid base64 of {size} bytes",
        )
    return data


def _int(path: str, line: int | None, value: Any, what: str, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise Problem(
            path,
            line,
            f"{what} is geen geheel getal vanaf {minimum}",
            f"{what} is not an integer from {minimum}",
        )
    return value


def _str(path: str, line: int | None, value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise Problem(
            path, line, f"{what} ontbreekt of is geen tekst", f"{what} is missing or not a string"
        )
    return value


def _fields(path: str, line: int | None, value: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != set(fields):
        raise Problem(
            path,
            line,
            "heeft niet precies de velden " + ", ".join(fields),
            "does not have exactly the fields " + ", ".join(fields),
        )
    return value


# -- the checks ------------------------------------------------------------------------------------


class Verifier:
    def __init__(
        self,
        source: Source,
        pinned: list[bytes],
        out: Callable[[str], None],
        kept_promises: list[tuple[str, str]] | None = None,
        witnesses: list[tuple[str, bytes, bytes]] | None = None,
        threshold: int | None = None,
    ) -> None:
        self.source = source
        # (name, key id, public key) of each --witness, and how many must have cosigned
        self.witnesses = witnesses or []
        self.threshold = len(self.witnesses) if threshold is None else threshold
        self.pinned = pinned
        self.out = out
        # (file name, text) of promises kept from receipts (--promise)
        self.kept_promises = kept_promises or []
        self.warnings: list[tuple[str, str]] = []
        # leaf index -> leaf hash of this bundle's submission_received events (few)
        self.received_leaves: dict[int, str] = {}
        self.failures: list[Problem] = []
        self.failed_count = 0
        self.manifest: dict[str, Any] = {}
        self.keys: dict[str, bytes] = {}
        self.checkpoints: list[dict[str, Any]] = []
        self.anchor_root = b""
        self.anchor_size = 0
        self.bindings: dict[int, list[dict[str, Any]]] = {}
        self.bound_events: dict[int, dict[str, Any]] = {}
        self.listed: dict[str, dict[str, Any]] = {}

    # reporting

    def fail(self, problem: Problem) -> None:
        self.failed_count += 1
        if len(self.failures) < MAX_SHOWN:
            self.failures.append(problem)

    def line(self, ok: bool, dutch: str, english: str) -> None:
        mark = "[ OK ]" if ok else "[FOUT]"
        self.out(f"{mark} {dutch}")
        self.out(f"       {english}")

    def step(
        self, check: Callable[[], tuple[str, str]], path: str, dutch: str, english: str
    ) -> bool:
        """Run one check and print its line; a failure stops this check, not the others."""
        before, shown = self.failed_count, len(self.failures)
        try:
            done_nl, done_en = check()
        except Problem as problem:
            self.fail(problem)
        except Exception as exc:  # a damaged file can break a check in any way: name it
            self.fail(Problem(path, None, f"onleesbaar ({exc!r})", f"unreadable ({exc!r})"))
        ok = self.failed_count == before
        if ok:
            self.line(True, done_nl, done_en)
        else:
            self.line(False, dutch, english)
            for problem in self.failures[shown : shown + 3]:
                self.out(f"       -> {problem}")
        return ok

    # 1. manifest

    def check_manifest(self) -> tuple[str, str]:
        if not self.source.exists(MANIFEST):
            raise Problem(
                MANIFEST,
                None,
                "ontbreekt: is dit een bewijsbundel?",
                "is missing: is this an evidence bundle?",
            )
        raw = self.source.read(MANIFEST)
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise Problem(
                MANIFEST, None, f"geen geldige JSON ({exc})", f"not valid JSON ({exc})"
            ) from None
        try:
            again = canonical(manifest)
        except CanonicalError as exc:
            raise Problem(
                MANIFEST, None, f"geen canonieke JSON ({exc})", f"not canonical JSON ({exc})"
            ) from None
        if again != raw:
            raise Problem(
                MANIFEST,
                None,
                "niet precies in canonieke vorm (RFC 8785)",
                "not exactly in canonical form (RFC 8785)",
            )
        if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
            raise Problem(
                MANIFEST,
                None,
                "is geen manifest van een bewijsbundel",
                "is not the manifest of an evidence bundle",
            )
        if manifest.get("format_version") != FORMAT_VERSION:
            raise Problem(
                MANIFEST,
                None,
                f"versie {manifest.get('format_version')!r} ken ik niet; "
                "gebruik een nieuwere verify.py",
                f"version {manifest.get('format_version')!r} is unknown; use a newer verify.py",
            )
        self.manifest = manifest
        self.manifest_bytes = raw
        consultation = manifest.get("consultation")
        if not isinstance(consultation, dict) or not isinstance(consultation.get("slug"), str):
            raise Problem(MANIFEST, None, "noemt geen consultatie", "names no consultation")
        anchor = manifest.get("checkpoint")
        if not isinstance(anchor, dict):
            raise Problem(MANIFEST, None, "noemt geen checkpoint", "names no checkpoint")
        self.anchor_size = _int(MANIFEST, None, anchor.get("tree_size"), "checkpoint.tree_size", 1)
        self.anchor_root = _hex(MANIFEST, None, anchor.get("root_hash"), "checkpoint.root_hash")
        self.anchor_time = anchor.get("time")
        self.anchor_key = anchor.get("key_id")
        files = manifest.get("files")
        if not isinstance(files, list) or not files:
            raise Problem(MANIFEST, None, "noemt geen bestanden", "lists no files")
        for entry in files:
            entry = _fields(MANIFEST, None, entry, ("path", "sha256", "size"))
            path = _str(MANIFEST, None, entry["path"], "path")
            if (
                not SAFE_PATH.match(path)
                or ".." in path.split("/")
                or path in (MANIFEST, SIGNATURE)
            ):
                raise Problem(MANIFEST, None, f"ongeldig pad {path!r}", f"invalid path {path!r}")
            if path in self.listed:
                raise Problem(
                    MANIFEST, None, f"{path} staat er twee keer in", f"{path} is listed twice"
                )
            _hex(MANIFEST, None, entry["sha256"], f"sha256 van/of {path}")
            _int(MANIFEST, None, entry["size"], f"size van/of {path}")
            self.listed[path] = entry
        for required in (
            "events.jsonl",
            "proofs.jsonl",
            "checkpoints.jsonl",
            "consistency.jsonl",
            "keys.json",
            "verify.py",
        ):
            if required not in self.listed:
                raise Problem(MANIFEST, None, f"noemt {required} niet", f"does not list {required}")
        contents = manifest.get("contents")
        if not isinstance(contents, list):
            raise Problem(MANIFEST, None, "contents is geen lijst", "contents is not a list")
        for entry in contents:
            entry = _fields(MANIFEST, None, entry, ("kind", "leaf_index", "path"))
            path = _str(MANIFEST, None, entry["path"], "contents.path")
            if path not in self.listed:
                raise Problem(
                    MANIFEST, None, f"{path} staat niet in files", f"{path} is not in files"
                )
            index = _int(MANIFEST, None, entry["leaf_index"], "contents.leaf_index")
            self.bindings.setdefault(index, []).append(entry)
        return (
            f"manifest.json is in canonieke vorm ({len(self.listed)} bestanden, "
            f"consultatie {consultation['slug']})",
            f"manifest.json is in canonical form ({len(self.listed)} files, "
            f"consultation {consultation['slug']})",
        )

    # 2. keys and the manifest signature

    def check_keys(self) -> tuple[str, str]:
        raw = self.source.read("keys.json") if self.source.exists("keys.json") else b""
        data = _parse_line("keys.json", 1, raw) if raw else None
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list) or not data["keys"]:
            raise Problem("keys.json", None, "bevat geen sleutels", "holds no keys")
        for entry in data["keys"]:
            if not isinstance(entry, dict):
                raise Problem(
                    "keys.json", None, "een sleutel is geen object", "a key is not an object"
                )
            public = _b64("keys.json", None, entry.get("public_key"), "public_key", 32)
            key_id = _str("keys.json", None, entry.get("key_id"), "key_id")
            if not KEY_ID.match(key_id) or key_id != hashlib.sha256(public).hexdigest()[:16]:
                raise Problem(
                    "keys.json",
                    None,
                    f"sleutel-id {key_id} hoort niet bij zijn sleutel",
                    f"key id {key_id} does not belong to its key",
                )
            self.keys[key_id] = public
        for public in self.pinned:
            if public not in self.keys.values():
                raise Problem(
                    "keys.json",
                    None,
                    "de sleutel van --key staat er niet in: "
                    "deze bundel is niet met die sleutel gemaakt",
                    "the --key key is not in it: this bundle was not made with that key",
                )
        shown = ", ".join(sorted(self.keys))
        return (
            f"keys.json: {len(self.keys)} sleutel(s) ({shown})",
            f"keys.json: {len(self.keys)} key(s) ({shown})",
        )

    def check_signature(self) -> tuple[str, str]:
        if not self.source.exists(SIGNATURE):
            raise Problem(SIGNATURE, None, "ontbreekt", "is missing")
        raw = self.source.read(SIGNATURE)
        match = re.match(rb"^([0-9a-f]{16}) ([A-Za-z0-9+/]{86}==)\n\Z", raw)
        if match is None:
            raise Problem(
                SIGNATURE,
                1,
                "is geen regel '<sleutel-id> <base64 handtekening>'",
                "is not a line '<key id> <base64 signature>'",
            )
        key_id = match.group(1).decode()
        signature = base64.b64decode(match.group(2))
        public = self.keys.get(key_id)
        if public is None:
            raise Problem(
                SIGNATURE,
                1,
                f"sleutel {key_id} staat niet in keys.json",
                f"key {key_id} is not in keys.json",
            )
        if self.pinned and public not in self.pinned:
            raise Problem(
                SIGNATURE,
                1,
                f"getekend met sleutel {key_id}, niet met de sleutel van --key",
                f"signed with key {key_id}, not with the --key key",
            )
        if not ed25519_verify(public, MANIFEST_CONTEXT + self.manifest_bytes, signature):
            raise Problem(
                SIGNATURE,
                1,
                "handtekening klopt niet bij manifest.json",
                "signature does not match manifest.json",
            )
        return (
            f"handtekening op manifest.json klopt (sleutel {key_id})",
            f"the signature on manifest.json is valid (key {key_id})",
        )

    # 3. files

    def check_files(self) -> tuple[str, str]:
        total = 0
        for path, entry in sorted(self.listed.items()):
            if not self.source.exists(path):
                self.fail(
                    Problem(
                        path,
                        None,
                        "ontbreekt (staat wel in het manifest)",
                        "is missing (the manifest lists it)",
                    )
                )
                continue
            digest = hashlib.sha256()
            size = 0
            with self.source.open(path) as handle:
                while True:
                    chunk = handle.read(CHUNK)
                    if not chunk:
                        break
                    digest.update(chunk)
                    size += len(chunk)
            if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
                self.fail(
                    Problem(
                        path,
                        None,
                        "SHA-256 of grootte klopt niet met manifest.json: het bestand is veranderd",
                        "SHA-256 or size does not match manifest.json: the file was changed",
                    )
                )
            total += size
        extra = sorted(set(self.source.names()) - set(self.listed) - {MANIFEST, SIGNATURE})
        if extra and self.source.archive is not None:
            self.fail(
                Problem(
                    extra[0], None, "staat niet in het manifest", "is not listed in the manifest"
                )
            )
        elif extra:
            self.out(
                f"       let op / note: {len(extra)} bestand(en) in de map staan niet in "
                "het manifest"
            )
            self.out(
                f"       ({', '.join(extra[:5])}{', ...' if len(extra) > 5 else ''}) en zijn "
                "niet gecontroleerd / are not listed and were not checked"
            )
        return (
            f"{len(self.listed)} bestanden kloppen met manifest.json ({total:,} bytes)",
            f"{len(self.listed)} files match manifest.json ({total:,} bytes)",
        )

    # 4. checkpoints

    def check_checkpoints(self) -> tuple[str, str]:
        path = "checkpoints.jsonl"
        origin = self.manifest.get("origin")
        fields = ("key_id", "note", "origin", "root_hash", "signature", "time", "tree_size")
        previous = 0
        used = set()
        for number, value in _lines(self.source, path):
            entry = _fields(path, number, value, fields)
            size = _int(path, number, entry["tree_size"], "tree_size", 1)
            root = _hex(path, number, entry["root_hash"], "root_hash")
            signature = _b64(path, number, entry["signature"], "signature", 64)
            moment = _str(path, number, entry["time"], "time")
            if entry["origin"] != origin:
                # Signed under another name (a command once run without the site's
                # CONSULT_BASE_URL): no part of this log, so it supports nothing here.
                self.warnings.append(
                    (
                        f"{path} regel {number}: getekend onder een andere naam "
                        f"({entry['origin']!r}) dan dit log ({origin!r}); overgeslagen",
                        f"{path} line {number}: signed under another name "
                        f"({entry['origin']!r}) than this log's ({origin!r}); skipped",
                    )
                )
                continue
            public = self.keys.get(entry["key_id"])
            if public is None:
                raise Problem(
                    path,
                    number,
                    f"getekend met sleutel {entry['key_id']}, die niet in keys.json staat",
                    f"signed with key {entry['key_id']}, which is not in keys.json",
                )
            text = checkpoint_text(origin, size, root, moment)
            if not ed25519_verify(public, text, signature):
                raise Problem(
                    path,
                    number,
                    "de Ed25519-handtekening klopt niet",
                    "the Ed25519 signature is not valid",
                )
            if entry["note"] != signed_note(origin, text, public, signature):
                raise Problem(
                    path,
                    number,
                    "de signed note klopt niet met de velden",
                    "the signed note does not match the fields",
                )
            if size < previous:
                raise Problem(
                    path,
                    number,
                    f"de boom kromp van {previous} naar {size}",
                    f"the tree shrank from {previous} to {size}",
                )
            previous = size
            used.add(entry["key_id"])
            self.checkpoints.append(
                {
                    "line": number,
                    "size": size,
                    "root": root,
                    "key_id": entry["key_id"],
                    "time": moment,
                }
            )
        if not self.checkpoints:
            raise Problem(path, None, "bevat geen checkpoints", "holds no checkpoints")
        last = self.checkpoints[-1]
        if (
            last["size"] != self.anchor_size
            or last["root"] != self.anchor_root
            or last["time"] != self.anchor_time
            or last["key_id"] != self.anchor_key
        ):
            raise Problem(
                path,
                last["line"],
                "het laatste checkpoint is niet dat van het manifest",
                "the last checkpoint is not the manifest's",
            )
        if self.pinned and self.keys[last["key_id"]] not in self.pinned:
            raise Problem(
                path,
                last["line"],
                "het laatste checkpoint is niet met de sleutel van --key getekend",
                "the last checkpoint is not signed with the --key key",
            )
        return (
            f"{len(self.checkpoints)} checkpoints: handtekeningen kloppen "
            f"(laatste: boom van {self.anchor_size} gebeurtenissen)",
            f"{len(self.checkpoints)} checkpoints: signatures valid "
            f"(last: a tree of {self.anchor_size} events)",
        )

    # 5. consistency

    def check_consistency(self) -> tuple[str, str]:
        path = "consistency.jsonl"
        count = 0
        for number, value in _lines(self.source, path):
            entry = _fields(path, number, value, ("first", "proof", "second"))
            if number >= len(self.checkpoints):
                raise Problem(
                    path,
                    number,
                    "meer bewijzen dan paren checkpoints",
                    "more proofs than pairs of checkpoints",
                )
            first, second = self.checkpoints[number - 1], self.checkpoints[number]
            if entry["first"] != first["size"] or entry["second"] != second["size"]:
                raise Problem(
                    path,
                    number,
                    f"hoort niet bij checkpoints {number} en {number + 1}",
                    f"does not belong to checkpoints {number} and {number + 1}",
                )
            if not isinstance(entry["proof"], list):
                raise Problem(path, number, "proof is geen lijst", "proof is not a list")
            proof = [_hex(path, number, h, "proof") for h in entry["proof"]]
            if not verify_consistency(
                first["size"], second["size"], first["root"], second["root"], proof
            ):
                raise Problem(
                    path,
                    number,
                    f"checkpoint {number + 1} is geen uitbreiding van checkpoint {number}",
                    f"checkpoint {number + 1} is not an extension of checkpoint {number}",
                )
            count += 1
        if count != len(self.checkpoints) - 1:
            raise Problem(
                path,
                None,
                f"{count} bewijzen voor {len(self.checkpoints)} checkpoints",
                f"{count} proofs for {len(self.checkpoints)} checkpoints",
            )
        return (
            f"{count} consistentiebewijzen: het log groeide alleen (RFC 9162)",
            f"{count} consistency proofs: the log only grew (RFC 9162)",
        )

    # 6 and 7. events and their inclusion proofs

    def check_events(self) -> tuple[str, str]:
        path, proofs_path = "events.jsonl", "proofs.jsonl"
        slug = self.manifest["consultation"]["slug"]
        expected_count = self.manifest.get("events")
        previous_hash, previous_index, count = ZERO_HASH, -1, 0
        proofs = _lines(self.source, proofs_path)
        for number, value in _lines(self.source, path):
            entry = _fields(path, number, value, (*EVENT_FIELDS, "event_hash", "leaf_hash"))
            body = {name: entry[name] for name in EVENT_FIELDS}
            try:
                data = canonical(body)
            except CanonicalError as exc:
                raise Problem(
                    path, number, f"geen canonieke JSON ({exc})", f"not canonical JSON ({exc})"
                ) from None
            if hashlib.sha256(data).hexdigest() != entry["event_hash"]:
                raise Problem(
                    path,
                    number,
                    "event_hash klopt niet met de inhoud van de gebeurtenis",
                    "event_hash does not match the event's content",
                )
            leaf = leaf_hash(data)
            if leaf.hex() != entry["leaf_hash"]:
                raise Problem(
                    path,
                    number,
                    "leaf_hash klopt niet met de inhoud van de gebeurtenis",
                    "leaf_hash does not match the event's content",
                )
            if entry["consultation"] != slug:
                raise Problem(
                    path,
                    number,
                    f"hoort bij {entry['consultation']!r}, niet bij {slug}",
                    f"belongs to {entry['consultation']!r}, not to {slug}",
                )
            if entry["seq"] != number:
                raise Problem(
                    path,
                    number,
                    f"nummer {entry['seq']} in de keten, verwacht {number}: "
                    "er ontbreekt een gebeurtenis",
                    f"number {entry['seq']} in the chain, expected {number}: an event is missing",
                )
            if entry["prev_hash"] != previous_hash:
                raise Problem(
                    path,
                    number,
                    "prev_hash is niet de hash van de gebeurtenis ervoor: de keten is gebroken",
                    "prev_hash is not the hash of the event before it: the chain is broken",
                )
            index = _int(path, number, entry["leaf_index"], "leaf_index")
            if index <= previous_index or index >= self.anchor_size:
                raise Problem(
                    path,
                    number,
                    f"leaf_index {index} is niet oplopend of valt buiten de boom",
                    f"leaf_index {index} is out of order or outside the tree",
                )
            previous_hash, previous_index = entry["event_hash"], index

            proof_line = next(proofs, None)
            if proof_line is None:
                raise Problem(
                    proofs_path,
                    number,
                    "ontbreekt: minder bewijzen dan gebeurtenissen",
                    "is missing: fewer proofs than events",
                )
            proof_number, proof_value = proof_line
            proof = _fields(
                proofs_path, proof_number, proof_value, ("audit_path", "leaf_index", "tree_size")
            )
            if proof["leaf_index"] != index or proof["tree_size"] != self.anchor_size:
                raise Problem(
                    proofs_path,
                    proof_number,
                    "hoort niet bij de gebeurtenis op dezelfde regel",
                    "does not belong to the event on the same line",
                )
            if not isinstance(proof["audit_path"], list):
                raise Problem(
                    proofs_path,
                    proof_number,
                    "audit_path is geen lijst",
                    "audit_path is not a list",
                )
            audit = [_hex(proofs_path, proof_number, h, "audit_path") for h in proof["audit_path"]]
            if not verify_inclusion(index, self.anchor_size, leaf, audit, self.anchor_root):
                raise Problem(
                    proofs_path,
                    proof_number,
                    f"gebeurtenis {index} zit niet in de getekende boom "
                    "(inclusiebewijs klopt niet)",
                    f"event {index} is not in the signed tree (the inclusion proof fails)",
                )
            if entry["kind"] == "submission_received":
                self.received_leaves[index] = entry["leaf_hash"]
            if entry["kind"] in ("version_published", "report_published") or index in self.bindings:
                self.bound_events[index] = {
                    "line": number,
                    "kind": entry["kind"],
                    "payload": entry["payload"],
                }
            count += 1
            if count % PROGRESS_EVERY == 0:
                print(f"       ... {count:,}", file=sys.stderr)
        rest = next(proofs, None)
        if rest is not None:
            raise Problem(
                proofs_path, rest[0], "meer bewijzen dan gebeurtenissen", "more proofs than events"
            )
        if expected_count != count:
            raise Problem(
                path,
                None,
                f"{count} gebeurtenissen, het manifest noemt er {expected_count}",
                f"{count} events, the manifest says {expected_count}",
            )
        return (
            f"{count} gebeurtenissen: hashes, keten en inclusiebewijzen kloppen",
            f"{count} events: hashes, chain and inclusion proofs are valid",
        )

    # 8. the documents the events name

    def check_contents(self) -> tuple[str, str]:
        versions = reports = 0
        # Files the event does not name (a PDF made after publication): only the signed
        # manifest covers them, and the summary says so.
        manifest_only: list[str] = []
        for index, event in sorted(self.bound_events.items()):
            entries = self.bindings.get(index, [])
            where = ("events.jsonl", event["line"])
            if event["kind"] not in ("version_published", "report_published"):
                raise Problem(
                    MANIFEST,
                    None,
                    f"koppelt een bestand aan gebeurtenis {index} ({event['kind']})",
                    f"binds a file to event {index} ({event['kind']})",
                )
            payload = event["payload"] if isinstance(event["payload"], dict) else {}
            json_files = [e for e in entries if e["path"].endswith(".json")]
            if len(json_files) != 1:
                raise Problem(
                    *where,
                    f"gebeurtenis {index} ({event['kind']}) heeft geen inhoud in de bundel",
                    f"event {index} ({event['kind']}) has no content in the bundle",
                )
            for entry in entries:
                if entry["kind"] != event["kind"]:
                    raise Problem(
                        MANIFEST,
                        None,
                        f"{entry['path']}: soort {entry['kind']} is niet die van "
                        f"gebeurtenis {index}",
                        f"{entry['path']}: kind {entry['kind']} is not that of event {index}",
                    )
                raw = self.source.read(entry["path"])
                digest = hashlib.sha256(raw).hexdigest()
                if entry["path"].endswith(".json"):
                    try:
                        digest = hashlib.sha256(
                            canonical(json.loads(raw.decode("utf-8")))
                        ).hexdigest()
                    except (UnicodeDecodeError, ValueError) as exc:
                        raise Problem(
                            entry["path"],
                            None,
                            f"geen geldige JSON ({exc})",
                            f"not valid JSON ({exc})",
                        ) from None
                    if digest != payload.get("content_hash"):
                        raise Problem(
                            entry["path"],
                            None,
                            f"de inhoudshash klopt niet met gebeurtenis {index} "
                            f"(events.jsonl regel {event['line']})",
                            f"its content hash does not match event {index} "
                            f"(events.jsonl line {event['line']})",
                        )
                else:
                    listed = {
                        f.get("format"): f.get("sha256")
                        for f in payload.get("files", [])
                        if isinstance(f, dict)
                    }
                    extension = entry["path"].rsplit(".", 1)[-1]
                    if extension not in listed:
                        manifest_only.append(entry["path"])
                    elif listed[extension] != digest:
                        raise Problem(
                            entry["path"],
                            None,
                            f"de SHA-256 klopt niet met gebeurtenis {index}",
                            f"its SHA-256 does not match event {index}",
                        )
            if event["kind"] == "version_published":
                versions += 1
            else:
                reports += 1
        for index, entries in self.bindings.items():
            if index not in self.bound_events:
                raise Problem(
                    MANIFEST,
                    None,
                    f"{entries[0]['path']} hoort bij gebeurtenis {index}, die er niet is",
                    f"{entries[0]['path']} belongs to event {index}, which is not there",
                )
        dutch = f"{versions} versie(s) en {reports} reactienota('s) horen bij hun gebeurtenis"
        english = f"{versions} version(s) and {reports} reactienota edition(s) match their events"
        if manifest_only:
            names = ", ".join(manifest_only)
            dutch += (
                f"; {names}: later gemaakt, de gebeurtenis noemt het niet, alleen het "
                "ondertekende manifest dekt het"
            )
            english += (
                f"; {names}: made later, not named by the event, covered only by the "
                "signed manifest"
            )
        return dutch, english

    # 10. witnesses' cosignatures

    def check_cosignatures(self) -> tuple[str, str]:
        path = "cosignatures.jsonl"
        origin = self.manifest.get("origin")
        by_checkpoint = {(c["size"], c["root"], c["time"]): c for c in self.checkpoints}
        fields = ("line", "name", "root_hash", "time", "timestamp", "tree_size", "vkey")
        anchor = self.checkpoints[-1]["line"]
        cosigned: dict[int, set[str]] = {}
        count = 0
        entries = _lines(self.source, path) if path in self.listed else iter(())
        for number, value in entries:
            entry = _fields(path, number, value, fields)
            size = _int(path, number, entry["tree_size"], "tree_size", 1)
            root = _hex(path, number, entry["root_hash"], "root_hash")
            moment = _str(path, number, entry["time"], "time")
            line = _str(path, number, entry["line"], "line")
            checkpoint = by_checkpoint.get((size, root, moment))
            if checkpoint is None:
                raise Problem(
                    path,
                    number,
                    "ondertekent een checkpoint dat niet in checkpoints.jsonl staat",
                    "cosigns a checkpoint that is not in checkpoints.jsonl",
                )
            text = checkpoint_text(origin, size, root, moment)
            try:
                named = parse_witness_vkey(_str(path, number, entry["vkey"], "vkey"))
            except ValueError as exc:
                raise Problem(path, number, f"vkey: {exc}", f"vkey: {exc}") from None
            if cosignature_time(named, text, line) != entry["timestamp"]:
                raise Problem(
                    path,
                    number,
                    f"de medeondertekening van {entry['name']} klopt niet",
                    f"the cosignature by {entry['name']} is not valid",
                )
            count += 1
            for witness in self.witnesses:
                if cosignature_time(witness, text, line) is not None:
                    cosigned.setdefault(checkpoint["line"], set()).add(witness[0])
        found = sorted(cosigned.get(anchor, set()))
        if self.witnesses and len(found) < self.threshold:
            missing = sorted({w[0] for w in self.witnesses} - set(found))
            raise Problem(
                path,
                None,
                f"het laatste checkpoint (boom van {self.anchor_size}) heeft {len(found)} van "
                f"de {self.threshold} vereiste medeondertekeningen; ontbreekt: "
                f"{', '.join(missing)}",
                f"the last checkpoint (a tree of {self.anchor_size}) has {len(found)} of the "
                f"{self.threshold} required cosignatures; missing: {', '.join(missing)}",
            )
        if self.witnesses:
            return (
                f"{count} medeondertekeningen kloppen; het laatste checkpoint is "
                f"medeondertekend door {len(found)} getuige(n): {', '.join(found)}",
                f"{count} cosignatures valid; the last checkpoint is cosigned by "
                f"{len(found)} witness(es): {', '.join(found)}",
            )
        return (
            f"{count} medeondertekeningen kloppen (geef --witness om ze te eisen)",
            f"{count} cosignatures valid (give --witness to require them)",
        )

    # 9. promises of inclusion

    def _check_promise(self, path: str, line: int | None, entry: dict[str, Any]) -> bool:
        """One promise; raises a Problem when broken; False when it is not of this log."""
        origin = self.manifest.get("origin")
        index = _int(path, line, entry["leaf_index"], "leaf_index")
        leaf = _hex(path, line, entry["leaf_hash"], "leaf_hash")
        signature = _b64(path, line, entry["signature"], "signature", 64)
        moment = _str(path, line, entry["time"], "time")
        text = promise_text(entry["origin"], index, leaf, moment)
        candidates = ([self.keys[entry["key_id"]]] if entry.get("key_id") in self.keys else []) or [
            public
            for public in self.keys.values()
            if entry.get("key_hash") == note_key_hash(entry["origin"], public)
        ]
        signer = next((p for p in candidates if ed25519_verify(p, text, signature)), None)
        if signer is None:
            raise Problem(
                path,
                line,
                "de handtekening op de belofte klopt niet met een sleutel uit keys.json",
                "the promise's signature is not valid with a key in keys.json",
            )
        if entry["note"] != signed_note(entry["origin"], text, signer, signature):
            raise Problem(
                path,
                line,
                "de signed note van de belofte klopt niet met de velden",
                "the promise's signed note does not match the fields",
            )
        if entry["origin"] != origin:
            self.warnings.append(
                (
                    f"{path}: belofte onder een andere naam ({entry['origin']!r}); overgeslagen",
                    f"{path}: a promise under another name ({entry['origin']!r}); skipped",
                )
            )
            return False
        if index >= self.anchor_size:
            self.warnings.append(
                (
                    f"{path}: belofte voor gebeurtenis {index}, na het laatste checkpoint van "
                    "de bundel: maak een nieuwere bundel",
                    f"{path}: a promise of event {index}, after the bundle's last checkpoint: "
                    "make a newer bundle",
                )
            )
            return False
        found = self.received_leaves.get(index)
        if found is None:
            raise Problem(
                path,
                line,
                f"gebroken belofte: het platform bevestigde gebeurtenis {index} op {moment}, "
                "maar die staat niet in de getekende boom van deze raadpleging (verwijderd, "
                "of de belofte hoort bij een andere raadpleging)",
                f"broken promise: the platform acknowledged event {index} at {moment}, but it "
                "is not in this consultation's signed tree (removed, or the promise belongs "
                "to another consultation)",
            )
        if found != leaf.hex():
            raise Problem(
                path,
                line,
                f"gebroken belofte: gebeurtenis {index} is niet wat het platform op {moment} "
                "bevestigde",
                f"broken promise: event {index} is not what the platform acknowledged at {moment}",
            )
        return True

    def check_promises(self) -> tuple[str, str]:
        path = "promises.jsonl"
        fields = ("key_id", "leaf_hash", "leaf_index", "note", "origin", "signature", "time")
        kept = 0
        if path in self.listed:
            for number, value in _lines(self.source, path):
                entry = _fields(path, number, value, fields)
                try:
                    kept += self._check_promise(path, number, entry)
                except Problem as problem:
                    self.fail(problem)
        for name, text in self.kept_promises:
            entry = parse_promise_note(text)
            if entry is None:
                self.fail(
                    Problem(name, None, "is geen belofte van Consult", "is not a Consult promise")
                )
                continue
            try:
                kept += self._check_promise(name, None, entry)
            except Problem as problem:
                self.fail(problem)
        return (
            f"{kept} beloften van opname gehouden",
            f"{kept} promises of inclusion kept",
        )

    def run(self) -> bool:
        self.out("Bewijsbundel van Consult: controle / Consult evidence bundle: verification")
        self.out(f"Bundel / bundle: {os.path.abspath(self.source.location)}")
        self.out("")
        if not self.step(self.check_manifest, MANIFEST, "manifest.json", "manifest.json"):
            return self.finish()
        consultation = self.manifest["consultation"]
        self.out(f"       {consultation.get('title', '')}")
        self.out(f"       gemaakt / made: {self.manifest.get('created_at')}")
        keys_ok = self.step(self.check_keys, "keys.json", "keys.json", "keys.json")
        if keys_ok:
            self.step(
                self.check_signature,
                SIGNATURE,
                "handtekening op manifest.json",
                "signature on manifest.json",
            )
        self.step(self.check_files, MANIFEST, "bestanden", "files")
        if keys_ok and self.step(
            self.check_checkpoints, "checkpoints.jsonl", "checkpoints", "checkpoints"
        ):
            self.step(
                self.check_consistency,
                "consistency.jsonl",
                "consistentiebewijzen",
                "consistency proofs",
            )
            self.step(
                self.check_cosignatures,
                "cosignatures.jsonl",
                "medeondertekeningen door getuigen",
                "witnesses' cosignatures",
            )
            if self.step(self.check_events, "events.jsonl", "gebeurtenissen", "events"):
                self.step(
                    self.check_contents, MANIFEST, "versies en reactienota", "versions, reactienota"
                )
                self.step(
                    self.check_promises,
                    "promises.jsonl",
                    "beloften van opname",
                    "promises of inclusion",
                )
        return self.finish()

    def finish(self) -> bool:
        self.out("")
        for dutch, english in self.warnings:
            self.out(f"let op / note: {dutch}")
            self.out(f"               {english}")
        for key_id, public in sorted(self.keys.items()):
            self.out(f"Sleutel / key {key_id}: {base64.b64encode(public).decode()}")
        if self.keys:
            self.out(
                "Vergelijk de sleutel met /bewijs/sleutel op de site / "
                "compare the key with /bewijs/sleutel on the site"
            )
            self.out("")
        if self.failed_count:
            first = self.failures[0]
            self.out(f"Eerste fout / first failure: {first}")
            # A changed file: where in it, when a later check found the spot.
            spot = next(
                (p for p in self.failures if p.path == first.path and p.line is not None), None
            )
            if first.line is None and spot is not None:
                self.out(f"Waar / where: {spot}")
            if self.failed_count > 1:
                self.out(f"({self.failed_count} fouten / failures)")
            self.out("FOUT")
            return False
        self.out("OK")
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Controleer een bewijsbundel van Consult / check a Consult evidence bundle"
    )
    parser.add_argument(
        "bundle",
        nargs="?",
        default=os.path.dirname(os.path.abspath(__file__)),
        help="map of zip van de bundel / folder or zip of the bundle (default: this file's folder)",
    )
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="BASE64",
        help="publieke sleutel die de bundel moet hebben getekend / "
        "public key that must have signed it",
    )
    parser.add_argument(
        "--promise",
        action="append",
        default=[],
        metavar="FILE",
        help="een belofte van opname van een ontvangstbewijs / a promise of inclusion kept "
        "from a receipt",
    )
    parser.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="VKEY",
        help="vkey van een getuige die moet hebben medeondertekend / a witness's vkey whose "
        "cosignature is required (repeatable)",
    )
    parser.add_argument(
        "--threshold",
        type=int,
        metavar="K",
        help="zoveel van de getuigen zijn nodig (standaard: allemaal) / how many of the "
        "witnesses are required (default: all)",
    )
    args = parser.parse_args(argv)
    witnesses = []
    for value in args.witness:
        try:
            witnesses.append(parse_witness_vkey(value))
        except ValueError as exc:
            print(f"--witness {value}: {exc}")
            print("FOUT")
            return 1
    if args.threshold is not None and not 1 <= args.threshold <= len(witnesses):
        print(
            f"--threshold {args.threshold}: kies 1 tot {len(witnesses)} (het aantal --witness) / "
            f"choose 1 to {len(witnesses)} (the number of --witness)"
        )
        print("FOUT")
        return 1
    kept = []
    for name in args.promise:
        try:
            with open(name, encoding="utf-8") as handle:
                kept.append((name, handle.read()))
        except OSError as exc:
            print(f"--promise {name}: {exc}")
            print("FOUT")
            return 1
    pinned = []
    for value in args.key:
        try:
            public = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            public = b""
        if len(public) != 32:
            print(f"--key {value}: geen base64 van 32 bytes / not base64 of 32 bytes")
            print("FOUT")
            return 1
        pinned.append(public)
    if not os.path.exists(args.bundle):
        print(f"{args.bundle}: bestaat niet / does not exist")
        print("FOUT")
        return 1
    verifier = Verifier(Source(args.bundle), pinned, print, kept, witnesses, args.threshold)
    return 0 if verifier.run() else 1


if __name__ == "__main__":
    sys.exit(main())
