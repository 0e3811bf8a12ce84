"""The national overview: the regions on a map, every public consultation in a list, a
comparison of regions per stakeholder group, and each region's figures as open data.

``/landelijk`` shows the map and the list (sortable and filterable with GET parameters, so
it works without JavaScript; a card per consultation on a phone); ``/landelijk.csv`` and
``/landelijk.jsonl`` stream one row per region for reuse (columns in
:data:`consult.monitoring.statistics.EXPORT_COLUMNS`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult.db import utcnow
from consult.extensions import db
from consult.i18n import current_locale
from consult.monitoring import map as region_map
from consult.monitoring import statistics
from consult.monitoring.statistics import RegionRow
from consult.web.spreadsheet import formula_safe

bp = Blueprint("monitoring", __name__)

CLOSING_SOON_DAYS = 14
NO_CONSULTATION_LABEL = _l("no public consultation")


def state_key(row: RegionRow) -> str:
    return row.state.value if row.state else "none"


def state_label(row: RegionRow) -> str:
    return row.state.label if row.state else str(NO_CONSULTATION_LABEL)


@dataclass(frozen=True)
class Column:
    key: str  # the ?sorteer= value
    label: Any  # lazy string
    value: Callable[[RegionRow], Any]  # None: no value, always sorted last
    numeric: bool = False


# Few, dense columns (every one readable at 1280 px); the rest is one link away.
COLUMNS = (
    Column("regio", _l("Region and consultation"), lambda r: r.name.casefold()),
    Column("status", _l("State"), lambda r: r.phase),
    Column("te-laat", _l("Days late"), lambda r: r.days_overdue, True),
    Column("beantwoord", _l("Answered"), lambda r: r.share_answered, True),
    Column("overgenomen", _l("Adopted"), lambda r: r.share_adopted, True),
    Column("raden", _l("Councils"), lambda r: r.councils_adopted if r.council_members else None),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
DEFAULT_ORDER = "volgorde"  # open and upcoming first, then closed, overdue, answered


@dataclass(frozen=True)
class Filters:
    province: str = ""
    state: str = ""  # a ConsultationState value or ""
    overdue: bool = False
    closing_soon: bool = False
    report: bool = False

    @property
    def active(self) -> bool:
        return bool(self.province or self.state or self.overdue or self.closing_soon or self.report)

    def matches(self, row: RegionRow) -> bool:
        if self.province and self.province not in row.provinces:
            return False
        if self.state and state_key(row) != self.state:
            return False
        if self.overdue and not row.answers_overdue:
            return False
        if self.report and not row.report_published:
            return False
        return not (self.closing_soon and not row.closes_within(CLOSING_SOON_DAYS))

    def args(self) -> dict[str, str]:
        args = {"provincie": self.province, "status": self.state}
        for key, on in (("te-laat", self.overdue), ("binnenkort", self.closing_soon)):
            if on:
                args[key] = "1"
        if self.report:
            args["reactienota"] = "1"
        return {key: value for key, value in args.items() if value}


def _filters(provinces: list[str]) -> Filters:
    province = request.args.get("provincie", "")
    state = request.args.get("status", "")
    states = {s.value for s in statistics.PUBLIC_STATES}
    return Filters(
        province=province if province in provinces else "",
        state=state if state in states else "",
        overdue=request.args.get("te-laat") == "1",
        closing_soon=request.args.get("binnenkort") == "1",
        report=request.args.get("reactienota") == "1",
    )


def _sort(rows: list[RegionRow], order: str) -> tuple[list[RegionRow], str, bool]:
    """Sorted by the column in ``order`` ("-" in front: descending); ties in the list's own
    order, and rows without a value for the column last either way."""
    descending = order.startswith("-")
    column = COLUMN_BY_KEY.get(order.removeprefix("-"))
    in_order = sorted(rows, key=RegionRow.list_key)
    if column is None:
        return in_order, DEFAULT_ORDER, False
    present = [r for r in in_order if column.value(r) is not None]
    present.sort(key=column.value, reverse=descending)  # stable: ties stay in list order
    return present + [r for r in in_order if column.value(r) is None], column.key, descending


def _map(found: statistics.Overview):
    """Each region in force on its own shape; an ended region's shape (a merge or split)
    goes to what continues it, so the map has no holes."""
    rows = found.regions
    by_code = {row.code: row for row in rows}
    regions = [
        region_map.MapRegion(
            code=row.code,
            name=row.name,
            state=state_key(row),
            state_label=state_label(row),
            href=url_for("public.region", code=row.code),
        )
        for row in rows
    ]
    drawn = region_map.shapes().paths
    for old_code, successors in found.continued_by.items():
        if old_code in by_code or old_code not in drawn:
            continue
        best = max(
            successors,
            key=lambda r: statistics._rank(r.consultation) if r.consultation else (0, 0.0, 0),
        )
        names = ", ".join(r.name for r in successors)
        regions.append(
            region_map.MapRegion(
                code=old_code,
                name=names,
                state=state_key(best),
                state_label=state_label(best),
                href=url_for("public.region", code=best.code if len(successors) == 1 else old_code),
            )
        )
    counts: dict[str, int] = {}
    for row in rows:
        counts[state_key(row)] = counts.get(state_key(row), 0) + 1
    return region_map.render(
        regions,
        title=_("Map of the youth regions of the Netherlands"),
        description=_(
            "Each youth region is coloured by the state of its current or last consultation "
            "on the regional vision. Each region links to its page. The table below the map "
            "gives the same information."
        ),
    ), counts


def _legend() -> list[tuple[str, str]]:
    labels = {s.value: s.label for s in statistics.PUBLIC_STATES}
    labels["none"] = str(NO_CONSULTATION_LABEL)
    return [(key, labels[key]) for key in region_map.LEGEND_ORDER]


def _group(groups: list[statistics.GroupInfo]) -> statistics.GroupInfo | None:
    code = request.args.get("groep", "")
    return next((g for g in groups if g.code == code), None)


@bp.get("/landelijk")
def overview() -> str:
    now = utcnow()
    found = statistics.overview(db.session, now)
    rows = found.regions
    provinces = statistics.provinces_of(rows)
    filters = _filters(provinces)
    svg, counts = _map(found)
    shown, order, descending = _sort(
        [row for row in found.consultations if filters.matches(row)],
        request.args.get("sorteer", DEFAULT_ORDER),
    )
    groups = found.groups
    group = _group(groups)
    return render_template(
        "monitoring/overview.html",
        now=now,
        rows=rows,
        shown=shown,
        consultations=found.consultations,
        groups=groups,
        group=group,
        comparison=statistics.compare_regions(found.consultations, group.id if group else None),
        locale=current_locale(),
        columns=COLUMNS,
        order=order,
        descending=descending,
        default_order=DEFAULT_ORDER,
        filters=filters,
        provinces=provinces,
        states=statistics.PUBLIC_STATES,
        closing_soon_days=CLOSING_SOON_DAYS,
        svg=svg,
        counts=counts,
        legend=_legend(),
        swatch=region_map.swatch,
        state_label=state_label,
        state_key=state_key,
        without=[row for row in rows if not row.has_consultation],
        export_columns=statistics.export_columns(groups),
        column_docs={**statistics.EXPORT_COLUMNS, **statistics.GROUP_COLUMNS},
    )


# -- exports -------------------------------------------------------------------------------


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return formula_safe(value)


def csv_lines(rows: list[RegionRow], columns: list[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(columns)
    for row in rows:
        export = row.as_export()
        yield line([_csv_cell(export.get(column)) for column in columns])


def jsonl_lines(rows: list[RegionRow]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row.as_export(), ensure_ascii=False, separators=(",", ":")) + "\n"


def _export_rows() -> tuple[list[RegionRow], list[str]]:
    rows = statistics.national_overview(db.session, utcnow())
    groups = statistics.stakeholder_groups(db.session)
    return rows, statistics.export_columns(groups)


def _download(body: Iterator[str], mimetype: str, filename: str) -> Response:
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/landelijk.csv")
def export_csv() -> Response:
    """One row per region (42 rows: the figures are computed up front in eleven queries and
    the lines are written one at a time)."""
    rows, columns = _export_rows()
    day = utcnow().date().isoformat()
    return _download(
        csv_lines(rows, columns), "text/csv; charset=utf-8", f"consult-landelijk-{day}.csv"
    )


@bp.get("/landelijk.jsonl")
def export_jsonl() -> Response:
    rows, _columns = _export_rows()
    day = utcnow().date().isoformat()
    return _download(
        jsonl_lines(rows), "application/x-ndjson; charset=utf-8", f"consult-landelijk-{day}.jsonl"
    )
