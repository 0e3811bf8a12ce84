"""The evidence bundle of a consultation: its record, proofs and texts, checkable offline.

A bundle is a zip that a council, a court or an advocacy group can keep and check years
later with nothing but Python (``verify.py``, a copy of :mod:`consult.evidence.bundle_verifier`).
It holds:

- ``events.jsonl``: the consultation's chain, every event up to the anchor checkpoint, with
  every hashed field (the verifier recomputes ``event_hash`` and ``leaf_hash``);
- ``proofs.jsonl``: each event's RFC 9162 inclusion proof in the anchor checkpoint's tree;
- ``checkpoints.jsonl`` (every checkpoint up to the anchor, with its signed note) and
  ``consistency.jsonl`` (a proof between each two consecutive ones of the log's name; a
  checkpoint signed under another name is listed, and the verifier skips it with a note);
- ``promises.jsonl``: the log's signed promises of inclusion for this consultation's
  submissions (and any whose leaf is gone from the record), each with its signed note;
- ``keys.json``: the public keys that signed them (the current one and retired ones);
- ``versions/v<N>.json``: each version a ``version_published`` event names, as
  :func:`consult.documents.services.version_content`, in its canonical (hashed) bytes;
- ``reactienota/edition-<N>.json`` (and ``.pdf`` when made): each published edition a
  ``report_published`` event names, as the canonical bytes of its content;
- ``verify.py``, ``README.md`` and ``LEESMIJ.md``;
- ``manifest.json``: RFC 8785 canonical JSON with every other file's SHA-256 and size, and
  ``manifest.sig``: the platform key's Ed25519 signature over it, so that no byte of the
  bundle can change without the verifier noticing.

The anchor is the latest checkpoint (callers sign a fresh one first, see
:func:`make_anchor`); events after it are left out, since nothing signed covers them yet.
Memory stays flat for any size: events are read and written in batches of :data:`BATCH`,
and the tree nodes a batch of proofs needs are read in a few queries.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult import jobs
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.documents.models import Document, DocumentVersion
from consult.documents.services import version_content
from consult.evidence import bundle_cosignatures, witnessing
from consult.evidence.bundle_verifier import (
    BUNDLE_FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MANIFEST_CONTEXT,
    SIGNATURE,
)
from consult.jobs import Job
from consult.ledger import canonical, checkpoints, merkle, promises, signing
from consult.ledger.models import (
    CheckpointReason,
    EventKind,
    RecordCheckpoint,
    RecordEvent,
    RecordNode,
    RecordPromise,
)
from consult.reports.models import ReportFile, ResponseReport

if TYPE_CHECKING:
    from consult.consultations.models import Consultation

BATCH = 1000
IN_CHUNK = 500
VERIFIER_PATH = Path(__file__).resolve().with_name("bundle_verifier.py")
KEY_PAGE_PATH = "/bewijs/sleutel"
Progress = Callable[[int, int, str], None]


class BundleError(RuntimeError):
    """No bundle can be made (the record has no signed checkpoint yet, say)."""


@dataclass(frozen=True)
class BundleSummary:
    tree_size: int
    events: int
    checkpoints: int
    files: int
    created_at: datetime
    seconds: float


def make_anchor(session: Session) -> RecordCheckpoint | None:
    """Sign a checkpoint when the tree grew since the latest (or the key changed), so a
    bundle made now covers every event so far; the latest checkpoint either way. Needs an
    app context (the key); the caller commits."""
    checkpoints.make(session, CheckpointReason.MANUAL)
    return checkpoints.latest(session)


def file_name(consultation: Consultation, anchor: RecordCheckpoint) -> str:
    return f"bewijsbundel-{consultation.slug}-{anchor.tree_size}.zip"


def event_count(session: Session, consultation: Consultation, tree_size: int) -> int:
    return int(
        session.scalar(
            select(func.count(RecordEvent.id)).where(
                RecordEvent.chain == consultation.slug, RecordEvent.leaf_index < tree_size
            )
        )
        or 0
    )


# -- writing members ---------------------------------------------------------------------------


class _Member:
    """One file being written into the zip: buffered, hashed and counted on the way."""

    FLUSH_AT = 1 << 20

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0
        self.buffer: list[bytes] = []
        self.buffered = 0

    def write(self, data: bytes) -> None:
        self.buffer.append(data)
        self.buffered += len(data)
        if self.buffered >= self.FLUSH_AT:
            self.flush()

    def line(self, value: dict[str, Any]) -> None:
        """One JSON Lines record, in canonical form (the record's JSON domain)."""
        self.write(_canonical(value) + b"\n")

    def flush(self) -> None:
        if self.buffer:
            data = b"".join(self.buffer)
            self.digest.update(data)
            self.size += len(data)
            self.raw.write(data)
            self.buffer, self.buffered = [], 0


class _Zip:
    def __init__(self, archive: zipfile.ZipFile, moment: datetime) -> None:
        self.archive = archive
        self.date_time = moment.timetuple()[:6]
        self.entries: list[dict[str, Any]] = []

    @contextmanager
    def member(self, path: str, *, large: bool = False, mode: int = 0o644) -> Iterator[_Member]:
        info = zipfile.ZipInfo(path, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = mode << 16
        with self.archive.open(info, "w", force_zip64=large) as raw:
            member = _Member(raw)
            yield member
            member.flush()
        self.entries.append(
            {"path": path, "sha256": member.digest.hexdigest(), "size": member.size}
        )

    def write(self, path: str, data: bytes, *, mode: int = 0o644) -> None:
        with self.member(path, mode=mode) as member:
            member.write(data)

    def write_unlisted(self, path: str, data: bytes) -> None:
        """The manifest and its signature: in the zip, not in the manifest."""
        info = zipfile.ZipInfo(path, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self.archive.writestr(info, data)


def _canonical(value: Any) -> bytes:
    """RFC 8785 bytes: the standard library's inside the record's JSON domain (ten times
    faster), the ``rfc8785`` library outside it."""
    try:
        canonical.check_value(value)
    except canonical.PayloadError:
        return canonical.canonical_bytes(value)
    return canonical.fast_canonical_bytes(value)


# -- tree nodes for many proofs ---------------------------------------------------------------


class _Nodes:
    """The tree nodes a batch of proofs needs, read in a few queries.

    Which nodes a proof reads depends only on the sizes and indexes, never on the hashes,
    so running the proof on placeholders names them (:meth:`needed`); :meth:`fetch` reads
    them per level, and the proof is then computed from the cache.
    """

    PLACEHOLDER = bytes(32)

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[tuple[int, int], bytes] = {}

    def needed(self, compute: Callable[[merkle.NodeGetter], object]) -> set[tuple[int, int]]:
        wanted: set[tuple[int, int]] = set()

        def record(level: int, position: int) -> bytes:
            wanted.add((level, position))
            return self.PLACEHOLDER

        compute(record)
        return wanted

    def fetch(self, wanted: set[tuple[int, int]]) -> None:
        if len(self.cache) > 200_000:
            self.cache.clear()
        by_level: dict[int, list[int]] = defaultdict(list)
        for level, position in wanted - self.cache.keys():
            by_level[level].append(position)
        for level, positions in by_level.items():
            positions.sort()
            for start in range(0, len(positions), IN_CHUNK):
                chunk = positions[start : start + IN_CHUNK]
                if level == 0:
                    query = select(RecordEvent.leaf_index, RecordEvent.leaf_hash).where(
                        RecordEvent.leaf_index.in_(chunk)
                    )
                else:
                    query = select(RecordNode.position, RecordNode.hash).where(
                        RecordNode.level == level, RecordNode.position.in_(chunk)
                    )
                for position, value in self.session.execute(query):
                    self.cache[(level, position)] = bytes.fromhex(value)

    def __call__(self, level: int, position: int) -> bytes:
        try:
            return self.cache[(level, position)]
        except KeyError:
            raise LookupError(f"the record has no tree node at level {level}, {position}") from None

    def compute_all(
        self, computations: Sequence[Callable[[merkle.NodeGetter], list[bytes]]]
    ) -> list[list[str]]:
        wanted: set[tuple[int, int]] = set()
        for compute in computations:
            wanted |= self.needed(compute)
        self.fetch(wanted)
        return [[h.hex() for h in compute(self)] for compute in computations]


# -- the parts -------------------------------------------------------------------------------


def _event_pages(
    session: Session, columns: Sequence[Any], slug: str, tree_size: int
) -> Iterator[list[Any]]:
    """The chain's events below ``tree_size``, in order, a page at a time (keyset on the
    chain's unique (chain, seq) index)."""
    last = 0
    while True:
        rows = session.execute(
            select(RecordEvent.seq, *columns)
            .where(
                RecordEvent.chain == slug,
                RecordEvent.seq > last,
                RecordEvent.leaf_index < tree_size,
            )
            .order_by(RecordEvent.seq)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].seq


_EVENT_COLUMNS = (
    RecordEvent.leaf_index,
    RecordEvent.chain,
    RecordEvent.kind,
    RecordEvent.occurred_at,
    RecordEvent.actor_role,
    RecordEvent.object_type,
    RecordEvent.object_id,
    RecordEvent.payload,
    RecordEvent.prev_hash,
    RecordEvent.event_hash,
    RecordEvent.leaf_hash,
)
_BOUND_KINDS = (EventKind.VERSION_PUBLISHED.value, EventKind.REPORT_PUBLISHED.value)


def _write_events(
    bundle: _Zip,
    session: Session,
    slug: str,
    tree_size: int,
    total: int,
    progress: Progress | None,
) -> tuple[int, list[tuple[int, str, dict[str, Any]]]]:
    """``events.jsonl``; the count, and the events that name a document (index, kind, payload)."""
    count = 0
    bound: list[tuple[int, str, dict[str, Any]]] = []
    with bundle.member("events.jsonl", large=True) as member:
        for rows in _event_pages(session, _EVENT_COLUMNS, slug, tree_size):
            for row in rows:
                body = canonical.event_body(
                    leaf_index=row.leaf_index,
                    chain=row.chain,
                    seq=row.seq,
                    kind=row.kind,
                    occurred_at=row.occurred_at,
                    actor_role=row.actor_role,
                    object_type=row.object_type,
                    object_id=row.object_id,
                    payload=row.payload,
                    prev_hash=row.prev_hash,
                )
                member.line({**body, "event_hash": row.event_hash, "leaf_hash": row.leaf_hash})
                if row.kind in _BOUND_KINDS and isinstance(row.payload, dict):
                    bound.append((row.leaf_index, row.kind, row.payload))
            count += len(rows)
            if progress is not None:
                progress(count, total, "events")
    return count, bound


def _write_proofs(
    bundle: _Zip,
    session: Session,
    slug: str,
    tree_size: int,
    total: int,
    progress: Progress | None,
) -> None:
    nodes = _Nodes(session)
    done = 0
    with bundle.member("proofs.jsonl", large=True) as member:
        for rows in _event_pages(session, (RecordEvent.leaf_index,), slug, tree_size):
            indexes = [row.leaf_index for row in rows]
            paths = nodes.compute_all(
                [
                    lambda node, index=index: merkle.inclusion_proof(index, tree_size, node)
                    for index in indexes
                ]
            )
            for index, path in zip(indexes, paths, strict=True):
                member.line({"leaf_index": index, "tree_size": tree_size, "audit_path": path})
            done += len(rows)
            if progress is not None:
                progress(done, total, "proofs")


def _checkpoint_pages(session: Session, anchor: RecordCheckpoint) -> Iterator[list[Any]]:
    last = 0
    while True:
        rows = session.scalars(
            select(RecordCheckpoint)
            .where(RecordCheckpoint.id > last, RecordCheckpoint.id <= anchor.id)
            .order_by(RecordCheckpoint.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield list(rows)
        last = rows[-1].id


def _write_checkpoints(
    bundle: _Zip, session: Session, anchor: RecordCheckpoint, keys: dict[str, bytes]
) -> int:
    """``checkpoints.jsonl`` and ``consistency.jsonl`` (one after the other: a zip is written
    one member at a time); the number of checkpoints."""
    sizes: list[int] = []
    with bundle.member("checkpoints.jsonl") as member:
        for page in _checkpoint_pages(session, anchor):
            for checkpoint in page:
                public = keys.get(checkpoint.key_id)
                member.line(
                    {
                        "origin": checkpoint.origin,
                        "tree_size": checkpoint.tree_size,
                        "root_hash": checkpoint.root_hash,
                        "time": canonical.moment(checkpoint.made_at),
                        "key_id": checkpoint.key_id,
                        "signature": checkpoint.signature,
                        # An untrusted key has no note; the verifier names the checkpoint.
                        "note": checkpoints.note(checkpoint, public) if public else "",
                    }
                )
                if checkpoint.origin == anchor.origin:  # another name: no part of this log
                    sizes.append(checkpoint.tree_size)
                if checkpoint is not anchor:  # years of hourly checkpoints: keep none
                    session.expunge(checkpoint)
    nodes = _Nodes(session)
    pairs = list(pairwise(sizes))
    with bundle.member("consistency.jsonl") as member:
        for start in range(0, len(pairs), BATCH):
            batch = pairs[start : start + BATCH]
            proofs = nodes.compute_all(
                [
                    lambda node, first=first, second=second: (
                        merkle.consistency_proof(first, second, node) if first <= second else []
                    )
                    for first, second in batch
                ]
            )
            for (first, second), proof in zip(batch, proofs, strict=True):
                member.line({"first": first, "second": second, "proof": proof})
    return len(sizes)


def _write_promises(bundle: _Zip, session: Session, slug: str, keys: dict[str, bytes]) -> int:
    """``promises.jsonl``: each signed promise whose leaf is an event of this consultation,
    or whose leaf is gone from the record (a deleted leaf names no consultation any more:
    the verifier reports that promise as broken); how many."""
    count = 0
    last = -1
    with bundle.member("promises.jsonl") as member:
        while True:
            rows = session.scalars(
                select(RecordPromise)
                .outerjoin(RecordEvent, RecordEvent.leaf_index == RecordPromise.leaf_index)
                .where(
                    RecordPromise.leaf_index > last,
                    (RecordEvent.chain == slug) | RecordEvent.id.is_(None),
                )
                .order_by(RecordPromise.leaf_index)
                .limit(BATCH)
            ).all()
            if not rows:
                return count
            for promise in rows:
                public = keys.get(promise.key_id)
                member.line(
                    {
                        "leaf_index": promise.leaf_index,
                        "leaf_hash": promise.leaf_hash,
                        "origin": promise.origin,
                        "time": canonical.moment(promise.made_at),
                        "key_id": promise.key_id,
                        "signature": promise.signature,
                        "note": promises.note(promise, public) if public else "",
                    }
                )
                session.expunge(promise)
                count += 1
            last = rows[-1].leaf_index


def _keys(origin: str) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    """``keys.json`` entries and the keys by id: the current key and the retired ones."""
    entries: list[dict[str, Any]] = []
    keys: dict[str, bytes] = {}
    retired = getattr(signing, "retired_keys", None)
    for key in retired() if retired is not None else []:
        entry = dict(key.to_json())
        entry["status"] = "retired"
        entries.append({k: v for k, v in entry.items() if v is not None})
        keys[key.key_id] = key.public
    public = signing.public_bytes(signing.signing_key())
    key_id = signing.key_id(public)
    keys[key_id] = public
    entries = [e for e in entries if e["key_id"] != key_id]
    entries.append(
        {
            "key_id": key_id,
            "algorithm": "Ed25519",
            "public_key": base64.b64encode(public).decode("ascii"),
            "note_verifier_key": signing.verifier_key(origin, public),
            "status": "current",
        }
    )
    return entries, keys


def _write_versions(
    bundle: _Zip,
    session: Session,
    consultation: Consultation,
    events: list[tuple[int, str, dict[str, Any]]],
) -> list[dict[str, Any]]:
    """``versions/v<N>.json`` for each ``version_published`` event whose version is found
    in the consultation's region; the manifest's ``contents`` entries."""

    contents: list[dict[str, Any]] = []
    written: dict[tuple[int, int], str] = {}
    for index, kind, payload in events:
        if kind != EventKind.VERSION_PUBLISHED.value:
            continue
        document_id, number = payload.get("document_id"), payload.get("number")
        if not isinstance(document_id, int) or not isinstance(number, int):
            continue
        path = written.get((document_id, number))
        if path is None:
            version = session.scalar(
                select(DocumentVersion)
                .join(Document, Document.id == DocumentVersion.document_id)
                .where(
                    Document.region_id == consultation.region_id,
                    DocumentVersion.document_id == document_id,
                    DocumentVersion.number == number,
                )
            )
            if version is None:
                continue  # the verifier names the event without content
            path = f"versions/v{number}.json"
            if path in written.values():
                path = f"versions/document-{document_id}-v{number}.json"
            bundle.write(path, canonical.canonical_bytes(version_content(version)))
            written[(document_id, number)] = path
        contents.append({"kind": kind, "leaf_index": index, "path": path})
    return contents


def _write_reactienota(
    bundle: _Zip,
    session: Session,
    consultation: Consultation,
    events: list[tuple[int, str, dict[str, Any]]],
) -> list[dict[str, Any]]:
    """``reactienota/edition-<N>.json`` (and ``.pdf``) for each ``report_published`` event."""

    contents: list[dict[str, Any]] = []
    for index, kind, payload in events:
        if kind != EventKind.REPORT_PUBLISHED.value:
            continue
        edition = payload.get("edition")
        if not isinstance(edition, int):
            continue
        report = session.scalar(
            select(ResponseReport).where(
                ResponseReport.consultation_id == consultation.id,
                ResponseReport.edition == edition,
                ResponseReport.published_at.is_not(None),
            )
        )
        if report is None:
            continue
        path = f"reactienota/edition-{edition}.json"
        bundle.write(path, canonical.fast_canonical_bytes(report.content))
        contents.append({"kind": kind, "leaf_index": index, "path": path})
        pdf = session.scalar(
            select(ReportFile).where(ReportFile.report_id == report.id, ReportFile.format == "pdf")
        )
        if pdf is not None:
            pdf_path = f"reactienota/edition-{edition}.pdf"
            bundle.write(pdf_path, pdf.data)
            contents.append({"kind": kind, "leaf_index": index, "path": pdf_path})
    return contents


# -- the bundle ----------------------------------------------------------------------------------


def build(
    session: Session,
    consultation: Consultation,
    out: IO[bytes] | str | Path,
    *,
    checkpoint: RecordCheckpoint | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> BundleSummary:
    """Write the evidence bundle of ``consultation`` to ``out`` (a path or a binary file,
    which need not be seekable), anchored to ``checkpoint`` (default: the latest).

    Reads only; needs an app context (the key signs the manifest, the READMEs are
    templates). ``progress(done, total, step)`` hears of each batch of events.
    """
    started = time.perf_counter()
    anchor = checkpoint or checkpoints.latest(session)
    if anchor is None:
        raise BundleError(
            "the record has no signed checkpoint yet; run `consult record checkpoint`"
        )
    created = canonical.to_millisecond(now or utcnow())
    slug, size = consultation.slug, anchor.tree_size
    total = event_count(session, consultation, size)
    key_entries, keys = _keys(anchor.origin)
    if progress is not None:
        progress(0, total, "events")
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        bundle = _Zip(archive, created)
        count, bound = _write_events(bundle, session, slug, size, total, progress)
        _write_proofs(bundle, session, slug, size, total, progress)
        if progress is not None:
            progress(total, total, "checkpoints")
        checkpoint_count = _write_checkpoints(bundle, session, anchor, keys)
        promise_count = _write_promises(bundle, session, slug, keys)
        bundle_cosignatures.write(bundle, session, anchor)  # verify.py --witness
        bundle.write("keys.json", _canonical({"keys": key_entries}) + b"\n")
        contents = _write_versions(bundle, session, consultation, bound)
        contents += _write_reactienota(bundle, session, consultation, bound)
        context = {
            "consultation": consultation,
            "origin": anchor.origin,
            "created_at": canonical.moment(created),
            "anchor": anchor,
            "anchor_time": canonical.moment(anchor.made_at),
            "events": count,
            "checkpoints": checkpoint_count,
            "keys": key_entries,
            "fingerprint": signing.fingerprint(keys[key_entries[-1]["key_id"]]),
            "key_page": current_app.config["BASE_URL"].rstrip("/") + KEY_PAGE_PATH,
            "versions": [c["path"] for c in contents if c["path"].startswith("versions/")],
            "reports": [c["path"] for c in contents if c["path"].startswith("reactienota/")],
        }
        for name in ("README.md", "LEESMIJ.md"):
            # Straight from the environment: no request, no context processors, no escaping
            # (a Markdown file, in one language each).
            template = current_app.jinja_env.get_template(f"evidence/bundle_{name}")
            bundle.write(name, template.render(**context).encode())
        bundle.write("verify.py", VERIFIER_PATH.read_bytes(), mode=0o755)

        manifest = canonical.canonical_bytes(
            {
                "format": BUNDLE_FORMAT,
                "format_version": FORMAT_VERSION,
                "consultation": {"slug": slug, "title": consultation.title},
                "origin": anchor.origin,
                "created_at": canonical.moment(created),
                "checkpoint": {
                    "tree_size": size,
                    "root_hash": anchor.root_hash,
                    "time": canonical.moment(anchor.made_at),
                    "key_id": anchor.key_id,
                },
                "events": count,
                "checkpoints": checkpoint_count,
                "promises": promise_count,
                "files": sorted(bundle.entries, key=lambda entry: entry["path"]),
                "contents": contents,
            }
        )
        key_id, signature = signing.sign(MANIFEST_CONTEXT + manifest)
        bundle.write_unlisted(MANIFEST, manifest)
        bundle.write_unlisted(SIGNATURE, f"{key_id} {signature}\n".encode("ascii"))
    return BundleSummary(
        tree_size=size,
        events=count,
        checkpoints=checkpoint_count,
        files=len(bundle.entries) + 2,
        created_at=created,
        seconds=time.perf_counter() - started,
    )


# -- the background job (the download button) ------------------------------------------------------
# A large consultation's bundle takes minutes (a proof per event), longer than a request
# may; so the page starts a job, shows its progress, and offers the finished file. The file
# is kept in ``<instance>/record_bundles/<job id>.zip`` (with a small ``.json`` beside it
# saying what it holds) until a newer bundle of the same consultation replaces it.

JOB_KIND = "record-bundle"
JOB_WORK = "consult.evidence.bundle:make_job"
STORE_FOLDER = "record_bundles"
PROGRESS_SECONDS = 0.5


def job_subject(consultation: Consultation) -> str:
    return f"consultation:{consultation.id}"


def latest_job(session: Session, consultation: Consultation) -> Job | None:
    return jobs.latest(session, JOB_KIND, job_subject(consultation))


def start_job(session: Session, consultation: Consultation) -> Job:
    """Queue a bundle of ``consultation``; it starts when the caller commits."""
    job = jobs.create(session, JOB_KIND, job_subject(consultation))
    jobs.start_after_commit(session, job, JOB_WORK)
    return job


def stored_file(job: Job, app: Flask | None = None) -> Path:
    folder = Path((app or current_app).instance_path) / STORE_FOLDER
    return folder / f"{job.id}.zip"


def stored_summary(job: Job, app: Flask | None = None) -> dict[str, Any] | None:
    """What a finished job's bundle holds (None when its file is gone)."""
    path = stored_file(job, app)
    try:
        summary = json.loads(path.with_suffix(".json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return summary if path.exists() else None


def make_job(session: Session, job: Job, progress: jobs.Progress) -> None:
    """The background job: sign a fresh checkpoint, then write the bundle to the store."""

    consultation = session.get(Consultation, int(job.subject.partition(":")[2]))
    if consultation is None:
        raise BundleError(f"{job.subject} is gone")
    anchor = make_anchor(session)
    session.commit()
    if anchor is not None:
        witnessing.cosign_anchor(session, anchor)  # so the bundle carries its cosignatures
    last = [0.0]

    def report(done: int, total: int, step: str) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_SECONDS or done == total:
            last[0] = now
            progress(done + (total if step != "events" else 0), 2 * total, step)

    final = stored_file(job)
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f".{final.name}.partial")
    try:
        with partial.open("wb") as out:
            summary = build(session, consultation, out, checkpoint=anchor, progress=report)
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    described = {
        "file_name": file_name(consultation, anchor) if anchor is not None else final.name,
        "size": final.stat().st_size,
        "tree_size": summary.tree_size,
        "events": summary.events,
        "checkpoints": summary.checkpoints,
        "created_at": canonical.moment(summary.created_at),
        "seconds": round(summary.seconds, 3),
    }
    final.with_suffix(".json").write_text(json.dumps(described), "utf-8")
    _remove_older(session, job)


def _remove_older(session: Session, job: Job) -> None:
    """Earlier bundles of the same consultation: a newer one covers all they did."""
    older = session.scalars(
        select(Job.id).where(Job.kind == JOB_KIND, Job.subject == job.subject, Job.id < job.id)
    )
    folder = stored_file(job).parent
    for job_id in older:
        for suffix in (".zip", ".json"):
            (folder / f"{job_id}{suffix}").unlink(missing_ok=True)


def step_text(job: Job) -> str:
    """What the job is doing, for the person waiting."""
    from flask_babel import gettext as _

    return {
        "events": _("writing the events"),
        "proofs": _("computing the proofs"),
        "checkpoints": _("adding the checkpoints and texts"),
    }.get(job.step, _("starting"))
