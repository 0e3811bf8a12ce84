"""The reactienota's content: what it counts and quotes, and that its SQL does not grow."""

from __future__ import annotations

import json

import rfc8785
from sqlalchemy import event

from consult.comments.codes import display
from consult.extensions import db
from consult.ledger import canonical
from consult.reports import services as reactienota
from consult.responses.models import Disposition
from tests import factories
from tests.responses import report_world


def _section(content, anchor):
    return next(s for s in content["sections"] if s["anchor"] == anchor)


def test_reach_moderation_and_answering_figures(session):
    world = report_world.build(session)
    content = reactienota.build_content(session, world.consultation)

    reach = content["reach"]
    # Confirmed submissions: 5 single ones and three campaign letters; the withdrawn comment
    # is not counted, the hidden one is.
    assert reach["submissions"] == 8
    assert reach["comments"] == 9
    by_group = {row["group"]: (row["submissions"], row["comments"]) for row in reach["by_group"]}
    assert by_group == {
        "young_person": (1, 1),
        "parent": (2, 3),
        "foster_parent": (3, 3),
        "care_provider": (1, 1),
        "professional": (1, 1),
    }
    assert reach["by_age_band"] == [{"age_band": "12_15", "submissions": 1, "comments": 1}]
    assert content["moderation"] == {
        "hidden": 1,
        "by_reason": [{"reason": "offensive", "comments": 1}],
        "withdrawn": 1,
    }
    answering = content["answering"]
    assert answering["answered"] == 9
    assert answering["unanswered"] == 0
    assert answering["corrections"] == 1
    assert answering["allow_self_approval"] is False
    assert answering["self_approved_answers"] == 0


def test_the_process_channels_and_extensions(session):
    world = report_world.build(session)
    content = reactienota.build_content(session, world.consultation)
    process = content["consultation"]
    [change] = process["closing_changes"]
    assert change["reason"] == "Herfstvakantie: scholen vroegen om meer tijd."
    assert change["to"] > change["from"]
    assert process["opened_at"] is None  # the factory opened it without a state change
    assert process["closed_at"] is not None
    assert process["answered_at"] is not None
    assert content["channels"] == {
        "online": {"submissions": 8, "comments": 9},
        "offline": {"activities": 1, "participants": 26},
    }
    [activity] = content["activities"]
    assert activity["kind"] == "school_session"
    assert activity["total"] == 26
    assert {"group": "young_person", "age_band": "12_15", "count": 24} in activity["participants"]
    assert content["lundy"]["young_participants_offline"] == 24
    assert content["lundy"]["activity_participants"] == 26


def test_the_content_follows_its_schema_before_and_after_answering(session):
    import jsonschema

    from consult.reports.rendering import SCHEMA_PATH

    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text("utf-8")))
    for answered in (False, True):
        world = report_world.build(session, answer_all=answered)
        content = reactienota.build_content(session, world.consultation)
        validator.validate(json.loads(canonical.fast_canonical_bytes(content)))


def test_sections_quote_public_texts_and_group_near_identical_ones(session):
    world = report_world.build(session)
    content = reactienota.build_content(session, world.consultation)

    general = content["sections"][0]
    assert general["anchor"] is None
    assert general["comments"] == 1
    first = _section(content, "s-1")
    assert first["comments"] == 2
    [bucket] = first["answers"]
    assert [item["text"] for item in bucket["items"]] == [
        report_world.PUBLIC_TEXT,
        report_world.NAMED_TEXT,
    ]
    assert bucket["items"][1]["name"] == report_world.ADULT_NAME
    assert bucket["items"][0]["code"] == display(world.submissions["parent"].tracking_code)
    # Changed in version 2, after both comments of the answer that points to it.
    assert first["next_version"]["status"] == "changed"
    answer = next(a for a in content["answers"] if a["ref"] == bucket["answer"])
    assert answer["disposition"] == "adopted"
    assert answer["changed_sections"] == [
        {"version": 2, "anchor": "s-1", "number": "1", "heading": "Inleiding", "comments": 2}
    ]

    second = _section(content, "s-2")
    assert second["next_version"]["status"] == "unchanged"
    young = next(b for b in second["answers"] if b["items"])
    assert young["items"][0]["text"] == report_world.YOUNG_TEXT
    assert young["items"][0]["name"] is None  # consent given, but under 16
    assert young["items"][0]["age_band"] == "12_15"
    secret = next(b for b in second["answers"] if not b["items"])
    assert (secret["comments"], secret["not_published"], secret["hidden"]) == (1, 1, 0)

    third = _section(content, "s-3")
    campaign = next(b for b in third["answers"] if b["comments"] == 3)
    [item] = campaign["items"]
    assert item["text"] == report_world.CAMPAIGN_TEXT
    assert item["near_identical"] == 2
    hidden = next(b for b in third["answers"] if b["hidden"])
    assert hidden["items"] == []
    assert hidden["comments"] == 1


def test_a_corrected_answer_shows_the_earlier_one(session):
    world = report_world.build(session)
    content = reactienota.build_content(session, world.consultation)
    corrected = [a for a in content["answers"] if a["correction"]]
    assert len(corrected) == 1
    assert corrected[0]["disposition"] == Disposition.ADOPTED.value
    assert corrected[0]["correction"]["note"] == "We lazen de reactie eerst verkeerd."
    assert corrected[0]["correction"]["replaces"]["disposition"] == "partly_adopted"


def test_statistics_and_lundy_figures(session):
    world = report_world.build(session)
    content = reactienota.build_content(session, world.consultation)
    stats = {row["group"]: row for row in content["statistics"]["by_group"]}
    assert stats["young_person"]["counts"]["adopted"] == 1
    assert stats["foster_parent"]["counts"]["already_covered"] == 3
    assert stats["parent"]["total"] == 3
    assert content["statistics"]["all"]["total"] == 9
    lundy = content["lundy"]
    assert lundy["young_comments"] == 1
    assert lundy["under_16_comments"] == 1
    assert lundy["adopted"] == 3  # school answer (2) and the corrected young one (1)
    assert lundy["young_adopted"] == 1
    assert lundy["young_answered"] == 1
    assert lundy["linked_sections"] == 1


def test_the_appendix_lists_every_comment_by_code_with_text_only_where_consented(session):
    world = report_world.build(session)
    content = reactienota.build_content(session, world.consultation)
    rows = content["appendix"]
    assert len(rows) == 9
    assert [(r["code"], r["comment"]) for r in rows] == sorted(
        (r["code"], r["comment"]) for r in rows
    )
    status = {r["text"] or r["text_status"] for r in rows}
    assert "withheld" in status
    assert "hidden" in status
    assert all((r["text"] is not None) == (r["text_status"] == "published") for r in rows)
    assert all(r["disposition"] for r in rows)


def test_unanswered_comments_are_listed_as_waiting(session):
    world = report_world.build(session, answer_all=False)
    content = reactienota.build_content(session, world.consultation)
    assert content["answering"]["unanswered"] == 9
    first = _section(content, "s-1")
    assert first["answers"] == []
    assert first["unanswered"]["comments"] == 2
    assert next(i["text"] for i in first["unanswered"]["items"]) == report_world.PUBLIC_TEXT
    assert content["appendix"][0]["disposition"] is None


def test_canonical_json_is_rfc_8785(session):
    world = report_world.build(session)
    content = reactienota.build_content(session, world.consultation)
    # Texts with what JCS escapes in its own way: control characters, quotes, non-ASCII.
    content["correction_note"] = 'Tab\there, "quotes", \\ \x01 \x1f é 😀 \u2028 \x7f'
    assert canonical.fast_canonical_bytes(content) == rfc8785.dumps(content)
    assert json.loads(canonical.fast_canonical_bytes(content)) == content


def _count_statements(app, work):
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    engine = db.state(app).engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_the_number_of_queries_does_not_grow_with_the_comments(app, session):
    small = report_world.build(session)
    large = report_world.build(session)
    for _ in range(30):
        factories.submission(session, large.consultation, [("s-2", "Nog een reactie.")])
    with app.app_context():
        few = _count_statements(app, lambda: reactienota.build_content(session, small.consultation))
        many = _count_statements(
            app, lambda: reactienota.build_content(session, large.consultation)
        )
    assert few == many
