"""The record as a C2SP tiled transparency log (``/bewijs/log/``), checked as a standard
monitor would: the checkpoint's signature, every tile and entry bundle, caching, partial
tiles, and what lies beyond the signed checkpoint. The acceptance check: the level-0 tiles
recompute the latest checkpoint's root, by an independent RFC 9162 implementation written
here from the RFC's definition (not ``consult.ledger.merkle``).

Also here: served leaves hide a sender's group, age band and municipality behind the
``attributes`` commitment, and ``verify`` still catches a changed age band; old-format
leaves keep their entry bundle withheld; consistency proofs between any two sizes.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import update

from consult.comments import services as comment_services
from consult.comments.models import Submission
from consult.db import utcnow
from consult.evidence.verify import verify
from consult.ledger import checkpoints, merkle, proofs, services, signing, tiles
from consult.ledger.models import CheckpointReason, EventKind
from consult.stakeholders.models import AgeBand
from tests import factories
from tests.record.conftest import tampering

# -- an independent RFC 9162 (section 2.1.1) implementation -----------------------------------


def rfc9162_leaf(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def rfc9162_mth(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) straight from the RFC's recursive definition, over leaf hashes."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + rfc9162_mth(leaves[:k]) + rfc9162_mth(leaves[k:])).digest()


def split_hashes(data: bytes) -> list[bytes]:
    assert len(data) % 32 == 0
    return [data[i : i + 32] for i in range(0, len(data), 32)]


def split_entries(data: bytes) -> list[bytes]:
    """Big-endian uint16 length-prefixed entries, parsed here without the app's helper."""
    entries, at = [], 0
    while at < len(data):
        size = int.from_bytes(data[at : at + 2], "big")
        entries.append(data[at + 2 : at + 2 + size])
        at += 2 + size
    assert at == len(data)
    return entries


# -- the world ---------------------------------------------------------------------------------

SIGNED = 600  # 2 full level-0 tiles, a partial one of 88; a partial level-1 tile of 2


@pytest.fixture
def log(app, session, consultation):
    """600 events under a signed checkpoint, and 5 more that no checkpoint covers yet."""
    with app.app_context():
        now = utcnow()
        services.append_many(
            session,
            consultation,
            (
                services.Pending(
                    kind=EventKind.COMMENT_REPORTED,
                    object_type="comment",
                    object_id=f"comment:{n}",
                    actor_role="participant",
                    occurred_at=now - timedelta(seconds=SIGNED - n),
                    payload={"number": n},
                )
                for n in range(SIGNED)
            ),
        )
        latest = checkpoints.make(session, CheckpointReason.MANUAL)
        factories.record_events(session, consultation, 5)
        session.flush()
        public = signing.public_bytes(signing.signing_key())
    assert latest.tree_size == SIGNED
    return {"checkpoint": latest, "public": public}


def test_the_checkpoint_is_the_latest_signed_note(client, log):
    response = client.get("/bewijs/log/checkpoint")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=5"
    note = response.get_data(as_text=True)
    text, _, signature_line = note.partition("\n\n")
    origin, size, root = text.split("\n")[:3]
    assert origin == log["checkpoint"].origin
    assert int(size) == SIGNED  # not the 605 of the tree: only what is signed
    assert base64.b64decode(root).hex() == log["checkpoint"].root_hash
    name, _, encoded = signature_line.strip()[2:].rpartition(" ")
    raw = base64.b64decode(encoded)
    assert name == origin
    assert raw[:4] == signing.note_key_hash(origin, log["public"])
    Ed25519PublicKey.from_public_bytes(log["public"]).verify(raw[4:], (text + "\n").encode())


def test_level_0_tiles_recompute_the_checkpoint_root_independently(client, log):
    leaves: list[bytes] = []
    for path, width in (("000", 256), ("001", 256), ("002.p/88", 88)):
        tile = client.get(f"/bewijs/log/tile/0/{path}")
        bundle = client.get(f"/bewijs/log/tile/entries/{path}")
        for response in (tile, bundle):
            assert response.status_code == 200, path
            assert response.headers["Content-Type"] == "application/octet-stream"
            expected = (
                "public, max-age=31536000, immutable" if width == 256 else "public, max-age=60"
            )
            assert response.headers["Cache-Control"] == expected
        hashes = split_hashes(tile.data)
        entries = split_entries(bundle.data)
        assert len(hashes) == len(entries) == width
        # every leaf hash recomputed from its entry, and the entry is that leaf
        assert [rfc9162_leaf(entry) for entry in entries] == hashes
        assert [json.loads(e)["leaf_index"] for e in entries] == list(
            range(len(leaves), len(leaves) + width)
        )
        leaves += hashes
    assert rfc9162_mth(leaves).hex() == log["checkpoint"].root_hash
    # A level-1 tile's hashes are the roots of the full level-0 tiles below it.
    level_1 = client.get("/bewijs/log/tile/1/000.p/2")
    assert level_1.status_code == 200
    assert split_hashes(level_1.data) == [rfc9162_mth(leaves[:256]), rfc9162_mth(leaves[256:512])]


@pytest.mark.parametrize(
    "path",
    [
        "0/002",  # the full tile is not there yet
        "0/002.p/89",  # wider than the signed checkpoint (the tree has 605 leaves)
        "entries/002.p/93",
        "0/003.p/1",
        "1/000",
        "2/000.p/1",  # a tile of a level the tree has no full hash in
        "0/2",  # not zero-padded
        "0/x000/002",  # not the one spelling of index 2
        "0/002.p/256",
        "0/002.p/0",
        "0/002.p/088",
        "64/000",
        "entries/../000",
    ],
)
def test_tiles_beyond_the_checkpoint_or_misspelt_do_not_exist(client, log, path):
    assert client.get(f"/bewijs/log/tile/{path}").status_code == 404


def test_an_empty_record_has_no_checkpoint_to_serve(client):
    response = client.get("/bewijs/log/checkpoint")
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/bewijs/log/tile/0/000.p/1").status_code == 404


def test_tile_paths_encode_the_index_in_groups_of_three():
    assert tiles.encode_index(1234067) == "x001/x234/067"
    assert tiles.encode_index(5) == "005"
    assert tiles.parse("0/x001/x234/067").index == 1234067
    assert tiles.parse("entries/x001/000.p/7") == tiles.Tile(None, 1000, 7)


# -- what a served leaf shows --------------------------------------------------------------------


def test_served_leaves_hide_group_age_band_and_municipality(app, client, session, consultation):
    with app.app_context():
        sent = factories.sent_submission(session, consultation, texts=[(None, "Ik wil meepraten.")])
        checkpoints.make(session, CheckpointReason.MANUAL)
    session.flush()
    size = checkpoints.latest(session).tree_size
    bundle = client.get(f"/bewijs/log/tile/entries/000.p/{size}")
    assert bundle.status_code == 200
    [arrival] = [
        json.loads(entry)
        for entry in split_entries(bundle.data)
        if json.loads(entry)["kind"] == "submission_received"
    ]
    payload = arrival["payload"]
    for key in ("stakeholder_group", "age_band", "municipality", "api_token"):
        assert key not in payload
    assert "parent" not in json.dumps(payload)
    opening = comment_services.attributes_opening(sent, None)
    assert (
        payload["attributes"]
        == hashlib.sha256(
            sent.attributes_salt.encode()
            + json.dumps(opening, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
    )


def test_verify_catches_a_changed_age_band_through_the_commitment(
    app, session, consultation, in_app
):
    sent = factories.sent_submission(session, consultation)
    assert verify(session).ok
    with tampering(session):
        session.execute(
            update(Submission)
            .where(Submission.id == sent.id)
            .values(age_band=AgeBand.FROM_12_TO_15)
        )
    report = verify(session)
    assert not report.ok
    assert any(
        sent.tracking_code in failure
        and "group, age band or municipality no longer matches the commitment" in failure
        for failure in report.failures
    ), list(report.failures)


def test_a_salt_blanked_without_an_erasure_is_named(app, session, consultation, in_app):
    sent = factories.sent_submission(session, consultation)
    with tampering(session):
        session.execute(
            update(Submission).where(Submission.id == sent.id).values(attributes_salt="")
        )
    report = verify(session)
    assert any("is gone, but the record has no erasure" in f for f in report.failures)


def test_an_old_format_leaf_keeps_its_entry_bundle_withheld(app, client, session, consultation):
    """A leaf written before issue 16 holds the age band in the open: its bundle is not
    served (451, with why), its hash tile is, and bundles after it are."""
    with app.app_context():
        services.append(
            session,
            kind=EventKind.SUBMISSION_RECEIVED,
            consultation=consultation,
            object_type="submission",
            object_id="OLDF-ORMA-TXXX",
            actor_role="participant",
            payload={
                "content_hash": "0" * 64,
                "stakeholder_group": "young_person",
                "age_band": "12_15",
                "municipality": "GM0999",
            },
        )
        factories.record_events(session, consultation, 3)
        checkpoints.make(session, CheckpointReason.MANUAL)
    session.flush()
    withheld = client.get("/bewijs/log/tile/entries/000.p/4")
    assert withheld.status_code == 451
    text = withheld.get_data(as_text=True)
    assert "This entry bundle is not published. Leaf 0 was written before" in text
    assert "12_15" not in text
    assert client.get("/bewijs/log/tile/0/000.p/4").status_code == 200


# -- consistency between any two sizes -------------------------------------------------------------


def test_consistency_between_sizes_no_checkpoint_has(client, session, log):
    response = client.get("/bewijs/consistentie.json?van=77&tot=555")
    assert response.status_code == 200
    proof = response.get_json()
    assert proof["first"]["signed"] is False
    assert proof["second"]["signed"] is False
    assert proof["verified"] is True
    roots = [services.tree_root(session, size) for size in (77, 555)]
    assert [proof["first"]["root_hash"], proof["second"]["root_hash"]] == [r.hex() for r in roots]
    assert merkle.verify_consistency(
        77, 555, roots[0], roots[1], [bytes.fromhex(h) for h in proof["proof"]]
    )
    # To the signed checkpoint: its side is the signed one.
    to_signed = client.get(f"/bewijs/consistentie.json?van=300&tot={SIGNED}").get_json()
    assert to_signed["second"]["signed"] is True
    assert to_signed["second"]["signature_valid"] is True
    assert to_signed["second"]["note"].startswith(log["checkpoint"].origin + "\n")
    # Beyond the signed checkpoint (the tree has 605): refused, not computed.
    beyond = client.get(
        f"/bewijs/consistentie.json?van=3&tot={SIGNED + 1}", headers={"Accept-Language": "en"}
    )
    assert beyond.status_code == 422
    assert "latest checkpoint has 600 events" in beyond.get_json()["error"]["message"]
    page = client.get("/bewijs/consistentie?van=77&tot=555", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert proofs.tree_root_at(session, 77).hex() in page.get_data(as_text=True)
