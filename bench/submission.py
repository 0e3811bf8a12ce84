"""Benchmark: submissions per second, Consult's full path against a bare Flask insert.

Run from the project root: ``.venv/bin/python -m bench.submission`` (``--help`` for
options). It needs a PostgreSQL server (``--server``, default ``CONSULT_BENCH_DATABASE_URL``
or ``postgresql://postgres@127.0.0.1:5432/postgres``); ``--server sqlite`` runs both apps
on SQLite files instead (the smoke run of the SQLite test pass does that).

Two apps, each on a database of its own on the same server, each served by gunicorn with
the same settings (``--workers`` processes of ``--threads`` threads, gthread), each loaded
by the same generator in this process: ``--clients`` threads on keep-alive connections to
127.0.0.1, for at most ``--seconds`` seconds or ``--count`` submissions, after a warm-up.

- **Consult, the full path**: a new visitor each time GETs the comment form (session cookie,
  CSRF token, idempotency key), POSTs it with one comment, an email address and a group
  (validation, the submission, its record event, the receipt mail over SMTP to a sink in
  this process), and follows the redirect to the receipt page. One submission is those
  three requests. The app runs with its production settings; only the rate limits of the
  public forms are raised through configuration (``bench/serve.py``).
- **Bare**: ``POST /comments`` of ``bench/bare.py``, which inserts one row and commits.
- **Bare, three pages**: the same app's form page, its POST (a signed token checked, one
  row inserted, a redirect) and the receipt page that reads the row back: the floor of a
  path with three requests, which says how much of the gap is the path's shape.

The load generator shares the machine's CPUs with the servers, and costs the bare app
relatively more: read the ratio as a lower bound of what the full path costs. On a busy
machine the rates swing with everything else that runs; the servers' CPU time per
submission (gunicorn's processes, from /proc; not PostgreSQL's) swings much less, and
their ratio says what the rates would at saturation.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.support import default_server, own_database, write_figures

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY_FIELD = re.compile(
    r'name="idempotency_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="idempotency_key"'
)
TEXT = (
    "Ik vind dat de wachtlijsten voor jeugdhulp veel te lang zijn. Mijn zoon wacht al "
    "maanden op een plek. Zorg dat het wijkteam sneller kan doorverwijzen."
)


class Failure(RuntimeError):
    """A request did not get the answer the path expects."""


# -- the servers ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of process ``pid`` and its children now running (Linux
    /proc; 0 elsewhere): the servers' own work, whatever else the busy machine does."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total


SERVER_PIDS: dict[int, int] = {}  # port -> the gunicorn master's pid


@contextmanager
def gunicorn(
    target: str, environment: dict[str, str], workers: int, threads: int, probe: str
) -> Iterator[int]:
    """Serve ``target`` on a free port of 127.0.0.1 until the block ends; yields the port."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--worker-class", "gthread"]
    # No control socket: gunicorn 27 shares one at ~/.gunicorn/gunicorn.ctl across servers.
    command += ["--threads", str(threads), "--log-level", "warning", "--no-control-socket"]
    command += [target]
    process = subprocess.Popen(  # noqa: S603 - our own server, on 127.0.0.1
        command, cwd=PROJECT_ROOT, env={**os.environ, **environment}
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise Failure(f"gunicorn {target} stopped (exit {process.returncode})")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", probe)
                response = connection.getresponse()
                response.read()
                connection.close()
                if response.status < 500:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise Failure(f"gunicorn {target} did not answer within 60 s")
            time.sleep(0.2)
        SERVER_PIDS[port] = process.pid
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def smtp_sink() -> Iterator[int]:
    """An SMTP server on 127.0.0.1 that accepts every message and keeps none."""
    from aiosmtpd.controller import Controller

    class Discard:
        async def handle_DATA(self, server, session, envelope):
            return "250 Message accepted for delivery"

    controller = Controller(Discard(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


# -- the load generator --------------------------------------------------------------------


class Visitor:
    """One keep-alive connection and a cookie jar, as one browser tab."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed an idle keep-alive connection: a browser sends again.
            self.connection.close()
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return response.status, dict(response.getheaders()), data

    def close(self) -> None:
        self.connection.close()


def multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    body = "".join(parts) + f"--{boundary}--\r\n"
    return body.encode(), f"multipart/form-data; boundary={boundary}"


def form_fields(page: str, anchor: str, number: int) -> dict[str, str]:
    """What a parent fills in on the form ``page``: one comment on ``anchor``, and the form's
    own CSRF token and idempotency key (the same fields for the load and the profile)."""
    csrf, key = CSRF_FIELD.search(page), KEY_FIELD.search(page)
    if not csrf or not key:
        raise Failure("form: no CSRF token or idempotency key")
    return {
        "csrf_token": csrf.group(1),
        "idempotency_key": key.group(1) or key.group(2),
        "section_1": anchor,
        "text_1": f"{TEXT} ({number})",
        "section_2": "algemeen",
        "text_2": "",
        "section_3": "algemeen",
        "text_3": "",
        "stakeholder_group": "parent",
        "publish_text": "y",
        "email": f"ouder{number}@example.org",
    }


def to_receipt(
    visitor: Visitor, answer: tuple[int, dict[str, str], bytes], marker: str, label: str
) -> None:
    """Follow a POST's redirect (whose address holds ``marker``) to the receipt page."""
    status, headers, page = answer
    location = headers.get("Location", "")
    if status != 302 or marker not in location:
        raise Failure(f"{label}post: {status} {location or page[:300]!r}")
    path = "/" + location.split("/", 3)[3] if location.startswith("http") else location
    status, _, _ = visitor.request("GET", path)
    if status != 200:
        raise Failure(f"{label}receipt: {status}")


def consult_path(visitor: Visitor, form_path: str, anchor: str, number: int) -> float:
    """Consult's three requests for one submission: the form, the POST, the receipt page.
    Returns the POST's own seconds (the campaign reports them apart)."""
    status, _, page = visitor.request("GET", form_path, headers={"Accept-Language": "nl"})
    if status != 200:
        raise Failure(f"form: {status}")
    body, content_type = multipart(form_fields(page.decode(), anchor, number))
    began = time.perf_counter()
    answer = visitor.request("POST", form_path, body=body, headers={"Content-Type": content_type})
    post = time.perf_counter() - began
    to_receipt(visitor, answer, "/ontvangst/", "")
    return post


def full_submission(slug: str, anchor: str) -> Callable[[Visitor, int], None]:
    """Consult's path: the form, the POST, the receipt; a new visitor every time."""
    form_path = f"/consultaties/{slug}/reageren"

    def submit(visitor: Visitor, number: int) -> None:
        visitor.cookies.clear()
        consult_path(visitor, form_path, anchor, number)

    return submit


def bare_submission(visitor: Visitor, number: int) -> None:
    body = f"body={TEXT.replace(' ', '+')}+({number})&email=ouder{number}%40example.org"
    status, _, _ = visitor.request(
        "POST",
        "/comments",
        body=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    if status != 201:
        raise Failure(f"bare post: {status}")


TOKEN_FIELD = re.compile(r'name="token" value="([^"]+)"')


def bare_path(visitor: Visitor, number: int) -> None:
    """The bare app's three requests: the form, the POST, the receipt."""
    status, _, page = visitor.request("GET", "/form")
    token = TOKEN_FIELD.search(page.decode())
    if status != 200 or not token:
        raise Failure(f"bare form: {status}")
    fields = {"token": token.group(1), "body": f"{TEXT} ({number})"}
    fields["email"] = f"ouder{number}@example.org"
    body, content_type = multipart(fields)
    answer = visitor.request("POST", "/form", body=body, headers={"Content-Type": content_type})
    to_receipt(visitor, answer, "/comments/", "bare path ")


def run_load(
    port: int,
    submit: Callable[[Visitor, int], None],
    *,
    clients: int,
    count: int,
    seconds: float,
    warm_up: int,
) -> dict[str, Any]:
    """``clients`` threads submit until ``count`` are done or ``seconds`` have passed."""
    lock = threading.Lock()
    state = {"started": 0, "numbers": 0}
    latencies: list[float] = []
    errors: list[str] = []
    ready = threading.Barrier(clients + 1)
    go = threading.Event()

    def next_number() -> int:
        with lock:
            state["numbers"] += 1
            return state["numbers"]

    def client() -> None:
        visitor = Visitor(port)
        try:
            for _ in range(warm_up):
                submit(visitor, next_number())
        except Exception as error:  # reported, and the run fails
            errors.append(f"warm-up: {error!r}")
        ready.wait()
        go.wait()
        deadline = state["deadline"]
        while time.perf_counter() < deadline:
            with lock:
                if state["started"] >= count:
                    break
                state["started"] += 1
            began = time.perf_counter()
            try:
                submit(visitor, next_number())
            except Exception as error:  # counted as an error
                errors.append(repr(error))
                visitor.close()
                visitor = Visitor(port)
                continue
            with lock:
                latencies.append(time.perf_counter() - began)
        visitor.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    server = SERVER_PIDS.get(port)
    cpu_before = cpu_seconds(server) if server else 0.0
    started = time.perf_counter()
    state["deadline"] = started + seconds
    go.set()
    for thread in threads:
        thread.join(seconds + 120)
    elapsed = time.perf_counter() - started
    cpu = (cpu_seconds(server) - cpu_before) if server else 0.0
    done = len(latencies)
    ordered = sorted(latencies)
    return {
        "submissions": done,
        "errors": len(errors),
        "first_errors": errors[:3],
        "seconds": elapsed,
        "per_second": done / elapsed if done else None,
        # The servers' CPU per submission: less at the mercy of the rest of the machine.
        "server_cpu_ms": cpu / done * 1000 if done and cpu else None,
        "latency_p50_ms": statistics.median(ordered) * 1000 if ordered else None,
        "latency_p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000 if ordered else None,
    }


# -- the two apps --------------------------------------------------------------------------


BASE_URL = "https://consult.bench.invalid"


def prepare_consult(url: str, instance: str) -> tuple[str, str]:
    """Migrate, seed the regions and an open consultation of 20 sections; (slug, anchor)."""
    from consult import migrate
    from consult.app import create_app
    from consult.extensions import db
    from consult.regions.services import seed_regions
    from consult.seeds.load import seed_load

    # The base URL the served app has: the first checkpoint fixes the log's name with it.
    app = create_app(
        {"DATABASE_URL": url, "INSTANCE_PATH": instance, "BASE_URL": BASE_URL}, "testing"
    )
    with app.app_context():
        migrate.upgrade()
        seed_regions(db.session)
        db.session.commit()
        loaded = seed_load(db.session, 20, 200, seed=3)
        db.session.commit()
    db.state(app).engine.dispose()
    return loaded.slug, "s-2"


def production_environment(
    url: str, instance: str, smtp_port: int, redis: str = ""
) -> dict[str, str]:
    """Consult's environment as in production, for a benchmark's gunicorn: its database and
    instance folder, a fresh secret, mail to the SMTP sink on ``smtp_port``, and ``redis``
    (empty: the in-process fallbacks)."""
    return {
        "CONSULT_ENV": "production",
        "CONSULT_DATABASE_URL": url,
        "CONSULT_INSTANCE_PATH": instance,
        "CONSULT_SECRET_KEY": secrets.token_urlsafe(48),
        "CONSULT_BASE_URL": BASE_URL,
        "CONSULT_MAIL_SERVER": "127.0.0.1",
        "CONSULT_MAIL_PORT": str(smtp_port),
        "CONSULT_MAIL_USE_TLS": "0",
        "CONSULT_REDIS_URL": redis,
    }


def measure_consult(url: str, settings: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="consult-bench-submission-") as instance:
        slug, anchor = prepare_consult(url, instance)
        with smtp_sink() as smtp_port:
            environment = production_environment(url, instance, smtp_port)
            with gunicorn(
                "bench.serve:consult_app()",
                environment,
                settings.workers,
                settings.threads,
                f"/consultaties/{slug}",
            ) as port:
                return run_load(
                    port,
                    full_submission(slug, anchor),
                    clients=settings.clients,
                    count=settings.count,
                    seconds=settings.seconds,
                    warm_up=settings.warm_up,
                )


def measure_bare(
    url: str, settings: argparse.Namespace, path: Callable[[Visitor, int], None]
) -> dict[str, Any]:
    from bench.bare import ENVIRONMENT_KEY, create_tables

    create_tables(url)
    with gunicorn(
        "bench.bare:from_environment()",
        {ENVIRONMENT_KEY: url},
        settings.workers,
        settings.threads,
        "/comments",
    ) as port:
        return run_load(
            port,
            path,
            clients=settings.clients,
            count=settings.count,
            seconds=settings.seconds,
            warm_up=settings.warm_up,
        )


def show(label: str, figures: dict[str, Any]) -> None:
    rate = figures["per_second"]
    print(
        f"  {label:<30} {figures['submissions']:>7} in {figures['seconds']:6.1f} s = "
        f"{rate or 0:8.1f}/s   latency p50 {figures['latency_p50_ms'] or 0:7.1f} ms, "
        f"p95 {figures['latency_p95_ms'] or 0:7.1f} ms   errors {figures['errors']}   "
        f"server CPU {figures['server_cpu_ms'] or 0:6.2f} ms each",
        flush=True,
    )
    for error in figures["first_errors"]:
        print(f"    {error}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=default_server(), help="PostgreSQL URL or sqlite")
    parser.add_argument("--seconds", type=float, default=30.0, help="at most, per app")
    parser.add_argument("--count", type=int, default=20_000, help="at most, per app")
    parser.add_argument("--clients", type=int, default=8, help="threads of the load generator")
    parser.add_argument("--warm-up", type=int, default=3, help="submissions per client first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--figures", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    print(
        f"gunicorn: {args.workers} workers x {args.threads} threads (gthread); load: "
        f"{args.clients} clients, at most {args.count} submissions or {args.seconds:.0f} s each",
        flush=True,
    )
    with own_database(args.server, "submission") as url:
        print(f"database: {url.split('@')[-1]}", flush=True)
        full = measure_consult(url, args)
    show("Consult, full path", full)
    with own_database(args.server, "bare") as url:
        bare = measure_bare(url, args, bare_submission)
    show("bare Flask + SQLAlchemy insert", bare)
    with own_database(args.server, "barepath") as url:
        three = measure_bare(url, args, bare_path)
    show("bare, three pages", three)
    ratio = path_ratio = None
    if full["per_second"] and bare["per_second"]:
        ratio = bare["per_second"] / full["per_second"]
    if ratio:
        print(f"  the bare insert handles {ratio:.1f}x the full path's submissions per second")
    if full["per_second"] and three["per_second"]:
        path_ratio = three["per_second"] / full["per_second"]
        print(f"  the bare three pages handle {path_ratio:.1f}x the full path's submissions")
    cpu_ratio = None
    if full["server_cpu_ms"] and bare["server_cpu_ms"]:
        cpu_ratio = full["server_cpu_ms"] / bare["server_cpu_ms"]
        print(f"  a full-path submission costs the servers {cpu_ratio:.1f}x a bare insert's CPU")
    write_figures(
        args.figures,
        {
            "full_per_second": full["per_second"],
            "bare_per_second": bare["per_second"],
            "ratio": ratio,
            "full_errors": full["errors"],
            "bare_errors": bare["errors"],
            "full_p50_ms": full["latency_p50_ms"],
            "full_server_cpu_ms": full["server_cpu_ms"],
            "bare_server_cpu_ms": bare["server_cpu_ms"],
            "cpu_ratio": cpu_ratio,
            "bare_p50_ms": bare["latency_p50_ms"],
            "bare_path_per_second": three["per_second"],
            "bare_path_p50_ms": three["latency_p50_ms"],
            "bare_path_errors": three["errors"],
            "bare_path_server_cpu_ms": three["server_cpu_ms"],
            "path_ratio": path_ratio,
            "settings": f"{args.workers} workers x {args.threads} threads, {args.clients} clients",
        },
    )
    if full["errors"] or bare["errors"] or three["errors"] or None in (ratio, path_ratio):
        raise SystemExit("some submissions failed: the figures are not a measurement")


if __name__ == "__main__":
    main(sys.argv[1:])
