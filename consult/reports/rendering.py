"""The reactienota in its four formats: an HTML page, a PDF, a CSV and a JSON file.

Every format is made from an edition's ``content`` (see :mod:`consult.reports.services`)
and nothing else, so a published edition looks the same for ever.

The PDF is laid out by Typst in a background job (:func:`make_pdf`), from the same HTML
the templates make (:func:`pdf_html`), through :mod:`consult.files.typeset`: in volumes,
each in a process of its own, joined into one tagged PDF/A-2a and PDF/UA-1 file. Typst
reads no file and fetches nothing; every text of the HTML becomes a Typst string, so a
comment that holds ``<img src="file:///etc/passwd">`` or ``#panic()`` is printed as those
characters. (WeasyPrint took 450 s and 3.5 GB for 20,000 comments; it still lays out the
plan and the poster, see :mod:`consult.files.pdf`.)
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import format_date, format_datetime, format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from consult import jobs
from consult.comments.models import HideReason
from consult.comments.text import render_comment
from consult.consultations.models import ActivityKind
from consult.files.pdf import offline_request
from consult.files.typeset import typeset_pdf, typeset_pdf_for_job
from consult.jobs import Job, Progress
from consult.ledger import canonical, signing
from consult.participation import questionnaire
from consult.reports import services as reactienota
from consult.reports.models import ReportFile, ResponseReport
from consult.responses.models import DISPOSITION_EXPLANATIONS, Disposition
from consult.stakeholders.models import AgeBand
from consult.web.spreadsheet import formula_safe

log = logging.getLogger(__name__)

PDF_KIND = "report-pdf"
PDF_WORK = "consult.reports.rendering:make_pdf"
PDF_LOCALE = "nl"
PDF_STEPS = 5
PRINT_CSS = Path(__file__).resolve().parent.parent / "static" / "reactienota-print.css"

# Colours of the dispositions in the chart (Okabe-Ito, readable with colour blindness);
# the table beside the chart gives the same figures, so colour is never the only cue.
DISPOSITION_COLOURS = {
    Disposition.ADOPTED.value: "#007a5a",
    Disposition.PARTLY_ADOPTED.value: "#56b4e9",
    Disposition.NOT_ADOPTED.value: "#d55e00",
    Disposition.ALREADY_COVERED.value: "#0072b2",
    Disposition.OUT_OF_SCOPE.value: "#999999",
    Disposition.NOTED.value: "#e69f00",
    "unanswered": "#ffffff",
}


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


# -- the content in words ------------------------------------------------------------------------


class ReportView:
    """An edition's content with what the templates need to put it in words.

    ``external`` makes every link absolute (the PDF); the page uses paths.
    """

    def __init__(self, content: dict[str, Any], locale: str, *, external: bool = False) -> None:
        self.c = content
        self.locale = locale
        self.external = external
        self._answers = {a["ref"]: a for a in content["answers"]}
        self._sections = {s["anchor"]: s for s in content["sections"] if s["anchor"]}
        # Looked up once: an appendix of 20,000 rows asks for them 20,000 times each, and
        # every gettext call costs Flask-Babel a context lookup.
        language = "label_nl" if locale == "nl" else "label_en"
        self._groups = {g["code"]: str(g[language]) for g in content["stakeholder_groups"]}
        self._dispositions: dict[str | None, str] = {d.value: d.label for d in Disposition}
        self._dispositions[None] = self._dispositions["unanswered"] = _("not answered yet")
        self._whole = (_("The whole document"), _("whole document"))
        self._age_bands = {band.value: band.label for band in AgeBand}
        self._cached_words: dict[str, Markup] | None = None

    # labels
    def group(self, code: str, *, capital: bool = False) -> str:
        """The group's name in the reader's language; ``capital`` to start a line with it."""
        label = self._groups.get(code, code)
        return label[:1].upper() + label[1:] if capital else label

    def disposition(self, code: str | None) -> str:
        return self._dispositions[code]

    def explanation(self, code: str) -> str:
        return str(DISPOSITION_EXPLANATIONS[Disposition(code)])

    def age_band(self, code: str | None) -> str:
        return self._age_bands[code] if code else ""

    def row_group(self, code: str) -> str:
        """A row of a questionnaire table: the group's name with a capital."""
        return self.group(code, capital=True)

    def row_age_band(self, code: str | None) -> str:
        """A row of a questionnaire table: the age band, or that none was given."""
        label = questionnaire.age_band_label(code)
        return label[:1].upper() + label[1:]

    def hide_reason(self, code: str) -> str:
        return HideReason(code).label

    def activity(self, code: str) -> str:
        return ActivityKind(code).label

    def colour(self, code: str) -> str:
        return DISPOSITION_COLOURS[code]

    # figures and moments
    def when(self, value: str | None, pattern: str = "d MMMM y, HH:mm") -> str:
        moment = _moment(value)
        return format_datetime(moment, pattern) if moment else ""

    def day(self, value: str | None) -> str:
        if not value:
            return ""
        moment = date.fromisoformat(value) if len(value) == 10 else _moment(value)
        return format_date(moment, "long")

    def number(self, value: int) -> str:
        return format_decimal(value)

    def percent(self, part: int, whole: int) -> str:
        return format_percent(part / whole if whole else 0, "#,##0%")

    # lookups
    def answer(self, ref: int) -> dict[str, Any]:
        return self._answers[ref]

    def section_title(self, anchor: str | None) -> str:
        if anchor is None:
            return self._whole[0]
        section = self._sections.get(anchor)
        if section is None:
            return anchor
        return f"{section['number']} {section['heading']}".strip()

    def section_number(self, anchor: str | None) -> str:
        if anchor is None:
            return self._whole[1]
        section = self._sections.get(anchor)
        return (section["number"] or section["heading"]) if section else anchor

    def section_id(self, anchor: str | None) -> str:
        return f"rn-{anchor}" if anchor else "rn-algemeen"

    # links
    def url(self, endpoint: str, **values: Any) -> str:
        return url_for(endpoint, _external=self.external, **values)

    def version_url(self, number: int, anchor: str | None = None) -> str | None:
        document = self.c["consultation"]["document"]
        if not document:
            return None
        return self.url("public.version", document_id=document["id"], number=number, _anchor=anchor)

    def chart(self) -> Markup:
        return disposition_chart(self)

    # long lists, made here rather than by a Jinja macro per row: at 20,000 comments the
    # macro calls were most of the page's time (issue 19). Same HTML, every value escaped.
    def comment_items(self, items: list[dict[str, Any]]) -> Markup:
        """The ``<li>`` of each quoted comment (was the ``comment_item`` macro)."""
        words = self._words()
        parts = []
        for item in items:
            part = ['<li class="consult-report__comment">']
            if item.get("paragraph"):
                part.append(
                    '<div class="consult-report__paragraph">'
                    f'<p class="consult-report__paragraph-label">{words["paragraph"]}</p>'
                    '<blockquote class="consult-report__paragraph-quote"><p>'
                    f"{escape(item['paragraph']['text'])}</p></blockquote></div>"
                )
            part.append(
                f'<blockquote class="consult-report__quote">{render_comment(item["text"])}'
                '</blockquote><p class="consult-report__meta"><span class="consult-report__code">'
                f"{escape(item['code'])}"
            )
            if item["comment"] > 1:
                part.append(f"/{item['comment']}")
            part.append(f"</span> · {escape(self.group(item['group']))}")
            if item.get("age_band"):
                part.append(f" · {escape(self.age_band(item['age_band']))}")
            for key in ("municipality", "name"):
                if item.get(key):
                    part.append(f" · {escape(item[key])}")
            organisation = item.get("organisation")
            if organisation:
                state = words["verified" if organisation["verified"] else "not_verified"]
                behalf = _("on behalf of %(organisation)s", organisation=organisation["name"])
                part.append(f" · {escape(behalf)} ({state})")
            part.append("</p>")
            if item.get("near_identical"):
                similar = ngettext(
                    "This text stands for %(num)s more comment that says (nearly) the same.",
                    "This text stands for %(num)s more comments that say (nearly) the same.",
                    item["near_identical"],
                )
                part.append(f'<p class="consult-report__similar">{escape(similar)}</p>')
            part.append("</li>")
            parts.append("".join(part))
        return Markup("\n".join(parts))  # noqa: S704 - every value escaped above

    def appendix_rows(self, rows: list[dict[str, Any]], *, compact: bool) -> Markup:
        """The appendix's lines (PDF, ``compact``) or table rows (web page)."""
        words = self._words()
        sections: dict[str | None, tuple[str, str]] = {}
        parts = []
        for row in rows:
            anchor = row["section"]
            if anchor not in sections:
                sections[anchor] = (escape(self.section_number(anchor)), self.section_id(anchor))
            number, section_id = sections[anchor]
            code = escape(row["code"]) + (f"/{row['comment']}" if row["comment"] > 1 else "")
            answer = f"{row['answer']}: " if row["answer"] else ""
            disposition = escape(self.disposition(row["disposition"]))
            status = row["text_status"]
            if status == "published":
                text = f'<a href="#{section_id}">{words["quoted"]}</a>'
            else:
                text = words["hidden" if status == "hidden" else "withheld"]
            group = escape(self.group(row["group"], capital=not compact))
            if compact:
                parts.append(
                    f'<li><span class="consult-report__code">{code}</span> · {number} · '
                    f"{group} · {answer}{disposition} · {text}</li>"
                )
            else:
                parts.append(
                    f'<tr><th scope="row">{code}</th><td>{number}</td><td>{group}</td>'
                    f"<td>{answer}{disposition}</td><td>{text}</td></tr>"
                )
        return Markup("\n".join(parts))  # noqa: S704 - every value escaped above

    def _words(self) -> dict[str, Markup]:
        """Fixed words of the long lists, translated once per view."""
        if self._cached_words is None:
            self._cached_words = {
                "paragraph": escape(_("About this paragraph of the plan:")),
                "verified": escape(_("organisation verified")),
                "not_verified": escape(_("organisation not verified")),
                "quoted": escape(_("quoted")),
                "withheld": escape(_("not published")),
                "hidden": escape(_("hidden by the moderator")),
            }
        return self._cached_words


def disposition_chart(view: ReportView) -> Markup:
    """Dispositions per stakeholder group as horizontal stacked bars, in plain SVG.

    Made on the server, so it works without JavaScript and in the PDF. It has a title and
    a description for screen readers; the table next to it holds the same figures.
    """
    stats = view.c["statistics"]
    rows = [
        (view.group(row["group"], capital=True), row) for row in stats["by_group"] if row["total"]
    ]
    if stats["all"]["total"]:
        rows.append((_("All comments"), stats["all"]))
    keys = [*stats["dispositions"], "unanswered"]
    used = [k for k in keys if any(_count(row, k) for _label, row in rows)]
    # Labels above the bars, so the chart stays readable when a phone scales it down.
    width, label_height, bar_height, gap, legend_line = 480, 19, 20, 12, 22
    row_height = label_height + bar_height + gap
    legend_top = len(rows) * row_height + 4
    height = legend_top + ((len(used) + 1) // 2) * legend_line + 2
    dark = 'fill="#1a1a1a"'
    outline = 'stroke="#1a1a1a" stroke-width="0.5"'
    title = _("Dispositions per stakeholder group")
    description = _(
        "For each group a bar of 100 percent, divided into what was done with its "
        "comments. The table below gives the same figures."
    )
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" class="consult-report-chart" role="img"'
        f' viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        ' aria-labelledby="rn-chart-title rn-chart-desc"'
        ' font-family="DejaVu Sans, Arial, sans-serif" font-size="14">'
        f'<title id="rn-chart-title">{escape(title)}</title>'
        f'<desc id="rn-chart-desc">{escape(description)}</desc>'
    ]
    for index, (label, row) in enumerate(rows):
        y = index * row_height
        parts.append(
            f'<text x="0" y="{y + 14}" {dark}>{escape(_short(label, 48))}'
            f" ({escape(view.number(row['total']))})</text>"
        )
        x = 0.0
        total = row["total"] or 1
        for key in used:
            count = _count(row, key)
            if not count:
                continue
            segment = (width - 1) * count / total
            hint = f"{label}: {view.disposition(key)} {view.number(count)}"
            parts.append(
                f'<rect x="{x + 0.5:.2f}" y="{y + label_height}" width="{segment:.2f}"'
                f' height="{bar_height}" fill="{DISPOSITION_COLOURS[key]}" {outline}>'
                f"<title>{escape(hint)} ({escape(view.percent(count, total))})</title></rect>"
            )
            x += segment
    for index, key in enumerate(used):
        x = (index % 2) * (width / 2)
        y = legend_top + (index // 2) * legend_line
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{y}" width="14" height="14"'
            f' fill="{DISPOSITION_COLOURS[key]}" {outline}/>'
            f'<text x="{x + 22:.1f}" y="{y + 12}" {dark}>'
            f"{escape(_short(view.disposition(key), 30))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value in it is escaped above


def _count(row: dict[str, Any], key: str) -> int:
    return int(row["unanswered"] if key == "unanswered" else row["counts"].get(key, 0))


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# -- HTML ----------------------------------------------------------------------------------------


def article_html(report: ResponseReport, locale: str) -> Markup:
    """The report's chapters for the web page, in ``locale``: kept by the job, or made now.

    Call it in a request context (it makes links with ``url_for``).
    """
    stored = reactienota.file_of(session_of(report), report, f"html-{locale}")
    if stored is not None:
        return Markup(stored.data.decode("utf-8"))  # noqa: S704 - rendered by us, escaped
    return Markup(  # noqa: S704 - a rendered template, escaped by Jinja
        render_template("reports/_report_article.html", r=ReportView(report.content, locale))
    )


def page_context(report: ResponseReport, locale: str) -> dict[str, Any]:
    return {
        "report": report,
        "r": ReportView(report.content, locale),
        "article": article_html(report, locale),
    }


def session_of(report: ResponseReport) -> Session:
    from sqlalchemy.orm import object_session

    session = object_session(report)
    assert session is not None, "the report must belong to a session"
    return session


def pdf_html(report: ResponseReport, locale: str = PDF_LOCALE) -> str:
    """The HTML WeasyPrint lays out: the report body, a cover, a table of contents, the CSS.

    Rendered in a request context of its own at the public address (``BASE_URL``), so the
    links in the PDF are absolute and nothing depends on who asked for the job.
    """
    with offline_request(locale):
        return render_template(
            "reports/report_pdf.html",
            report=report,
            r=ReportView(report.content, locale, external=True),
            css=Markup(PRINT_CSS.read_text("utf-8")),  # noqa: S704 - our own file
            locale=locale,
            key_fingerprint=signing.current_fingerprint(),
        )


# -- PDF -----------------------------------------------------------------------------------------


def _moment_of(report: ResponseReport) -> datetime | None:
    """The PDF's creation date: when the edition was made (the same file for the same
    edition, whoever asks again)."""
    moment = report.generated_at
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def pdf_bytes(report: ResponseReport, locale: str = PDF_LOCALE) -> bytes:
    """The reactienota as a PDF, laid out now (the job keeps it; tests and the bench)."""
    return typeset_pdf(pdf_html(report, locale), timestamp=_moment_of(report))


def start_pdf(session: Session, report: ResponseReport) -> Job:
    """Queue the PDF of ``report``; it starts when the caller commits."""
    job = jobs.create(session, PDF_KIND, f"report:{report.id}")
    jobs.start_after_commit(session, job, PDF_WORK)
    return job


def pdf_job(session: Session, report: ResponseReport) -> Job | None:
    return jobs.latest(session, PDF_KIND, f"report:{report.id}")


def make_pdf(session: Session, job: Job, progress: Progress) -> None:
    """The background job: the edition's PDF, and its web page chapters in every language.

    Each is kept as a :class:`ReportFile`. When the edition was made again while this ran,
    the results belong to content that no longer exists and are thrown away.
    """
    report_id = int(job.subject.partition(":")[2])
    report = session.get(ResponseReport, report_id)
    if report is None:
        return
    rendered_hash = report.content_hash
    progress(1, PDF_STEPS, "pages")
    articles = {}
    for locale in current_app.config.get("LANGUAGES", ("nl", "en")):
        with offline_request(locale):
            articles[locale] = render_template(
                "reports/_report_article.html", r=ReportView(report.content, locale)
            )
    progress(2, PDF_STEPS, "html")
    html = pdf_html(report)
    data = typeset_pdf_for_job(
        html, progress, step=3, total=PDF_STEPS, timestamp=_moment_of(report)
    )
    progress(5, PDF_STEPS, "save")
    # End the read transaction held since the start before writing: on SQLite (WAL) a
    # transaction whose snapshot predates the progress written meanwhile from another
    # connection cannot become a writer ("database is locked"). Harmless on PostgreSQL.
    session.commit()
    session.refresh(report)
    if report.content_hash != rendered_hash:
        log.info("reactienota %s changed while its files were made; discarded", report_id)
        return
    for locale, article in articles.items():
        store_file(session, report, f"html-{locale}", "text/html", article.encode("utf-8"))
    store_file(session, report, "pdf", "application/pdf", data)


def store_file(
    session: Session, report: ResponseReport, format: str, content_type: str, data: bytes
) -> ReportFile | None:
    """Keep a rendering; a published edition's file, once there, is never replaced."""
    existing = reactienota.file_of(session, report, format)
    if existing is not None:
        if report.is_published:
            return existing
        session.delete(existing)
        session.flush()
    stored = ReportFile(
        report_id=report.id,
        format=format,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )
    session.add(stored)
    session.flush()
    return stored


def step_text(job: Job) -> str:
    """What the job is doing, in words, for the person waiting."""
    name, _sep, value = job.step.partition(":")
    if name == "layout":
        page = int(value or 0)
        if page:
            return _("laying out page %(page)s", page=format_decimal(page))
        return _("laying out the pages")
    return {
        "pages": _("preparing the web page"),
        "html": _("preparing the text"),
        "write": _("writing the PDF file"),
        "save": _("saving the PDF"),
    }.get(name, _("waiting to start"))


# -- CSV and JSON --------------------------------------------------------------------------------

CSV_COLUMNS = [
    "tracking_code",
    "comment",
    "section",
    "section_title",
    "stakeholder_group",
    "stakeholder_group_label",
    "disposition",
    "disposition_label",
    "answer",
    "text_status",
    "text",
]


def _cell(value: Any) -> str:
    """Every cell of the appendix as text, safe to open in a spreadsheet."""
    return formula_safe("" if value is None else str(value))


def csv_bytes(content: dict[str, Any], locale: str) -> bytes:
    """The appendix as CSV: one row per comment (columns in docs/reactienota.md)."""
    view = ReportView(content, locale)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in content["appendix"]:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    row["code"],
                    row["comment"],
                    view.section_number(row["section"]) if row["section"] else "",
                    view.section_title(row["section"]),
                    row["group"],
                    view.group(row["group"]),
                    row["disposition"] or "",
                    view.disposition(row["disposition"]),
                    row["answer"] or "",
                    row["text_status"],
                    row["text"] or "",
                )
            ]
        )
    # With a byte order mark, spreadsheet programs read the file as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def json_bytes(content: dict[str, Any]) -> bytes:
    """The content as RFC 8785 canonical JSON: its SHA-256 is the edition's fingerprint."""
    return canonical.fast_canonical_bytes(content)


SCHEMA_PATH = PRINT_CSS.parent / "schemas" / "reactienota.schema.json"
