"""The platform's side of the C2SP tlog-witness protocol: ask witnesses to cosign.

After each checkpoint is signed (:data:`consult.signals.checkpoint_signed`), a job
(started when the checkpoint's transaction commits) sends it to every witness of
``CONSULT_WITNESSES`` that has not cosigned it yet, with an RFC 9162 consistency proof from
the size that witness last cosigned for us, and keeps every cosignature that verifies
(:func:`consult.ledger.cosignatures.store`). A witness that holds another size answers
409 with it, and the request is made again from that size. A witness that cannot be
reached, or refuses, is logged and asked again by the clock (:func:`retry_on_tick`, at
most once a minute) until the latest checkpoint carries its cosignature. Nothing here runs
inside a submission: the job starts after the commit, and its HTTP calls run outside any
database transaction.

A witness that refuses with 422 (the checkpoint does not extend what it cosigned before),
or that holds a larger tree than ours, is an alarm: it is logged as an error, every time.
"""

from __future__ import annotations

import base64
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult import jobs, signals
from consult.jobs import Job, JobState
from consult.ledger import checkpoints, cosignatures, notes, proofs, services, signing
from consult.ledger.models import RecordCheckpoint

log = logging.getLogger(__name__)

JOB_KIND = "witness-cosign"
WORK = "consult.evidence.witnessing:cosign_job"
TIMEOUT_SECONDS = 10
RETRY_AFTER = timedelta(seconds=60)
# A job still queued or running after this long is taken for dead (a thread that died with
# the `consult consultations tick` command that started it, say) and the clock asks again.
RUNNING_AT_MOST = timedelta(minutes=5)
ATTEMPTS = 3  # a 409 and the retry from the witness's size, with one to spare
SIZE_TYPE = "text/x.tlog.size"


@dataclass(frozen=True)
class Outcome:
    """What one witness did with one checkpoint: ``cosigned``, ``superseded`` (it cosigned a
    later checkpoint of ours already), ``fork`` (422: it holds a tree this checkpoint does
    not extend) and ``ahead`` (it holds a larger tree than this log has ever had), both
    alarms; ``refused`` (403, 404, 400: it does not know this log or key) or
    ``unreachable`` (no answer, or a 5xx)."""

    witness: str
    result: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.witness}: {self.result}{f' ({self.detail})' if self.detail else ''}"


def request_body(old: int, proof: list[bytes], note: str) -> bytes:
    """An ``add-checkpoint`` body: ``old N``, the proof lines, a blank line, the note."""
    lines = [f"old {old}", *(base64.b64encode(h).decode("ascii") for h in proof)]
    return ("\n".join(lines) + "\n\n" + note).encode("utf-8")


def _post(url: str, body: bytes, timeout: float) -> tuple[int, str, str]:
    request = urllib.request.Request(  # noqa: S310 (the configured https:// witness)
        url, data=body, method="POST", headers={"Content-Type": "text/plain; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.headers.get("Content-Type", ""), _read(response)
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), _read(error)


def _read(response: object) -> str:
    data = response.read(64 * 1024)  # type: ignore[attr-defined]
    return bytes(data).decode("utf-8", "replace")


def _request(session: Session, checkpoint: RecordCheckpoint, old: int, note: str) -> bytes:
    """The body for ``old``, read in its own short transaction (ended before the HTTP)."""
    try:
        proof = (
            []
            if old in (0, checkpoint.tree_size)
            else [
                bytes.fromhex(h)
                for h in proofs.consistency_path(session, old, checkpoint.tree_size)
            ]
        )
    finally:
        session.rollback()
    return request_body(old, proof, note)


def ask(
    session: Session,
    witness: cosignatures.Witness,
    checkpoint: RecordCheckpoint,
    note: str,
    timeout: float = TIMEOUT_SECONDS,
) -> Outcome:
    """Send ``checkpoint`` (its signed ``note``) to one witness and keep its cosignature."""
    size = checkpoint.tree_size
    old = cosignatures.acknowledged_size(session, witness)
    url = f"{witness.url}/add-checkpoint"
    for _attempt in range(ATTEMPTS):
        if old > size:
            grown = services.head(session).tree_size
            session.rollback()
            if old <= grown:  # a later checkpoint of ours got there first: nothing wrong
                return Outcome(witness.name, "superseded", f"it cosigned {old} leaves already")
            return Outcome(
                witness.name, "ahead", f"it cosigned {old} leaves, this log has only {grown}"
            )
        body = _request(session, checkpoint, old, note)
        try:
            status, content_type, text = _post(url, body, timeout)
        except (OSError, ValueError) as error:  # refused, timed out, a bad URL
            return Outcome(witness.name, "unreachable", str(error))
        if status == 409 and content_type.split(";")[0].strip() == SIZE_TYPE:
            reported = text.strip()
            if not reported.isdigit():
                return Outcome(witness.name, "refused", f"409 without a size: {reported[:80]!r}")
            old = int(reported)
            continue
        if status == 422:  # the witness holds a tree this checkpoint does not extend
            return Outcome(witness.name, "fork", f"HTTP 422: {text.strip()[:200]}")
        if status >= 500:
            return Outcome(witness.name, "unreachable", f"HTTP {status}: {text.strip()[:200]}")
        if status != 200:
            return Outcome(witness.name, "refused", f"HTTP {status}: {text.strip()[:200]}")
        try:
            lines = notes.parse_signature_lines(text)
        except notes.NoteError as error:
            return Outcome(witness.name, "refused", f"unreadable answer: {error}")
        # Cosignatures by other keys are ignored (tlog-witness); store checks the rest.
        ours = [s for s in lines if s.name == witness.name and s.key_id == witness.vkey.key_id]
        if any(cosignatures.store(session, checkpoint, witness, line) for line in ours):
            session.commit()
            return Outcome(witness.name, "cosigned")
        session.rollback()
        return Outcome(witness.name, "refused", "no valid cosignature by its key in the answer")
    return Outcome(witness.name, "refused", f"still a conflict after {ATTEMPTS} tries")


def cosign(
    session: Session, checkpoint: RecordCheckpoint, app: Flask | None = None
) -> list[Outcome]:
    """Ask every configured witness that has not cosigned ``checkpoint`` yet; log what each
    did (an error for a refusal: it may mean a fork). Commits what it stores."""
    app = app or current_app
    witnesses = cosignatures.configured(app)
    done = {row.public_key for row in cosignatures.of_checkpoint(session, checkpoint)}
    public = signing.trusted_keys(app).get(checkpoint.key_id)
    session.rollback()  # no transaction stays open during the HTTP calls
    if public is None:
        log.error("checkpoint %s is signed by an untrusted key; not sent", checkpoint.id)
        return []
    note = checkpoints.note(checkpoint, public)
    outcomes = []
    for witness in witnesses:
        if witness.public_b64 in done:
            continue
        try:
            outcome = ask(
                session,
                witness,
                checkpoint,
                note,
                app.config.get("WITNESS_TIMEOUT_SECONDS", TIMEOUT_SECONDS),
            )
        except Exception as error:  # one witness must not keep the others from their turn
            session.rollback()
            log.exception("asking witness %s to cosign checkpoint %s", witness.name, checkpoint.id)
            outcome = Outcome(witness.name, "unreachable", repr(error))
        outcomes.append(outcome)
        if outcome.result == "cosigned":
            log.info("witness %s cosigned checkpoint %s", witness.name, checkpoint.id)
        elif outcome.result == "superseded":
            log.info("checkpoint %s not sent: %s", checkpoint.id, outcome)
        elif outcome.result == "unreachable":
            log.warning(
                "checkpoint %s not cosigned: %s; the clock tries again", checkpoint.id, outcome
            )
        elif outcome.result == "refused":
            log.error(
                "checkpoint %s not cosigned: %s. Does the witness know this log's origin "
                "and its current key (`consult witness add-log`)?",
                checkpoint.id,
                outcome,
            )
        else:  # fork, ahead
            log.error(
                "checkpoint %s (%s leaves) not cosigned: %s. The witness holds a history "
                "this checkpoint does not extend: it may have seen another history of this "
                "log. Check `consult record verify` and the witness's refused.jsonl",
                checkpoint.id,
                checkpoint.tree_size,
                outcome,
            )
    return outcomes


def cosign_anchor(session: Session, checkpoint: RecordCheckpoint) -> list[Outcome]:
    """Before a bundle is written: the anchor's missing cosignatures, asked for now (the
    job started by the checkpoint may not have finished). Call it with nothing pending."""
    if not current_app.config.get("WITNESSES"):
        return []
    return cosign(session, checkpoint)


def cosign_job(session: Session, job: Job, progress: jobs.Progress) -> None:
    """The job: ask the witnesses to cosign the checkpoint ``job.subject`` names."""
    checkpoint = session.get(RecordCheckpoint, int(job.subject.partition(":")[2]))
    if checkpoint is None:
        raise LookupError(f"{job.subject} is gone")
    outcomes = cosign(session, checkpoint)
    cosigned = sum(outcome.result == "cosigned" for outcome in outcomes)
    # Each witness's result in a word (the details are in the log), as the job's step.
    summary = "; ".join(f"{outcome.witness}: {outcome.result}" for outcome in outcomes)
    progress(cosigned, len(outcomes), summary[:200])


def _plan(session: Session, checkpoint: RecordCheckpoint) -> Job:
    job = jobs.create(session, JOB_KIND, f"checkpoint:{checkpoint.id}")
    jobs.start_after_commit(session, job, WORK)
    return job


def on_checkpoint_signed(session: Session, *, checkpoint: RecordCheckpoint) -> None:
    """Plan the witnesses' job in the checkpoint's transaction (it starts after the commit)."""
    if not has_app_context() or not current_app.config.get("WITNESSES"):
        return
    _plan(session, checkpoint)


def pending(session: Session, app: Flask) -> tuple[RecordCheckpoint, int] | None:
    """The latest checkpoint and how many witnesses have not cosigned it yet (None when
    every witness has, or there are none)."""
    witnesses = cosignatures.configured(app)
    latest = checkpoints.latest(session)
    if not witnesses or latest is None:
        return None
    done = {row.public_key for row in cosignatures.of_checkpoint(session, latest)}
    missing = sum(witness.public_b64 not in done for witness in witnesses)
    return (latest, missing) if missing else None


def retry_on_tick(app: Flask, *, session: Session, now: datetime, wait: bool) -> str | None:
    """Ask again for the latest checkpoint's missing cosignatures, at most once a minute."""
    try:
        found = pending(session, app)
        if found is None:
            return None
        latest, missing = found
        last = session.scalar(
            select(Job)
            .where(Job.kind == JOB_KIND, Job.subject == f"checkpoint:{latest.id}")
            .order_by(Job.id.desc())
            .limit(1)
        )
        if last is not None and (
            (
                last.state in (JobState.QUEUED, JobState.RUNNING)
                and last.created_at > now - RUNNING_AT_MOST
            )
            or (last.finished_at or last.created_at) > now - RETRY_AFTER
        ):
            return None
        if not wait:
            _plan(session, latest)
            session.commit()
            return None
        job = jobs.create(session, JOB_KIND, f"checkpoint:{latest.id}")
        session.commit()
        jobs.run(job.id, WORK, app=app)
        return f"asked {missing} witness(es) again to cosign checkpoint {latest.id}"
    except Exception:  # never break the clock: the next tick tries again
        session.rollback()
        log.exception("could not ask the witnesses again")
        return None


def connect(app: Flask) -> None:
    """Check ``CONSULT_WITNESSES`` and connect the receivers (blinker keeps one of each)."""
    cosignatures.configured(app)  # a wrong vkey stops the start, not the first checkpoint
    signals.checkpoint_signed.connect(on_checkpoint_signed, weak=False)
    signals.clock_ticked.connect(retry_on_tick, weak=False)
