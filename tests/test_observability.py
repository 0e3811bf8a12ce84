"""The operator's view: one request log line without personal data, and /metrics behind a token."""

from __future__ import annotations

import json
import logging
import re

import pytest

from consult import jobs
from consult.config import ConfigError, load_config
from consult.ledger import checkpoints
from consult.observability import JsonFormatter
from tests.conftest import log_in, make_client
from tests.factories.accounts import region_user, user
from tests.factories.consultations import consultation
from tests.factories.ledger import record_events

TOKEN = "metrics-token-for-the-tests-0123456789"


def request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "consult.requests"]


@pytest.fixture
def request_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="consult.requests")
    return caplog


def test_each_request_writes_one_line_with_the_route_not_the_path(client, request_log):
    secret = "a-confirmation-token-that-must-not-be-logged"
    response = client.get(f"/reactie/bevestigen/{secret}?email=someone@example.org")
    lines = request_lines(request_log)
    assert len(lines) == 1
    fields = lines[0].fields  # type: ignore[attr-defined]
    assert fields["route"] == "/reactie/bevestigen/<token>"
    assert fields["method"] == "GET"
    assert fields["status"] == response.status_code
    assert fields["role"] == "anonymous"
    assert fields["duration_ms"] >= 0
    assert re.fullmatch(r"[0-9a-f]{32}", fields["request_id"])
    assert response.headers["X-Request-ID"] == fields["request_id"]
    text = JsonFormatter().format(lines[0])
    assert secret not in text
    assert "someone@example.org" not in text


def test_a_proxys_request_id_is_kept_and_a_malformed_one_replaced(client, request_log):
    kept = client.get("/health", headers={"X-Request-ID": "lb-7f3a9c21-0001"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a9c21-0001"
    forged = client.get("/health", headers={"X-Request-ID": 'x" injected\\n{"role":"admin"}'})
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])
    ids = [line.fields["request_id"] for line in request_lines(request_log)]  # type: ignore[attr-defined]
    assert ids == ["lb-7f3a9c21-0001", forged.headers["X-Request-ID"]]


def test_the_role_is_a_kind_of_person_never_who(app, session, request_log):
    participant = user(session, email="parent@example.org")
    official = region_user(session, "official", email="official@example.org")
    admin = user(session, email="admin@example.org", admin=True)
    seen = {}
    for person in (participant, official, admin):
        browser = make_client(app)
        log_in(browser, person.email)
        request_log.clear()
        browser.get("/account/")
        line = request_lines(request_log)[-1]
        seen[person.email] = line.fields["role"]  # type: ignore[attr-defined]
        formatted = JsonFormatter().format(line)
        assert person.email not in formatted
        assert str(person.id) not in json.loads(formatted).values()
    assert seen == {
        "parent@example.org": "participant",
        "official@example.org": "staff",
        "admin@example.org": "admin",
    }


def test_the_json_line_is_one_object_with_the_fields():
    record = logging.LogRecord("consult.requests", logging.INFO, __file__, 1, "GET / 200", (), None)
    record.fields = {"route": "/", "status": 200, "role": "anonymous"}
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["route"] == "/"
    assert parsed["status"] == 200
    assert parsed["level"] == "info"
    assert parsed["message"] == "GET / 200"


# -- /metrics --------------------------------------------------------------------------------


def test_metrics_do_not_exist_without_a_token_configured(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", None)
    assert client.get("/metrics").status_code == 404


def test_metrics_need_the_bearer_token(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401
        assert "consult_http_requests" not in response.get_data(as_text=True)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def scrape(client) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def value(text: str, sample: str) -> float:
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{sample} not in the metrics:\n{text}")


def test_metrics_count_requests_per_route_and_time_them(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    sample = 'consult_http_requests_total{method="GET",route="/health",status="200"}'
    before = scrape(client)
    start = value(before, sample) if sample in before else 0.0
    for _ in range(3):
        client.get("/health")
    after = scrape(client)
    assert value(after, sample) == start + 3
    bucket = 'consult_http_request_duration_seconds_bucket{le="10.0",method="GET",route="/health"}'
    assert value(after, bucket) >= 3
    # The scrapes themselves are not counted.
    assert 'route="/metrics"' not in after


def test_metrics_read_jobs_and_the_records_checkpoint_from_the_database(
    client, app, session, monkeypatch
):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    text = scrape(client)
    queued = value(text, 'consult_jobs{state="queued"}')
    jobs.create(session, "report-pdf", "report:1")
    jobs.create(session, "report-pdf", "report:2")
    item = consultation(session)
    record_events(session, item, 3)
    with app.app_context():
        checkpoints.make(session, "manual")
    record_events(session, item, 2)
    session.flush()

    text = scrape(client)
    assert value(text, 'consult_jobs{state="queued"}') == queued + 2
    assert value(text, "consult_record_unsigned_leaves") == 2
    assert 0 <= value(text, "consult_record_checkpoint_age_seconds") < 3600
    assert value(text, "consult_database_up") == 1


@pytest.mark.parametrize(
    ("variable", "wrong", "message"),
    [
        ("CONSULT_LOG_FORMAT", "xml", "choose json or text"),
        ("CONSULT_METRICS_TOKEN", "short", "at least 16"),
    ],
)
def test_wrong_observability_settings_stop_the_start(
    tmp_path, monkeypatch, variable, wrong, message
):
    monkeypatch.setenv(variable, wrong)
    with pytest.raises(ConfigError, match=message):
        load_config(str(tmp_path), "development")


def test_production_logs_json_and_development_text(tmp_path, monkeypatch):
    monkeypatch.delenv("CONSULT_LOG_FORMAT", raising=False)
    assert load_config(str(tmp_path), "development").LOG_FORMAT == "text"
    monkeypatch.setenv("CONSULT_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("CONSULT_BASE_URL", "https://consult.example.nl")
    monkeypatch.setenv("CONSULT_MAIL_SERVER", "smtp.example.nl")
    monkeypatch.setenv("CONSULT_DATABASE_URL", "postgresql://consult@db/consult")
    assert load_config(str(tmp_path), "production").LOG_FORMAT == "json"
