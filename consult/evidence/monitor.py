"""``consult record monitor URL``: follow another Consult's log over HTTP, as a monitor.

What an advocacy group runs from cron to hold a platform to its own record. Each run:

1. fetches ``<URL>/checkpoint`` (C2SP tlog-tiles; URL is the log's prefix, such as
   ``https://consult.example.nl/bewijs/log``) and checks its Ed25519 signature against the
   key given with ``--key`` (a C2SP verifier key) or pinned in the state file; with
   neither, it trusts the key the site serves at ``/bewijs/sleutel.pem`` on first use,
   says so, and pins it;
2. fetches the level-0 hash tiles of every leaf it has not seen yet, and the entry bundles
   with those leaves, and recomputes each leaf hash (RFC 9162: SHA-256(0x00 || entry))
   from its entry, and that each entry is the leaf at its index;
3. checks that each level-0 tile that became full is the matching hash of its level-1
   tile (other clients build proofs from those);
4. appends the new leaf hashes to the compact range of the tree it checked before (kept in
   the state file) and recomputes the root: it must be the signed root. So the new
   checkpoint is proven to extend the last one it saw: a log that rewrote, removed or
   reordered anything it showed before cannot pass, even with a valid signature;
5. saves the state (the checkpoint, the compact range, the leaves of the last partial
   tile) only when everything held.

Entry bundles that the log withholds with 451 (leaves of the old format, which hold
personal facts in the open) are counted and named; they may only come before every served
bundle, since the log writes no old-format leaves any more. Their leaf hashes still enter
the root from the hash tiles.

Standard library only (urllib) plus ``cryptography`` for Ed25519, and the record's own
RFC 9162 helpers; no database, no app.
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from consult.ledger import merkle, notes, signing, tiles

STATE_FORMAT = "consult-monitor-state/1"
TIMEOUT = 30
USER_AGENT = "consult-record-monitor/1"
# Fetch(url) -> (HTTP status, body); the CLI uses urllib, tests the app's test client.
Fetch = Callable[[str], tuple[int, bytes]]


class Problem(Exception):
    """Something is wrong with the log: the message says what, in plain words."""


@dataclass
class Outcome:
    ok: bool
    summary: str
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def http_fetch(url: str) -> tuple[int, bytes]:
    request = urllib.request.Request(  # noqa: S310 (the operator gives an https URL)
        url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# -- the checkpoint ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root: bytes
    text: bytes
    signatures: list[notes.Signature]


def parse_checkpoint(data: bytes) -> Checkpoint:
    """A C2SP signed note holding a tlog-checkpoint; :class:`Problem` when malformed."""
    try:
        body, signatures = notes.split_note(data.decode("utf-8"))
        parsed = notes.parse_checkpoint(body)
    except UnicodeDecodeError:
        raise Problem("the checkpoint is not UTF-8 text") from None
    except notes.NoteError as error:
        raise Problem(f"the checkpoint is malformed: {error}") from None
    return Checkpoint(parsed.origin, parsed.size, parsed.root, body, signatures)


def parse_verifier_key(vkey: str) -> tuple[str, bytes]:
    """``<name>+<hex key hash>+<base64 of 0x01 || Ed25519 key>`` -> (name, public key)."""
    try:
        parsed = notes.parse_vkey(vkey, kinds=(notes.ED25519,))
    except notes.NoteError as error:
        raise Problem(str(error)) from None
    return parsed.name, parsed.public


def check_signature(checkpoint: Checkpoint, name: str, public: bytes) -> None:
    if checkpoint.origin != name:
        raise Problem(
            f"the log calls itself {checkpoint.origin!r}, but the key is for {name!r}: this "
            "is another log, or the log changed its name"
        )
    vkey = notes.Vkey(name, notes.ED25519, public)
    found = [s for s in checkpoint.signatures if s.name == name and s.key_id == vkey.key_id]
    if not found:
        raise Problem(
            "the checkpoint is not signed by the trusted key (the log changed its key, or "
            "someone else signed it)"
        )
    if not notes.note_signature_valid(vkey, checkpoint.text, found[0]):
        raise Problem("bad signature: the checkpoint's signature does not verify")


def site_key(fetch: Fetch, log_url: str) -> bytes:
    """The key a Consult serves at ``/bewijs/sleutel.pem`` (trust on first use only)."""
    root = log_url.rstrip("/")
    if root.endswith("/bewijs/log"):
        root = root[: -len("/bewijs/log")]
    status, body = fetch(f"{root}/bewijs/sleutel.pem")
    if status != 200:
        raise Problem(
            f"no key given and none to trust on first use ({root}/bewijs/sleutel.pem answered "
            f"{status}); pass --key"
        )
    try:
        key = serialization.load_pem_public_key(body)
    except ValueError:
        raise Problem("the site's key (/bewijs/sleutel.pem) is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise Problem("the site's key (/bewijs/sleutel.pem) is not an Ed25519 key")
    return signing.public_bytes(key)


# -- tiles -------------------------------------------------------------------------------------


def _get(fetch: Fetch, url: str, what: str) -> tuple[int, bytes]:
    status, body = fetch(url)
    if status not in (200, 451):
        raise Problem(f"missing {what}: {url} answered {status}")
    return status, body


def _leaf_tile(fetch: Fetch, base: str, index: int, width: int) -> list[bytes]:
    url = f"{base}/tile/{tiles.tile_path(0, index, width)}"
    status, body = _get(fetch, url, f"hash tile {tiles.tile_path(0, index, width)}")
    if status != 200 or len(body) != width * merkle.HASH_SIZE:
        raise Problem(
            f"bad hash tile {tiles.tile_path(0, index, width)}: {len(body)} bytes, "
            f"expected {width * merkle.HASH_SIZE}"
        )
    return [body[i : i + merkle.HASH_SIZE] for i in range(0, len(body), merkle.HASH_SIZE)]


def _check_entries(
    fetch: Fetch, base: str, index: int, width: int, hashes: list[bytes], first: int
) -> bool:
    """Recompute leaves ``first`` .. ``width - 1`` of tile ``index`` from their entries;
    False when the bundle is withheld (451)."""
    path = tiles.tile_path(None, index, width)
    status, body = _get(fetch, f"{base}/tile/{path}", f"entry bundle {path}")
    if status == 451:
        return False
    try:
        entries = tiles.split_bundle(body)
    except ValueError as error:
        raise Problem(f"bad entry bundle {path}: {error}") from None
    if len(entries) != width:
        raise Problem(f"bad entry bundle {path}: {len(entries)} entries, expected {width}")
    for offset in range(first, width):
        leaf = index * tiles.TILE_WIDTH + offset
        entry = entries[offset]
        if merkle.leaf_hash(entry) != hashes[offset]:
            raise Problem(
                f"leaf {leaf} does not match: its entry does not hash to the leaf hash in "
                f"hash tile {tiles.tile_path(0, index, width)}"
            )
        try:
            said = json.loads(entry).get("leaf_index")
        except (ValueError, AttributeError):
            said = None
        if said != leaf:
            raise Problem(f"leaf {leaf} does not match: its entry says it is leaf {said}")
    return True


# -- the state ---------------------------------------------------------------------------------


def load_state(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    try:
        state = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise Problem(f"cannot read the state file {path}: {error}") from None
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise Problem(f"{path} is not a monitor state file")
    return state


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write atomically: a run killed half-way leaves the previous state."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(state, out, indent=1, sort_keys=True)
        out.write("\n")
    os.replace(temporary, path)


# -- one run -----------------------------------------------------------------------------------


def run(
    url: str, state_path: Path | None, key: str | None = None, fetch: Fetch = http_fetch
) -> Outcome:
    """Check the log at ``url`` once (see the module docstring)."""
    notes: list[str] = []
    base = url.rstrip("/")
    try:
        state = load_state(state_path)
        if state and state.get("url") != base:
            raise Problem(f"the state file follows {state.get('url')}, not {base}")
        name, public = _trusted_key(fetch, base, key, state, notes)
        status, body = fetch(f"{base}/checkpoint")
        if status != 200:
            raise Problem(f"no checkpoint: {base}/checkpoint answered {status}")
        checkpoint = parse_checkpoint(body)
        check_signature(checkpoint, name, public)
        new_state, checked, withheld = _follow(fetch, base, checkpoint, state, notes)
    except Problem as problem:
        return Outcome(False, f"FAILED {base}: {problem}", notes, [str(problem)])
    new_state.update(
        {
            "format": STATE_FORMAT,
            "url": base,
            "verifier_key": signing.verifier_key(name, public),
            "note": body.decode("utf-8"),
        }
    )
    if state_path is not None:
        save_state(state_path, new_state)
    before = state.get("tree_size")
    since = f", consistent with the {before} seen before" if before else ""
    hidden = f", {withheld} leaves in withheld entry bundles" if withheld else ""
    return Outcome(
        True,
        f"OK {checkpoint.origin}: {checkpoint.tree_size} leaves ({checked} new checked"
        f"{hidden}), root {checkpoint.root.hex()[:16]}…{since}",
        notes,
    )


def _trusted_key(
    fetch: Fetch, base: str, key: str | None, state: dict[str, Any], notes: list[str]
) -> tuple[str, bytes]:
    pinned = state.get("verifier_key")
    if key is not None:
        if pinned is not None and pinned != key:
            raise Problem(
                "the key given differs from the one pinned in the state file; start a new "
                "state file if the log's key really changed"
            )
        return parse_verifier_key(key)
    if pinned is not None:
        return parse_verifier_key(pinned)
    status, body = fetch(f"{base}/checkpoint")
    if status != 200:
        raise Problem(f"no checkpoint: {base}/checkpoint answered {status}")
    name = parse_checkpoint(body).origin
    public = site_key(fetch, base)
    notes.append(
        "trusting the key the site serves, on first use (no --key, no state yet): "
        f"{signing.verifier_key(name, public)}, fingerprint {signing.fingerprint(public)}. "
        "Compare it with the fingerprint printed in a reactienota; it is pinned from now on."
    )
    return name, public


def _follow(
    fetch: Fetch, base: str, checkpoint: Checkpoint, state: dict[str, Any], notes: list[str]
) -> tuple[dict[str, Any], int, int]:
    """Check the leaves new since ``state`` and that the tree extends the one seen; the
    state to keep, how many leaves were checked, how many lie in withheld bundles."""
    old_size = int(state.get("tree_size", 0))
    size = checkpoint.tree_size
    if size < old_size:
        raise Problem(
            f"fork: the log now shows {size} leaves, but it showed {old_size} before: "
            "history was cut"
        )
    frontier = merkle.Frontier(old_size, [bytes.fromhex(h) for h in state.get("frontier", [])])
    if old_size and frontier.root().hex() != state.get("root_hash"):
        raise Problem("the state file is damaged (its range does not give its root)")
    tail = [bytes.fromhex(h) for h in state.get("tail", [])]
    withheld = int(state.get("withheld", 0))
    served_any = bool(state.get("served_any", False))
    index = old_size // tiles.TILE_WIDTH
    last = (size - 1) // tiles.TILE_WIDTH if size else -1
    new_tail: list[bytes] = tail
    completed: dict[int, bytes] = {}  # level-0 tiles that became full in this run: their root
    while index <= last:
        start = index * tiles.TILE_WIDTH
        width = min(tiles.TILE_WIDTH, size - start)
        hashes = _leaf_tile(fetch, base, index, width)
        first = max(old_size - start, 0)
        if hashes[:first] != tail[:first]:
            raise Problem(
                f"fork: leaves {start}..{start + first - 1}, seen before, have other hashes now"
            )
        if first < width:
            if _check_entries(fetch, base, index, width, hashes, first):
                served_any = True
            else:
                if served_any:
                    raise Problem(
                        f"entry bundle {tiles.tile_path(None, index, width)} is withheld, "
                        "but later-format bundles before it were served"
                    )
                withheld += width - first
            for leaf in hashes[first:]:
                frontier.append(leaf)
        if width == tiles.TILE_WIDTH and first < width:
            completed[index] = merkle.root(hashes)
        new_tail = hashes if width < tiles.TILE_WIDTH else []
        tail = []
        index += 1
    if frontier.root() != checkpoint.root:
        raise Problem(_why_root_differs(fetch, base, checkpoint, old_size))
    _check_level_1(fetch, base, size, completed)
    if withheld:
        notes.append(
            f"{withheld} leaves are in entry bundles the log withholds (HTTP 451: leaves of "
            "the old format, with personal facts in the open); their hashes are checked"
        )
    return (
        {
            "tree_size": size,
            "root_hash": checkpoint.root.hex(),
            "frontier": [h.hex() for h in frontier.hashes],
            "tail": [h.hex() for h in new_tail],
            "withheld": withheld,
            "served_any": served_any,
        },
        size - old_size,
        withheld,
    )


def _check_level_1(fetch: Fetch, base: str, size: int, completed: dict[int, bytes]) -> None:
    """Each level-0 tile that became full is one hash of a level-1 tile: other clients
    build their proofs from those, so they must match the leaves below them."""
    full_below = size >> tiles.TILE_HEIGHT  # how many full level-0 tiles the tree has
    for upper in sorted({index // tiles.TILE_WIDTH for index in completed}):
        width = min(tiles.TILE_WIDTH, full_below - upper * tiles.TILE_WIDTH)
        path = tiles.tile_path(1, upper, width)
        status, body = _get(fetch, f"{base}/tile/{path}", f"hash tile {path}")
        if status != 200 or len(body) != width * merkle.HASH_SIZE:
            raise Problem(f"bad hash tile {path}: {len(body)} bytes")
        for index, value in completed.items():
            offset = index - upper * tiles.TILE_WIDTH
            if 0 <= offset < width and body[offset * 32 : offset * 32 + 32] != value:
                raise Problem(
                    f"hash tile {path} does not match: its hash {offset} is not the root of "
                    f"the leaves in hash tile {tiles.tile_path(0, index)}"
                )


def _why_root_differs(fetch: Fetch, base: str, checkpoint: Checkpoint, old_size: int) -> str:
    """The root built on what was seen before is not the signed one: a fork, or tiles that
    do not match the checkpoint. Rebuild from the log's own tiles alone to tell."""
    if old_size == 0:
        return "the hash tiles do not give the checkpoint's root"
    fresh = merkle.Frontier()
    for index in range((checkpoint.tree_size + tiles.TILE_WIDTH - 1) // tiles.TILE_WIDTH):
        width = min(tiles.TILE_WIDTH, checkpoint.tree_size - index * tiles.TILE_WIDTH)
        for leaf in _leaf_tile(fetch, base, index, width):
            fresh.append(leaf)
    if fresh.root() == checkpoint.root:
        return (
            f"fork: the signed checkpoint of {checkpoint.tree_size} leaves does not extend "
            f"the {old_size} leaves seen before: the log rewrote its history"
        )
    return "the hash tiles do not give the checkpoint's root"
