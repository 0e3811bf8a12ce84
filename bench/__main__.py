"""Run every benchmark and write the table: ``.venv/bin/python -m bench`` (``make bench``).

Each benchmark runs in a child process of its own (``python -m bench.<name>``), prints its
own figures as it goes, and hands the figures of the table back as JSON. At the end this
prints the table with the machine's description and writes both to ``BENCHMARKS.md``
(``--output``). The benchmarks that need a database make their own on the PostgreSQL server
``--server`` (default ``CONSULT_BENCH_DATABASE_URL``, else
``postgresql://postgres@127.0.0.1:5432/postgres``) and drop it afterwards.

Benchmarks print figures and never judge them; the run fails (exit 1) when a figure could
not be measured: a benchmark stopped with an error, or left a figure of its row out.

``--smoke`` runs every benchmark at a tiny size, to prove each still works (the test suite
does that, on the database of its pass; ``--server sqlite`` runs on SQLite files), two at a
time (``--jobs``): its figures mean nothing, so they may share the CPUs. A real run runs
one benchmark at a time. A smoke
run, or one of ``--only`` some, writes no ``BENCHMARKS.md`` unless ``--output`` says where.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.support import default_server, server_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
Figures = dict[str, Any]


@dataclass
class Row:
    """One line of the table: what was measured, at which size, and how to say the result."""

    label: str
    size: Callable[[Figures], str]
    result: Callable[[Figures], str]
    baseline: Callable[[Figures], str] = lambda _figures: ""
    needs: tuple[str, ...] = ()


@dataclass
class Benchmark:
    module: str
    full: list[str]
    smoke: list[str]
    rows: list[Row]
    # How the module is told the database server: a list of arguments for it, or None.
    database: Callable[[str], list[str]] | None = None
    figures: Figures = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _ms(value: float) -> str:
    return f"{value:,.1f} ms"


def _within(value: float | None, figures: Figures) -> str:
    """A campaign percentile: None when it falls on a failed arrival (a timeout or error)."""
    return _ms(value) if value is not None else f"failed (> {figures['timeout']:g} s or error)"


BENCHMARKS = [
    Benchmark(
        "submission",
        full=[],
        smoke=[
            *["--seconds", "1.5", "--count", "20", "--clients", "2", "--warm-up", "1"],
            *["--workers", "1", "--threads", "2"],
        ],
        database=lambda server: ["--server", server],
        rows=[
            Row(
                "Submission throughput, full path (GET form, CSRF, validation, receipt, "
                "record event, receipt mail)",
                size=lambda f: f"gunicorn {f['settings']}",
                result=lambda f: (
                    f"{f['full_per_second']:,.1f} submissions/s "
                    f"(p50 {_ms(f['full_p50_ms'])} per submission)"
                ),
                baseline=lambda f: (
                    f"bare Flask + SQLAlchemy insert-and-commit: "
                    f"{f['bare_per_second']:,.1f}/s (p50 {_ms(f['bare_p50_ms'])}); "
                    f"**bare / full = {f['ratio']:.1f}x**. The same three pages bare (form "
                    f"with a signed token, insert and redirect, receipt read back): "
                    f"{f['bare_path_per_second']:,.1f}/s (p50 {_ms(f['bare_path_p50_ms'])}); "
                    f"**bare three pages / full = {f['path_ratio']:.1f}x**"
                ),
                needs=("full_per_second", "bare_per_second", "ratio", "path_ratio"),
            )
        ],
    ),
    Benchmark(
        "page",
        full=[],
        smoke=[
            *["--sections", "5", "--comments", "100", "--requests", "3"],
            *["--seconds", "1", "--clients", "2", "--workers", "1", "--threads", "2"],
        ],
        database=lambda server: ["--server", server],
        rows=[
            Row(
                "Consultation page (server time, test client)",
                size=lambda f: f"{_n(f['sections'])} sections / {_n(f['comments'])} comments",
                result=lambda f: (
                    f"{f['queries']} queries kept ({f['queries_built']} when built again "
                    f"after a change, p50 {_ms(f['built_p50_ms'])}; {f['queries_cold']} in a "
                    f"worker's first request); {f['kb']:,.0f} kB of HTML; "
                    f"p50 {_ms(f['p50_ms'])}, p95 {_ms(f['p95_ms'])}"
                ),
                baseline=lambda f: (
                    f"bare list of 50 rows: {f['bare_queries']} query; "
                    f"p50 {_ms(f['bare_p50_ms'])}, p95 {_ms(f['bare_p95_ms'])}; "
                    f"**page / bare (p50) = {f['ratio']:.1f}x**"
                ),
                needs=("queries", "p50_ms", "p95_ms", "bare_p50_ms", "ratio", "kb"),
            ),
            Row(
                "Consultation page over HTTP (a new visitor each time)",
                size=lambda f: (
                    f"{_n(f['sections'])} sections / {_n(f['comments'])} comments; "
                    f"gunicorn {f['http_settings']}"
                ),
                result=lambda f: (
                    f"{f['http_per_second']:,.1f} pages/s (p50 {_ms(f['http_p50_ms'])}, "
                    f"p95 {_ms(f['http_p95_ms'])})"
                ),
                baseline=lambda f: (
                    f"bare list of 50 rows over HTTP: {f['bare_http_per_second']:,.1f} pages/s "
                    f"(p50 {_ms(f['bare_http_p50_ms'])}); "
                    f"**page / bare = {f['http_ratio']:.2f} (1/{1 / f['http_ratio']:.1f})**"
                ),
                needs=("http_per_second", "bare_http_per_second", "http_ratio"),
            ),
        ],
    ),
    Benchmark(
        "campaign",
        full=[],
        smoke=[
            *["--seconds", "3", "--page-rate", "4", "--submission-rate", "1"],
            *["--sections", "5", "--comments", "100", "--warm-up", "1", "--timeout", "60"],
            *["--workers", "1", "--threads", "2"],
        ],
        database=lambda server: ["--server", server],
        rows=[
            Row(
                "Campaign day, open loop: page views (consultation and section pages) and "
                "full-path submissions at fixed rates",
                size=lambda f: (
                    f"{_n(f['sections'])} sections / {_n(f['comments'])} comments; "
                    f"{f['page_rate']:g} views/s + {f['submission_rate']:g} submissions/s "
                    f"for {f['seconds']:g} s; gunicorn {f['workers']} workers x "
                    f"{f['threads']} threads{', Redis' if f['redis'] else ''}"
                ),
                result=lambda f: (
                    f"pages p50 {_within(f['pages']['p50_ms'], f)}, "
                    f"**p95 {_within(f['pages']['p95_ms'], f)}**, "
                    f"p99 {_within(f['pages']['p99_ms'], f)}, "
                    f"{f['pages']['per_second']:.1f}/s answered; submissions p50 "
                    f"{_within(f['submissions']['p50_ms'], f)}, p95 "
                    f"{_within(f['submissions']['p95_ms'], f)}, p99 "
                    f"{_within(f['submissions']['p99_ms'], f)}, "
                    f"{f['submissions']['per_second']:.2f}/s answered; **{_n(f['errors'])} "
                    f"errors** of {_n(f['pages']['offered'] + f['submissions']['offered'])}"
                ),
                baseline=lambda f: "goal: page p95 < 300 ms, 0 errors (fixed rates: no bare run)",
                needs=("pages", "submissions", "errors"),
            )
        ],
    ),
    Benchmark(
        "report",
        full=[],
        smoke=["--sections", "2", "--comments", "12", "--weasyprint"],
        database=lambda server: ["--server", server],
        rows=[
            Row(
                "Reactienota HTML (edition + the page's chapters)",
                size=lambda f: f"{_n(f['comments'])} comments",
                result=lambda f: (
                    f"{f['html_seconds']:.2f} s (edition "
                    f"{f['html_edition_seconds']:.2f} s + chapters "
                    f"{f['html_chapters_seconds']:.2f} s), traced peak {f['html_peak_mb']:.0f} MB; "
                    f"serving the kept page {f['html_serve_seconds']:.2f} s"
                ),
                needs=("html_seconds", "html_peak_mb"),
            ),
            Row(
                "Reactienota PDF (Typst in volumes, tagged PDF/A-2a + PDF/UA-1)",
                size=lambda f: f"{_n(f['comments'])} comments, {_n(f['pdf_pages'])} pages",
                result=lambda f: (
                    f"{f['pdf_seconds']:.1f} s, peak RSS {f['pdf_peak_mb']:.0f} MB "
                    f"(largest of the processes that lay it out: {f['pdf_volumes']} volumes "
                    f"at most {f['pdf_volume_peak_mb']:.0f} MB each, one at a time; "
                    f"converting and joining {f['pdf_joining_peak_mb']:.0f} MB)"
                ),
                baseline=lambda f: (
                    f"WeasyPrint on the same HTML: {f['weasyprint_seconds']:.1f} s, peak RSS "
                    f"{f['weasyprint_peak_mb']:.0f} MB, {_n(f['weasyprint_pages'])} pages"
                    if "weasyprint_seconds" in f
                    else "WeasyPrint (the engine before) not run (`--weasyprint`): "
                    "450 s, 3.5 GB, 1,988 pages at 20,000 comments in issue 19"
                ),
                needs=("pdf_seconds", "pdf_peak_mb", "pdf_volumes"),
            ),
        ],
    ),
    Benchmark(
        "export",
        full=["--sizes", "10000,100000"],
        smoke=["--sizes", "300", "--sections", "5"],
        database=lambda server: (
            [] if server.startswith("sqlite") else ["--postgres", "--server", server]
        ),
        rows=[
            Row(
                "Streamed export of published comments (CSV, JSON Lines)",
                size=lambda f: f"{_n(f['comments'])} comments",
                result=lambda f: (
                    f"CSV {_n(f['csv_rows_per_second'])} rows/s, JSON Lines "
                    f"{_n(f['jsonl_rows_per_second'])} rows/s; RSS growth while streaming "
                    f"{max(f['csv_growth_mb'], f['jsonl_growth_mb']):.1f} MB, peak RSS "
                    f"{max(f['csv_peak_mb'], f['jsonl_peak_mb']):.0f} MB"
                ),
                needs=("csv_rows_per_second", "jsonl_rows_per_second", "csv_peak_mb"),
            )
        ],
    ),
    Benchmark(
        "record_verify",
        full=[],
        smoke=["--events", "1000", "--checkpoint-every", "250", "--consultations", "2"],
        database=lambda server: ["--server", server],
        rows=[
            Row(
                "`consult record verify`",
                size=lambda f: f"{_n(f['events'])} events",
                result=lambda f: (
                    f"{f['seconds']:.1f} s ({_n(f['events_per_second'])} events/s), "
                    f"peak RSS {f['peak_mb']:.0f} MB"
                ),
                needs=("seconds",),
            )
        ],
    ),
    Benchmark(
        "grouping",
        full=[],
        smoke=["--comments", "300", "--campaigns", "2", "--runs", "1"],
        rows=[
            Row(
                "Near-duplicate grouping (`group_similar`)",
                size=lambda f: f"{_n(f['comments'])} comments",
                result=lambda f: (
                    f"{f['best_seconds']:.2f} s (best of runs; median "
                    f"{f['median_seconds']:.2f} s), traced peak {f['peak_mb']:.0f} MB; "
                    f"recall {f['recall']:.3f}"
                ),
                needs=("best_seconds",),
            )
        ],
    ),
]


# -- the machine ---------------------------------------------------------------------------


def _first_line(path: str, prefix: str) -> str | None:
    try:
        with open(path) as lines:
            for line in lines:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip() if ":" in line else line
    except OSError:
        return None
    return None


def _database_version(server: str) -> str:
    if server.startswith("sqlite"):
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} (no PostgreSQL: a smoke run)"
    from sqlalchemy import create_engine, text

    engine = create_engine(server_url(server))
    try:
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar_one()
    finally:
        engine.dispose()
    return f"PostgreSQL {version}"


def machine(server: str) -> dict[str, str]:
    """What the figures were measured on."""
    memory = _first_line("/proc/meminfo", "MemTotal")
    os_name = platform.platform()
    pretty = _first_line("/etc/os-release", "PRETTY_NAME=")
    if pretty:
        os_name = f"{pretty.split('=', 1)[1].strip().strip(chr(34))} (Linux {platform.release()})"
    try:
        from importlib.metadata import version

        gunicorn = version("gunicorn")
    except Exception:  # the table says so; the submission benchmark fails without it
        gunicorn = "not installed"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - read-only, for the record
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "CPU": _first_line("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "Cores": str(os.cpu_count()),
        "RAM": f"{int(memory.split()[0]) / 2**20:.1f} GiB" if memory else "unknown",
        "OS": os_name,
        "Python": platform.python_version(),
        "Database": _database_version(server),
        "gunicorn": gunicorn,
        "Commit": commit or "unknown",
        "Date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


# -- running -------------------------------------------------------------------------------


def run(
    benchmark: Benchmark, server: str, smoke: bool, workdir: Path, *, quiet: bool = False
) -> None:
    """Run one benchmark in a child process and keep its figures, or why there are none.

    ``quiet``: keep the child's output until it ends, then print it in one piece (for
    benchmarks that run side by side).
    """
    figures_path = workdir / f"{benchmark.module}.json"
    command = [sys.executable, "-m", f"bench.{benchmark.module}"]
    command += benchmark.smoke if smoke else benchmark.full
    if benchmark.database:
        command += benchmark.database(server)
    command += ["--figures", str(figures_path)]
    heading = f"\n== bench.{benchmark.module}: {' '.join(command[3:])}"
    if not quiet:
        print(heading, flush=True)
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own benchmark
        command,
        cwd=PROJECT_ROOT,
        check=False,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
        text=True,
    )
    benchmark.seconds = time.perf_counter() - started
    if quiet:
        print(f"{heading} ({benchmark.seconds:.0f} s)\n{done.stdout.rstrip()}", flush=True)
    if done.returncode != 0:
        benchmark.error = f"bench.{benchmark.module} stopped with exit {done.returncode}"
    elif not figures_path.exists():
        benchmark.error = f"bench.{benchmark.module} wrote no figures"
    else:
        benchmark.figures = json.loads(figures_path.read_text("utf-8"))


def rows_of(benchmark: Benchmark) -> list[dict[str, str | None]]:
    """The table's rows of one benchmark; ``error`` says why a row has no figure."""
    rows: list[dict[str, str | None]] = []
    for row in benchmark.rows:
        error = benchmark.error
        cells = {"size": "", "result": "", "baseline": ""}
        if error is None:
            missing = [key for key in row.needs if benchmark.figures.get(key) is None]
            if missing:
                error = f"no {', '.join(missing)} from bench.{benchmark.module}"
            else:
                try:
                    cells = {
                        "size": row.size(benchmark.figures),
                        "result": row.result(benchmark.figures),
                        "baseline": row.baseline(benchmark.figures),
                    }
                except (KeyError, TypeError, ValueError) as problem:
                    error = f"bench.{benchmark.module}: {problem!r}"
        if error:
            cells = {"size": "", "result": f"NOT MEASURED ({error})", "baseline": ""}
        rows.append({"label": row.label, **cells, "error": error})
    return rows


def markdown(description: dict[str, str], rows: list[dict], smoke: bool, command: str) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Made by `{command}` (see README, *Benchmarks*); rerun it to replace this file. "
        "Figures are measured, never judged: read them against the machine below and the "
        "bare baselines measured in the same run.",
        "",
    ]
    if smoke:
        lines += ["**Smoke run: tiny sizes, these figures say nothing about speed.**", ""]
    lines += ["## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in description.items()]
    lines += [
        "",
        "## Results",
        "",
        "| Benchmark | Size | Result | Against a bare baseline (same run) |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r['label']} | {r['size']} | {r['result']} | {r['baseline']} |" for r in rows]
    lines += [
        "",
        "## How each figure is measured",
        "",
        "- **Submissions**: `bench/submission.py`. Consult and the bare app "
        "(`bench/bare.py`) are each served by gunicorn with the same settings, on "
        "databases of their own on the same server, and loaded by the same generator "
        "(threads on keep-alive connections to 127.0.0.1, bounded in count and time, after "
        "a warm-up). One full-path submission is three requests: the form, the POST, the "
        "receipt page; the receipt mail goes over SMTP to a sink. The bare app is measured "
        "twice: one POST that inserts, and the same three pages as Consult's path (a form "
        "with a signed token, the insert and redirect, the receipt read back). Consult "
        "runs with its production settings; only the public forms' rate limits are raised, by "
        "configuration (`bench/serve.py`). The generator shares the CPUs with the servers.",
        "- **Consultation page**: `bench/page.py`. `/consultaties/<slug>` through the test "
        "client after a warm-up; queries counted by a SQLAlchemy `before_cursor_execute` "
        "listener; server time is the WSGI call, rendering included, without network. Kept: "
        "the page as most requests find it (its plan and comment blocks kept by the worker); "
        "built again: the first request after a change to the consultation's record. Over "
        "HTTP: the page and the bare list (`bench/bare.py`), each served by gunicorn with the "
        "same settings (Consult with its production settings, `bench/serve.py`), loaded in "
        "turn by the same generator (threads on keep-alive connections to 127.0.0.1, no "
        "cookies, after a warm-up), which shares the CPUs with the servers.",
        "- **Campaign day**: `bench/campaign.py`. Consult as in production (gunicorn, "
        "PostgreSQL, rate limits and jobs on Redis, one `consult jobs worker` sending the "
        "receipt mails to an SMTP sink), only the public forms' limits raised "
        "(`bench/serve.py`). Open loop: Poisson arrivals scheduled beforehand, each started "
        "at its time on a new connection, its latency from that time to the last byte. Half "
        "the page views are the consultation page, half one of its section pages at random; "
        "a submission is a new visitor's form, POST and receipt page. An error is a status "
        "other than 2xx/3xx, a timeout (10 s) or a broken connection. The generator shares "
        "the CPUs with the servers.",
        "- **Reactienota**: `bench/report.py`. HTML: generating the edition and rendering "
        "the page's chapters (what the background job does), peak memory traced by "
        "tracemalloc. PDF: the PDF's HTML, then Typst in volumes, each laid out in a "
        "process of its own, one at a time, and joined with pikepdf; the figure is the "
        "largest peak resident size of those processes (`--weasyprint` adds the engine "
        "before, WeasyPrint, on the same HTML).",
        "- **Export**: `bench/export.py`. The public CSV and JSON Lines streamed through the "
        "test client in a child process; the growth is the most resident memory while "
        "streaming minus before the request.",
        "- **Record verify**: `bench/record_verify.py`. The real `consult record verify` "
        "command, start to end, on a record built in bulk.",
        "- **Grouping**: `bench/grouping.py`. `group_similar` on generated letter "
        "campaigns among unique comments, wall time.",
        "",
    ]
    return "\n".join(lines)


def print_table(description: dict[str, str], rows: list[dict]) -> None:
    print("\n" + "=" * 100)
    for key, value in description.items():
        print(f"{key + ':':<10} {value}")
    print("-" * 100)
    for row in rows:
        print(f"{row['label']}\n    size:     {row['size']}\n    result:   {row['result']}")
        if row["baseline"]:
            print(f"    baseline: {row['baseline']}")
    print("=" * 100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: does each still work?")
    parser.add_argument(
        "--server", default=default_server(), help="PostgreSQL server URL, or sqlite"
    )
    parser.add_argument("--output", help="the Markdown file (default: BENCHMARKS.md, not smoke)")
    parser.add_argument("--json", help="also write every figure and row here")
    parser.add_argument(
        "--jobs",
        type=int,
        help="benchmarks run side by side (default 1; 2 for --smoke, whose figures mean nothing)",
    )
    parser.add_argument(
        "--only", help="comma-separated benchmarks: " + ",".join(b.module for b in BENCHMARKS)
    )
    args = parser.parse_args(argv)

    chosen = BENCHMARKS
    if args.only:
        names = args.only.split(",")
        unknown = set(names) - {b.module for b in BENCHMARKS}
        if unknown:
            parser.error(f"no benchmark {', '.join(sorted(unknown))}")
        chosen = [b for b in BENCHMARKS if b.module in names]

    from sqlalchemy.exc import OperationalError

    try:
        description = machine(args.server)
    except OperationalError:
        raise SystemExit(
            f"bench: cannot reach the database server {args.server.split('@')[-1]}: start "
            "PostgreSQL on 127.0.0.1:5432, or set CONSULT_BENCH_DATABASE_URL to another."
        ) from None
    with tempfile.TemporaryDirectory(prefix="consult-bench-") as workdir:
        jobs = args.jobs or (2 if args.smoke else 1)
        if jobs == 1:
            for benchmark in chosen:
                run(benchmark, args.server, args.smoke, Path(workdir))
        else:
            with ThreadPoolExecutor(jobs) as pool:
                for ran in [
                    pool.submit(run, b, args.server, args.smoke, Path(workdir), quiet=True)
                    for b in chosen
                ]:
                    ran.result()
    rows = [row for benchmark in chosen for row in rows_of(benchmark)]
    print_table(description, rows)

    command = "make bench-smoke" if args.smoke else "make bench"
    whole = not args.smoke and not args.only
    output = args.output or (str(PROJECT_ROOT / "BENCHMARKS.md") if whole else None)
    if output:
        Path(output).write_text(markdown(description, rows, args.smoke, command), "utf-8")
        print(f"written to {output}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "machine": description,
                    "rows": rows,
                    "benchmarks": {
                        b.module: {"figures": b.figures, "error": b.error, "seconds": b.seconds}
                        for b in chosen
                    },
                },
                indent=2,
                default=str,
            ),
            "utf-8",
        )
    failed = [row for row in rows if row["error"]]
    for row in failed:
        print(f"not measured: {row['label']}: {row['error']}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
