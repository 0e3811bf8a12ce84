"""The ``/api/v1`` blueprint: routes built from :data:`consult.api.spec.ENDPOINTS`.

Reads are public: GET (and HEAD, OPTIONS), so there is no form and nothing for CSRF to
protect. The one write (``POST /consultations/<slug>/submissions``) takes an organisation's
bearer token and nothing else: it never looks at the session cookie (a logged-in browser
without a token gets 401), so it is exempt from CSRF, and it gets no CORS headers at all
(a page on another site cannot make a browser send it; the preflight finds no
Access-Control-Allow-Origin). Writes are limited per token (``RATELIMIT_API_WRITE``) as
well as per address.

Every answer is JSON: data, or a problem (RFC 9457) for every error. Every data
response carries an ``ETag`` (a hash of the body) and answers ``If-None-Match`` with 304;
immutable resources also carry ``Last-Modified``. Anyone may read from any site (CORS
``*``, never with credentials). One rate limit is shared by all endpoints
(``RATELIMIT_API``, per client address).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from consult import errors
from consult.api import bodies, spec
from consult.api.problems import ApiError, problem
from consult.api.resources import Listing, Single
from consult.api.submissions import Invalid, Written
from consult.db import utcnow
from consult.extensions import csrf, db, limiter
from consult.organisations import tokens
from consult.organisations.models import ApiToken

bp = Blueprint("api", __name__, url_prefix=spec.PREFIX)

CACHE = "public, max-age=60"
DIGITS = re.compile(r"^[0-9]{1,16}$")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": (
        "ETag, Last-Modified, Link, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, "
        "X-RateLimit-Reset"
    ),
    "Access-Control-Max-Age": "86400",
}

api_limit = limiter.shared_limit(
    lambda: current_app.config.get("RATELIMIT_API", "300 per minute"), scope="api"
)
WRITE_ENDPOINTS = {f"api.{endpoint.name}" for endpoint in spec.ENDPOINTS if endpoint.is_write}
WRITE_ATTEMPTS = 5


# -- bearer tokens (writes only) --------------------------------------------------------------


def request_token() -> ApiToken | None:
    """The token whose exact secret is in the Authorization header (once per request);
    None without one. Whether it may act is :func:`tokens.authorise`'s to say."""
    if "api_token" not in g:
        value = tokens.parse_bearer(request.headers.get("Authorization"))
        g.api_token = tokens.find_token(db.session, value)
    return g.api_token


def _write_limit_key() -> str:
    """Per token when the request holds a real one; else per address (a guessed prefix
    cannot spend an organisation's allowance)."""
    token = request_token()
    if token is not None:
        return f"token:{token.prefix}"
    return f"address:{request.remote_addr or ''}"


write_limit = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_API_WRITE", "60 per minute"),
    key_func=_write_limit_key,
    scope="api-write",
)


class Unauthorised(ApiError):
    def __init__(self, status: int, reason: str, detail: str) -> None:
        super().__init__(status, detail)
        self.reason = reason


# -- cursors and parameters -------------------------------------------------------------------


def encode_cursor(after: int) -> str:
    return base64.urlsafe_b64encode(str(after).encode("ascii")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError(400, _("The cursor is not valid.")) from None
    if not DIGITS.match(raw) or int(raw) > spec.MAX_ID:
        raise ApiError(400, _("The cursor is not valid."))
    return int(raw)


def _check(parameter: spec.Parameter, raw: str) -> Any:
    """The value of one parameter, or an error: 404 for a path, 400 for a query."""
    schema = parameter.schema
    status = 404 if parameter.location == "path" else 400
    message = _("The parameter %(name)s is not valid.", name=parameter.name)
    if parameter.is_integer:
        if not DIGITS.match(raw):
            raise ApiError(status, message)
        value: Any = int(raw)
        if not schema.get("minimum", 0) <= value <= schema.get("maximum", spec.MAX_ID):
            raise ApiError(status, message)
        return value
    if "enum" in schema and raw not in schema["enum"]:
        raise ApiError(status, message)
    if "pattern" in schema and not re.fullmatch(schema["pattern"], raw):
        raise ApiError(status, message)
    return raw


def read_parameters(endpoint: spec.Endpoint, path: dict[str, str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for parameter in endpoint.all_parameters:
        if parameter.location == "path":
            params[parameter.name] = _check(parameter, path[parameter.name])
            continue
        if parameter.location == "header":
            value = request.headers.get(parameter.name)
            if value is None:
                raise ApiError(400, _("Send the header %(name)s.", name=parameter.name))
            params[parameter.name] = _check(parameter, value)
            continue
        values = request.args.getlist(parameter.name)
        if len(values) > 1:
            raise ApiError(400, _("Give the parameter %(name)s once.", name=parameter.name))
        if values:
            params[parameter.name] = _check(parameter, values[0])
        elif "default" in parameter.schema:
            params[parameter.name] = parameter.schema["default"]
    if "cursor" in params:
        params["after"] = decode_cursor(params.pop("cursor"))
    return params


# -- responses --------------------------------------------------------------------------------


def json_response(body: Any, last_modified: Any = None) -> Response:
    """JSON with a strong ETag over the exact bytes; 304 when the client has them."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    response = Response(data, mimetype="application/json")
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = CACHE
    return response.make_conditional(request)


def _next_url(endpoint: spec.Endpoint, path: dict[str, str], after: int) -> str:
    args = {k: v for k, v in request.args.items() if k != "cursor"}
    return url_for(
        f"api.{endpoint.name}", **path, **args, cursor=encode_cursor(after), _external=True
    )


def make_view(endpoint: spec.Endpoint) -> Callable[..., Response]:
    def view(**path: str) -> Response:
        params = read_parameters(endpoint, path)
        result = endpoint.handler(db.session, params)
        if isinstance(result, Listing):
            following = (
                _next_url(endpoint, path, result.next_after)
                if result.next_after is not None
                else None
            )
            response = json_response({"data": result.items, "next": following})
            if following:
                response.headers["Link"] = f'<{following}>; rel="next"'
            return response
        assert isinstance(result, Single)
        return json_response(result.body, result.last_modified)

    view.__name__ = f"api_{endpoint.name}"
    view.__qualname__ = view.__name__
    return view


REFUSALS = {
    "invalid_token": _l("Send a valid API key of your organisation: Authorization: Bearer ..."),
    "revoked": _l(
        "This API key has been revoked. Ask an admin of your organisation for a new one."
    ),
    "expired": _l("This API key has expired. Ask an admin of your organisation for a new one."),
    "insufficient_scope": _l("This API key may not do this. It needs the scope %(scope)s."),
    "unverified": _l("Your organisation is not verified (any more), so its keys cannot send."),
}


def _authorised(endpoint: spec.Endpoint, now: Any) -> ApiToken:
    assert endpoint.scope is not None
    try:
        return tokens.authorise(request_token(), endpoint.scope, now)
    except tokens.Refused as refused:
        detail = str(REFUSALS[refused.reason]) % {"scope": endpoint.scope}
        raise Unauthorised(refused.status, refused.reason, detail) from None


def _write(endpoint: spec.Endpoint, params: dict[str, Any], body: Any, token: ApiToken, now: Any):
    """Run the write's handler (it commits). SQLite lets one writer in at a time: a request
    that finds it busy starts again, a few times, as the web form does; on PostgreSQL a
    second request with the same key waits for the first and then finds its submission."""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            result = endpoint.handler(db.session, params, body, token, now)  # type: ignore[call-arg]
            assert isinstance(result, Written)
            return result
        except OperationalError as error:
            db.session.rollback()
            if attempt == WRITE_ATTEMPTS or "database is locked" not in str(error.orig):
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def make_write_view(endpoint: spec.Endpoint) -> Callable[..., Response]:
    def view(**path: str) -> Response:
        now = utcnow()
        token = _authorised(endpoint, now)
        params = read_parameters(endpoint, path)
        try:
            body = bodies.read_body()
        except bodies.BodyRefused as refused:
            raise Invalid([("", str(refused))], str(refused)) from None
        if body is None:
            raise Invalid([("", _("The body must be a JSON object."))])
        result = _write(endpoint, params, body, token, now)
        data = json.dumps(result.body, ensure_ascii=False, separators=(",", ":"))
        response = Response(data, status=result.status, mimetype="application/json")
        response.headers["Cache-Control"] = "no-store"
        for name, value in result.headers.items():
            response.headers[name] = value
        return response

    view.__name__ = f"api_{endpoint.name}"
    view.__qualname__ = view.__name__
    return view


def register_routes() -> None:
    for endpoint in spec.ENDPOINTS:
        if endpoint.is_write:
            view = csrf.exempt(make_write_view(endpoint))  # bearer only: no cookie counts
            bp.add_url_rule(
                endpoint.flask_path,
                endpoint.name,
                api_limit(write_limit(view)),
                methods=[endpoint.method.upper()],
            )
            continue
        bp.add_url_rule(
            endpoint.flask_path, endpoint.name, api_limit(make_view(endpoint)), methods=["GET"]
        )


register_routes()


def server_url() -> str:
    return url_for("api.openapi", _external=True).rsplit("/", 1)[0]


@bp.get("/openapi.json")
@api_limit
def openapi() -> Response:
    from flask_babel import force_locale

    with force_locale("en"):
        return json_response(spec.document(server_url()))


@bp.get("/docs")
@api_limit
def docs() -> str:
    document = spec.document(server_url())
    examples = {}
    bodies = {
        endpoint.name: json.dumps(endpoint.example_body, ensure_ascii=False, indent=2)
        for endpoint in spec.ENDPOINTS
        if endpoint.example_body is not None
    }
    for endpoint in spec.ENDPOINTS:
        path = endpoint.path
        for parameter in endpoint.parameters:
            if parameter.location == "path":
                path = path.replace(f"{{{parameter.name}}}", str(parameter.example))
        query = [
            f"{p.name}={p.example}"
            for p in endpoint.parameters
            if p.location == "query" and p.example is not None
        ][:1]
        examples[endpoint.name] = server_url() + path + ("?" + query[0] if query else "")
    return render_template(
        "api/docs.html",
        document=document,
        endpoints=spec.ENDPOINTS,
        examples=examples,
        bodies=bodies,
        locale=str(get_locale() or "nl"),
        page_max=spec.PAGE_MAX,
        page_default=spec.PAGE_DEFAULT,
    )


# -- everything else under /api/v1: JSON errors, never the HTML error pages -------------------


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@csrf.exempt  # it never changes anything: it only says 404 or 405
def fallback(rest: str) -> Response:
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, _args = adapter.match(request.path, method="GET")
    except (NotFound, MethodNotAllowed, RequestRedirect):
        endpoint = None
    if request.method != "POST":
        try:
            written, _args = adapter.match(request.path, method="POST")
        except (NotFound, MethodNotAllowed, RequestRedirect):
            written = None
        if written in WRITE_ENDPOINTS:  # a write's address, asked with another method
            raise MethodNotAllowed(valid_methods=["POST", "OPTIONS"])
    if endpoint and endpoint != "api.fallback" and request.method != "GET":
        raise MethodNotAllowed(valid_methods=["GET", "HEAD", "OPTIONS"])
    raise ApiError(404, _("There is no public resource at this address."))


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    if isinstance(error, Invalid):
        extra = {"errors": [{"field": name, "message": text} for name, text in error.errors]}
        return problem(error.status, error.detail, extra=extra)
    if isinstance(error, Unauthorised):
        challenge = f'Bearer realm="consult", error="{error.reason}"'
        if error.reason == "insufficient_scope":
            challenge += f', scope="{submissions_scope()}"'
        if (
            error.status == 401
            and error.reason == "invalid_token"
            and not request.headers.get("Authorization")
        ):
            challenge = 'Bearer realm="consult"'  # RFC 6750 3.1: no error without credentials
        return problem(error.status, error.detail, {"WWW-Authenticate": challenge})
    return problem(error.status, error.detail)


def submissions_scope() -> str:
    return tokens.SUBMISSION_CREATE


def _database_unavailable(error: Exception) -> Response:
    errors.forget_the_database(error)
    detail = _("We cannot reach our database right now. Try again in a few minutes.")
    return problem(503, detail, {"Retry-After": str(errors.RETRY_AFTER_SECONDS)})


for _kind in errors.DATABASE_GONE:
    bp.register_error_handler(_kind, _database_unavailable)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    original = getattr(error, "original_exception", None)
    if errors.database_gone(original):  # e.g. a DBAPIError that invalidated its connection
        return _database_unavailable(original)  # type: ignore[arg-type]
    code = error.code or 500
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    detail = ""
    if code == 429 and request.endpoint in WRITE_ENDPOINTS:
        detail = _("Too many requests with this API key. Wait a minute and try again.")
    elif code == 429:
        detail = _("Too many requests from your address. Wait a minute and try again.")
    return problem(code, detail, headers)


@bp.after_request
def _cors(response: Response) -> Response:
    if request.endpoint in WRITE_ENDPOINTS or request.method not in ("GET", "HEAD", "OPTIONS"):
        # No CORS for writes: other sites' pages may not make a browser send one.
        for name in CORS_HEADERS:
            response.headers.pop(name, None)
        return response
    for name, value in CORS_HEADERS.items():
        response.headers[name] = value
    response.headers.pop("Access-Control-Allow-Credentials", None)
    return response
