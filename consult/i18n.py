"""Dutch first, English second: locale choice and Dutch formatting of dates and numbers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from flask_babel import (
    Babel,
    force_locale,
    format_date,
    format_datetime,
    format_decimal,
    get_translations,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}
# The language the regions write their plans, questions and answers in, and in which
# participants comment: the interface is translated, this content is not.
CONTENT_LOCALE = "nl"


def select_locale() -> str:
    """The visitor's own choice (cookie), then their account, then Accept-Language, then nl."""
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(current_app.config["LANGUAGE_COOKIE_NAME"])
    if chosen in languages:
        return chosen
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    return request.accept_languages.best_match(languages, default=languages[0])


def content_lang() -> Markup:
    """` lang="nl"` for an element holding the regions' or participants' own (Dutch) text
    when the interface is in another language, so a screen reader pronounces it as Dutch;
    nothing in the Dutch interface, where the page's own language already says so."""
    if current_locale() == CONTENT_LOCALE:
        return Markup("")
    return Markup(' lang="{}"').format(CONTENT_LOCALE)


def current_locale() -> str:
    if "locale" not in g:
        g.locale = select_locale()
    return g.locale


@contextmanager
def in_language(locale: str) -> Iterator[None]:
    """Render in ``locale``, also where no request says which language (a job, a mail).

    The templates' context asks for the request's language unless ``g.locale`` is set;
    in a job there is no request, so it is set here, and put back afterwards.
    """
    missing = object()
    before = g.get("locale", missing)
    g.locale = locale
    try:
        with force_locale(locale):
            yield
    finally:
        if before is missing:
            g.pop("locale", None)
        else:
            g.locale = before


def safe_next_url(target: str | None, fallback: str = "/") -> str:
    """Only a path on this site: never an absolute URL an attacker could send people to."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    # Control characters: a browser drops tabs and line breaks from a URL (so "/\t/evil"
    # would be "//evil"), and a line break cannot go into the Location header at all.
    if any(ord(character) < 32 or ord(character) == 127 for character in target):
        return fallback
    return target


def format_moment(value: datetime | None, style: str = "long") -> str:
    return format_datetime(value, style) if value else ""


def _translations() -> Any:
    """This request's translations, looked up once per locale instead of once per string.

    Flask-Babel finds the domain, the locale and the cache on every call, which is a
    quarter of the render time of a page with a few thousand strings. The cache follows
    the locale object, so ``force_locale`` (mail in the recipient's language) still works.
    """
    state = g.get("_flask_babel")
    locale = getattr(state, "babel_locale", None) if state is not None else None
    cached = g.get("_consult_translations")
    if locale is not None and cached is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    locale = getattr(g.get("_flask_babel"), "babel_locale", None)
    if locale is not None:
        g._consult_translations = (locale, translations)
    return translations


def init_app(app: Flask, babel: Babel) -> None:
    babel.init_app(
        app,
        locale_selector=current_locale,
        timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"],
    )
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.filters["moment"] = format_moment
    app.jinja_env.filters["day"] = lambda value, style="long": (
        format_date(value, style) if value else ""
    )
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.globals["content_lang"] = content_lang

    @app.context_processor
    def _language_context() -> dict[str, object]:
        return {"current_locale": current_locale(), "language_names": LANGUAGE_NAMES}


# Referenced so that extraction picks up the language names' accessible label.
LANGUAGE_SWITCH_LABEL = _l("Language")
