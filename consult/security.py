"""Security headers on every response, who may cache it, no NUL characters in a request,
and proxy awareness behind a load balancer."""

from __future__ import annotations

from flask import Flask, Response, abort, request, session
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


# Pages and files that are the same for every visitor: the public pages, feeds, the open-data
# API, the record. Everything else (the account pages, a team's pages, the moderation
# queue, a receipt) holds someone's own or non-public data, and so does every page for a
# person who is logged in: those answer "no-store", so no browser history, proxy or shared
# computer keeps a copy. A new page is private until it is named here.
# (Not /health: a load balancer must never get a cached answer.)
PUBLIC_BLUEPRINTS = frozenset(
    {
        "api",
        "calendar",
        "feeds",
        "exports",
        "monitoring",
        "record",
        "record_log",
        "regions",
        "static",
    }
)
PUBLIC_ENDPOINTS = frozenset(
    {
        "public.home",
        "public.region",
        "public.organisation",
        "public.consultation",
        "public.section_comments",
        "public.version",
        "public.version_pdf",
        "public.diff",
        "public.search_page",
        "participation.public",
        "tracing.changed_section",
        "reactienota.public",
        "reactienota.public_edition",
        "reactienota.public_pdf",
        "reactienota.public_csv",
        "reactienota.public_json",
        "reactienota.schema",
        "record_bundle.public_download",
    }
)
# A public page nobody set a policy for: shared caches may keep it for a minute.
PUBLIC_PAGE_CACHE = "public, max-age=60"


def is_public_endpoint(endpoint: str | None) -> bool:
    if endpoint is None:
        return False
    return endpoint in PUBLIC_ENDPOINTS or endpoint.partition(".")[0] in PUBLIC_BLUEPRINTS


def cache_control(response: Response) -> str | None:
    """The Cache-Control this response gets, or None to keep the one its view chose."""
    if request.endpoint == "static":
        return None  # the same bytes for everyone; Flask revalidates them by ETag
    if not is_public_endpoint(request.endpoint) or current_user.is_authenticated:
        return None if "no-store" in response.headers.get("Cache-Control", "") else "no-store"
    if "Cache-Control" in response.headers:
        return None  # a feed, the API, an export: they know their own freshness and ETag
    if response.status_code != 200:
        return "no-store"
    if session or "Set-Cookie" in response.headers:
        # This visitor's session (a form's CSRF token, a message): not for shared caches.
        return "private, no-cache"
    return PUBLIC_PAGE_CACHE


def init_app(app: Flask) -> None:
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )

    @app.before_request
    def _refuse_nul_characters() -> None:
        """A NUL character is never typed, only sent: PostgreSQL cannot store or search it
        (a 500 on every text field), so a request that carries one is refused up front."""
        if any("\x00" in value for value in _submitted_values()):
            abort(400)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        policy = cache_control(response)
        if policy is not None:
            response.headers["Cache-Control"] = policy
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response


def _submitted_values() -> list[str]:
    """The text of the path's parts, the query string and a submitted form (not files, not
    JSON: the API checks its own bodies)."""
    values = [value for value in (request.view_args or {}).values() if isinstance(value, str)]
    values += [value for _, value in request.args.items(multi=True)]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        values += [value for _, value in request.form.items(multi=True)]
    return values
