"""A poster (A4 PDF) with a QR code, to hang in schools, youth centres and waiting rooms.

Its link is the consultation's public address with a channel code (``?via=school``), so
the participation page can count how many reactions came in through posters, and where
(:mod:`consult.comments.channels`): counts only, nothing about who scanned.

The QR code is made by ``segno`` as inline SVG, which WeasyPrint draws without fetching
anything; the PDF is laid out by :func:`consult.files.pdf.render_pdf` (tagged, Dutch).
The poster is made when an official asks for it: one page takes a fraction of a second.
Only the region's officials make posters: it is their tool for reaching people, and it
keeps the work of laying out PDFs away from anonymous visitors.
"""

from __future__ import annotations

from pathlib import Path

import segno
from flask import render_template, url_for
from markupsafe import Markup

from consult.comments import channels
from consult.consultations.models import Consultation
from consult.files.pdf import offline_request, render_pdf

POSTER_LOCALE = "nl"
POSTER_CSS = Path(__file__).resolve().parent.parent / "static" / "poster-print.css"
# Medium error correction (15%): a poster gets creased and scribbled on.
QR_ERROR = "m"


def poster_url(consultation: Consultation, code: str) -> str:
    """The link on the poster: the public address (``BASE_URL``) with the channel code."""
    checked = channels.normalise(code)
    if checked is None:
        raise ValueError(f"not a channel code: {code!r}")
    return url_for(
        "public.consultation",
        slug=consultation.slug,
        _external=True,
        **{channels.QUERY_ARGUMENT: checked},
    )


def qr_code(url: str) -> segno.QRCode:
    """The QR code of ``url``: a regular QR code (not Micro), readable by every phone."""
    return segno.make(url, error=QR_ERROR, micro=False)


def qr_svg(url: str, title: str) -> Markup:
    """The QR code as inline SVG without a size (the CSS gives it one), with a title."""
    svg = qr_code(url).svg_inline(
        border=4, dark="#000000", light="#ffffff", omitsize=True, title=title
    )
    return Markup(svg)  # noqa: S704 - segno's own SVG; the title is escaped by segno


def poster_html(consultation: Consultation, code: str) -> str:
    with offline_request(POSTER_LOCALE):
        url = poster_url(consultation, code)
        return render_template(
            "participation/poster_pdf.html",
            consultation=consultation,
            url=url,
            qr=qr_svg(url, consultation.title),
            css=Markup(POSTER_CSS.read_text("utf-8")),  # noqa: S704 - our own file
        )


def poster_pdf(consultation: Consultation, code: str) -> bytes:
    return render_pdf(poster_html(consultation, code))


def filename(consultation: Consultation, code: str) -> str:
    return f"poster-{consultation.slug}-{code}.pdf"
