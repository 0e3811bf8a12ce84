"""Settings come from the environment; production refuses to run on guesses."""

import pytest

from consult.app import create_app
from consult.config import ConfigError, load_config


def test_development_generates_and_keeps_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("CONSULT_SECRET_KEY", raising=False)
    first = load_config(str(tmp_path), "development").SECRET_KEY
    second = load_config(str(tmp_path), "development").SECRET_KEY
    assert len(first) >= 48
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("CONSULT_SECRET_KEY", raising=False)
    monkeypatch.setenv("CONSULT_DATABASE_URL", "postgresql://consult@db/consult")
    with pytest.raises(ConfigError) as error:
        create_app({"INSTANCE_PATH": str(tmp_path)}, environment="production")
    message = str(error.value)
    assert "CONSULT_SECRET_KEY" in message
    assert "\n" not in message
    assert not (tmp_path / "secret_key").exists()


def production_environment(monkeypatch, **overrides):
    """Everything production needs; each test then takes one thing away."""
    settings = {
        "CONSULT_SECRET_KEY": "x" * 48,
        "CONSULT_DATABASE_URL": "postgresql://consult@db/consult",
        "CONSULT_BASE_URL": "https://consult.example.nl",
        "CONSULT_MAIL_SERVER": "smtp.example.nl",
        **overrides,
    }
    for name, value in settings.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def test_production_starts_with_all_it_needs(tmp_path, monkeypatch):
    production_environment(monkeypatch)
    settings = load_config(str(tmp_path), "production")
    assert settings.SESSION_COOKIE_SECURE
    assert settings.BASE_URL == "https://consult.example.nl"


def test_production_needs_an_https_base_url(tmp_path, monkeypatch):
    production_environment(monkeypatch, CONSULT_BASE_URL="http://consult.example.nl")
    with pytest.raises(ConfigError, match="CONSULT_BASE_URL must be the public https://"):
        load_config(str(tmp_path), "production")


def test_production_refuses_to_start_without_a_base_url(tmp_path, monkeypatch):
    """The base URL names the evidence record's log: never a default in production."""
    production_environment(monkeypatch, CONSULT_BASE_URL=None)
    with pytest.raises(ConfigError, match="CONSULT_BASE_URL is not set") as refused:
        load_config(str(tmp_path), "production")
    assert "names the evidence record's log" in str(refused.value)


def test_production_needs_a_mail_server(tmp_path, monkeypatch):
    production_environment(monkeypatch, CONSULT_MAIL_SERVER=None)
    with pytest.raises(ConfigError, match="CONSULT_MAIL_SERVER is not set"):
        load_config(str(tmp_path), "production")


def test_production_needs_a_database_url(tmp_path, monkeypatch):
    production_environment(monkeypatch, CONSULT_DATABASE_URL=None)
    with pytest.raises(ConfigError, match="CONSULT_DATABASE_URL"):
        load_config(str(tmp_path), "production")


def test_unknown_environment_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("CONSULT_ENV", "staging")
    with pytest.raises(ConfigError, match="staging"):
        load_config(str(tmp_path))


def test_settings_are_read_from_consult_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("CONSULT_DATABASE_URL", "postgresql://consult@db.example/consult")
    monkeypatch.setenv("CONSULT_REDIS_URL", "redis://cache.example:6379/2")
    monkeypatch.setenv("CONSULT_BASE_URL", "https://consult.example.nl/")
    monkeypatch.setenv("CONSULT_MAIL_SERVER", "smtp.example.nl")
    monkeypatch.setenv("CONSULT_MAIL_PORT", "2525")
    settings = load_config(str(tmp_path), "development")
    assert settings.DATABASE_URL == "postgresql://consult@db.example/consult"
    assert settings.RATELIMIT_STORAGE_URI == "redis://cache.example:6379/2"
    assert settings.BASE_URL == "https://consult.example.nl"
    assert (settings.MAIL_SERVER, settings.MAIL_PORT) == ("smtp.example.nl", 2525)


def test_a_malformed_number_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("CONSULT_MAIL_PORT", "twentyfive")
    with pytest.raises(ConfigError, match="CONSULT_MAIL_PORT must be a whole number"):
        load_config(str(tmp_path), "development")


def test_embedded_default_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("CONSULT_DATABASE_URL", raising=False)
    monkeypatch.delenv("CONSULT_REDIS_URL", raising=False)
    settings = load_config(str(tmp_path), "development")
    assert f"sqlite:///{tmp_path / 'consult.sqlite3'}" == settings.DATABASE_URL
    assert settings.RATELIMIT_STORAGE_URI == "memory://"
