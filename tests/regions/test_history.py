"""Splits and mergers keep the history, through the services, the pages and the CLI."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from consult.regions import services
from consult.regions.models import Region, RegionMembership, RegionSuccession, SuccessionKind
from tests.regions.conftest import fragment, text_of

SPLIT_DAY = date(2025, 7, 1)
FLEVOLAND_EAST = ["GM0171", "GM0184", "GM0303", "GM0995"]


def split_flevoland(session) -> list[Region]:
    created = services.split_region(
        session,
        "JZ08",
        [
            services.RegionPart("JZ91", "Almere", ["GM0034"]),
            services.RegionPart("JZ92", "Flevoland-Oost", FLEVOLAND_EAST),
        ],
        SPLIT_DAY,
    )
    session.flush()
    return created


def test_a_split_ends_the_old_memberships_and_starts_new_ones(session):
    almere, east = split_flevoland(session)
    flevoland = services.get_region(session, "JZ08")
    assert flevoland.valid_to == SPLIT_DAY
    old = services.membership_history(session, flevoland)
    assert len(old) == 5
    assert all(m.valid_from == date(2025, 1, 1) and m.valid_to == SPLIT_DAY for m in old)
    assert [m.name for m in services.members_on(session, almere, SPLIT_DAY)] == ["Almere"]
    assert len(services.members_on(session, east, SPLIT_DAY)) == 4
    # The day before, Flevoland was still whole.
    assert len(services.members_on(session, flevoland, date(2025, 6, 30))) == 5
    came_from, continued_by = services.successions_of(session, flevoland)
    assert came_from == []
    assert {s.successor.code for s in continued_by} == {"JZ91", "JZ92"}
    assert {s.kind for s in continued_by} == {SuccessionKind.SPLIT}


def test_a_merger_keeps_both_histories(session):
    merged = services.merge_regions(
        session, ["JZ19", "JZ20"], "JZ90", "Utrecht West en Eemland", SPLIT_DAY
    )
    session.flush()
    assert merged.provinces == "Utrecht"
    assert len(services.members_on(session, merged, SPLIT_DAY)) == 12
    for code in ("JZ19", "JZ20"):
        region = services.get_region(session, code)
        assert not region.is_active_on(SPLIT_DAY)
        assert all(m.valid_to == SPLIT_DAY for m in services.membership_history(session, region))
    came_from, _ = services.successions_of(session, merged)
    assert {s.predecessor.code for s in came_from} == {"JZ19", "JZ20"}


def test_the_pages_show_former_regions_and_what_continued_them(english_client, session):
    split_flevoland(session)

    listing = english_client.get("/regios")
    assert "Former youth regions" in text_of(listing)
    former = fragment(listing, "regio-JZ08")
    assert "Flevoland (JZ08)" in former
    assert "ended on July 1, 2025" in former
    assert "Continued by Almere, Flevoland-Oost (split)" in former
    assert "Almere" in fragment(listing, "regio-JZ91")
    assert "Lelystad" in fragment(listing, "regio-JZ92")

    old = english_client.get("/regios/JZ08")
    page = text_of(old)
    assert "This youth region no longer exists. It ended on July 1, 2025." in page
    assert 'id="gemeenten"' not in old.text
    assert "Continued by Almere (JZ91) from July 1, 2025 (split)." in page
    assert "Continued by Flevoland-Oost (JZ92) from July 1, 2025 (split)." in page
    history = fragment(old, "geschiedenis")
    assert history.count("January 1, 2025 July 1, 2025") == 5
    assert "still a member" not in history

    new = english_client.get("/regios/JZ92")
    page = text_of(new)
    assert "Came from Flevoland (JZ08) on July 1, 2025 (split)." in page
    assert "4 municipalities work together in this youth region" in page
    assert fragment(new, "geschiedenis").count("still a member") == 4


def test_the_pages_show_a_merger(english_client, session):
    services.merge_regions(session, ["JZ19", "JZ20"], "JZ90", "Utrecht West en Eemland", SPLIT_DAY)
    session.flush()
    page = text_of(english_client.get("/regios/JZ90"))
    assert "Came from Utrecht West (JZ19) on July 1, 2025 (merger)." in page
    assert "Came from Eemland (JZ20) on July 1, 2025 (merger)." in page
    assert "Continued by Utrecht West en Eemland (merger)" in fragment(
        english_client.get("/regios"), "regio-JZ19"
    )


# -- the consult region command ------------------------------------------------------------


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


SPLIT_ARGS = (
    "region",
    "split",
    "jz08",
    "--into",
    "JZ91:Almere:GM0034",
    "--into",
    "JZ92:Flevoland-Oost:" + ",".join(FLEVOLAND_EAST),
    "--on",
    "2025-07-01",
)


def test_cli_split_twice_changes_nothing_the_second_time(app, session):
    first = run(app, *SPLIT_ARGS)
    assert first.exit_code == 0, first.output
    assert "JZ08 split on 2025-07-01 into JZ91 Almere, JZ92 Flevoland-Oost" in first.output
    second = run(app, *SPLIT_ARGS)
    assert second.exit_code == 0, second.output
    assert "already split" in second.output
    session.expire_all()
    assert session.scalar(select(Region).where(Region.code == "JZ08")).valid_to == SPLIT_DAY
    assert len(session.scalars(select(RegionSuccession)).all()) == 2
    east = services.get_region(session, "JZ92")
    assert (
        len(
            session.scalars(
                select(RegionMembership).where(RegionMembership.region_id == east.id)
            ).all()
        )
        == 4
    )


@pytest.mark.parametrize(
    ("into", "message"),
    [
        (
            ("JZ91:Almere:GM0034,GM0344", "JZ92:Oost:" + ",".join(FLEVOLAND_EAST)),
            "not members of JZ08: GM0344",
        ),
        (
            ("JZ91:Almere:GM0034", "JZ92:Oost:GM0171,GM0184,GM0303"),
            "not assigned to a new region: GM0995",
        ),
        (
            ("JZ91:Almere:GM0034,GM0171", "JZ92:Oost:" + ",".join(FLEVOLAND_EAST)),
            "more than one new region: GM0171",
        ),
        (
            ("JZ22:Almere:GM0034", "JZ92:Oost:" + ",".join(FLEVOLAND_EAST)),
            "region code JZ22 is already in use",
        ),
        (("JZ91:Almere:GM0034",), "at least two new regions"),
        (("Almere",), "is not CODE:NAME:GM0001,GM0002"),
    ],
)
def test_cli_split_refuses_bad_input_and_changes_nothing(app, session, into, message):
    args = ["region", "split", "JZ08", "--on", "2025-07-01"]
    for part in into:
        args += ["--into", part]
    result = run(app, *args)
    assert result.exit_code != 0
    assert message in result.output
    session.expire_all()
    assert services.get_region(session, "JZ08").valid_to is None
    assert services.get_region(session, "JZ91") is None


def test_cli_split_refuses_an_unknown_region_and_a_bad_date(app):
    unknown = run(
        app,
        "region",
        "split",
        "JZ99",
        "--into",
        "A:A:GM1",
        "--into",
        "B:B:GM2",
        "--on",
        "2025-07-01",
    )
    assert unknown.exit_code != 0
    assert "there is no region JZ99" in unknown.output
    bad_day = run(app, "region", "split", "JZ08", "--into", "A:A:GM1", "--on", "1 juli")
    assert bad_day.exit_code != 0
    assert "use a date like 2026-01-01" in bad_day.output


def test_cli_merge_twice_changes_nothing_the_second_time(app, session):
    args = (
        "region",
        "merge",
        "JZ19",
        "JZ20",
        "--into",
        "JZ90",
        "--name",
        "Utrecht West en Eemland",
        "--on",
        "2025-07-01",
    )
    first = run(app, *args)
    assert first.exit_code == 0, first.output
    assert "JZ19, JZ20 merged on 2025-07-01 into JZ90 Utrecht West en Eemland" in first.output
    second = run(app, *args)
    assert second.exit_code == 0, second.output
    assert "already merged" in second.output
    session.expire_all()
    merged = services.get_region(session, "JZ90")
    assert len(services.members_on(session, merged, SPLIT_DAY)) == 12
    assert len(session.scalars(select(RegionSuccession)).all()) == 2


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        (("JZ19", "JZ19"), "at least two different regions"),
        (("JZ19", "JZ99"), "there is no region JZ99"),
        (("JZ19", "JZ20", "--into", "JZ22"), "region code JZ22 is already in use"),
    ],
)
def test_cli_merge_refuses_bad_input(app, session, codes, message):
    args = ["region", "merge", *codes, "--name", "Samen", "--on", "2025-07-01"]
    if "--into" not in codes:
        args += ["--into", "JZ90"]
    result = run(app, *args)
    assert result.exit_code != 0
    assert message in result.output
    session.expire_all()
    assert services.get_region(session, "JZ19").valid_to is None
