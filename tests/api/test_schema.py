"""The OpenAPI document matches the implementation: routes, schemas, fields.

Every response of the walk validates against the schema the document gives for its path
and status; the set of fields of each resource is fixed here, so a field added to a
serializer (deny by default) fails until it is added on purpose, here and in the schema.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from flask import Flask

from consult.api import serializers, spec
from tests.api.conftest import ApiWorld
from tests.api.walk import PREFIX, document, read_paths, walk

FIELDS = {
    "Region": {"code", "name", "provinces", "valid_from", "valid_to", "municipalities"},
    "Municipality": {"code", "name", "province"},
    "StakeholderGroup": {"code", "label_nl", "label_en"},
    "Consultation": {
        "slug",
        "title",
        "introduction",
        "region",
        "state",
        "opens_at",
        "closes_at",
        "document_title",
        "consulted_version",
        "answers_due_on",
        "comments_to_answer",
        "comments_answered",
        "answers_overdue",
        "days_overdue",
        "council_members",
        "councils_adopted",
        "council_decisions",
        "html_url",
    },
    "CouncilDecision": {
        "municipality",
        "decided_on",
        "outcome",
        "url",
        "recorded_at",
        "corrections",
    },
    "Version": {"number", "consulted", "change_note", "locked_at", "content_hash", "sections"},
    "Section": {"anchor", "number", "heading", "level", "body_html", "paragraphs"},
    "Comment": {
        "id",
        "section",
        "paragraph",
        "text",
        "created_at",
        "stakeholder_group",
        "age_band",
        "municipality",
        "organisation",
        "name",
        "answer",
    },
    "CommentAnswer": {"id", "disposition", "reason", "answered_on", "group_size", "changes"},
    "Answer": {
        "id",
        "disposition",
        "reason",
        "published_at",
        "current",
        "superseded_at",
        "supersedes",
        "correction_note",
        "comments",
    },
    "Checkpoint": {
        "id",
        "origin",
        "tree_size",
        "root_hash",
        "made_at",
        "reason",
        "key_id",
        "signature",
        "signature_valid",
        "note",
    },
    "InclusionProof": {
        "leaf_index",
        "kind",
        "leaf_hash",
        "status",
        "tree_size",
        "audit_path",
        "checkpoint",
        "expected_by",
        "verified",
    },
    "Statistics": {"regions"},
    "RegionStatistics": {
        "region",
        "name",
        "provinces",
        "consultation",
        "days_left",
        "submissions",
        "comments",
        "answered",
        "share_answered",
        "median_days_to_answers",
        "share_adopted",
        "reactienota_published",
        "groups",
    },
    "Questionnaire": {"consultation", "minimum", "respondents", "questions"},
    "QuestionResults": {
        "number",
        "kind",
        "text",
        "options",
        "all",
        "by_group",
        "by_age_band",
        "age_bands_all",
        "texts",
    },
    "QuestionnaireRow": {"respondents", "options"},
    "QuestionnaireGroupRow": {"group", "respondents", "options"},
    "QuestionnaireAgeBandRow": {"age_band", "respondents", "options"},
    "QuestionnaireCell": {"count", "share", "suppressed"},
    "Problem": {"type", "title", "status", "detail"},
}


def validator(doc: dict[str, Any], ref: dict[str, Any]) -> jsonschema.Draft202012Validator:
    root = {"components": doc["components"], **ref}
    return jsonschema.Draft202012Validator(
        root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_the_document_is_valid_openapi_31(quiet_english_client) -> None:
    doc = document(quiet_english_client)
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"] == [{"url": "http://consult.test/api/v1"}]
    for name, schema in doc["components"]["schemas"].items():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["additionalProperties"] is False, name
        if name in spec.REQUEST_SCHEMAS:
            continue  # what a client sends may leave optional fields out
        assert set(schema["required"]) == set(schema["properties"]), name
    for name, fields in FIELDS.items():
        assert set(doc["components"]["schemas"][name]["properties"]) == fields, name


def test_every_route_of_the_blueprint_is_in_the_document(app: Flask, quiet_english_client) -> None:
    """One declaration: no endpoint is served without being documented, and vice versa."""
    doc = document(quiet_english_client)
    served = {
        rule.rule.removeprefix(PREFIX)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        and rule.endpoint not in ("api.openapi", "api.docs", "api.fallback")
    }
    documented = {
        path.replace("{", "<").replace("}", ">") for path in doc["paths"]
    }  # the Flask form of the same path
    assert served == documented
    assert len(doc["paths"]) == len(spec.ENDPOINTS)


def test_every_response_of_the_walk_matches_its_schema(
    quiet_english_client, api_world: ApiWorld
) -> None:
    doc = document(quiet_english_client)
    checked: dict[str, int] = {}
    for visit in walk(quiet_english_client, api_world):
        responses = doc["paths"][visit.template]["get"]["responses"]
        assert str(visit.status) in responses, (visit.url, visit.status)
        content = responses[str(visit.status)]["content"]
        _media, described = next(iter(content.items()))
        validator(doc, described["schema"]).validate(visit.json)
        checked[visit.template] = checked.get(visit.template, 0) + 1
        if visit.status == 200:
            _check_fields(doc, described["schema"], visit.json)
    assert set(checked) == read_paths(doc)


def _check_fields(doc: dict[str, Any], schema: dict[str, Any], body: Any) -> None:
    """Besides the validation: the exact key set of every resource in the body."""
    name = schema["$ref"].rsplit("/", 1)[-1]
    if name.endswith("Page"):
        assert set(body) == {"data", "next"}
        for item in body["data"]:
            _check_fields(doc, {"$ref": f"#/x/{name.removesuffix('Page')}"}, item)
        return
    assert set(body) == FIELDS[name], name
    if name == "Region":
        for municipality in body["municipalities"]:
            assert set(municipality) == FIELDS["Municipality"]
    if name == "Version":
        for section in body["sections"]:
            assert set(section) == FIELDS["Section"]
    if name == "Statistics":
        for row in body["regions"]:
            assert set(row) == FIELDS["RegionStatistics"]
    if name == "Questionnaire":
        assert set(body["respondents"]) == FIELDS["QuestionnaireCell"]
        for question in body["questions"]:
            assert set(question) == FIELDS["QuestionResults"]
    if name == "InclusionProof" and body["checkpoint"] is not None:
        assert set(body["checkpoint"]) == FIELDS["Checkpoint"]


@pytest.mark.parametrize("path", ["/nothing-here", "/regions/JZ22/extra"])
def test_unknown_addresses_are_json_problems(quiet_english_client, path: str) -> None:
    response = quiet_english_client.get(PREFIX + path)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    validator(document(quiet_english_client), {"$ref": "#/components/schemas/Problem"}).validate(
        response.get_json()
    )


def test_serializers_name_their_fields() -> None:
    """No serializer dumps a model: no ``__dict__``, ``vars()``, ``asdict()`` or table walk."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(serializers))
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    calls = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    assert not attributes & {"__dict__", "__table__", "__mapper__", "columns"}
    assert not calls & {"vars", "asdict", "dir", "getattr"}
