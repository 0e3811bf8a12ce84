"""Outgoing email: SMTP when configured, otherwise ``.eml`` files in the instance folder.

In development nobody has to set up a mail server: every message is written to
``instance/mail/`` and its links are printed in the log, so a confirmation link is one
click away in the terminal that runs ``make run``.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template

log = logging.getLogger(__name__)
LINK = re.compile(r"https?://\S+")


class MailError(RuntimeError):
    """The message could not be handed to the mail server."""


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link to ``endpoint`` on ``BASE_URL``, for mail and other places off-site.

    Built from the configured base URL, never from the request's Host header, so a forged
    Host cannot make a password-reset mail point elsewhere. Works outside a request too.
    """
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc or "localhost",
        script_name=base.path or "/",
        url_scheme=base.scheme or "https",
    )
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)


def build_message(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="consult.invalid")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def deliver(message: EmailMessage) -> None:
    config = current_app.config
    if config.get("MAIL_SERVER"):
        _deliver_smtp(message)
    else:
        _deliver_file(message)


def send_template(to: str, subject: str, template: str, **context: object) -> EmailMessage:
    """Render ``templates/<template>.txt`` (and ``.html`` when it exists) and send it."""
    text = render_template(f"{template}.txt", **context)
    html = None
    loader = current_app.jinja_env.loader
    if loader is not None and f"{template}.html" in loader.list_templates():
        html = render_template(f"{template}.html", **context)
    message = build_message(to, subject, text, html)
    deliver(message)
    return message


def _deliver_smtp(message: EmailMessage) -> None:
    config = current_app.config
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    try:
        if config.get("MAIL_USE_SSL"):
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=15, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=15)
        with smtp:
            if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("could not send mail via %s:%s: %s", host, port, exc)
        raise MailError(str(exc)) from exc


def _deliver_file(message: EmailMessage) -> None:
    directory = Path(current_app.config["MAIL_DIRECTORY"])
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{uuid.uuid4().hex}.eml"
    path.write_bytes(bytes(message))
    body = message.get_body(("plain",))
    links = LINK.findall(body.get_content()) if body else []
    if current_app.config.get("ENV_NAME") == "production":
        log.error("mail to %s written to %s: set CONSULT_MAIL_SERVER", message["To"], path)
        return
    log.warning(
        "mail to %s (%s) written to %s%s",
        message["To"],
        message["Subject"],
        path,
        "".join(f"\n    link: {link}" for link in links),
    )
