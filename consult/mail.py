"""Outgoing email: SMTP when configured, otherwise ``.eml`` files in the instance folder.

Mails are not sent from here at the moment they are made: :func:`render` builds them, the
outbox (:mod:`consult.outbox`) stores them with the change that causes them and delivers
them through :func:`transport` after the commit.

In development nobody has to set up a mail server: every message is written to
``instance/mail/`` and its links are printed in the log, so a confirmation link is one
click away in the terminal that runs ``make run``.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template
from jinja2 import TemplateNotFound

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


def render(to: str, subject: str, template: str, **context: object) -> EmailMessage:
    """Render ``templates/<template>.txt`` (and ``.html`` when it exists) into a message.

    Sending is the outbox's (:func:`consult.outbox.send_template`): a message is rendered
    here, in the context of the change that causes it, and stored with that change.
    """
    text = render_template(f"{template}.txt", **context)
    html = None
    try:
        # Looked up by name (Jinja keeps what it found): listing every template, as this
        # did before, walked the template folders on each mail.
        current_app.jinja_env.get_template(f"{template}.html")
    except TemplateNotFound:
        pass
    else:
        html = render_template(f"{template}.html", **context)
    return build_message(to, subject, text, html)


Send = Callable[[int, str, bytes], None]


@contextmanager
def transport(app: Flask) -> Iterator[Send]:
    """``send(number, recipient, message bytes)`` for a batch of mails: one SMTP connection
    (opened at the first mail), or ``.eml`` files without ``MAIL_SERVER``.

    ``send`` raises :class:`MailError` when the server refuses a mail; it returns once the
    server has accepted it. The bytes go out as they are, Message-ID and all.
    """
    if not app.config.get("MAIL_SERVER"):
        yield lambda number, recipient, message: _deliver_file(app, number, recipient, message)
        return
    sender = parseaddr(app.config["MAIL_SENDER"])[1]
    held: list[smtplib.SMTP] = []

    def send(_number: int, recipient: str, message: bytes) -> None:
        try:
            if not held:
                held.append(_connect(app))
            held[0].sendmail(sender, [recipient], message)
        except (OSError, smtplib.SMTPException) as exc:
            log.error(
                "could not send mail via %s:%s: %s",
                app.config["MAIL_SERVER"],
                app.config["MAIL_PORT"],
                type(exc).__name__,
            )
            if held and not isinstance(exc, smtplib.SMTPRecipientsRefused):
                _quietly_close(held.pop())  # a broken connection is not used again
            raise MailError(str(exc)) from exc

    try:
        yield send
    finally:
        for smtp in held:
            _quietly_close(smtp)


def _connect(app: Flask) -> smtplib.SMTP:
    config = app.config
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=15, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(host, port, timeout=15)
    if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
        smtp.starttls(context=ssl.create_default_context())
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return smtp


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _deliver_file(app: Flask, number: int, recipient: str, raw: bytes) -> None:
    """One file per outbox row: a second delivery of the same row overwrites it."""
    directory = Path(app.config["MAIL_DIRECTORY"])
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"outbox-{number}.eml"
    path.write_bytes(raw)
    message = message_from_bytes(raw, policy=default_policy)
    body = message.get_body(("plain",)) if isinstance(message, EmailMessage) else None
    links = LINK.findall(body.get_content()) if body else []
    if app.config.get("ENV_NAME") == "production":
        log.error("mail to %s written to %s: set CONSULT_MAIL_SERVER", recipient, path)
        return
    log.warning(
        "mail to %s (%s) written to %s%s",
        recipient,
        message["Subject"],
        path,
        "".join(f"\n    link: {link}" for link in links),
    )
