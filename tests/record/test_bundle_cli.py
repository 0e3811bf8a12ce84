"""``consult record export SLUG -o bundle.zip``."""

from __future__ import annotations

import json
import zipfile

from consult.evidence import bundle, bundle_cli
from consult.ledger import checkpoints, services
from tests.record import bundle_world
from tests.record.test_bundle import run_verifier, unzip


def _late_event(session, consultation):
    return services.append(
        session,
        kind="comment_reported",
        consultation=consultation,
        object_type="comment",
        object_id="comment:late",
        actor_role="participant",
    )


def test_export_writes_a_zip_that_verifies_and_covers_the_latest_event(
    app, session, tmp_path, monkeypatch
):
    with app.app_context():
        world = bundle_world.build(session)
        late = _late_event(session, world.consultation)  # after the latest checkpoint
    monkeypatch.setattr(bundle_cli, "PROGRESS_EVERY", 10)
    monkeypatch.setattr(bundle, "BATCH", 10)
    target = tmp_path / "bundle.zip"
    result = app.test_cli_runner().invoke(
        args=["record", "export", world.consultation.slug, "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        anchor = checkpoints.latest(session)
    assert anchor.tree_size == late.leaf_index + 1  # a fresh checkpoint covers it
    events = zipfile.ZipFile(target).read("events.jsonl").splitlines()
    assert json.loads(events[-1])["leaf_index"] == late.leaf_index
    assert f"{target}: {len(events)} events of {world.consultation.slug}" in result.output
    assert f"anchored to a log of {anchor.tree_size} events" in result.output
    assert f"  10 of {len(events)} events written" in result.output
    assert f"  {len(events)} of {len(events)} proofs computed" in result.output
    assert not list(tmp_path.glob(".*partial"))

    status, output = run_verifier(unzip(target.read_bytes(), tmp_path / "bundel"))
    assert status == 0, output
    assert output.strip().endswith("OK")


def test_export_without_a_new_checkpoint_and_for_an_unknown_slug(app, session, tmp_path):
    with app.app_context():
        world = bundle_world.build(session)
        before = checkpoints.latest(session)
        late = _late_event(session, world.consultation)
    runner = app.test_cli_runner()
    target = tmp_path / "b.zip"
    result = runner.invoke(
        args=["record", "export", world.consultation.slug, "-o", str(target), "--no-checkpoint"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert checkpoints.latest(session).id == before.id
    leaves = [
        json.loads(line)["leaf_index"]
        for line in zipfile.ZipFile(target).read("events.jsonl").splitlines()
    ]
    assert late.leaf_index not in leaves
    assert max(leaves) < before.tree_size

    result = runner.invoke(args=["record", "export", "bestaat-niet", "-o", str(target)])
    assert result.exit_code == 1
    assert "there is no consultation bestaat-niet" in result.output
