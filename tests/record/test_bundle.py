"""The evidence bundle, checked as an outsider would: by its own ``verify.py``, run by a
Python that has nothing but its standard library, in a folder of its own.

The bundle of a consultation with submissions, a hidden and a withdrawn comment, answers,
a correction, a next version and a published reactienota verifies; flipping one byte of
any file in it (README, LEESMIJ and the verifier itself included) makes it fail, naming
the file.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from consult.documents.services import version_content, version_hash
from consult.evidence import bundle
from consult.evidence import bundle_verifier as verifier
from consult.extensions import db
from consult.ledger import canonical, checkpoints, services, signing
from consult.ledger.models import CheckpointReason, RecordCheckpoint, RecordEvent
from tests.record import bundle_world
from tests.record.conftest import tampering

# Every file a bundle of the world holds; the test below holds the bundle to this list, so
# the byte-flipping test covers every one of them.
FILES = [
    "LEESMIJ.md",
    "README.md",
    "checkpoints.jsonl",
    "consistency.jsonl",
    "events.jsonl",
    "keys.json",
    "manifest.json",
    "manifest.sig",
    "openings.jsonl",
    "promises.jsonl",
    "proofs.jsonl",
    "reactienota/edition-1.json",
    "reactienota/edition-1.pdf",
    "verify.py",
    "versions/v1.json",
    "versions/v2.json",
]


def standard_python() -> list[str]:
    """The base interpreter (not the virtualenv's), isolated and without site-packages: a
    machine with only Python."""
    executable = getattr(sys, "_base_executable", None) or sys.executable
    if not Path(executable).exists():  # pragma: no cover - an unusual installation
        executable = shutil.which("python3") or sys.executable
    return [executable, "-I", "-S"]


def run_verifier(folder: Path, *args: str, script: Path | None = None) -> tuple[int, str]:
    command = [*standard_python(), str(script or folder / "verify.py"), *args]
    done = subprocess.run(
        command, cwd=folder, capture_output=True, text=True, timeout=120, check=False
    )
    return done.returncode, done.stdout + done.stderr


def unzip(data: bytes, folder: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(folder)
    return folder


@pytest.fixture(scope="module")
def made(app) -> dict:
    """One bundle for the module's read-only tests, built in a transaction of its own that
    is rolled back before any test runs (as the per-test one of conftest is)."""
    state = db.state(app)
    connection = state.engine.connect()
    transaction = connection.begin()
    state.session_factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    session = state.session_factory()
    try:
        with app.app_context():
            world = bundle_world.build(session)
            out = io.BytesIO()
            summary = bundle.build(session, world.consultation, out)
            public = signing.public_key_b64()
    finally:
        session.close()
        state.session_factory.configure(
            bind=state.engine, join_transaction_mode="conservative_savepoint"
        )
        transaction.rollback()
        connection.close()
    return {"data": out.getvalue(), "summary": summary, "public": public}


@pytest.fixture
def folder(made, tmp_path) -> Path:
    return unzip(made["data"], tmp_path / "bundel")


def test_the_bundle_verifies_with_only_the_standard_library(made, folder):
    status, output = run_verifier(folder)
    assert status == 0, output
    lines = output.strip().splitlines()
    assert lines[-1] == "OK"
    assert "FOUT" not in output
    for check in (
        "manifest.json is in canonical form (14 files",
        "the signature on manifest.json is valid",
        "14 files match manifest.json",
        f"{made['summary'].checkpoints} checkpoints: signatures valid",
        f"{made['summary'].checkpoints - 1} consistency proofs",
        f"{made['summary'].events} events: hashes, chain and inclusion proofs are valid",
        "2 version(s) and 1 reactienota edition(s) match their events",
        "promises of inclusion kept",
        "commitments opened (group, age band, municipality)",
    ):
        assert check in output, check
    # The key to compare with the published one is printed.
    assert made["public"] in output
    assert "/bewijs/sleutel" in output


def test_the_bundle_holds_exactly_the_listed_files(made):
    with zipfile.ZipFile(io.BytesIO(made["data"])) as archive:
        assert sorted(archive.namelist()) == FILES
        assert archive.testzip() is None
        manifest = json.loads(archive.read("manifest.json"))
        # verify.py keeps its execute bit when unzipped
        assert archive.getinfo("verify.py").external_attr >> 16 == 0o755
    assert sorted(entry["path"] for entry in manifest["files"]) == sorted(
        set(FILES) - {"manifest.json", "manifest.sig"}
    )


@pytest.mark.parametrize("name", FILES)
def test_flipping_one_byte_of_any_file_fails_and_names_it(made, tmp_path, name):
    pristine = tmp_path / "pristine-verify.py"
    pristine.write_bytes(Path(verifier.__file__).read_bytes())
    original = zipfile.ZipFile(io.BytesIO(made["data"])).read(name)
    for position in sorted({0, len(original) // 2, len(original) - 1}):
        folder = unzip(made["data"], tmp_path / f"at-{position}")
        changed = bytearray(original)
        changed[position] ^= 0x01
        (folder / name).write_bytes(bytes(changed))
        # A changed verify.py cannot be trusted to report itself: check it with a good copy.
        script = pristine if name == "verify.py" else None
        status, output = run_verifier(folder, str(folder), script=script)
        assert status == 1, f"{name} at {position}:\n{output}"
        assert output.strip().splitlines()[-1] == "FOUT"
        first = next(line for line in output.splitlines() if line.startswith("Eerste fout"))
        assert name in first, f"{name} at {position}: {first}"
        if name.endswith(".jsonl"):  # and where in the file
            assert f"{name}, regel/line " in output, f"{name} at {position}:\n{output}"


def test_the_zip_itself_verifies_and_an_extra_member_fails(made, tmp_path, folder):
    zipped = tmp_path / "bundel.zip"
    zipped.write_bytes(made["data"])
    status, output = run_verifier(folder, str(zipped))
    assert status == 0, output
    assert output.strip().endswith("OK")

    with zipfile.ZipFile(zipped, "a") as archive:
        archive.writestr("versions/v3.json", b'{"sections":[]}')
    status, output = run_verifier(folder, str(zipped))
    assert status == 1
    assert "versions/v3.json: staat niet in het manifest / is not listed in the manifest" in output


def test_a_pinned_key_must_be_the_one_that_signed(made, folder):
    status, output = run_verifier(folder, "--key", made["public"])
    assert status == 0, output
    other = "RAsiNA2SMygRHUN1sW+BZtKO+UGPOnUSpyhJHqUFdPg="
    status, output = run_verifier(folder, "--key", other)
    assert status == 1
    assert "the --key key is not in it" in output
    status, output = run_verifier(folder, "--key", "not-base64")
    assert status == 1
    assert "not base64 of 32 bytes" in output


def test_a_folder_that_is_no_bundle_fails_clearly(tmp_path):
    script = tmp_path / "verify.py"
    script.write_bytes(Path(verifier.__file__).read_bytes())
    status, output = run_verifier(tmp_path)
    assert status == 1
    assert "manifest.json: ontbreekt: is dit een bewijsbundel? / is missing" in output


def python_3_9() -> str | None:
    """A Python 3.9 that runs (a pyenv shim may point at nothing), or None."""
    for candidate in (
        "/usr/bin/python3.9",
        str(Path.home() / ".pyenv" / "versions" / "3.9.18" / "bin" / "python3.9"),
        shutil.which("python3.9"),
    ):
        if candidate and Path(candidate).exists():
            done = subprocess.run(
                [candidate, "-I", "-S", "-c", "import sys; print(sys.version_info[:2])"],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode == 0 and done.stdout.strip() == "(3, 9)":
                return candidate
    return None


def test_the_oldest_python_at_hand_can_run_it(folder):
    """Python 3.9 where the machine has one (pyenv does here); otherwise the base
    interpreter, and ``test_bundle_verifier`` parses the file as 3.9 would."""
    python = python_3_9() or standard_python()[0]
    done = subprocess.run(
        [python, "-I", "-S", "verify.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("OK")


# -- what goes in: against the database ------------------------------------------------------------


def _build(session, consultation, **kwargs) -> tuple[bytes, bundle.BundleSummary]:
    out = io.BytesIO()
    summary = bundle.build(session, consultation, out, **kwargs)
    return out.getvalue(), summary


def _read(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def _jsonl(data: bytes, name: str) -> list[dict]:
    return [json.loads(line) for line in _read(data, name).splitlines()]


def test_the_bundle_holds_the_chain_the_texts_and_the_anchor(app, session):
    with app.app_context():
        world = bundle_world.build(session)
        anchor = checkpoints.latest(session)
        # An event after the latest checkpoint is not signed yet: it is left out.
        late = services.append(
            session,
            kind="comment_reported",
            consultation=world.consultation,
            object_type="comment",
            object_id="comment:late",
            actor_role="participant",
        )
        now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
        data, summary = _build(session, world.consultation, now=now)
    slug = world.consultation.slug
    chain = session.scalars(
        select(RecordEvent)
        .where(RecordEvent.chain == slug, RecordEvent.leaf_index < anchor.tree_size)
        .order_by(RecordEvent.seq)
    ).all()
    events = _jsonl(data, "events.jsonl")
    assert [e["leaf_index"] for e in events] == [e.leaf_index for e in chain]
    assert late.leaf_index not in {e["leaf_index"] for e in events}
    assert {e["consultation"] for e in events} == {slug}
    assert summary.events == len(chain) == len(events)
    first = events[0]
    body = {k: v for k, v in first.items() if k not in ("event_hash", "leaf_hash")}
    assert canonical.event_hash(canonical.canonical_bytes(body)) == chain[0].event_hash

    proofs = _jsonl(data, "proofs.jsonl")
    assert [p["leaf_index"] for p in proofs] == [e.leaf_index for e in chain]
    assert {p["tree_size"] for p in proofs} == {anchor.tree_size}
    assert proofs[0]["audit_path"] == services.inclusion_proof(session, chain[0], anchor.tree_size)

    signed = session.scalars(select(RecordCheckpoint).order_by(RecordCheckpoint.id)).all()
    lines = _jsonl(data, "checkpoints.jsonl")
    assert [c["tree_size"] for c in lines] == [c.tree_size for c in signed]
    assert lines[-1]["root_hash"] == anchor.root_hash
    public = signing.public_bytes(signing.signing_key(app))
    assert lines[-1]["note"] == checkpoints.note(anchor, public)
    consistency = _jsonl(data, "consistency.jsonl")
    assert len(consistency) == len(signed) - 1
    assert consistency[0]["proof"] == services.consistency_proof(
        session, signed[0].tree_size, signed[1].tree_size
    )

    manifest = json.loads(_read(data, "manifest.json"))
    assert _read(data, "manifest.json") == canonical.canonical_bytes(manifest)
    assert manifest["consultation"] == {"slug": slug, "title": world.consultation.title}
    assert manifest["origin"] == "consult.test/record"
    assert manifest["created_at"] == "2026-05-01T12:00:00.000Z"
    assert manifest["checkpoint"]["tree_size"] == anchor.tree_size == summary.tree_size

    # The version texts, in the form the content hash covers.
    version = world.consultation.version
    v1 = _read(data, "versions/v1.json")
    assert v1 == canonical.canonical_bytes(version_content(version))
    assert canonical.event_hash(v1) == version_hash(version)
    # The reactienota: its content bytes and the PDF, bound to report_published.
    edition = _read(data, "reactienota/edition-1.json")
    assert canonical.event_hash(edition) == world.report.content_hash
    assert json.loads(edition) == world.report.content
    assert _read(data, "reactienota/edition-1.pdf") == bundle_world.PDF_BYTES
    published = next(e for e in events if e["kind"] == "report_published")
    assert published["payload"]["content_hash"] == world.report.content_hash
    assert {"kind": "report_published", "leaf_index": published["leaf_index"]}.items() <= next(
        c for c in manifest["contents"] if c["path"] == "reactienota/edition-1.pdf"
    ).items()

    readme = _read(data, "README.md").decode()
    leesmij = _read(data, "LEESMIJ.md").decode()
    for document in (readme, leesmij):
        assert world.consultation.title in document
        assert signing.public_key_b64(app) in document
        assert "http://consult.test/bewijs/sleutel" in document
        assert "python3 verify.py" in document
    assert "What it does not prove" in readme
    assert "Wat de bundel niet bewijst" in leesmij
    # No personal data: the names and addresses of the world appear nowhere.
    everything = b"".join(_read(data, name) for name in FILES if name != "verify.py")
    for secret in (
        "ouder@example.org",
        "geheim@example.org",
        "Piet Zonder-Toestemming",
        "GEHEIME-TEKST",
        "VERBORGEN-TEKST",
    ):
        assert secret.encode() not in everything, secret


def test_small_batches_write_the_same_bundle(app, session, monkeypatch):
    """Events, proofs and checkpoints are read a page at a time; the page size changes
    nothing in the output."""
    with app.app_context():
        world = bundle_world.build(session)
        now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
        whole, _ = _build(session, world.consultation, now=now)
        monkeypatch.setattr(bundle, "BATCH", 4)
        monkeypatch.setattr(bundle, "IN_CHUNK", 3)
        seen = []
        paged, _ = _build(
            session, world.consultation, now=now, progress=lambda *args: seen.append(args)
        )
    for name in FILES:
        if name != "manifest.sig":  # Ed25519 is deterministic, but say what matters
            assert _read(paged, name) == _read(whole, name), name
    events = len(_jsonl(whole, "events.jsonl"))
    assert (4, events, "events") in seen
    assert (events, events, "proofs") in seen


def test_a_record_changed_in_the_database_gives_a_bundle_that_fails(app, session, tmp_path):
    """The bundle does not paper over a broken record: the verifier names the event."""
    with app.app_context():
        world = bundle_world.build(session)
        victim = session.scalars(
            select(RecordEvent)
            .where(RecordEvent.chain == world.consultation.slug)
            .order_by(RecordEvent.seq)
            .offset(2)
            .limit(1)
        ).one()
        with tampering(session):
            session.execute(
                update(RecordEvent)
                .where(RecordEvent.id == victim.id)
                .values(payload={"number": 999})
            )
        data, _ = _build(session, world.consultation)
    folder = unzip(data, tmp_path / "bundel")
    status, output = run_verifier(folder)
    assert status == 1
    assert (
        "Eerste fout / first failure: events.jsonl, regel/line 3: event_hash klopt niet" in output
    )


def test_keys_after_a_rotation_are_all_in_the_bundle(app, session, tmp_path, monkeypatch):
    monkeypatch.setenv("CONSULT_RECORD_KEY_PATH", str(tmp_path / "keys" / "record_signing_key"))
    with app.app_context():
        world = bundle_world.build(session)
        old = signing.public_key_b64()
        signing.rotate(None, None, datetime.now(UTC))
        new = signing.public_key_b64()
        services.append(
            session,
            kind="comment_reported",
            consultation=world.consultation,
            object_type="comment",
            object_id="comment:after-rotation",
            actor_role="participant",
        )
        checkpoints.make(session, CheckpointReason.MANUAL)
        data, _ = _build(session, world.consultation)
    keys = json.loads(_read(data, "keys.json"))["keys"]
    assert [(k["public_key"], k["status"]) for k in keys] == [(old, "retired"), (new, "current")]
    used = {c["key_id"] for c in _jsonl(data, "checkpoints.jsonl")}
    assert used == {k["key_id"] for k in keys}
    folder = unzip(data, tmp_path / "bundel")
    assert run_verifier(folder)[0] == 0
    assert run_verifier(folder, "--key", new)[0] == 0
    status, output = run_verifier(folder, "--key", old)
    assert status == 1
    assert "not with the --key key" in output


def _fingerprint_on_key_page(client) -> str:
    page = client.get("/bewijs/sleutel").get_data(as_text=True)
    found = re.search(r"<code[^>]*data-key-fingerprint>([^<]+)</code>", page)
    assert found, "the key page shows no fingerprint"
    return found.group(1)


def test_the_readmes_print_the_key_fingerprint_of_the_key_page(app, session, client):
    with app.app_context():
        world = bundle_world.build(session)
        data, _ = _build(session, world.consultation)
        public = signing.public_bytes(signing.signing_key())
    shown = _fingerprint_on_key_page(client)
    # SHA-256 of the raw public key, in groups of four hex digits to compare by eye.
    assert shown.replace(" ", "") == hashlib.sha256(public).hexdigest()
    assert re.fullmatch(r"([0-9a-f]{4} ){15}[0-9a-f]{4}", shown)
    readme = _read(data, "README.md").decode()
    leesmij = _read(data, "LEESMIJ.md").decode()
    assert "current key (SHA-256 of the public key)" in readme
    assert f"\n    {shown}\n" in readme
    assert "Vingerafdruk van de huidige sleutel" in leesmij
    assert f"\n    {shown}\n" in leesmij


def test_after_a_rotation_the_readme_prints_the_new_fingerprint(
    app, session, client, tmp_path, monkeypatch
):
    monkeypatch.setenv("CONSULT_RECORD_KEY_PATH", str(tmp_path / "keys" / "record_signing_key"))
    with app.app_context():
        world = bundle_world.build(session)
        old = signing.fingerprint(signing.public_bytes(signing.signing_key()))
        signing.rotate(None, None, datetime.now(UTC))
        checkpoints.make(session, CheckpointReason.MANUAL)
        data, _ = _build(session, world.consultation)
    shown = _fingerprint_on_key_page(client)
    assert shown != old
    readme = _read(data, "README.md").decode()
    assert shown in readme
    assert old not in readme


def test_no_bundle_before_the_first_checkpoint(app, session):
    from tests import factories

    consultation = factories.consultation(session)
    # Each test starts from an empty record (its transaction is rolled back).
    assert session.scalar(select(RecordCheckpoint.id).limit(1)) is None
    with app.app_context(), pytest.raises(bundle.BundleError, match="no signed checkpoint"):
        _build(session, consultation)
