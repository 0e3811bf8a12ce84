"""A map of the youth regions as inline SVG, drawn on the server from the CBS shapes.

The TopoJSON in ``data/`` (see ``data/SOURCES.md``) is decoded in pure Python: arcs are
delta-encoded and quantised (``transform``), rings are stitched from arcs (a negative index
``~i`` means arc ``i`` reversed). Longitude/latitude is projected equirectangularly with the
x axis scaled by cos(52°), which is close enough for a country this small. The paths never
change, so they are decoded once per process.

Each region is a link to its page with a ``<title>`` (name and state); the state shows as a
colour *and* a pattern, explained in a legend, and the page has a table with the same facts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from markupsafe import Markup, escape

TOPOJSON = "jeugdregio_2025.topojson"
OBJECT = "jeugdregio_2025"
CODE_PROPERTY = "statcode"
WIDTH = 600.0
MARGIN = 4.0
X_SCALE = math.cos(math.radians(52))

# Colour-blind safe (Okabe-Ito) fills, each with its own pattern so colour is not the only
# signal. "none": no public consultation.
STATE_STYLES: dict[str, tuple[str, str]] = {
    # state: (base colour, pattern kind)
    "open": ("#0072b2", "solid"),
    "scheduled": ("#56b4e9", "stripes"),
    "closed": ("#e69f00", "dots"),
    "answered": ("#009e73", "lines"),
    "report_published": ("#005a40", "cross"),
    "none": ("#eeeeee", "solid"),
}
LEGEND_ORDER = ("open", "scheduled", "closed", "answered", "report_published", "none")


@dataclass(frozen=True)
class Shapes:
    paths: dict[str, str]  # region code -> SVG path data
    width: float
    height: float


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        points = []
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            for dx, dy, *_ in arc:
                x, y = x + dx, y + dy
                points.append((x * sx + tx, y * sy + ty))
        else:
            points = [(float(p[0]), float(p[1])) for p in arc]
        arcs.append(points)
    return arcs


def _ring(arcs: list[list[tuple[float, float]]], indexes: Iterable[int]):
    ring: list[tuple[float, float]] = []
    for index in indexes:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(points[1:] if ring else points)
    return ring


def _polygons(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["arcs"])
    return []


def _is_lonlat(arcs: list[list[tuple[float, float]]]) -> bool:
    return all(abs(x) <= 180 and abs(y) <= 90 for arc in arcs for x, y in arc[:1])


def decode(topology: dict) -> Shapes:
    """Projected SVG path data per region code, fitted into a WIDTH-wide box."""
    arcs = _decode_arcs(topology)
    lonlat = _is_lonlat(arcs)
    # Projected, y pointing down: lon/lat gets the cos(52°) squeeze; RD metres only a flip.
    sx = X_SCALE if lonlat else 1.0
    rings_by_code: dict[str, list[list[tuple[float, float]]]] = {}
    for geometry in topology["objects"][OBJECT]["geometries"]:
        code = str((geometry.get("properties") or {}).get(CODE_PROPERTY, "")).upper()
        if not code:
            continue
        rings = rings_by_code.setdefault(code, [])
        for polygon in _polygons(geometry):
            for indexes in polygon:
                rings.append([(x * sx, -y) for x, y in _ring(arcs, indexes)])
    xs = [x for rings in rings_by_code.values() for ring in rings for x, _ in ring]
    ys = [y for rings in rings_by_code.values() for ring in rings for _, y in ring]
    min_x, min_y = min(xs), min(ys)
    scale = (WIDTH - 2 * MARGIN) / (max(xs) - min_x)
    height = (max(ys) - min_y) * scale + 2 * MARGIN

    def point(x: float, y: float) -> str:
        return f"{(x - min_x) * scale + MARGIN:.1f} {(y - min_y) * scale + MARGIN:.1f}"

    paths = {}
    for code, rings in rings_by_code.items():
        parts = []
        for ring in rings:
            if len(ring) < 3:
                continue
            parts.append("M" + "L".join(point(x, y) for x, y in ring) + "Z")
        paths[code] = "".join(parts)
    return Shapes(paths=paths, width=WIDTH, height=round(height, 1))


@lru_cache(maxsize=1)
def shapes() -> Shapes:
    """The region shapes, decoded once per process."""
    text = resources.files("consult.monitoring").joinpath("data", TOPOJSON).read_text("utf-8")
    return decode(json.loads(text))


@dataclass(frozen=True)
class MapRegion:
    code: str
    name: str
    state: str  # a key of STATE_STYLES
    state_label: str
    href: str


def _pattern(prefix: str, key: str) -> str:
    colour, kind = STATE_STYLES[key]
    pid = f"{prefix}-{key}"
    if kind == "solid":
        return ""
    marks = {
        "stripes": '<path d="M-1 1l2-2M0 8l8-8M7 9l2-2" stroke="#fff" stroke-width="1.5"/>',
        "dots": '<circle cx="4" cy="4" r="1.6" fill="#000" fill-opacity=".55"/>',
        "lines": '<path d="M0 4h8" stroke="#fff" stroke-width="1.5"/>',
        "cross": '<path d="M0 0l8 8M8 0l-8 8" stroke="#fff" stroke-width="1.2"/>',
    }[kind]
    return (
        f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="{colour}"/>{marks}</pattern>'
    )


def fill(prefix: str, key: str) -> str:
    colour, kind = STATE_STYLES[key]
    return colour if kind == "solid" else f"url(#{prefix}-{key})"


def render(
    regions: Sequence[MapRegion], *, title: str, description: str, prefix: str = "kaart"
) -> Markup:
    """The SVG: one ``<a>`` per region that has a shape (regions without one are in the table).

    The SVG is a labelled group (not ``role="img"``, which would hide the links inside it
    from screen readers); each link's name is its ``<title>``. The legend is HTML
    (:func:`swatch`), so it stays readable on a phone where the map is drawn small.
    """
    drawn = shapes()
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="consult-map" role="group" '
        f'viewBox="0 0 {drawn.width:g} {drawn.height:g}" '
        f'aria-labelledby="{prefix}-title {prefix}-desc">',
        f'<title id="{prefix}-title">{escape(title)}</title>',
        f'<desc id="{prefix}-desc">{escape(description)}</desc>',
        "<defs>",
        *(_pattern(prefix, key) for key in LEGEND_ORDER),
        "</defs>",
        '<g class="consult-map__regions">',
    ]
    for region in regions:
        path = drawn.paths.get(region.code)
        if not path:
            continue
        out.append(
            f'<a href="{escape(region.href)}" class="consult-map__region '
            f'consult-map__region--{escape(region.state)}">'
            f"<title>{escape(region.name)}: {escape(region.state_label)}</title>"
            f'<path d="{path}" fill="{fill(prefix, region.state)}"/></a>'
        )
    out.append("</g></svg>")
    return Markup("".join(out))  # noqa: S704 - every text and href in it is escaped above


def swatch(key: str, prefix: str = "kaart") -> Markup:
    """A small sample of a state's fill for the legend (uses the map's patterns)."""
    return Markup(  # noqa: S704 - constants and a fill made from a known state key
        '<svg class="consult-map-legend__swatch" width="28" height="16" aria-hidden="true" '
        f'focusable="false"><rect x=".5" y=".5" width="27" height="15" '
        f'fill="{fill(prefix, key)}" stroke="#333"/></svg>'
    )
