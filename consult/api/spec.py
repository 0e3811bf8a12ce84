"""The one declaration of the API: every endpoint, its parameters and its response schema.

The routes (:func:`consult.api.views.register_routes`), the OpenAPI 3.1 document
(:func:`document`) and the documentation page are built from :data:`ENDPOINTS`, so what is
documented is what is served. Every resource schema says ``additionalProperties: false``
and lists every field as required: the tests validate each response against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from consult.api import resources, submissions
from consult.consultations.models import ConsultationState, CouncilOutcome, QuestionKind
from consult.responses.models import Disposition
from consult.stakeholders.models import AgeBand

VERSION = "1.0.0"
PREFIX = "/api/v1"
PAGE_DEFAULT = 50
# Ids, numbers and leaf indexes are INTEGER columns: PostgreSQL refuses a larger value.
MAX_ID = 2**31 - 1
PAGE_MAX = 100

PUBLIC_STATES = [s.value for s in ConsultationState if s is not ConsultationState.DRAFT]


# -- JSON Schemas (2020-12) -------------------------------------------------------------------


def _obj(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }
    if description:
        schema["description"] = description
    return schema


def _or_null(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    nullable = {**schema, "type": [schema["type"], "null"]}
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
COUNT = {"type": "integer", "minimum": 0}
SHARE = {"type": "number", "minimum": 0, "maximum": 1}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
MOMENT = {"type": "string", "format": "date-time"}
HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Municipality": _obj({"code": STRING, "name": STRING, "province": STRING}),
    "Region": _obj(
        {
            "code": STRING,
            "name": STRING,
            "provinces": {"type": "array", "items": STRING},
            "valid_from": DATE,
            "valid_to": _or_null(DATE),
            "municipalities": {"type": "array", "items": _ref("Municipality")},
        },
        "A youth region with the municipalities that belong to it today.",
    ),
    "StakeholderGroup": _obj({"code": STRING, "label_nl": STRING, "label_en": STRING}),
    "CouncilDecision": _obj(
        {
            "municipality": _obj({"code": STRING, "name": STRING}),
            "decided_on": DATE,
            "outcome": {"type": "string", "enum": [o.value for o in CouncilOutcome]},
            "url": {"type": "string", "format": "uri"},
            "recorded_at": MOMENT,
            "corrections": {
                **COUNT,
                "description": "How often it was corrected; each entry is in the evidence "
                "record (council_decision_recorded).",
            },
        },
        "What a member municipality's council decided on the regiovisie.",
    ),
    "Consultation": _obj(
        {
            "slug": STRING,
            "title": STRING,
            "introduction": STRING,
            "region": STRING,
            "state": {"type": "string", "enum": PUBLIC_STATES},
            "opens_at": MOMENT,
            "closes_at": MOMENT,
            "document_title": STRING,
            "consulted_version": {"type": "integer", "minimum": 1},
            "answers_due_on": {
                **DATE,
                "description": "The day the region promised a published answer to every "
                "comment (stated when it was scheduled; each move is in the evidence record).",
            },
            "comments_to_answer": {
                **COUNT,
                "description": "Comments that need an answer: in confirmed submissions, not "
                "withdrawn (hidden ones too).",
            },
            "comments_answered": {
                **COUNT,
                "description": "Of those, the comments with a current published answer.",
            },
            "answers_overdue": {
                **BOOLEAN,
                "description": "The promised day has passed and comments still wait.",
            },
            "days_overdue": {
                **_or_null(COUNT),
                "description": "Days since the promised day, while overdue; else null.",
            },
            "council_members": {
                **COUNT,
                "description": "Member municipalities of the region on the day it closed: "
                "their councils decide on the regiovisie.",
            },
            "councils_adopted": {
                **COUNT,
                "description": "Councils that adopted it (with or without amendments).",
            },
            "council_decisions": {"type": "array", "items": _ref("CouncilDecision")},
            "html_url": {"type": "string", "format": "uri"},
        },
        "A public consultation (never a draft), with how its answering keeps its promise.",
    ),
    "Section": _obj(
        {
            "anchor": STRING,
            "number": STRING,
            "heading": STRING,
            "level": {"type": "integer", "minimum": 1, "maximum": 6},
            "body_html": STRING,
            "paragraphs": {
                "type": "array",
                "items": STRING,
                "description": "The anchors of the paragraphs, lists, tables and quotes "
                "of body_html (its top-level p, ul, ol, table and blockquote elements), in "
                "order; stable into the next version while the text stays (nearly) the same.",
            },
        }
    ),
    "Version": _obj(
        {
            "number": {"type": "integer", "minimum": 1},
            "consulted": BOOLEAN,
            "change_note": STRING,
            "locked_at": MOMENT,
            "content_hash": _or_null(HEX64),
            "sections": {"type": "array", "items": _ref("Section")},
        },
        "A locked version of the consultation's document: the consulted one or a later one.",
    ),
    "Comment": _obj(
        {
            "id": INTEGER,
            "section": _or_null(STRING),
            "paragraph": _or_null(
                {
                    **STRING,
                    "description": "Anchor of the paragraph of the section the comment is "
                    "about (one of the section's paragraphs); null for a comment on the "
                    "whole section or plan.",
                }
            ),
            "text": STRING,
            "created_at": MOMENT,
            "stakeholder_group": STRING,
            "age_band": _or_null({"type": "string", "enum": [a.value for a in AgeBand]}),
            "municipality": _or_null(_obj({"code": STRING, "name": STRING})),
            "organisation": _or_null(_obj({"name": STRING, "verified": BOOLEAN})),
            "name": _or_null(STRING),
            "answer": _or_null(_ref("CommentAnswer")),
        },
        "A published comment: consented text, confirmed, not hidden, not withdrawn; with "
        "its current published answer (null while it has none).",
    ),
    "CommentAnswer": _obj(
        {
            "id": INTEGER,
            "disposition": {"type": "string", "enum": [d.value for d in Disposition]},
            "reason": STRING,
            "answered_on": {
                **DATE,
                "description": "The day the answer was published (Europe/Amsterdam).",
            },
            "group_size": {
                "type": "integer",
                "minimum": 1,
                "description": "How many comments got this one answer (alike comments, such "
                "as a letter campaign, answered together); 1 when only this one.",
            },
            "changes": {
                "type": "array",
                "description": "Sections of a later version that changed because of it.",
                "items": _obj(
                    {
                        "section": STRING,
                        "version": {"type": "integer", "minimum": 1},
                        "url": _or_null(
                            {
                                **STRING,
                                "format": "uri",
                                "description": "The public comparison that shows the "
                                "change; null while that version is not published.",
                            }
                        ),
                    }
                ),
            },
        },
        "The current published answer of a comment: never a draft or a replaced answer. "
        "The answer's history is in /answers.",
    ),
    "Answer": _obj(
        {
            "id": INTEGER,
            "disposition": {"type": "string", "enum": [d.value for d in Disposition]},
            "reason": STRING,
            "published_at": MOMENT,
            "current": BOOLEAN,
            "superseded_at": _or_null(MOMENT),
            "supersedes": _or_null(INTEGER),
            "correction_note": STRING,
            "comments": {"type": "array", "items": INTEGER},
        },
        "A published answer; superseded ones stay, with the correction that replaced them.",
    ),
    "Checkpoint": _obj(
        {
            "id": INTEGER,
            "origin": STRING,
            "tree_size": {"type": "integer", "minimum": 1},
            "root_hash": HEX64,
            "made_at": MOMENT,
            "reason": STRING,
            "key_id": STRING,
            "signature": STRING,
            "signature_valid": BOOLEAN,
            "note": _or_null(STRING),
        },
        "A signed statement of the evidence record's size and root hash (C2SP signed note).",
    ),
    "InclusionProof": _obj(
        {
            "leaf_index": COUNT,
            "kind": STRING,
            "leaf_hash": HEX64,
            "status": {"type": "string", "enum": ["included", "pending", "unavailable"]},
            "tree_size": _or_null(INTEGER),
            "audit_path": {"type": "array", "items": HEX64},
            "checkpoint": _or_null(_ref("Checkpoint")),
            "expected_by": _or_null(MOMENT),
            "verified": BOOLEAN,
        },
        "RFC 9162 inclusion proof of one event in the latest signed checkpoint.",
    ),
    "RegionStatistics": _obj(
        {
            "region": STRING,
            "name": STRING,
            "provinces": {"type": "array", "items": STRING},
            "consultation": _or_null(
                _obj(
                    {
                        "slug": STRING,
                        "title": STRING,
                        "state": {"type": "string", "enum": PUBLIC_STATES},
                        "opens_at": MOMENT,
                        "closes_at": MOMENT,
                        "closed_at": _or_null(MOMENT),
                    }
                )
            ),
            "days_left": _or_null(INTEGER),
            "submissions": COUNT,
            "comments": COUNT,
            "answered": COUNT,
            "share_answered": _or_null(SHARE),
            "median_days_to_answers": _or_null({"type": "number"}),
            "share_adopted": _or_null(SHARE),
            "reactienota_published": BOOLEAN,
            "groups": {
                "type": "array",
                "items": _obj(
                    {
                        "code": STRING,
                        "submissions": COUNT,
                        "comments": COUNT,
                        "answered": COUNT,
                        "adopted": COUNT,
                        "share_adopted": _or_null(SHARE),
                    }
                ),
            },
        }
    ),
    "Statistics": _obj(
        {"regions": {"type": "array", "items": _ref("RegionStatistics")}},
        "The figures of the national overview, per region in force today.",
    ),
    "QuestionnaireCell": _obj(
        {
            "count": {
                "oneOf": [{"type": "null"}, {"type": "integer", "minimum": 5}],
                "description": "The number of people; null when it is not shown.",
            },
            "share": {
                **_or_null(SHARE),
                "description": "Of the row's people who answered; null when not shown.",
            },
            "suppressed": {
                "type": ["string", "null"],
                "enum": [None, "fewer_than_5", "not_shown"],
                "description": "Why no figure is given: fewer_than_5 people, or not_shown "
                "because it could otherwise be worked out by subtracting other figures.",
            },
        },
        "One figure. A figure of fewer than 5 people is never given.",
    ),
    "QuestionnaireRow": _obj(
        {
            "respondents": _ref("QuestionnaireCell"),
            "options": {"type": "array", "items": _ref("QuestionnaireCell")},
        },
        "The people who answered, and per option how many chose it.",
    ),
    "QuestionnaireGroupRow": _obj(
        {
            "group": STRING,
            "respondents": _ref("QuestionnaireCell"),
            "options": {"type": "array", "items": _ref("QuestionnaireCell")},
        },
        "One stakeholder group (its code).",
    ),
    "QuestionnaireAgeBandRow": _obj(
        {
            "age_band": {"type": ["string", "null"], "enum": [*(b.value for b in AgeBand), None]},
            "respondents": _ref("QuestionnaireCell"),
            "options": {"type": "array", "items": _ref("QuestionnaireCell")},
        },
        "Young people of one age band (null: they did not give one).",
    ),
    "QuestionResults": _obj(
        {
            "number": {"type": "integer", "minimum": 1},
            "kind": {"type": "string", "enum": [k.value for k in QuestionKind]},
            "text": STRING,
            "options": {
                "type": "array",
                "items": STRING,
                "description": "The choices in order (1 to 5 for a scale); empty for an "
                "open question.",
            },
            "all": _ref("QuestionnaireRow"),
            "by_group": {"type": "array", "items": _ref("QuestionnaireGroupRow")},
            "by_age_band": {"type": "array", "items": _ref("QuestionnaireAgeBandRow")},
            "age_bands_all": _or_null(_ref("QuestionnaireRow")),
            "texts": {
                "type": "array",
                "items": STRING,
                "description": "Open answers of people who agreed to publication, without "
                "group or name.",
            },
        }
    ),
    "Questionnaire": _obj(
        {
            "consultation": STRING,
            "minimum": {"type": "integer", "enum": [5]},
            "respondents": _ref("QuestionnaireCell"),
            "questions": {"type": "array", "items": _ref("QuestionResults")},
        },
        "The results of a consultation's questionnaire (no questions: it had none). Only "
        "confirmed submissions that were not withdrawn and whose personal data were not "
        "erased count.",
    ),
    "Problem": _obj(
        {
            "type": STRING,
            "title": STRING,
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": STRING,
        },
        "RFC 9457 problem details.",
    ),
    "ValidationProblem": _obj(
        {
            "type": STRING,
            "title": STRING,
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": STRING,
            "errors": {
                "type": "array",
                "items": _obj(
                    {
                        "field": STRING,
                        "message": STRING,
                    }
                ),
            },
        },
        "RFC 9457 problem details with what is wrong in the body, field by field "
        '(``field`` is a path like ``comments[0].text``; "" for the body as a whole).',
    ),
    "SubmissionReceipt": _obj(
        {
            "tracking_code": {"type": "string", "pattern": "^[0-9A-Z]{12}$"},
            "state": {"type": "string", "enum": ["confirmed"]},
            "received_at": MOMENT,
            "content_hash": HEX64,
            "comment_count": COUNT,
            "receipt_url": {"type": "string", "format": "uri"},
            "leaf_index": COUNT,
            "inclusion_url": {"type": "string", "format": "uri"},
        },
        "The receipt of a stored submission: its tracking code, the hash of its content "
        "and its place in the evidence record. A retry with the same Idempotency-Key "
        "returns the receipt of the first request.",
    ),
}

# What a client sends; checked with the same form and service as the web form. Request
# schemas are not responses: optional fields may be left out.
REQUEST_SCHEMAS: dict[str, dict[str, Any]] = {
    "SubmissionRequest": {
        "type": "object",
        "additionalProperties": False,
        "required": ["stakeholder_group", "comments", "publish_text", "collected"],
        "properties": {
            "stakeholder_group": {
                "type": "string",
                "pattern": "^[a-z0-9_]{1,40}$",
                "description": "The code of the group the participant speaks as "
                "(see /stakeholder-groups).",
                "example": "young_person",
            },
            "age_band": {
                "type": ["string", "null"],
                "enum": [a.value for a in AgeBand] + [None],
                "description": "Required for the groups that ask it (young people).",
                "example": "16_17",
            },
            "municipality": {
                "type": ["string", "null"],
                "pattern": "^GM[0-9]{4}$",
                "description": "CBS code of a municipality of the consultation's region.",
                "example": "GM0363",
            },
            "comments": {
                "type": "array",
                "maxItems": 3,
                "description": "At most three comments, as on the web form; none only "
                "when questions are answered.",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["section", "text"],
                    "properties": {
                        "section": {
                            "type": ["string", "null"],
                            "pattern": "^[A-Za-z0-9_-]{1,32}$",
                            "description": "Anchor of a section of the consulted version; "
                            "null for a comment on the whole plan.",
                        },
                        "paragraph": {
                            "type": ["string", "null"],
                            "pattern": "^p-[a-z2-7]{8}$",
                            "description": "Optional: anchor of one paragraph of that "
                            "section (its paragraphs); refused when the section has no "
                            "such paragraph.",
                        },
                        "text": {"type": "string", "minLength": 1, "maxLength": 5000},
                    },
                },
            },
            "answers": {
                "type": "array",
                "description": (
                    "Answers to the consultation's questions, by position. Optional: "
                    "no question blocks a comment, not even one the region marked required."
                ),
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["question", "value"],
                    "properties": {
                        "question": {"type": "integer", "minimum": 1, "maximum": 1000},
                        "value": {
                            "oneOf": [
                                {"type": "string", "maxLength": 5000},
                                {"type": "integer", "minimum": 0, "maximum": 1000},
                                {
                                    "type": "array",
                                    "maxItems": 100,
                                    "items": {"type": "integer", "minimum": 0, "maximum": 1000},
                                },
                            ],
                            "description": "Open question: text; one choice: the option's "
                            "index from 0; several: a list of indexes; a scale: 1 to 5.",
                        },
                    },
                },
            },
            "publish_text": {
                "type": "boolean",
                "description": "The participant agreed that the text is published.",
            },
            "collected": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "Where and when the organisation collected it, for the "
                "region; never a name.",
                "example": "Schoolsessie 12 november",
            },
        },
    },
}


def page_schema(item: str) -> dict[str, Any]:
    return _obj(
        {
            "data": {"type": "array", "items": _ref(item)},
            "next": _or_null({"type": "string", "format": "uri"}),
        },
        f"One page of {item} items; ``next`` is the address of the following page.",
    )


# -- parameters and endpoints -----------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # "path", "query" or "header"
    schema: dict[str, Any]
    description: LazyString
    # A value from the demo data for the examples on the documentation page.
    example: Any = None

    @property
    def is_integer(self) -> bool:
        return self.schema.get("type") == "integer"


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str  # OpenAPI style: /consultations/{slug}
    summary: LazyString
    description: LazyString
    schema: str
    handler: resources.Handler
    tag: str
    parameters: tuple[Parameter, ...] = ()
    listing: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    # A write: POST with a JSON body (``request_schema``), allowed only with an
    # organisation's bearer token that holds ``scope``. Reads are GET and public.
    method: str = "get"
    request_schema: str | None = None
    scope: str | None = None
    example_body: dict[str, Any] | None = None

    @property
    def is_write(self) -> bool:
        return self.method != "get"

    @property
    def all_parameters(self) -> tuple[Parameter, ...]:
        return self.parameters + (PAGING if self.listing else ())

    @property
    def flask_path(self) -> str:
        path = self.path
        for parameter in self.parameters:
            if parameter.location == "path":
                path = path.replace(f"{{{parameter.name}}}", f"<{parameter.name}>")
        return path


SLUG = Parameter(
    "slug",
    "path",
    {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,119}$"},
    _l("The consultation's address, as in its web page."),
    "jz22-regiovisie-jeugd",
)
PAGING = (
    Parameter(
        "limit",
        "query",
        {"type": "integer", "minimum": 1, "maximum": PAGE_MAX, "default": PAGE_DEFAULT},
        _l("How many items per page (1 to 100, 50 when not given)."),
        10,
    ),
    Parameter(
        "cursor",
        "query",
        {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$"},
        _l("Where the page starts: copy it from the next link of the page before."),
    ),
)

IDEMPOTENCY_KEY = Parameter(
    "Idempotency-Key",
    "header",
    {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,64}$"},
    _l(
        "Your own unique key for this submission (a UUID, or the row number in your own "
        "file). Send the same key when you try again: it is stored only once."
    ),
    "schoolsessie-2026-11-12-017",
)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "regions",
        "/regions",
        _l("Youth regions"),
        _l("Every youth region, with the municipalities that belong to it today."),
        "Region",
        resources.regions,
        "regions",
        listing=True,
    ),
    Endpoint(
        "region",
        "/regions/{code}",
        _l("One youth region"),
        _l("One youth region by its CBS code, with its municipalities today."),
        "Region",
        resources.region,
        "regions",
        parameters=(
            Parameter(
                "code",
                "path",
                {"type": "string", "pattern": "^[A-Za-z0-9]{1,16}$"},
                _l("The region's CBS code."),
                "JZ22",
            ),
        ),
    ),
    Endpoint(
        "stakeholder_groups",
        "/stakeholder-groups",
        _l("Stakeholder groups"),
        _l("Who people speak as when they comment; the codes the comment filter takes."),
        "StakeholderGroup",
        resources.stakeholder_groups,
        "consultations",
        listing=True,
    ),
    Endpoint(
        "consultations",
        "/consultations",
        _l("Consultations"),
        _l("Every public consultation (drafts are never shown), oldest first."),
        "Consultation",
        resources.consultations,
        "consultations",
        parameters=(
            Parameter(
                "region",
                "query",
                {"type": "string", "pattern": "^[A-Za-z0-9]{1,16}$"},
                _l("Only the consultations of the region with this code."),
                "JZ22",
            ),
            Parameter(
                "state",
                "query",
                {"type": "string", "enum": PUBLIC_STATES},
                _l("Only the consultations in this state."),
                "open",
            ),
        ),
        listing=True,
    ),
    Endpoint(
        "consultation",
        "/consultations/{slug}",
        _l("One consultation"),
        _l("One public consultation by its address."),
        "Consultation",
        resources.consultation,
        "consultations",
        parameters=(SLUG,),
    ),
    Endpoint(
        "versions",
        "/consultations/{slug}/versions",
        _l("Versions of the document"),
        _l(
            "The version that was consulted and the later versions, with their sections. "
            "Only locked versions: a version being edited is not public."
        ),
        "Version",
        resources.versions,
        "consultations",
        parameters=(SLUG,),
        listing=True,
    ),
    Endpoint(
        "version",
        "/consultations/{slug}/versions/{number}",
        _l("One version of the document"),
        _l("One locked version by its number, with its sections."),
        "Version",
        resources.version,
        "consultations",
        parameters=(
            SLUG,
            Parameter(
                "number",
                "path",
                {"type": "integer", "minimum": 1, "maximum": 1000000},
                _l("The version number."),
                1,
            ),
        ),
    ),
    Endpoint(
        "comments",
        "/consultations/{slug}/comments",
        _l("Published comments"),
        _l(
            "The comments whose text the sender agreed to publish, confirmed, not hidden "
            "and not withdrawn. A name only when the sender agreed and is 16 or older. "
            "Never an email address or a tracking code."
        ),
        "Comment",
        resources.comments,
        "comments",
        parameters=(
            SLUG,
            Parameter(
                "section",
                "query",
                {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$"},
                _l("Only the comments on the section with this anchor."),
                "s-1",
            ),
            Parameter(
                "group",
                "query",
                {"type": "string", "pattern": "^[a-z0-9_]{1,40}$"},
                _l("Only the comments of this stakeholder group (its code)."),
                "young_person",
            ),
        ),
        listing=True,
    ),
    Endpoint(
        "comment",
        "/consultations/{slug}/comments/{id}",
        _l("One published comment"),
        _l("One published comment by its number."),
        "Comment",
        resources.comment,
        "comments",
        parameters=(
            SLUG,
            Parameter(
                "id",
                "path",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                _l("The comment's number."),
                1,
            ),
        ),
    ),
    Endpoint(
        "answers",
        "/consultations/{slug}/answers",
        _l("Published answers"),
        _l(
            "The region's published answers, current and superseded, with the numbers of "
            "the published comments they answer."
        ),
        "Answer",
        resources.answers,
        "comments",
        parameters=(
            SLUG,
            Parameter(
                "disposition",
                "query",
                {"type": "string", "enum": [d.value for d in Disposition]},
                _l("Only the answers with this outcome."),
                "adopted",
            ),
        ),
        listing=True,
    ),
    Endpoint(
        "questionnaire",
        "/consultations/{slug}/questionnaire",
        _l("Questionnaire results"),
        _l(
            "Per question of the consultation's questionnaire: how many people chose each "
            "option, per stakeholder group and per age band. A figure of fewer than 5 "
            "people is never given, nor one that could be worked out from the others."
        ),
        "Questionnaire",
        resources.questionnaire,
        "consultations",
        parameters=(SLUG,),
    ),
    Endpoint(
        "checkpoints",
        "/record/checkpoints",
        _l("Signed checkpoints"),
        _l("Every signed checkpoint of the evidence record, oldest first, with its note."),
        "Checkpoint",
        resources.checkpoints,
        "record",
        listing=True,
    ),
    Endpoint(
        "checkpoint",
        "/record/checkpoints/{id}",
        _l("One signed checkpoint"),
        _l("One signed checkpoint by its number, with its signed note."),
        "Checkpoint",
        resources.checkpoint,
        "record",
        parameters=(
            Parameter(
                "id",
                "path",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                _l("The checkpoint's number."),
                1,
            ),
        ),
    ),
    Endpoint(
        "inclusion",
        "/record/events/{leaf_index}/inclusion",
        _l("Inclusion proof of an event"),
        _l(
            "Proof that the event at this position is in the latest signed checkpoint. "
            "The event's own content is left out; a participant finds it on their receipt."
        ),
        "InclusionProof",
        resources.inclusion,
        "record",
        parameters=(
            Parameter(
                "leaf_index",
                "path",
                {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                _l("The event's position in the record, counting from 0."),
                0,
            ),
        ),
    ),
    Endpoint(
        "statistics",
        "/statistics",
        _l("Statistics per region"),
        _l(
            "The figures of the national overview: per region its current or last "
            "consultation, submissions and comments per stakeholder group, share answered "
            "and adopted, and whether the reactienota is published."
        ),
        "Statistics",
        resources.statistics,
        "statistics",
    ),
    Endpoint(
        "submit",
        "/consultations/{slug}/submissions",
        _l("Send comments collected offline"),
        _l(
            "For verified organisations that collected comments themselves, for example at "
            "a school session. Needs an API key of the organisation with the scope "
            "consultation:submission:create (made by its admins on the organisation's "
            "members page), sent as Authorization: Bearer. One request is one "
            "participant's submission, checked exactly like the web form, on behalf of "
            "the key's organisation. It is confirmed at once (the organisation vouches for "
            "it), has no email address, and its event in the evidence record names the "
            "API and the key's prefix. The consultation must be open."
        ),
        "SubmissionReceipt",
        submissions.submit,
        "submissions",
        parameters=(SLUG, IDEMPOTENCY_KEY),
        method="post",
        request_schema="SubmissionRequest",
        scope=submissions.SCOPE,
        example_body={
            "stakeholder_group": "young_person",
            "age_band": "12_15",
            "municipality": None,
            "comments": [{"section": None, "text": "Luister naar jongeren zelf."}],
            "publish_text": True,
            "collected": "Schoolsessie 12 november",
        },
    ),
)

TAGS = {
    "regions": _l("Regions"),
    "consultations": _l("Consultations and documents"),
    "comments": _l("Comments and answers"),
    "record": _l("Evidence record"),
    "statistics": _l("Statistics"),
    "submissions": _l("Sending comments (organisations)"),
}

SECURITY_SCHEME = "organisationToken"


# -- the OpenAPI document ---------------------------------------------------------------------


def _response(description: str, schema: str, media: str = "application/json") -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": _ref(schema)}}}


def _problem(description: str, schema: str = "Problem") -> dict[str, Any]:
    return _response(description, schema, "application/problem+json")


def _parameter(parameter: Parameter) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": parameter.name,
        "in": parameter.location,
        "required": parameter.location in ("path", "header"),
        "description": str(parameter.description),
        "schema": parameter.schema,
    }
    if parameter.example is not None:
        item["example"] = parameter.example
    return item


def _write_operation(endpoint: Endpoint) -> dict[str, Any]:
    assert endpoint.request_schema is not None
    assert endpoint.scope is not None
    unauthorised = _problem(
        "No valid API key: missing, unknown, revoked or expired. A session cookie is never enough."
    )
    unauthorised["headers"] = {"WWW-Authenticate": {"schema": STRING}}
    responses: dict[str, Any] = {
        "201": {
            **_response(str(endpoint.summary), endpoint.schema),
            "headers": {
                "Location": {"description": "The public status page.", "schema": STRING},
                "Idempotent-Replayed": {
                    "description": "true when this is the answer to an earlier request "
                    "with the same Idempotency-Key.",
                    "schema": STRING,
                },
            },
        },
        "400": _problem("The Idempotency-Key header is missing or not valid."),
        "401": unauthorised,
        "403": _problem(
            "The key may not do this (scope), or the organisation is no longer verified."
        ),
        "404": _problem("Not found."),
        "409": _problem("The consultation does not accept comments now."),
        "422": _problem(
            "The body is not valid (also: not UTF-8, a lone surrogate such as \\ud800, or "
            "nested deeper than 32 levels), or the Idempotency-Key was used for another body.",
            "ValidationProblem",
        ),
        "429": _problem("Too many requests with this key."),
    }
    return {
        "operationId": endpoint.name,
        "summary": str(endpoint.summary),
        "description": str(endpoint.description),
        "tags": [endpoint.tag],
        "parameters": [_parameter(p) for p in endpoint.all_parameters],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": _ref(endpoint.request_schema),
                    "example": endpoint.example_body,
                }
            },
        },
        "security": [{SECURITY_SCHEME: []}],
        "x-required-scope": endpoint.scope,
        "responses": dict(sorted(responses.items())),
    }


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    if endpoint.is_write:
        return _write_operation(endpoint)
    parameters = [_parameter(p) for p in endpoint.all_parameters]
    ok_schema = f"{endpoint.schema}Page" if endpoint.listing else endpoint.schema
    headers = {
        "ETag": {"description": "Hash of the body.", "schema": STRING},
        "Cache-Control": {"schema": STRING},
    }
    if endpoint.listing:
        headers["Link"] = {"description": 'The next page, rel="next".', "schema": STRING}
    responses: dict[str, Any] = {
        "200": {**_response(str(endpoint.summary), ok_schema), "headers": headers},
        "304": {"description": "Not modified (If-None-Match matched the ETag)."},
        "429": _response("Too many requests.", "Problem", "application/problem+json"),
    }
    if any(p.location == "query" for p in endpoint.all_parameters):
        responses["400"] = _response(
            "A parameter is not valid.", "Problem", "application/problem+json"
        )
    if any(p.location == "path" for p in endpoint.all_parameters):
        responses["404"] = _response("Not found.", "Problem", "application/problem+json")
    return {
        "operationId": endpoint.name,
        "summary": str(endpoint.summary),
        "description": str(endpoint.description),
        "tags": [endpoint.tag],
        "parameters": parameters,
        "responses": dict(sorted(responses.items())),
    }


def document(server_url: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document, in the current locale (English for ``openapi.json``).

    ``server_url`` is the absolute address of ``/api/v1``; the readable documentation
    lives at ``<server_url>/docs``."""
    schemas = {**SCHEMAS, **REQUEST_SCHEMAS}
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in ENDPOINTS:
        if endpoint.listing:
            schemas[f"{endpoint.schema}Page"] = page_schema(endpoint.schema)
        paths.setdefault(endpoint.path, {})[endpoint.method] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Consult open data API",
            "version": VERSION,
            "description": str(
                _l(
                    "Public, read-only data about the consultations of the Dutch youth "
                    "regions: regions, consultations, documents, published comments and "
                    "answers, statistics and the evidence record. No key needed. One "
                    "write: verified organisations send comments they collected offline, "
                    "with their own API key."
                )
            ),
        },
        "externalDocs": {"url": f"{server_url}/docs"},
        "servers": [{"url": server_url}],
        "tags": [{"name": name, "description": str(label)} for name, label in TAGS.items()],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": str(
                        _l(
                            "An API key of a verified organisation (consult_...), made by "
                            "its admins. Only for sending comments; reading needs no key."
                        )
                    ),
                }
            },
        },
    }
