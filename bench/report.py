"""Benchmark: the reactienota of a consultation with 20,000 comments.

Run from the project root: ``.venv/bin/python -m bench.report`` (``--help`` for options).

It loads a consultation like ``consult seed load --sections 200 --comments 20000`` into a
fresh database (a temporary SQLite file unless ``--database`` names another, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/consult_bench``, which must exist and be
empty or hold only earlier bench runs), closes it, hides 1% of the comments, groups some
near-identical ones, answers every comment with bulk inserts (one answer per ~50 comments),
makes a next version with some sections linked to answers, and then times each step of the
reactienota: building the content, the edition (content + fingerprint + stored row), the
web page's chapters (which the background job renders once per language and keeps), a
visitor's request for the page, the CSV and JSON files, and the PDF (Typst in volumes, as
the background job does it; ``--weasyprint`` also times the engine it replaced, WeasyPrint,
on the same HTML: 450 s and 3.5 GB at 20,000 comments, so not by default).

For every step it prints the wall time and the peak memory: Python allocations traced by
``tracemalloc`` during that step (the steps are run once without tracing for the time, then
once with it for the memory), and the process's peak resident size (``ru_maxrss``), which
only grows. The PDF is laid out in a child process of its own (started through a small
wrapper, as bench/export.py does), from the HTML the step before made: its figures are the
layout's time and the peak resident size of the processes that lay it out, the engine's
native code included, which tracemalloc does not see. With Typst that is the larger of the
child (which converts the HTML and joins the volumes) and the processes it starts, one per
volume, one at a time (``--trace-pdf`` traces WeasyPrint in this process, slowly).

``--server`` makes a database of its own on a PostgreSQL server for the run and drops it
afterwards (``--server sqlite``: a temporary SQLite file, the default).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from bench.support import own_database, write_figures

# Every step's (seconds, traced peak in MB or None), for ``python -m bench``.
STEPS: dict[str, tuple[float, float | None]] = {}

# Lays the PDF out in a grandchild, so its peak memory is its own (see the docstring).
WRAPPER = """
import subprocess, sys
sys.exit(subprocess.run(sys.argv[1:]).returncode)
"""

DISPOSITIONS = [
    ("adopted", 15),
    ("partly_adopted", 15),
    ("not_adopted", 20),
    ("already_covered", 20),
    ("out_of_scope", 10),
    ("noted", 20),
]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(label: str, work: Callable[[], Any], *, trace: bool = True) -> Any:
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    peak = ""
    traced = None
    if trace:
        tracemalloc.start()
        work()
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        traced = top / 1e6
        peak = f"{traced:8.1f} MB"
    else:
        peak = "  (not traced)"
    STEPS[label] = (seconds, traced)
    print(f"  {label:<34} {seconds:8.2f} s   traced peak {peak}   ru_maxrss {rss_mb():7.0f} MB")
    return result


def pdf_child(engine: str, source: str, out: str) -> None:
    """In the measured process: lay out the PDF of the HTML in ``source``; print figures."""
    html = Path(source).read_text("utf-8")
    pages = [0]

    def on_page(page_number: int) -> None:
        pages[0] = page_number

    before = rss_mb()
    started = time.perf_counter()
    extra: dict[str, Any] = {}
    if engine == "typst":
        from consult.files.typeset import typeset_pdf

        pdf = typeset_pdf(html, on_page=on_page, figures=extra)
    else:
        from consult.files.pdf import render_pdf

        pdf = render_pdf(html, on_page=on_page)
    seconds = time.perf_counter() - started
    Path(out).write_bytes(pdf)
    figures = {"seconds": seconds, "pages": pages[0], "bytes": len(pdf), "before_mb": before}
    own = max(rss_mb(), extra.get("join_peak_mb", 0.0))  # converting here, joining in a child
    volumes = extra.get("child_peak_mb", 0.0)
    figures |= {"own_peak_mb": own, "volume_peak_mb": volumes, "volumes": extra.get("volumes")}
    print(json.dumps({**figures, "peak_mb": max(own, volumes)}))


def measure_pdf_in_child(source: str, out: str, engine: str = "typst") -> dict[str, Any]:
    """The PDF's time and the peak resident size of the processes that only lay it out."""
    command = [sys.executable, "-c", WRAPPER, sys.executable, "-m", "bench.report"]
    command += ["--pdf-child", engine, source, out]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"the PDF failed:\n{done.stderr}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    detail = f"before laying out: {figures['before_mb']:.0f} MB"
    if figures.get("volumes"):
        detail = (
            f"{figures['volumes']} volumes; largest volume process "
            f"{figures['volume_peak_mb']:.0f} MB, converting and joining "
            f"{figures['own_peak_mb']:.0f} MB"
        )
    print(
        f"  {f'the PDF ({engine}, child process)':<34} {figures['seconds']:8.2f} s   "
        f"peak RSS {figures['peak_mb']:7.0f} MB ({detail}), {figures['pages']} pages"
    )
    return figures


def prepare(session: Any, sections: int, comments: int, seed: int) -> Any:
    """The load consultation, closed, moderated, grouped and fully answered."""
    from consult.comments.models import Comment, HideReason, Submission
    from consult.consultations import lifecycle
    from consult.consultations.models import Consultation, ConsultationState
    from consult.db import utcnow
    from consult.documents.models import DocumentVersion, Section, VersionSource
    from consult.responses.models import (
        Answer,
        AnsweredComment,
        AnswerSection,
        CommentGroup,
        CommentGroupMember,
    )
    from consult.seeds.load import seed_load

    rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
    started = time.perf_counter()
    loaded = seed_load(session, sections, comments, seed=seed)
    print(f"  seed load: {loaded.comments} comments in {loaded.seconds:.1f} s")
    consultation = session.get(Consultation, loaded.consultation_id)
    now = utcnow()
    lifecycle.record_state(session, consultation, ConsultationState.CLOSED, actor=None, at=now)

    rows = session.execute(
        select(Comment.id, Comment.section_id, Comment.body)
        .join(Submission, Submission.id == Comment.submission_id)
        .where(Comment.consultation_id == consultation.id)
        .order_by(Comment.id)
    ).all()
    ids = [row.id for row in rows]
    hidden = rng.sample(ids, len(ids) // 100)
    for chunk in range(0, len(hidden), 500):
        session.execute(
            update(Comment)
            .where(Comment.id.in_(hidden[chunk : chunk + 500]))
            .values(
                hidden_at=now,
                hidden_reason=rng.choice(list(HideReason)),
                is_public=False,
            )
        )
    # 100 comment groups of 5 to 20 comments on one section each (a campaign).
    by_section: dict[int | None, list[int]] = {}
    for row in rows:
        by_section.setdefault(row.section_id, []).append(row.id)
    grouped: set[int] = set()
    for section_ids in rng.sample(list(by_section.values()), min(100, len(by_section))):
        members = [i for i in section_ids if i not in grouped][: rng.randint(5, 20)]
        if len(members) < 2:
            continue
        grouped.update(members)
        group = CommentGroup(consultation_id=consultation.id, representative_id=members[0])
        session.add(group)
        session.flush()
        session.execute(
            insert(CommentGroupMember),
            [{"group_id": group.id, "comment_id": i, "similarity": 0.9} for i in members],
        )

    # One answer per ~50 comments of one section: approved, linked, then published.
    answer_rows, link_plan = [], []
    for section_ids in by_section.values():
        for start in range(0, len(section_ids), 50):
            chunk = section_ids[start : start + 50]
            disposition = rng.choices([d for d, _ in DISPOSITIONS], [w for _, w in DISPOSITIONS])[0]
            answer_rows.append(
                {
                    "consultation_id": consultation.id,
                    "disposition": disposition,
                    "reason": "Wij hebben dit gelezen en meegenomen in de afweging van de regio.",
                    "state": "approved",
                    "drafted_at": now,
                    "approved_at": now,
                }
            )
            link_plan.append(chunk)
    answer_ids = session.scalars(
        insert(Answer).returning(Answer.id, sort_by_parameter_order=True), answer_rows
    ).all()
    links = [
        {"answer_id": answer_id, "comment_id": comment_id}
        for answer_id, chunk in zip(answer_ids, link_plan, strict=True)
        for comment_id in chunk
    ]
    for start in range(0, len(links), 5000):
        session.execute(insert(AnsweredComment), links[start : start + 5000])
    session.execute(
        update(Answer)
        .where(Answer.consultation_id == consultation.id)
        .values(state="published", published_at=now)
    )

    # The next version: the same sections, a fifth of them changed and linked to answers.
    version = consultation.version
    later = DocumentVersion(
        document_id=version.document_id, number=2, source=VersionSource.EDITOR, change_note="2"
    )
    session.add(later)
    session.flush()
    old_sections = session.execute(
        select(Section).where(Section.version_id == version.id).order_by(Section.position)
    ).scalars()
    changed = []
    new_rows = []
    for section in old_sections:
        edit = rng.random() < 0.2
        new_rows.append(
            {
                "version_id": later.id,
                "position": section.position,
                "anchor": section.anchor,
                "number": section.number,
                "heading": section.heading,
                "level": section.level,
                "body_html": section.body_html + ("<p>Aangepast.</p>" if edit else ""),
            }
        )
        if edit:
            changed.append(section.anchor)
    session.execute(insert(Section), new_rows)
    later_ids = dict(
        iter(
            session.execute(
                select(Section.anchor, Section.id).where(Section.version_id == later.id)
            )
        )
    )
    section_links = (
        [
            {"answer_id": answer_id, "section_id": later_ids[rng.choice(changed)], "linked_at": now}
            for answer_id in rng.sample(list(answer_ids), len(answer_ids) // 5)
        ]
        if changed
        else []
    )
    if section_links:
        session.execute(insert(AnswerSection), section_links)
    consultation.closes_at = now - timedelta(seconds=1)
    lifecycle.record_state(session, consultation, ConsultationState.ANSWERED, actor=None, at=now)
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # Fresh statistics, or PostgreSQL plans joins on the new rows as on empty tables.
        with session.get_bind().connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    print(
        f"  answered: {len(answer_ids)} answers, {len(hidden)} hidden, {len(grouped)} grouped, "
        f"{len(changed)} changed sections ({time.perf_counter() - started:.1f} s in all)"
    )
    return consultation


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--server", help="a PostgreSQL server URL to make a database on")
    parser.add_argument("--figures", help=argparse.SUPPRESS)
    parser.add_argument("--pdf-child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--sections", type=int, default=200)
    parser.add_argument("--comments", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--no-pdf", action="store_true", help="Skip the PDF.")
    parser.add_argument(
        "--trace-pdf", action="store_true", help="Trace WeasyPrint's memory in this process."
    )
    parser.add_argument(
        "--weasyprint",
        action="store_true",
        help="Also lay the PDF out with WeasyPrint, the engine before (slow: minutes).",
    )
    parser.add_argument("--pdf-out", help="Write the PDF here, to look at it.")
    parser.add_argument("--html-out", help="Write the HTML the PDF is made from here.")
    args = parser.parse_args(argv)
    if args.pdf_child:
        pdf_child(*args.pdf_child)
        return
    if args.database:
        run(args, args.database)
    else:
        with own_database(args.server, "report") as url:
            run(args, url)


def run(args: argparse.Namespace, url: str) -> None:
    from consult import migrate
    from consult.app import create_app
    from consult.extensions import db
    from consult.files.pdf import render_pdf
    from consult.regions.services import seed_regions
    from consult.reports import rendering
    from consult.reports import services as reactienota

    tmp = tempfile.TemporaryDirectory()
    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": tmp.name,
            "BASE_URL": "http://consult.bench",
            "SERVER_NAME": "consult.bench",
            "JOBS_RUNNER": "inline",
            "RATELIMIT_STORAGE_URI": "memory://",
        },
        environment="testing",
    )
    print(f"database: {url.split('@')[-1]}")
    with app.app_context():
        migrate.upgrade()
        session = db.session
        seed_regions(session)
        session.commit()
        print(f"preparing {args.comments} comments on {args.sections} sections")
        consultation = prepare(session, args.sections, args.comments, args.seed)
        official = None

        print("the reactienota:")
        content = measure(
            "build the content (SQL + arrange)",
            lambda: reactienota.build_content(session, consultation),
        )
        report = measure(
            "generate the edition (+ hash, row)",
            lambda: reactienota.generate(session, official, consultation),
        )
        session.commit()
        appendix = len(content["appendix"])
        quoted = sum(len(b["items"]) for s in content["sections"] for b in s["answers"])
        print(f"    {appendix} comments in the appendix, {quoted} quoted texts in the sections")

        def chapters() -> str:
            """What the job does once per language: the page's chapters, to keep."""
            with app.test_request_context("/"):
                from flask import g, render_template

                g.locale = "nl"
                return render_template(
                    "reports/_report_article.html", r=rendering.ReportView(report.content, "nl")
                )

        def page() -> str:
            """A visitor's request for the page, once the job has kept the chapters."""
            with app.test_request_context("/"):
                from flask import g, render_template

                g.locale = "nl"
                return render_template(
                    "reports/report.html",
                    consultation=consultation,
                    preview=False,
                    downloads={"pdf": None, "csv": "x.csv", "json": "x.json"},
                    others=[],
                    latest=report,
                    **rendering.page_context(report, "nl"),
                )

        article = measure("render the page's chapters (job)", chapters)
        rendering.store_file(session, report, "html-nl", "text/html", article.encode())
        session.commit()
        html = measure("serve the HTML page (kept chapters)", page)
        print(f"    HTML page: {len(html) / 1e6:.1f} MB")
        data = measure("CSV", lambda: rendering.csv_bytes(report.content, "nl"))
        print(f"    CSV: {len(data) / 1e6:.1f} MB")
        data = measure("JSON (RFC 8785)", lambda: rendering.json_bytes(report.content))
        print(f"    JSON: {len(data) / 1e6:.1f} MB")
        pdf_source = measure("the PDF's HTML", lambda: rendering.pdf_html(report))
        if args.html_out:
            Path(args.html_out).write_text(pdf_source, "utf-8")
        pdf_figures: dict[str, Any] = {}
        before: dict[str, Any] = {}
        if not args.no_pdf:
            if args.trace_pdf:
                measure(
                    "the PDF (WeasyPrint, traced here)",
                    lambda: render_pdf(pdf_source),
                    trace=True,
                )
            source = Path(tmp.name) / "reactienota.html"
            source.write_text(pdf_source, "utf-8")
            out = args.pdf_out or str(Path(tmp.name) / "reactienota.pdf")
            pdf_figures = measure_pdf_in_child(str(source), out)
            print(f"    PDF: {pdf_figures['pages']} pages, {pdf_figures['bytes'] / 1e6:.1f} MB")
            if args.weasyprint:
                before = measure_pdf_in_child(
                    str(source), str(Path(tmp.name) / "weasyprint.pdf"), "weasyprint"
                )
        publish = measure(
            "publish (rebuilds and compares)",
            lambda: reactienota.publish(session, official, report),
            trace=False,
        )
        assert publish.is_published
        session.rollback()
    db.state(app).engine.dispose()
    tmp.cleanup()

    edition, chapters = (
        STEPS["generate the edition (+ hash, row)"],
        STEPS["render the page's chapters (job)"],
    )
    figures: dict[str, Any] = {
        "comments": args.comments,
        "html_seconds": edition[0] + chapters[0],
        "html_peak_mb": max(edition[1] or 0, chapters[1] or 0),
        "html_edition_seconds": edition[0],
        "html_chapters_seconds": chapters[0],
        "html_serve_seconds": STEPS["serve the HTML page (kept chapters)"][0],
    }
    if pdf_figures:
        figures["pdf_seconds"] = STEPS["the PDF's HTML"][0] + pdf_figures["seconds"]
        figures["pdf_layout_seconds"] = pdf_figures["seconds"]
        figures["pdf_peak_mb"] = pdf_figures["peak_mb"]
        figures["pdf_pages"] = pdf_figures["pages"]
        figures["pdf_volumes"] = pdf_figures.get("volumes")
        figures["pdf_volume_peak_mb"] = pdf_figures.get("volume_peak_mb")
        figures["pdf_joining_peak_mb"] = pdf_figures.get("own_peak_mb")
    if before:
        figures["weasyprint_seconds"] = before["seconds"]
        figures["weasyprint_peak_mb"] = before["peak_mb"]
        figures["weasyprint_pages"] = before["pages"]
    write_figures(args.figures, figures)


if __name__ == "__main__":
    main(sys.argv[1:])
