"""``consult witness``: the C2SP tlog-witness protocol, over real HTTP, against the spec."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from consult.ledger import notes
from consult.witness import state
from tests.witness.helpers import (
    Log,
    get,
    independent_cosignature_check,
    new_witness,
    post,
    serving,
)


@pytest.fixture
def log() -> Log:
    log = Log()
    log.grow(5)
    return log


@pytest.fixture
def witness(tmp_path, log) -> state.Witness:
    return new_witness(tmp_path / "w", "witness.example.org/w1", log)


def test_init_keeps_the_key_private_and_refuses_to_overwrite(tmp_path, witness):
    assert os.stat(tmp_path / "w" / state.KEY_FILE).st_mode & 0o777 == 0o600
    with pytest.raises(state.WitnessError, match="already holds a witness"):
        state.init(tmp_path / "w", "witness.example.org/other")
    assert str(witness.vkey).startswith("witness.example.org/w1+")


def test_a_first_checkpoint_is_cosigned_as_the_spec_says(witness, log):
    before = int(time.time())
    with serving(witness) as url:
        status, _content_type, body = post(f"{url}/add-checkpoint", log.request(0))
    assert status == 200, body
    assert body.count("\n") == 1
    # Checked without our notes module: key id 0x04, timestamp, "cosignature/v1" message.
    timestamp = independent_cosignature_check(str(witness.vkey), log.body(), body)
    assert before <= timestamp <= int(time.time())
    # And the log's signature on the same note stays valid next to it (a note tool's view).
    cosigned = log.note() + body
    note_body, signatures = notes.split_note(cosigned)
    assert note_body == log.body()
    assert len(signatures) == 2


def test_growth_with_a_consistency_proof_is_cosigned_and_persisted(tmp_path, witness, log):
    with serving(witness) as url:
        assert post(f"{url}/add-checkpoint", log.request(0))[0] == 200
        log.grow(8)
        status, _type, body = post(f"{url}/add-checkpoint", log.request(5))
        assert status == 200, body
        independent_cosignature_check(str(witness.vkey), log.body(), body)
    # A restarted witness (a new object, a new server) remembers the size it cosigned.
    again = state.Witness(tmp_path / "w")
    saved = again.state()["logs"][log.origin]
    assert saved["size"] == 13
    with serving(again) as url:
        status, content_type, body = post(f"{url}/add-checkpoint", log.request(5))
        assert (status, content_type, body) == (409, "text/x.tlog.size", "13\n")
        # The monitoring API serves the latest cosigned checkpoint with both signatures.
        found = post(f"{url}/{state.origin_hash(log.origin)}/checkpoint", b"")
        assert found[0] == 404  # a POST is not the monitoring API
        status, served = get(f"{url}/{state.origin_hash(log.origin)}/checkpoint")
        assert status == 200
    assert served.startswith(log.body().decode() + "\n\u2014 log.example/record ")
    assert served.endswith(body) is False  # the 409 body is a size, not a signature
    independent_cosignature_check(str(again.vkey), log.body(), served.splitlines(True)[-1])


def test_a_stale_old_size_gets_409_with_the_witness_size(witness, log):
    with serving(witness) as url:
        assert post(f"{url}/add-checkpoint", log.request(0))[0] == 200
        log.grow(3)
        assert post(f"{url}/add-checkpoint", log.request(0)) == (409, "text/x.tlog.size", "5\n")
        assert post(f"{url}/add-checkpoint", log.request(5))[0] == 200


def test_a_fork_of_the_same_size_is_refused(witness, log):
    with serving(witness) as url:
        assert post(f"{url}/add-checkpoint", log.request(0))[0] == 200
        fork = Log(log.origin, log.key)  # the same key and name, another history
        fork.grow(5, tag="b")
        status, _type, body = post(f"{url}/add-checkpoint", fork.request(5))
    assert status == 422
    assert "fork" in body
    honest = base64.b64encode(notes.parse_checkpoint(log.body()).root).decode()
    assert witness.state()["logs"][log.origin]["root"] == honest
    refused = witness.refused()
    assert [entry["why"].split(":")[0] for entry in refused] == ["fork"]
    assert refused[0]["note"] == fork.note()


def test_an_inconsistent_larger_tree_is_refused(witness, log):
    with serving(witness) as url:
        assert post(f"{url}/add-checkpoint", log.request(0))[0] == 200
        fork = Log(log.origin, log.key)
        fork.grow(9, tag="b")
        # The fork's own proof from 5 does not lead from the root the witness cosigned.
        status, _type, body = post(f"{url}/add-checkpoint", fork.request(5))
        assert status == 422
        assert "does not extend" in body
        # Nor does the honest log's proof for the same sizes, under the fork's checkpoint.
        honest = Log(log.origin, log.key)
        honest.leaves = log.leaves + fork.leaves[5:]
        proof = honest.request(5).decode().split("\n\n")[0]
        forged = (proof + "\n\n" + fork.note()).encode()
        assert post(f"{url}/add-checkpoint", forged)[0] == 422
        # The witness still holds the honest tree and cosigns its growth.
        log.grow(4)
        assert post(f"{url}/add-checkpoint", log.request(5))[0] == 200


def test_a_rollback_is_refused(witness, log):
    log.grow(5)
    with serving(witness) as url:
        assert post(f"{url}/add-checkpoint", log.request(0))[0] == 200
        # An older, smaller checkpoint: from the witness's size it is a 400, from any other a 409.
        assert post(f"{url}/add-checkpoint", log.request(10, size=5))[0] == 400
        assert post(f"{url}/add-checkpoint", log.request(0, size=5)) == (
            409,
            "text/x.tlog.size",
            "10\n",
        )
    assert witness.state()["logs"][log.origin]["size"] == 10
    assert witness.refused() == []  # a 400 or 409 is not signed evidence of a fork


def test_unknown_logs_and_bad_signatures(witness, log, tmp_path):
    stranger = Log("other.example/record")
    stranger.grow(2)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    with serving(witness) as url:
        assert post(f"{url}/add-checkpoint", stranger.request(0))[0] == 404
        # Signed by another key under the log's name: no trusted signature.
        assert (
            post(f"{url}/add-checkpoint", log.request(0, key=Ed25519PrivateKey.generate()))[0]
            == 403
        )
        # The trusted key's line with a broken signature.
        good = log.request(0).decode()
        line = good.rsplit("\u2014", 1)[1]
        blob = notes.parse_signature_line("\u2014" + line).blob
        broken = good.replace(
            line,
            line.replace(
                line.split(" ")[2].strip(),
                __import__("base64").b64encode(blob[:4] + bytes(64)).decode(),
            ),
        )
        assert post(f"{url}/add-checkpoint", broken.encode())[0] == 403
        # Malformed: no old line, or proof lines after old 0.
        assert post(f"{url}/add-checkpoint", b"hello\n\n" + log.note().encode())[0] == 400
        proof = log.request(0).replace(b"old 0\n", b"old 0\n" + b"A" * 43 + b"=\n")
        assert post(f"{url}/add-checkpoint", proof)[0] == 422
    assert "size" not in witness.state()["logs"][log.origin]


def test_the_state_file_is_replaced_whole(witness, log, tmp_path):
    with serving(witness) as url:
        assert post(f"{url}/add-checkpoint", log.request(0))[0] == 200
    folder = tmp_path / "w"
    assert sorted(p.name for p in folder.iterdir()) == ["lock", "witness.json", "witness_key"]
    assert json.loads((folder / "witness.json").read_text())["logs"][log.origin]["size"] == 5


def test_the_command_runs_alone_without_any_consult_settings(tmp_path, log):
    """``consult witness init|add-log|serve|status`` as an organisation runs them: no
    database, no CONSULT_* settings (production would refuse to start the app without)."""
    consult = str(Path(sys.executable).with_name("consult"))
    env = {"PATH": os.environ["PATH"], "CONSULT_ENV": "production", "HOME": str(tmp_path)}
    folder = tmp_path / "witness"

    def run(*args: str) -> str:
        done = subprocess.run(
            [consult, "witness", *args], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    made = run("init", "--name", "mind.example/witness", "--dir", str(folder))
    vkey = re.search(r"^vkey: (\S+)$", made, re.M).group(1)
    with pytest.raises(state.WitnessError, match="is not a verifier key"):
        state.Witness(folder).add_log(log.origin, "nonsense")
    run("add-log", "--dir", str(folder), log.origin, log.vkey)
    server = subprocess.Popen(
        [consult, "witness", "serve", "--dir", str(folder), "--port", "0"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = server.stderr.readline()
        url = re.search(r"listening on (http://\S+)", first).group(1)
        status, _type, body = post(f"{url}/add-checkpoint", log.request(0))
        assert status == 200
        independent_cosignature_check(vkey, log.body(), body)
    finally:
        server.terminate()
        server.wait(timeout=10)
    shown = run("status", "--dir", str(folder))
    assert f"log {log.origin}" in shown
    assert "size:      5" in shown
    assert f"vkey:    {vkey}" in shown
