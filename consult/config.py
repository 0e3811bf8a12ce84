"""Settings, read from ``CONSULT_*`` environment variables.

One class per environment. Secrets never live in code: development keeps a generated
secret key in the instance folder, production refuses to start without one.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# The checkout (or installed tree) the app runs from: templates, translations, migrations.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message is one line a person can act on."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"CONSULT_{name}")
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"CONSULT_{name} must be a whole number, not {value!r}.") from exc


def parse_witnesses(value: str) -> list[tuple[str, str]]:
    """``CONSULT_WITNESSES`` as (vkey, URL) pairs; the vkey itself is checked where it is
    used (``consult.ledger.cosignatures.configured``), the shape here."""
    pairs = []
    for entry in value.replace("\n", ";").split(";"):
        if not entry.strip():
            continue
        parts = entry.split()
        if len(parts) != 2 or not parts[1].startswith(("https://", "http://")):
            raise ConfigError(
                f"CONSULT_WITNESSES: {entry.strip()!r} is not '<witness vkey> <https:// URL>'; "
                "separate witnesses with ';'."
            )
        pairs.append((parts[0], parts[1].rstrip("/")))
    return pairs


class Config:
    ENV_NAME = "base"
    DEBUG = False
    TESTING = False

    # Languages and time: Dutch first, shown in Amsterdam time, stored in UTC.
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    LANGUAGES = ("nl", "en")

    # Cookies: HttpOnly and SameSite everywhere; Secure wherever we run on HTTPS.
    SESSION_COOKIE_NAME = "consult_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_NAME = "consult_remember"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    LANGUAGE_COOKIE_NAME = "consult_lang"

    # A parent may take longer than an hour over a comment; the token lives as long as
    # the session does, so a slow writer never loses their text to an expired form.
    WTF_CSRF_TIME_LIMIT = None
    # A 10 MB Word file plus its form. The two forms that take three attachments raise it
    # for themselves (comments.submit, consultations.add_activity).
    MAX_CONTENT_LENGTH = 11 * 1024 * 1024

    EMAIL_TOKEN_MAX_AGE = 48 * 3600
    PASSWORD_RESET_MAX_AGE = 3600

    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # Per client address: high enough for a training session of officials behind one office
    # connection. Guessing one account's password is stopped per account (accounts/lockout).
    RATELIMIT_LOGIN = "100 per minute"
    RATELIMIT_PASSWORD_FORMS = "10 per minute"  # noqa: S105 (a rate, no secret)
    LOGIN_FREE_FAILURES = 5
    LOGIN_LOCK_SECONDS = 60
    LOGIN_LOCK_MAX_SECONDS = 24 * 3600
    LOGIN_FAILURES_KEPT_SECONDS = 24 * 3600
    RATELIMIT_ACCOUNT_MAIL = "5 per 15 minutes"
    DEFAULT_LOG_FORMAT = "text"
    # Comments sent without e-mail wait for a moderator: per visitor's address, and per
    # consultation (counted only when one is stored; see comments.views).
    RATELIMIT_NO_EMAIL = "5 per hour"
    RATELIMIT_NO_EMAIL_CONSULTATION = "200 per hour"

    def __init__(self, instance_path: str) -> None:
        self.INSTANCE_PATH = instance_path
        self.DATABASE_URL = _env("DATABASE_URL") or self.default_database_url(instance_path)
        self.REDIS_URL = _env("REDIS_URL")
        self.BASE_URL = (_env("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
        self.SECRET_KEY = _env("SECRET_KEY") or self.fallback_secret_key(instance_path)
        self.TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
        # A session of someone on a region's team (or a platform admin) ends after this many
        # hours without a request.
        self.STAFF_IDLE_HOURS = _env_int("STAFF_IDLE_HOURS", 8)

        self.MAIL_SERVER = _env("MAIL_SERVER")
        self.MAIL_PORT = _env_int("MAIL_PORT", 587)
        self.MAIL_USERNAME = _env("MAIL_USERNAME")
        self.MAIL_PASSWORD = _env("MAIL_PASSWORD")
        self.MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
        self.MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
        self.MAIL_SENDER = _env("MAIL_SENDER", "Consult <noreply@consult.invalid>")
        self.MAIL_DIRECTORY = str(Path(instance_path) / "mail")

        # Background jobs: "rq" on Redis when REDIS_URL is set, else "thread" (in process).
        self.JOBS_RUNNER = _env("JOBS_RUNNER") or ("rq" if self.REDIS_URL else "thread")
        # The outbox (consult/outbox.py): how often the deliverer looks for due mails, how
        # long a claim holds before another worker takes the mail over, the first pause
        # before a retry (it doubles each time, at most an hour), and the attempts before
        # a mail is dead (shown to platform admins).
        self.OUTBOX_POLL_SECONDS = _env_int("OUTBOX_POLL_SECONDS", 5)
        self.OUTBOX_CLAIM_TIMEOUT_SECONDS = _env_int("OUTBOX_CLAIM_TIMEOUT_SECONDS", 300)
        self.OUTBOX_RETRY_SECONDS = _env_int("OUTBOX_RETRY_SECONDS", 30)
        self.OUTBOX_MAX_ATTEMPTS = _env_int("OUTBOX_MAX_ATTEMPTS", 10)

        # An uploaded Word or Markdown file is converted in a child process with these
        # limits (consult/documents/sandbox.py): CPU seconds and address space in MB.
        self.IMPORT_CPU_SECONDS = _env_int("IMPORT_CPU_SECONDS", 20)
        self.IMPORT_MEMORY_MB = _env_int("IMPORT_MEMORY_MB", 1024)

        # One line per request on stderr: "json" for a log collector, "text" for a person.
        self.LOG_FORMAT = _env("LOG_FORMAT", self.DEFAULT_LOG_FORMAT)
        if self.LOG_FORMAT not in {"json", "text"}:
            raise ConfigError(f"CONSULT_LOG_FORMAT is {self.LOG_FORMAT!r}; choose json or text.")
        # GET /metrics answers only a scraper that sends this as a bearer token; unset: no
        # /metrics at all.
        self.METRICS_TOKEN = _env("METRICS_TOKEN")
        if self.METRICS_TOKEN is not None and len(self.METRICS_TOKEN) < 16:
            raise ConfigError(
                "CONSULT_METRICS_TOKEN is too short: use at least 16 random characters."
            )

        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        # A Redis that does not answer must not hold a request up: after this long the
        # limits fall back to memory and a job runs in this process (see consult.jobs).
        self.REDIS_TIMEOUT_SECONDS = 2
        self.RATELIMIT_STORAGE_OPTIONS = {
            "socket_connect_timeout": self.REDIS_TIMEOUT_SECONDS,
            "socket_timeout": self.REDIS_TIMEOUT_SECONDS,
        }
        self.RATELIMIT_KEY_PREFIX = _env("RATELIMIT_KEY_PREFIX", "consult")
        # A comment form sent back sooner than this after it was given out is shown again
        # (with everything typed) rather than stored: people take longer, programs do not.
        self.COMMENT_MIN_FILL_SECONDS = _env_int("COMMENT_MIN_FILL_SECONDS", 4)

        # The witnesses that cosign the record's checkpoints (docs/evidence-record.md,
        # "Becoming a witness"): entries separated by ";" or newlines, each
        # "<witness vkey> <URL of its add-checkpoint prefix>".
        self.WITNESSES = parse_witnesses(_env("WITNESSES", "") or "")

        # The daily follow email goes out on the first clock tick after this Amsterdam
        # time ("HH:MM"); "off" turns that off (then run `consult follows digest` from cron).
        self.FOLLOWS_DIGEST_AT = _env("FOLLOWS_DIGEST_AT", "07:00")

    @staticmethod
    def default_database_url(instance_path: str) -> str:
        return f"sqlite:///{Path(instance_path) / 'consult.sqlite3'}"

    def fallback_secret_key(self, instance_path: str) -> str:
        """Development keeps one generated key, so sessions survive a restart."""
        path = Path(instance_path) / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = True


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    DEFAULT_LOG_FORMAT = "json"

    def fallback_secret_key(self, instance_path: str) -> str:
        raise ConfigError(
            "CONSULT_SECRET_KEY is not set: production needs a long random secret, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'."
        )

    def __init__(self, instance_path: str) -> None:
        super().__init__(instance_path)
        if len(self.SECRET_KEY) < 32:  # checked first: the most common mistake
            raise ConfigError("CONSULT_SECRET_KEY is too short: use at least 32 random characters.")
        if _env("BASE_URL") is None:
            raise ConfigError(
                "CONSULT_BASE_URL is not set: production needs the site's public https:// "
                "address, e.g. https://consult.example.nl. It names the evidence record's "
                "log (fixed by its first checkpoint) and builds the links in emails."
            )
        if not self.BASE_URL.startswith("https://"):
            raise ConfigError(
                "CONSULT_BASE_URL must be the public https:// address, e.g. "
                "https://consult.example.nl: links in emails are built from it."
            )
        if not self.MAIL_SERVER:
            raise ConfigError(
                "CONSULT_MAIL_SERVER is not set: production delivers confirmation and reset "
                "emails over SMTP (see the configuration table in README.md)."
            )
        if _env("DATABASE_URL") is None:
            raise ConfigError(
                "CONSULT_DATABASE_URL is not set: production runs on PostgreSQL, e.g. "
                "postgresql+psycopg://consult@db.example/consult."
            )


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    RATELIMIT_KEY_PREFIX = "consult-test"

    def __init__(self, instance_path: str) -> None:
        super().__init__(instance_path)
        # Tests post forms at once; tests/comments/test_without_email.py sets its own.
        self.COMMENT_MIN_FILL_SECONDS = _env_int("COMMENT_MIN_FILL_SECONDS", 0)
        # Jobs run in the request, on the test's transaction; tests/test_jobs.py runs RQ.
        self.JOBS_RUNNER = _env("JOBS_RUNNER") or "inline"
        # Tests run the daily email themselves: a clock tick in some other test must not.
        self.FOLLOWS_DIGEST_AT = _env("FOLLOWS_DIGEST_AT", "off")

    def fallback_secret_key(self, instance_path: str) -> str:
        return "testing-secret-key-not-for-production-use-0123456789"


ENVIRONMENTS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def load_config(instance_path: str, environment: str | None = None) -> Config:
    name = environment or _env("ENV", "development")
    try:
        cls = ENVIRONMENTS[name]
    except KeyError:
        choices = ", ".join(sorted(ENVIRONMENTS))
        raise ConfigError(f"CONSULT_ENV is {name!r}; choose one of {choices}.") from None
    return cls(instance_path)
