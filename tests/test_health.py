"""Start-up checks and the health probe speak plainly about missing services."""

from consult.app import create_app
from consult.health import check_at_start
from tests.conftest import app_settings


def test_health_probe_reports_the_database(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_unreachable_database_stops_the_start_with_one_line(tmp_path, smtp_server):
    controller, _ = smtp_server
    settings = app_settings("postgresql://consult@127.0.0.1:9/consult", tmp_path, controller.port)
    problem = check_at_start(create_app(settings, environment="testing"))
    assert problem is not None
    assert problem.startswith(
        "cannot reach the database at postgresql://consult@127.0.0.1:9/consult"
    )
    assert "\n" not in problem


def test_unreachable_redis_is_a_warning_and_requests_still_work(
    tmp_path, smtp_server, database_url, caplog
):
    controller, _ = smtp_server
    settings = app_settings(database_url, tmp_path, controller.port)
    # Only the health check's Redis: the rate limiter is one object shared by every app in
    # this process, so extra apps keep the limiter settings app_settings gives them.
    settings["REDIS_URL"] = "redis://127.0.0.1:9/0"
    app = create_app(settings, environment="testing")
    assert check_at_start(app) is None
    assert "cannot reach Redis at redis://127.0.0.1:9/0" in caplog.text
    response = app.test_client().get("/health")
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "unavailable"}


def test_a_page_that_needs_the_database_says_it_is_briefly_unavailable(tmp_path, smtp_server):
    controller, _ = smtp_server
    settings = app_settings("postgresql://consult@127.0.0.1:9/consult", tmp_path, controller.port)
    broken = create_app(settings, environment="testing")
    client = broken.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:abc"  # a logged-in visitor: the layout must not need the database
    response = client.get("/regios", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Consult is briefly unavailable" in page
    assert "nothing you sent before has been lost" in page


def test_a_redis_password_never_reaches_the_log(tmp_path, smtp_server, database_url, caplog):
    controller, _ = smtp_server
    settings = app_settings(database_url, tmp_path, controller.port)
    settings["REDIS_URL"] = "redis://:s3cret-pass@127.0.0.1:9/0"
    check_at_start(create_app(settings, environment="testing"))
    assert "cannot reach Redis at redis://:***@127.0.0.1:9/0" in caplog.text
    assert "s3cret-pass" not in caplog.text
