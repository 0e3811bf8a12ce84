"""Building the app: settings, extensions, every domain's rules and blueprints, the CLI."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request

from consult import errors, i18n, jobs, migrate, observability, outbox, security, transfer
from consult.accounts import init_app as init_accounts
from consult.accounts.cli import user_group
from consult.accounts.views import bp as accounts_bp
from consult.admin.region_views import bp as region_admin_bp
from consult.admin.views import bp as admin_bp
from consult.api.views import bp as api_bp
from consult.comments.cli import submissions_group
from consult.comments.views import bp as comments_bp
from consult.config import PROJECT_ROOT, ConfigError, load_config
from consult.consultations.cli import consultations_group
from consult.consultations.views import bp as consultations_bp
from consult.dashboard.views import bp as dashboard_bp
from consult.documents.views import bp as documents_bp
from consult.evidence import witnessing
from consult.evidence.bundle_views import bp as record_bundle_bp
from consult.evidence.cli import record_group
from consult.evidence.log_views import bp as record_log_bp
from consult.evidence.views import bp as record_bp
from consult.extensions import babel, csrf, db, limiter, login_manager
from consult.follows import listeners as follow_listeners
from consult.follows.cli import follows_group
from consult.follows.schedule import ScheduleError, digest_time
from consult.follows.views import bp as follows_bp
from consult.health import bp as health_bp
from consult.ledger import cosignatures
from consult.moderation.views import bp as moderation_bp
from consult.monitoring.calendar import bp as calendar_bp
from consult.monitoring.feeds import bp as feeds_bp
from consult.monitoring.views import bp as monitoring_bp
from consult.organisations.views import bp as organisations_bp
from consult.participation.views import bp as participation_bp
from consult.privacy.account_views import bp as account_erasure_bp
from consult.privacy.cli import privacy_group
from consult.privacy.submission_views import bp as erasure_bp
from consult.public.views import bp as public_bp
from consult.regions.cli import region_group
from consult.regions.views import bp as regions_bp
from consult.reports.views import bp as reactienota_bp
from consult.responses.answers.views import bp as responses_bp
from consult.responses.cli import responses_group
from consult.responses.exports import bp as exports_bp
from consult.responses.grouping.views import bp as grouping_bp
from consult.responses.tracing.views import bp as tracing_bp
from consult.seeds.cli import seed_group
from consult.web.views import bp as web_bp

# Every domain with rules (a policy.py): imported once, so that each rule is registered.
POLICY_DOMAINS = (
    "regions",
    "documents",
    "consultations",
    "comments",
    "moderation",
    "responses",
    "reports",
    "organisations",
    "privacy",
    "follows",
    "evidence",
    "admin",
)


class ConsultFlask(Flask):
    """Flask, with every absolute link on ``BASE_URL``.

    ``url_for(..., _external=True)`` would take the host from the request, which the
    client writes (``Host``, or ``X-Forwarded-Host`` behind trusted proxies); feeds and API
    answers that caches keep, canonical links and mails must point at the real address.
    """

    def url_for(
        self,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        if not _external or not has_request_context():
            return super().url_for(
                endpoint,
                _anchor=_anchor,
                _method=_method,
                _scheme=_scheme,
                _external=_external,
                **values,
            )
        relative = super().url_for(endpoint, _anchor=_anchor, _method=_method, **values)
        # The path under the app (without where a proxy mounted it), on the base URL.
        script_root = request.script_root
        if script_root and relative.startswith(script_root):
            relative = relative[len(script_root) :]
        return self.config["BASE_URL"].rstrip("/") + relative


def create_app(config: dict[str, Any] | None = None, environment: str | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error pages and security headers.

    ``config`` overrides individual settings (the tests use it); ``environment`` picks the
    settings class and defaults to ``CONSULT_ENV`` (development when unset).
    """

    app = ConsultFlask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=(config or {}).get("INSTANCE_PATH")
        or os.environ.get("CONSULT_INSTANCE_PATH")
        or str(PROJECT_ROOT / "instance"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    settings = load_config(app.instance_path, environment)
    app.config.from_object(settings)
    if config:
        app.config.update(config)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PROJECT_ROOT / "translations")
    _check_settings(app)

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app, babel)
    security.init_app(app)
    errors.init_app(app)
    observability.init_app(app)

    # Every domain's rules, registered before the first request asks for one.
    for domain in POLICY_DOMAINS:
        importlib.import_module(f"consult.{domain}.policy")

    follow_listeners.connect()
    try:
        witnessing.connect(app)  # checkpoints go to the witnesses of CONSULT_WITNESSES
    except cosignatures.WitnessConfigError as error:
        raise ConfigError(str(error)) from None
    # After the follows' receivers: the clock's tick sends what they put in the outbox.
    outbox.init_app(app)

    init_accounts(app, login_manager)

    for blueprint in (
        web_bp,
        public_bp,
        region_admin_bp,
        regions_bp,
        monitoring_bp,
        accounts_bp,
        dashboard_bp,
        admin_bp,
        health_bp,
        moderation_bp,
        consultations_bp,
        participation_bp,
        comments_bp,
        documents_bp,
        responses_bp,
        grouping_bp,
        reactienota_bp,
        tracing_bp,
        record_bp,
        record_bundle_bp,
        record_log_bp,
        erasure_bp,
        account_erasure_bp,
        feeds_bp,
        calendar_bp,
        exports_bp,
        api_bp,
        organisations_bp,
        follows_bp,
    ):
        app.register_blueprint(blueprint)

    register_commands(app)
    return app


def register_commands(app: Flask) -> None:
    """Every domain's command group, under ``consult``."""

    for group in (
        migrate.db_group,
        seed_group,
        jobs.jobs_group,
        user_group,
        region_group,
        consultations_group,
        submissions_group,
        responses_group,
        record_group,
        privacy_group,
        follows_group,
    ):
        app.cli.add_command(group)
    migrate.db_group.add_command(transfer.db_copy)
    app.cli.add_command(transfer.backup_command)
    app.cli.add_command(transfer.restore_command)


def _check_settings(app: Flask) -> None:
    """Settings that are read later, by the clock: wrong ones stop the start, not the clock."""

    try:
        digest_time(app.config)
    except ScheduleError as error:
        raise ConfigError(f"CONSULT_{error}") from None
