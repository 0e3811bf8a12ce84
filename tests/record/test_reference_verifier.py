"""The record checked by Go's reference implementation of C2SP signed notes and transparency
logs (golang.org/x/mod/sumdb/note and sumdb/tlog), not by anything of Consult's own.

A test instance gets a realistic record (an answered consultation with its reactienota, a
second consultation with submissions sent through the comment service, each with its
signed promise, and nine checkpoints over eight tree sizes, one of 64 leaves, signed by two
keys: the first one is rotated halfway). Then, as an outsider would, the test takes from
the public endpoints every checkpoint (the Atom feed and each signed note), the inclusion
proof and promise of every submission (``/bewijs/opname/<code>.json``) and a consistency
proof between every two checkpoint sizes (``/bewijs/consistentie.json``); and from the code
behind those endpoints (``proofs.inclusion_path``, ``proofs.event_bytes``) the inclusion
proof of every leaf in every checkpoint's tree, which no page serves. The Go program
``tests/reference/verify_record.go`` checks all of it with ``note.Open``,
``tlog.ParseTree``, ``tlog.CheckRecord`` and ``tlog.CheckTree``; the verifier keys given
to it (the current and the retired one) are made from the key files, as an outsider would
get them out of band, not from the pages.

The Go program is built once per session in GOPATH mode against Debian's
golang-golang-x-mod-dev (``make golang`` installs it; ``make test`` does that first).
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from consult.db import utcnow
from consult.ledger import checkpoints, proofs, services, signing
from consult.ledger.models import CheckpointReason, EventKind, RecordCheckpoint, RecordEvent
from tests import factories
from tests.record import bundle_world

SOURCE = Path(__file__).parents[1] / "reference" / "verify_record.go"
GOPATH = Path("/usr/share/gocode")  # where Debian's golang-*-dev packages put their sources
X_MOD = GOPATH / "src" / "golang.org" / "x" / "mod" / "sumdb"
ATOM = "{http://www.w3.org/2005/Atom}"
FORMAT = "consult-reference-check/1"
POWER_OF_TWO = 64


@pytest.fixture(scope="session")
def reference_verifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Go program, built once per session (in the session's temporary directory)."""
    go = shutil.which("go")
    if go is None or not (X_MOD / "note").is_dir() or not (X_MOD / "tlog").is_dir():
        pytest.fail(
            "The reference verifier test needs Go and golang.org/x/mod from Debian "
            f"(golang-go, golang-golang-x-mod-dev in {GOPATH}); run `make golang` "
            "(make test does it for you).",
            pytrace=False,
        )
    folder = tmp_path_factory.mktemp("go-reference")
    binary = folder / "verify_record"
    environment = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(folder / "cache"),
        "GOENV": "off",
        "GOFLAGS": "",
    }
    built = subprocess.run(
        [go, "build", "-o", str(binary), str(SOURCE)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if built.returncode != 0:
        pytest.fail(f"go build of {SOURCE.name} failed:\n{built.stderr}", pytrace=False)
    return binary


def run(binary: Path, description: dict[str, Any], folder: Path) -> subprocess.CompletedProcess:
    path = folder / "record.json"
    path.write_text(json.dumps(description, indent=1), encoding="utf-8")
    return subprocess.run(
        [str(binary), str(path)], capture_output=True, text=True, timeout=60, check=False
    )


def summary(output: str) -> dict[str, tuple[int, int]]:
    """The program's SUMMARY lines: kind -> (ok, failed)."""
    return {
        kind: (int(ok), int(failed))
        for kind, ok, failed in re.findall(r"^SUMMARY (\w+): (\d+) ok, (\d+) failed$", output, re.M)
    }


def failures(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("FAIL ")]


# -- a record, and what the public gets of it ----------------------------------------------------


def build_record(session) -> None:
    """Needs an app context. The bundle's world (36 events, six checkpoints, one of them
    over three leaves, three submissions with promises), then the key rotated and the same
    tree signed with the new key (as ``consult record key rotate`` does), five submissions
    sent through the comment service to another open consultation, a checkpoint, events up
    to exactly 64 leaves and a last checkpoint."""
    bundle_world.build(session)
    signing.rotate(None, None, utcnow())
    assert checkpoints.make(session, CheckpointReason.MANUAL) is not None
    open_one = factories.consultation(session)
    for number in range(5):
        factories.sent_submission(
            session,
            open_one,
            texts=[(None, f"Reactie nummer {number}: meer uren voor de jongerenwerker.")],
            email=f"ouder{number}@example.org",
            hours_ago=0.5 - number / 10,
        )
    checkpoints.make(session, CheckpointReason.MANUAL)
    missing = POWER_OF_TWO - services.head(session).tree_size
    assert missing > 0, "the world grew past 64 leaves: raise POWER_OF_TWO"
    factories.record_events(session, open_one, missing)
    checkpoints.make(session, CheckpointReason.MANUAL)
    session.flush()


def path_of(url: str) -> str:
    return urlsplit(url).path


def public_checkpoints(client) -> list[dict[str, str]]:
    """Every checkpoint as a witness gets it: the Atom feed's entries, each signed note
    fetched from its own address."""
    feed = client.get("/bewijs/controlepunten.atom")
    assert feed.status_code == 200
    found = []
    for entry in ElementTree.fromstring(feed.data).iter(f"{ATOM}entry"):  # noqa: S314 - our own feed
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        assert link is not None
        note = client.get(path_of(link.attrib["href"]))
        assert note.status_code == 200
        assert note.mimetype == "text/plain"
        found.append({"name": path_of(link.attrib["href"]), "note": note.get_data(as_text=True)})
    return list(reversed(found))  # oldest first


def size_of(note: str) -> int:
    return int(note.split("\n")[1])


def collect(client, session, vkeys: list[str]) -> tuple[dict[str, Any], dict[str, int]]:
    """The description the Go program checks, and the count of each kind it should find."""
    listed = public_checkpoints(client)
    sizes = sorted({size_of(item["note"]) for item in listed})
    inclusion: list[dict[str, Any]] = []

    # The inclusion proof and promise of every submission, as its receipt page gets them.
    codes = list(
        session.scalars(
            select(RecordEvent.object_id)
            .where(RecordEvent.kind == EventKind.SUBMISSION_RECEIVED.value)
            .order_by(RecordEvent.leaf_index)
        )
    )
    promised = 0
    for code in codes:
        response = client.get(f"/bewijs/opname/{code}.json")
        assert response.status_code == 200
        proof = response.get_json()
        assert proof["status"] == "included"
        assert proof["public_key"]["verifier_key"] in vkeys  # the page serves the same keys
        item = {
            "name": f"submission {code}",
            "leaf_b64": proof["event"]["canonical_b64"],
            "leaf_hash": proof["event"]["leaf_hash"],
            "index": proof["inclusion"]["leaf_index"],
            "tree_size": proof["inclusion"]["tree_size"],
            "proof": proof["inclusion"]["audit_path"],
            "checkpoint": proof["checkpoint"]["note"],
        }
        if proof.get("promise"):
            item["promise"] = proof["promise"]["note"]
            promised += 1
        inclusion.append(item)

    # Every leaf in the tree of every checkpoint, by the code behind that endpoint.
    events = list(session.scalars(select(RecordEvent).order_by(RecordEvent.leaf_index)))
    for size in sizes:
        for event in events[:size]:
            inclusion.append(
                {
                    "name": f"leaf {event.leaf_index} in {size}",
                    "leaf_b64": base64.b64encode(proofs.event_bytes(event)).decode("ascii"),
                    "index": event.leaf_index,
                    "tree_size": size,
                    "proof": proofs.inclusion_path(session, event, size),
                }
            )

    # A consistency proof between every two checkpoint sizes, with the notes it comes with.
    consistency = []
    for older, newer in combinations(sizes, 2):
        response = client.get(f"/bewijs/consistentie.json?van={older}&tot={newer}")
        assert response.status_code == 200
        proof = response.get_json()
        assert {key["verifier_key"] for key in proof["public_keys"].values()} <= set(vkeys)
        consistency.append(
            {
                "name": f"{older} to {newer}",
                "old_size": older,
                "new_size": newer,
                "proof": proof["proof"],
                "old_checkpoint": proof["first"]["note"],
                "new_checkpoint": proof["second"]["note"],
            }
        )

    description = {
        "format": FORMAT,
        "origin": vkeys[0].split("+")[0],
        "vkeys": vkeys,
        "checkpoints": listed,
        "inclusion": inclusion,
        "consistency": consistency,
    }
    expected = {
        "checkpoint": len(listed),
        "inclusion": len(codes) + sum(sizes),
        "promise": promised,
        "consistency": len(sizes) * (len(sizes) - 1) // 2,
    }
    return description, expected


@pytest.fixture
def record(app, session, client, quiet_housekeeping, tmp_path, monkeypatch):
    """The description of the test instance's record and its expected counts. The record
    has a key of its own (it is rotated), not the session's."""
    monkeypatch.setenv("CONSULT_RECORD_KEY_PATH", str(tmp_path / "record_signing_key"))
    with app.app_context():
        build_record(session)
        origin = checkpoints.log_origin(session)
        keys = signing.trusted_keys()
    assert len(keys) == 2  # the retired key and the current one
    # Out of band: from the key files, not from a page.
    vkeys = [signing.verifier_key(origin, public) for public in keys.values()]
    return collect(client, session, vkeys)


# -- the tests ------------------------------------------------------------------------------------


def test_go_reference_verifies_every_checkpoint_and_proof(
    session, record, reference_verifier, tmp_path
):
    description, expected = record
    rows = session.scalar(select(func.count()).select_from(RecordCheckpoint))
    assert expected["checkpoint"] == rows == 9
    sizes = sorted({size_of(item["note"]) for item in description["checkpoints"]})
    assert POWER_OF_TWO in sizes  # a perfect tree
    assert 3 in sizes
    assert expected["promise"] == 8  # three in the bundle's world, five sent here
    assert expected["consistency"] == 28  # every two of the eight sizes (two share 36)

    result = run(reference_verifier, description, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert failures(result.stdout) == []
    assert summary(result.stdout) == {kind: (count, 0) for kind, count in expected.items()}
    assert result.stdout.rstrip().endswith("RESULT: ALL OK")
    checked = Counter(line.split()[1] for line in result.stdout.splitlines() if line[:4] == "OK  ")
    assert checked == Counter(expected)


def flip_bit(hex_hash: str) -> str:
    raw = bytearray(bytes.fromhex(hex_hash))
    raw[0] ^= 1
    return raw.hex()


def a_note(text: str, origin: str, key: Ed25519PrivateKey) -> str:
    """``text`` as a C2SP signed note under ``origin``, signed by ``key``."""
    public = signing.public_bytes(key)
    signature = signing.note_key_hash(origin, public) + key.sign(text.encode())
    return f"{text}\n\u2014 {origin} {base64.b64encode(signature).decode('ascii')}\n"


def test_go_reference_fails_on_any_tampering(app, record, reference_verifier, tmp_path):
    """Each change to what the public got makes the program fail, naming the item, so the
    test above would fail if the checker let anything through."""
    description, _expected = record
    origin = description["origin"]
    tampered: dict[str, tuple[dict[str, Any], str, str]] = {}

    def variant(label: str, pattern: str, named: str):
        changed = copy.deepcopy(description)
        tampered[label] = (changed, pattern, named)
        return changed

    changed = variant("consistency bit", "tlog.CheckTree", "consistency 3 to 64")
    step = next(item for item in changed["consistency"] if item["name"] == "3 to 64")
    step["proof"][1] = flip_bit(step["proof"][1])

    changed = variant("inclusion bit", "tlog.CheckRecord", "inclusion leaf 5 in 64")
    leaf = next(item for item in changed["inclusion"] if item["name"] == "leaf 5 in 64")
    leaf["proof"][-1] = flip_bit(leaf["proof"][-1])

    changed = variant("leaf bytes", "tlog.CheckRecord", "inclusion leaf 0 in 3")
    leaf = next(item for item in changed["inclusion"] if item["name"] == "leaf 0 in 3")
    data = bytearray(base64.b64decode(leaf["leaf_b64"]))
    data[-2] ^= 1
    leaf["leaf_b64"] = base64.b64encode(data).decode("ascii")

    # The checkpoints alone from here: a checkpoint that fails leaves the proofs against
    # its size without a root, and those would fail too.
    changed = variant("checkpoint root", "invalid signature", "checkpoint")
    changed["inclusion"], changed["consistency"] = [], []
    lines = changed["checkpoints"][0]["note"].split("\n")
    lines[2] = base64.b64encode(bytes(32)).decode("ascii")
    changed["checkpoints"][0]["note"] = "\n".join(lines)

    # A checkpoint signed by a key the outsider does not trust, under the log's name.
    changed = variant("other key", "no verifiable signatures", "checkpoint forged")
    changed["inclusion"], changed["consistency"] = [], []
    text = changed["checkpoints"][-1]["note"].split("\n\n")[0] + "\n"
    forged = a_note(text, origin, Ed25519PrivateKey.generate())
    changed["checkpoints"].append({"name": "forged", "note": forged})

    # The platform's own key signing a second tree of an existing size: a fork.
    changed = variant("fork", "fork: two signed checkpoints of size 64", "checkpoint split")
    latest = changed["checkpoints"][-1]["note"].split("\n\n")[0].split("\n")
    latest[2] = base64.b64encode(bytes(range(32))).decode("ascii")
    with app.app_context():
        split = a_note("\n".join(latest) + "\n", origin, signing.signing_key())
    changed["checkpoints"].append({"name": "split view", "note": split})

    # A promise of another leaf than the one proven.
    changed = variant("promise", "promise: it promises leaf", "promise")
    submissions = [item for item in changed["inclusion"] if "promise" in item]
    submissions[0]["promise"] = submissions[1]["promise"]

    for label, (changed, pattern, named) in tampered.items():
        result = run(reference_verifier, changed, tmp_path)
        failed = failures(result.stdout)
        assert result.returncode == 1, f"{label}: {result.stdout}"
        assert len(failed) == 1, f"{label}: {failed}"
        assert failed[0].startswith(f"FAIL {named}"), f"{label}: {failed[0]}"
        assert pattern in failed[0], f"{label}: {failed[0]}"
        assert "RESULT: FAILED (1)" in result.stdout, label


def test_go_reference_refuses_a_key_of_another_name(reference_verifier, tmp_path):
    """The verifier key must carry the log's name: a checkpoint of another origin is no
    checkpoint of this log."""
    public = signing.public_bytes(Ed25519PrivateKey.generate())
    description = {
        "format": FORMAT,
        "origin": "elsewhere.example/record",
        "vkeys": [signing.verifier_key("consult.test/record", public)],
        "checkpoints": [],
        "inclusion": [],
        "consistency": [],
    }
    result = run(reference_verifier, description, tmp_path)
    assert result.returncode == 2
    assert "is not named after the origin" in result.stderr
    assert "RESULT" not in result.stdout
