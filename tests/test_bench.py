"""``make bench`` still works: every benchmark, at a tiny size, gives every figure of its row.

The smoke run uses the database of the pass: the PostgreSQL server of
``CONSULT_TEST_DATABASE_URL`` (each benchmark makes a database of its own there and drops
it), or SQLite files. Figures are not judged, only required: a benchmark that broke leaves
its row without them and the run exits 1.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS, Benchmark, rows_of, run

PROJECT_ROOT = Path(__file__).resolve().parent.parent


# As long as the run may take (its subprocess timeout), not the suite's 300 s per test: on a
# busy machine eight benchmarks, two at a time, each making and migrating its databases.
@pytest.mark.timeout(900)
def test_the_smoke_run_measures_every_row(tmp_path: Path, database_server_url: str | None):
    server = database_server_url or "sqlite"
    figures, table = tmp_path / "figures.json", tmp_path / "BENCHMARKS.md"
    command = [sys.executable, "-m", "bench", "--smoke", "--server", server]
    command += ["--json", str(figures), "--output", str(table)]
    done = subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    # A failed benchmark's own lines (its errors come right after its figures) come first:
    # the tail alone is the summary table, which only says that it stopped.
    failed = [
        "\n".join(lines[i : i + 5])
        for lines in [done.stdout.splitlines()]
        for i, line in enumerate(lines)
        if re.search(r"errors [1-9]|Traceback|Error:", line)
    ]
    assert done.returncode == 0, "\n".join(failed) + done.stdout[-4000:] + done.stderr[-4000:]

    result = json.loads(figures.read_text("utf-8"))
    expected = [row.label for benchmark in BENCHMARKS for row in benchmark.rows]
    assert [row["label"] for row in result["rows"]] == expected
    for row in result["rows"]:
        assert row["error"] is None, row
        assert row["result"], row
        assert "NOT MEASURED" not in row["result"], row
    for name, benchmark in result["benchmarks"].items():
        assert benchmark["error"] is None, (name, benchmark)
    figures_of = {name: b["figures"] for name, b in result["benchmarks"].items()}
    # The required rows of issue 8, each a measured number.
    assert figures_of["submission"]["full_per_second"] > 0
    assert figures_of["submission"]["bare_per_second"] > 0
    assert figures_of["submission"]["full_errors"] == figures_of["submission"]["bare_errors"] == 0
    assert figures_of["submission"]["bare_path_per_second"] > 0
    assert figures_of["submission"]["bare_path_errors"] == 0
    assert figures_of["page"]["queries"] >= 1
    assert figures_of["page"]["bare_queries"] == 1
    assert figures_of["page"]["p95_ms"] >= figures_of["page"]["p50_ms"] > 0
    assert figures_of["page"]["http_per_second"] > 0
    assert figures_of["page"]["bare_http_per_second"] > 0
    assert figures_of["report"]["html_seconds"] > 0
    assert figures_of["report"]["pdf_pages"] >= 1
    assert figures_of["report"]["pdf_peak_mb"] > 0
    assert figures_of["export"]["csv_rows"] > 0
    assert figures_of["export"]["csv_rows"] == figures_of["export"]["jsonl_rows"]
    assert figures_of["record_verify"]["events"] == 1000
    assert figures_of["record_verify"]["seconds"] > 0
    assert figures_of["grouping"]["best_seconds"] > 0
    campaign = figures_of["campaign"]
    assert campaign["pages"]["done"] == campaign["pages"]["offered"] > 0
    assert campaign["submissions"]["done"] == campaign["submissions"]["offered"] > 0
    assert campaign["errors"] == 0, campaign["first_errors"]
    assert campaign["pages"]["p99_ms"] >= campaign["pages"]["p95_ms"] >= campaign["pages"]["p50_ms"]
    # Rate limits and jobs on Redis as in production, on PostgreSQL; none beside SQLite.
    assert campaign["redis"] is bool(database_server_url)

    machine = result["machine"]
    for key in ("CPU", "Cores", "RAM", "OS", "Python", "Database", "Date"):
        assert machine[key], key
        assert machine[key] != "unknown", key
    expected_database = "PostgreSQL" if database_server_url else "SQLite"
    assert machine["Database"].startswith(expected_database)

    markdown = table.read_text("utf-8")
    assert "Smoke run" in markdown
    assert f"| Database | {machine['Database']} |" in markdown
    for label in expected:
        assert f"| {label} |" in markdown


def test_a_benchmark_that_fails_leaves_its_rows_not_measured(tmp_path: Path):
    grouping = next(b for b in BENCHMARKS if b.module == "grouping")
    broken = Benchmark("grouping", full=[], smoke=["--no-such-option"], rows=grouping.rows)
    run(broken, "sqlite", smoke=True, workdir=tmp_path)
    assert broken.error == "bench.grouping stopped with exit 2"
    [row] = rows_of(broken)
    assert row["error"] == broken.error
    assert row["result"].startswith("NOT MEASURED")


def test_a_missing_figure_is_not_measured():
    grouping = next(b for b in BENCHMARKS if b.module == "grouping")
    measured = Benchmark("grouping", full=[], smoke=[], rows=grouping.rows)
    measured.figures = {
        "comments": 300,
        "best_seconds": 0.2,
        "median_seconds": 0.2,
        "peak_mb": 5.0,
        "recall": 1.0,
    }
    [row] = rows_of(measured)
    assert row["error"] is None
    assert "0.20 s" in row["result"]

    measured.figures["best_seconds"] = None
    [row] = rows_of(measured)
    assert row["error"] == "no best_seconds from bench.grouping"
