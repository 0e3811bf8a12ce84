"""Public region pages and the region's own admin page."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from consult.extensions import db
from consult.regions import services
from consult.regions.forms import MunicipalitySearchForm

bp = Blueprint("regions", __name__)

SORT_ORDERS = ("naam", "provincie", "code")


@bp.app_template_global()
def municipality_search_form() -> MunicipalitySearchForm:
    """A fresh search form, so any page (the home page) can show the search macro."""
    return MunicipalitySearchForm(formdata=None)


@bp.get("/regios")
def index() -> str:
    day = services.today()
    order = request.args.get("volgorde", "naam")
    if order not in SORT_ORDERS:
        order = "naam"
    regions = services.active_regions(db.session, day)
    if order == "naam":
        regions.sort(key=lambda item: services.search_key(item[0].name))
    elif order == "provincie":
        regions.sort(key=lambda item: (item[0].provinces, services.search_key(item[0].name)))
    former = services.former_regions_with_successors(db.session, day)
    return render_template(
        "regions/index.html",
        day=day,
        order=order,
        regions=regions,
        former=former,
        municipality_count=sum(len(members) for _, members in regions),
        form=municipality_search_form(),
    )


@bp.get("/regios/zoeken")
def search() -> str:
    form = MunicipalitySearchForm(formdata=request.args)
    query = form.gemeente.data or ""
    matches: list[services.MunicipalityMatch] = []
    exact: list[services.MunicipalityMatch] = []
    searched = False
    if query and form.validate():
        searched = True
        matches = services.find_municipalities(db.session, query, services.today())
        key = services.search_key(query)
        exact = [m for m in matches if key in m.municipality.search_key.split(" | ")]
    return render_template(
        "regions/search.html",
        form=form,
        query=query,
        searched=searched,
        matches=matches,
        answer=exact[0] if len(exact) == 1 else None,
    )
