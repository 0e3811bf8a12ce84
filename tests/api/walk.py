"""Walk every path of the OpenAPI document with parameters taken from the test world."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from tests.api.conftest import ApiWorld

PREFIX = "/api/v1"


@dataclass
class Visit:
    template: str  # the OpenAPI path
    url: str
    status: int
    body: str
    json: Any


def read_paths(doc: dict[str, Any]) -> set[str]:
    """The paths that can be read (GET); the one write has its own tests."""
    return {path for path, item in doc["paths"].items() if "get" in item}


def document(client: FlaskClient) -> dict[str, Any]:
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def path_values(world: ApiWorld) -> dict[str, list[Any]]:
    """Each path parameter's values: what exists, and what exists but is not public."""
    return {
        "code": ["JZ22", "JZ01"],
        "slug": [world.consultation.slug, world.draft.slug],
        "number": [1, 2, 3],
        "id": [c.id for c in world.public_comments + world.private_comments]
        + [world.checkpoint.id],
        "leaf_index": list(range(world.tree_size + 1)),
    }


def query_variants(operation: dict[str, Any]) -> list[dict[str, str]]:
    """No filter, a small page (to walk the pages), and each filter with its example."""
    names = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    variants: list[dict[str, str]] = [{}]
    if "limit" in names:
        variants.append({"limit": "1"})
    for name, parameter in names.items():
        if name in ("limit", "cursor"):
            continue
        for value in parameter["schema"].get("enum", [parameter.get("example")]):
            if value is not None:
                variants.append({name: str(value)})
    return variants


def _fill(template: str, values: dict[str, list[Any]]) -> Iterator[str]:
    names = [part[1:-1] for part in template.split("/") if part.startswith("{")]
    if not names:
        yield template
        return
    first = names[0]
    for value in values[first]:
        yield from _fill(template.replace(f"{{{first}}}", str(value), 1), values)


def walk(client: FlaskClient, world: ApiWorld) -> list[Visit]:
    """Every path, every parameter value, every filter, and every page that follows."""
    spec = document(client)
    values = path_values(world)
    visits: list[Visit] = []
    for template, item in spec["paths"].items():
        if "get" not in item:
            continue  # a write: tests/api/test_submissions.py
        operation = item["get"]
        for path in _fill(template, values):
            for query in query_variants(operation):
                url = PREFIX + path
                seen = 0
                while url is not None and seen < 200:
                    response = client.get(url, query_string=query if seen == 0 else None)
                    data = response.get_json(silent=True)
                    visits.append(
                        Visit(template, url, response.status_code, response.get_data(True), data)
                    )
                    seen += 1
                    following = data.get("next") if isinstance(data, dict) else None
                    url = None
                    if following:
                        parts = urlsplit(following)
                        url = f"{parts.path}?{parts.query}"
    return visits
