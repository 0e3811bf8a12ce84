"""What an operator sees of a running Consult: one JSON log line per request, and metrics.

**Request log.** Every request writes one line to the ``consult.requests`` logger: a request
id (taken from a well-formed ``X-Request-ID`` of the proxy in front, otherwise made here, and
sent back in the response's ``X-Request-ID``), the method, the route's *rule* (``/ontvangst/
<code>``, never the path itself, which may hold a tracking code or a search), the status, the
duration and the requester's role (``anonymous``, ``participant``, ``staff`` or ``admin``).
Never an address, a name, a query string or a user id: the log holds no personal data. In
production the line is JSON (``CONSULT_LOG_FORMAT=json``, the default there), in
development readable text.

**Metrics.** ``GET /metrics`` answers in the Prometheus text format when
``CONSULT_METRICS_TOKEN`` is set and the scraper sends it as ``Authorization: Bearer
<token>``; without a token configured the endpoint does not exist (404). It counts requests
and their latencies per route, and reads at scrape time what only the database knows: the
jobs waiting and running, the failed ones of the last day, the Redis queue's length, and the
age of the latest signed checkpoint with the number of record leaves not yet in one (an
alert on either catches a clock that stopped). Under gunicorn with several workers, set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory so every worker's counts are added up.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Response, abort, current_app, g, request, session
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from consult import jobs, outbox, permissions
from consult.db import utcnow
from consult.extensions import db, limiter
from consult.ledger import checkpoints
from consult.ledger.models import RecordHead

request_log = logging.getLogger("consult.requests")

# A request id from the proxy is kept only when it looks like one: no log injection.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Latency buckets in seconds: the pages should answer well under a second.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED = "(unmatched)"
# The *_created series double the output and tell an operator nothing a restart would not.
disable_created_metrics()


# -- the request log -------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object per line: the time, the level, the logger, the message and the fields
    a caller passed as ``extra={"fields": {...}}``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Readable lines for a developer's terminal, with the same fields."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {})
        extra = " ".join(f"{key}={value}" for key, value in fields.items())
        return f"{super().format(record)} {extra}".rstrip()


def _configure_log(app: Flask) -> None:
    """Send the request log to stderr in the configured format, once per process."""
    if app.testing and not app.config.get("LOG_FORMAT_FORCED"):
        return  # tests read the records themselves (caplog)
    if any(getattr(h, "consult_requests", False) for h in request_log.handlers):
        return
    handler = logging.StreamHandler()
    handler.consult_requests = True  # type: ignore[attr-defined]
    if app.config.get("LOG_FORMAT") == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(message)s"))
    request_log.addHandler(handler)
    request_log.setLevel(logging.INFO)
    request_log.propagate = False


def request_id() -> str:
    """This request's id (from the proxy when well-formed, otherwise a new one)."""
    if "request_id" not in g:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
    return str(g.request_id)


def requester_role() -> str:
    """The kind of person asking, never who: read only from what the request already loaded.

    The person is not loaded from the database for the log's sake: a request that never
    looked at them says ``signed_in`` when its session names someone.
    """
    user = g.get("_login_user")
    if user is None:
        return "signed_in" if session.get("_user_id") else "anonymous"
    if not user.is_authenticated:
        return "anonymous"
    if permissions.is_platform_admin(user):
        return "admin"
    try:
        return "staff" if permissions.works_in_a_region(user) else "participant"
    except SQLAlchemyError:
        return "signed_in"  # the database went away mid-request; the line is still written


def route_of_request() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


# -- metrics ---------------------------------------------------------------------------------


class Metrics:
    """The request counters of one app, in its own registry (tests build many apps)."""

    def __init__(self) -> None:
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        # Under gunicorn the counts live in files shared by the workers; a private registry
        # would show one worker's share only.
        self.registry: CollectorRegistry | None = None if self.multiprocess else CollectorRegistry()
        registry = self.registry
        self.requests = Counter(
            "consult_http_requests",
            "HTTP requests answered, by method, route and status.",
            ("method", "route", "status"),
            registry=registry,
        )
        self.latency = Histogram(
            "consult_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route.",
            ("method", "route"),
            buckets=BUCKETS,
            registry=registry,
        )

    def exposition(self, app: Flask) -> bytes:
        if self.registry is not None:
            registry = self.registry
        else:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        state = CollectorRegistry()
        state.register(StateCollector(app))
        return generate_latest(registry) + generate_latest(state)


class StateCollector(Collector):
    """Figures read from the database when Prometheus asks, so every worker agrees."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        session = db.session
        now = utcnow()
        try:
            by_state = dict(
                session.execute(
                    select(jobs.Job.state, func.count())
                    .where(jobs.Job.state.in_((jobs.JobState.QUEUED, jobs.JobState.RUNNING)))
                    .group_by(jobs.Job.state)
                ).all()
            )
            failed = session.scalar(
                select(func.count())
                .select_from(jobs.Job)
                .where(jobs.Job.state == jobs.JobState.FAILED)
                .where(jobs.Job.finished_at >= now - timedelta(days=1))
            )
            head = session.scalar(select(RecordHead).limit(1))
            latest = checkpoints.latest(session)
            mails = outbox.counts(session)
        except SQLAlchemyError:
            logging.getLogger(__name__).exception("the metrics could not read the database")
            session.rollback()
            up = GaugeMetricFamily("consult_database_up", "Whether the database answered.")
            up.add_metric([], 0)
            yield up
            return
        up = GaugeMetricFamily("consult_database_up", "Whether the database answered.")
        up.add_metric([], 1)
        yield up

        waiting = GaugeMetricFamily(
            "consult_jobs", "Background jobs not finished, by state.", labels=["state"]
        )
        for state in (jobs.JobState.QUEUED, jobs.JobState.RUNNING):
            waiting.add_metric([state.value], by_state.get(state, 0))
        yield waiting
        failures = GaugeMetricFamily(
            "consult_jobs_failed_last_day", "Background jobs that failed in the last 24 hours."
        )
        failures.add_metric([], failed or 0)
        yield failures

        backlog = GaugeMetricFamily(
            "consult_outbox_backlog",
            "Mails in the outbox not delivered yet: waiting, being sent, or dead.",
            labels=["state"],
        )
        for state, count in mails.items():
            backlog.add_metric([state.value], count)
        yield backlog

        queue = jobs.queue_length(self.app)
        if queue is not None:
            length = GaugeMetricFamily(
                "consult_job_queue_length", "Jobs waiting in the Redis queue for a worker."
            )
            length.add_metric([], queue)
            yield length

        tree_size = head.tree_size if head is not None else 0
        signed_size = latest.tree_size if latest is not None else 0
        unsigned = GaugeMetricFamily(
            "consult_record_unsigned_leaves",
            "Events in the evidence record not yet covered by a signed checkpoint.",
        )
        unsigned.add_metric([], max(tree_size - signed_size, 0))
        yield unsigned
        if latest is not None:
            age = GaugeMetricFamily(
                "consult_record_checkpoint_age_seconds",
                "Seconds since the latest checkpoint of the evidence record was signed.",
            )
            age.add_metric([], max((now - latest.made_at).total_seconds(), 0.0))
            yield age


def _token_matches(expected: str) -> bool:
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip(), expected)


# -- wiring ----------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    _configure_log(app)
    metrics = Metrics()
    app.extensions["consult_metrics"] = metrics

    @app.before_request
    def _start_clock() -> None:
        g.request_started = time.perf_counter()
        request_id()

    @app.after_request
    def _log_request(response: Response) -> Response:
        started = g.get("request_started")
        duration = time.perf_counter() - started if started is not None else 0.0
        route = route_of_request()
        response.headers["X-Request-ID"] = request_id()
        if request.endpoint != "metrics":
            metrics.requests.labels(request.method, route, str(response.status_code)).inc()
            metrics.latency.labels(request.method, route).observe(duration)
        request_log.info(
            "%s %s %s",
            request.method,
            route,
            response.status_code,
            extra={
                "fields": {
                    "request_id": request_id(),
                    "method": request.method,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 1),
                    "role": requester_role(),
                }
            },
        )
        return response

    @limiter.exempt
    def metrics_view() -> Response:
        expected = current_app.config.get("METRICS_TOKEN")
        if not expected:
            abort(404)
        if not _token_matches(expected):
            denied = Response("A valid bearer token is needed.\n", 401, mimetype="text/plain")
            denied.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return denied
        answer = Response(metrics.exposition(current_app), mimetype=CONTENT_TYPE_LATEST)
        answer.headers["Cache-Control"] = "no-store"
        return answer

    app.add_url_rule("/metrics", endpoint="metrics", view_func=metrics_view, methods=["GET"])
