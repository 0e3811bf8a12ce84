"""Storing and editing groups of near-identical comments (letter campaigns).

The grouping runs over realistic Dutch comments: a campaign letter sent many times, each copy
signed by someone else and some changed a little, among comments that are about the same
topics but written by one person each. Hand edits survive running the grouping again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import event, select

from consult.comments.models import Comment, SubmissionState
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.extensions import db
from consult.responses.answers import services
from consult.responses.grouping import services as grouping
from consult.responses.grouping.similarity import similarity
from consult.responses.models import (
    CommentGroup,
    CommentGroupMember,
    CommentKeptApart,
    Disposition,
)
from tests import factories

LETTER = (
    "Geachte leden van het regiobestuur,\n\n"
    "Als ouders van kinderen met een zorgvraag maken wij ons grote zorgen over de wachtlijsten "
    "in de specialistische jeugdhulp. Kinderen wachten nu vaak meer dan zes maanden op een "
    "eerste gesprek, en in die tijd worden de problemen alleen maar groter. Wij vragen u om in "
    "de regiovisie op te nemen dat geen enkel kind langer dan acht weken wacht, en dat er "
    "tijdens het wachten altijd overbruggingszorg is. Betrek ouders en jongeren ook bij de "
    "inkoop, zodat de hulp past bij wat gezinnen echt nodig hebben.\n\n"
    "Met vriendelijke groet,\n"
)
NAMES = [
    "Fatima el Amrani",
    "Jan de Vries",
    "Sanne Jansen",
    "Mehmet Yilmaz",
    "Petra Bakker",
    "Kees Visser",
    "Anouk Smit",
    "Ricardo Martina",
    "Els Mulder",
    "Daan de Boer",
    "Noor Hendriks",
    "Wim Dekker",
]
# What people change in a campaign letter before they send it.
EDITS = [
    lambda text: text,
    lambda text: text.replace("Geachte leden", "Beste leden"),
    lambda text: text.replace("zes maanden", "zes maanden (bij ons zelfs negen)"),
    lambda text: text.upper(),
    lambda text: text.replace("wachtlijsten", "wachtlijstn"),
    lambda text: text.replace(", en in die tijd", ". In die tijd"),
    lambda text: text + "\nOnze zoon wacht al sinds januari.",
    lambda text: text.replace("\n\n", "\n"),
]
OWN_COMMENTS = [
    "De wachtlijsten voor jeugd-ggz zijn veel te lang, mijn dochter wacht al een jaar.",
    "Ik mis in hoofdstuk 3 hoe de regio samenwerkt met het onderwijs bij thuiszitters.",
    "Als jongere wil ik zelf kunnen meepraten over de hulp die ik krijg, niet alleen mijn ouders.",
    "Pleegzorg moet tot 21 jaar doorlopen, anders vallen jongeren tussen wal en schip.",
    "Zorgaanbieders hebben te maken met veel administratie. Maak de verantwoording eenvoudiger.",
    "Goed dat er aandacht is voor preventie, maar hoe wordt dat betaald?",
    "Het wijkteam in onze gemeente is moeilijk bereikbaar, vooral in de avond.",
    "Crisishulp in het weekend ontbreekt. Wij moesten naar de spoedeisende hulp.",
    "De tekst van de regiovisie is moeilijk te lezen. Schrijf in eenvoudige taal.",
    "Ervaringsdeskundigen zouden vast onderdeel moeten zijn van de toegang.",
    "Ik ben blij met het plan voor gezinshuizen, maar er zijn te weinig plekken.",
    "Hoe zorgt de regio ervoor dat tarieven eerlijk zijn voor kleine aanbieders?",
    "Wij vragen om een vaste contactpersoon voor elk gezin, ook na de verwijzing.",
    "Vervoer naar de dagbehandeling kost ons elke week vele uren; regel dit regionaal.",
    "Bij de overgang naar 18 jaar stopt de hulp vaak ineens. Dat moet beter.",
    "Schoolmaatschappelijk werk moet in elke school aanwezig zijn.",
    "Mijn zoon met autisme kreeg pas hulp toen het al misging. Eerder signaleren dus.",
    "De privacy van jongeren wordt niet goed beschermd bij het delen van dossiers.",
    "Kijk ook naar armoede en schulden, daar begint veel ellende voor gezinnen.",
    "Als huisarts verwijs ik vaak, maar ik hoor daarna nooit meer iets terug.",
]


@dataclass
class Campaign:
    consultation: Consultation
    copies: list[Comment]
    own: list[Comment]
    # Copies that need no answer: never grouped automatically.
    unconfirmed: Comment
    withdrawn: Comment


def campaign_consultation(session, *, copies: int = 12, region_code: str = "JZ22") -> Campaign:
    """A closed consultation with a campaign letter sent ``copies`` times among own comments."""
    consultation = factories.consultation(
        session,
        factories.document_version(session, region_code, locked=True),
        state="closed",
        opens_in_days=-50,
        closes_in_days=-1,
    )
    sent: list[Comment] = []
    own: list[Comment] = []
    for n in range(max(copies, len(OWN_COMMENTS))):
        if n < len(OWN_COMMENTS):
            own.append(
                factories.submission(session, consultation, [("s-2", OWN_COMMENTS[n])]).comments[0]
            )
        if n < copies:
            name = NAMES[n % len(NAMES)]
            text = EDITS[n % len(EDITS)](LETTER + name)
            sent.append(factories.submission(session, consultation, [(None, text)]).comments[0])
    unconfirmed = factories.submission(
        session, consultation, [(None, LETTER + "Bram Vos")], confirmed=False
    ).comments[0]
    withdrawn = factories.submission(session, consultation, [(None, LETTER + "Lies Kok")])
    withdrawn.comments[0].withdrawn_at = utcnow()
    session.flush()
    assert unconfirmed.submission.state is SubmissionState.PENDING
    return Campaign(consultation, sent, own, unconfirmed, withdrawn.comments[0])


def groups_of(session, consultation) -> list[CommentGroup]:
    session.expire_all()
    return list(
        session.scalars(
            select(CommentGroup)
            .where(CommentGroup.consultation_id == consultation.id)
            .order_by(CommentGroup.id)
        )
    )


def member_ids(group: CommentGroup) -> set[int]:
    return {m.comment_id for m in group.members}


@pytest.fixture
def campaign(session) -> Campaign:
    return campaign_consultation(session)


@pytest.fixture
def official(session):
    return factories.region_user(session, "official")


# -- the automatic grouping ---------------------------------------------------------------------


def test_regroup_finds_the_campaign_among_realistic_comments_and_stores_it(session, campaign):
    result = grouping.regroup(session, None, campaign.consultation)

    [group] = groups_of(session, campaign.consultation)
    assert member_ids(group) == {c.id for c in campaign.copies}
    assert group.representative_id in member_ids(group)
    assert group.created_by_id is None
    assert all(m.added_by_id is None for m in group.members)
    # The similarity is the exact one, to the representative, and shown per member.
    texts = {c.id: c.body for c in campaign.copies}
    for member in group.members:
        expected = similarity(texts[member.comment_id], texts[group.representative_id])
        assert member.similarity == pytest.approx(expected, abs=0.006)
        assert member.similarity >= 0.7
    assert min(m.similarity for m in group.members) < 1.0  # edits are seen, not hidden
    assert (result.groups, result.grouped_comments, result.kept_groups) == (1, 12, 0)
    assert result.seconds >= 0


def test_answered_comments_are_grouped_too_but_not_those_that_need_no_answer(session, campaign):
    official, responder = (
        factories.region_user(session, "official"),
        factories.region_user(session, "responder"),
    )
    answered = campaign.copies[0]
    answer = services.draft_answer(
        session, responder, campaign.consultation, [answered], Disposition.NOTED, "Gelezen."
    )
    services.approve(session, official, answer)
    services.publish(session, official, campaign.consultation)

    grouping.regroup(session, official, campaign.consultation)
    [group] = groups_of(session, campaign.consultation)
    assert answered.id in member_ids(group)
    assert campaign.unconfirmed.id not in member_ids(group)
    assert campaign.withdrawn.id not in member_ids(group)


def test_running_it_again_replaces_untouched_groups_and_keeps_their_number(session, campaign):
    grouping.regroup(session, None, campaign.consultation)
    [before] = groups_of(session, campaign.consultation)
    late = factories.submission(
        session, campaign.consultation, [(None, LETTER + "Bas Willems")]
    ).comments[0]

    result = grouping.regroup(session, None, campaign.consultation)

    [after] = groups_of(session, campaign.consultation)
    assert after.id == before.id
    assert member_ids(after) == {c.id for c in campaign.copies} | {late.id}
    assert result.grouped_comments == 13


def test_running_it_again_keeps_hand_edits(session, campaign, official):
    consultation = campaign.consultation
    grouping.regroup(session, None, consultation)
    [group] = groups_of(session, consultation)
    taken_out = next(c for c in campaign.copies if c.id != group.representative_id)
    own = campaign.own[0]
    grouping.remove_from_group(session, official, group, taken_out)
    placed = grouping.add_to_group(session, official, group, own)
    assert placed.added_by_id == official.id
    assert group.created_by_id == official.id
    session.flush()
    # A second campaign, untouched by anyone.
    other_letter = (
        "Wij willen dat jongeren van 18 tot 23 jaar hun hulpverlener mogen houden, ook als zij "
        "verhuizen naar een andere gemeente in de regio. Nu moeten zij steeds opnieuw hun "
        "verhaal vertellen. Neem dit op in hoofdstuk 4 van de regiovisie."
    )
    second = [
        factories.submission(session, consultation, [(None, other_letter + f" {name}")])
        .comments[0]
        .id
        for name in NAMES[:4]
    ]

    result = grouping.regroup(session, None, consultation)

    kept, found = groups_of(session, consultation)
    assert kept.id == group.id
    assert member_ids(kept) == ({c.id for c in campaign.copies} - {taken_out.id}) | {own.id}
    assert taken_out.id not in member_ids(kept)
    assert next(m for m in kept.members if m.comment_id == own.id).added_by_id == official.id
    assert member_ids(found) == set(second)
    assert (result.groups, result.kept_groups) == (1, 1)
    assert grouping.memberships(session, consultation, [taken_out.id]) == {}


def test_a_higher_threshold_finds_only_the_closest_copies(session, campaign):
    grouping.regroup(session, None, campaign.consultation, threshold=0.95)
    members = set().union(*(member_ids(g) for g in groups_of(session, campaign.consultation)))
    assert members
    assert members < {c.id for c in campaign.copies}


# -- editing by hand ---------------------------------------------------------------------------


@pytest.fixture
def grouped(session, campaign) -> CommentGroup:
    grouping.regroup(session, None, campaign.consultation)
    [group] = groups_of(session, campaign.consultation)
    return group


def test_adding_measures_the_similarity_and_records_the_person(
    session, campaign, grouped, official
):
    own = campaign.own[3]
    member = grouping.add_to_group(session, official, grouped, own)
    representative = session.get(Comment, grouped.representative_id)
    assert member.similarity == round(similarity(own.body, representative.body), 2)
    assert member.similarity < 0.2
    assert (member.added_by_id, grouped.created_by_id) == (official.id, official.id)

    with pytest.raises(grouping.GroupingError, match="already in this group"):
        grouping.add_to_group(session, official, grouped, own)
    for refused in (campaign.withdrawn, campaign.unconfirmed):
        with pytest.raises(grouping.GroupingError, match="needs an answer"):
            grouping.add_to_group(session, official, grouped, refused)
    elsewhere = campaign_consultation(session, copies=0, region_code="JZ24").own[0]
    with pytest.raises(grouping.GroupingError, match="this consultation"):
        grouping.add_to_group(session, official, grouped, elsewhere)
    with pytest.raises(grouping.GroupingError, match="person"):
        grouping.add_to_group(session, None, grouped, campaign.own[4])


def test_adding_a_comment_of_another_group_moves_it(session, campaign, grouped, official):
    a, b = campaign.own[0], campaign.own[1]
    small = factories.comment_group(session, campaign.consultation, [a, b])
    small_id = small.id

    grouping.add_to_group(session, official, grouped, b)

    # One comment was left: a group of one is no group.
    assert session.get(CommentGroup, small_id) is None
    assert b.id in member_ids(grouped)
    assert grouping.memberships(session, campaign.consultation, [a.id]) == {}


def test_removing_the_representative_chooses_a_new_one(session, grouped, official):
    old = grouped.representative_id
    old_comment = session.get(Comment, old)
    size = len(grouped.members)

    left = grouping.remove_from_group(session, official, grouped, old_comment)

    assert left is grouped
    assert len(grouped.members) == size - 1
    assert grouped.representative_id != old
    assert grouped.representative_id in member_ids(grouped)
    chosen = next(m for m in grouped.members if m.comment_id == grouped.representative_id)
    assert chosen.similarity == 1.0
    new_text = session.get(Comment, grouped.representative_id).body
    for member in grouped.members:
        body = session.get(Comment, member.comment_id).body
        assert member.similarity == round(similarity(body, new_text), 2)
    with pytest.raises(grouping.GroupingError, match="not in this group"):
        grouping.remove_from_group(session, official, grouped, old_comment)


def test_removing_down_to_one_comment_removes_the_group(session, official):
    campaign = campaign_consultation(session, copies=2)
    grouping.regroup(session, None, campaign.consultation)
    [group] = groups_of(session, campaign.consultation)
    group_id = group.id

    assert grouping.remove_from_group(session, official, group, campaign.copies[0]) is None

    assert groups_of(session, campaign.consultation) == []
    assert (
        session.scalar(select(CommentGroupMember).where(CommentGroupMember.group_id == group_id))
        is None
    )


def test_merging_moves_every_comment_and_measures_it_again(session, campaign, official):
    consultation = campaign.consultation
    grouping.regroup(session, None, consultation)
    [big] = groups_of(session, consultation)
    a, b = campaign.own[5], campaign.own[6]
    small = factories.comment_group(session, consultation, [a, b])
    small_id = small.id
    size = len(big.members)

    grouping.merge_groups(session, official, big, small)

    assert session.get(CommentGroup, small_id) is None
    assert len(big.members) == size + 2
    representative = session.get(Comment, big.representative_id).body
    for comment in (a, b):
        member = next(m for m in big.members if m.comment_id == comment.id)
        assert member.added_by_id == official.id
        assert member.similarity == round(similarity(comment.body, representative), 2)
    assert big.created_by_id == official.id
    with pytest.raises(grouping.GroupingError, match="another group"):
        grouping.merge_groups(session, official, big, big)


def test_split_takes_the_comments_more_like_the_chosen_one(session, official):
    consultation = campaign_consultation(session, copies=0).consultation
    variant = LETTER.replace(
        "Betrek ouders en jongeren ook bij de inkoop, zodat de hulp past bij wat gezinnen echt "
        "nodig hebben.",
        "Zorg daarnaast voor een onafhankelijke vertrouwenspersoon in elke gemeente, die "
        "gezinnen helpt als zij vastlopen in de toegang tot jeugdhulp, en die ook naar school "
        "mag komen.",
    )
    originals = [
        factories.submission(session, consultation, [(None, LETTER + n)]).comments[0]
        for n in NAMES[:4]
    ]
    variants = [
        factories.submission(session, consultation, [(None, variant + n)]).comments[0]
        for n in NAMES[4:7]
    ]
    group = factories.comment_group(session, consultation, originals + variants)

    made = grouping.split(session, official, group, variants[0])

    assert made is not None
    assert made.representative_id == variants[0].id
    assert member_ids(made) == {c.id for c in variants}
    assert member_ids(group) == {c.id for c in originals}
    assert made.created_by_id == group.created_by_id == official.id
    assert {m.added_by_id for m in made.members} == {official.id}
    with pytest.raises(grouping.GroupingError, match="stands for the group"):
        grouping.split(session, official, group, originals[0])


def test_split_of_a_plain_copy_only_takes_it_out(session, official):
    consultation = campaign_consultation(session, copies=0).consultation
    copies = [
        factories.submission(session, consultation, [(None, LETTER + n)]).comments[0]
        for n in NAMES[:4]
    ]
    group = factories.comment_group(session, consultation, copies)

    # The other copies are as much like the representative as like it: they stay.
    assert grouping.split(session, official, group, copies[1]) is None

    assert member_ids(group) == {copies[0].id, copies[2].id, copies[3].id}
    assert group.created_by_id == official.id


def test_dissolving_leaves_the_comments_in_no_group(session, campaign, grouped, official):
    group_id = grouped.id
    assert grouping.dissolve_group(session, official, grouped) == len(campaign.copies)
    assert session.get(CommentGroup, group_id) is None
    ids = [c.id for c in campaign.copies]
    assert grouping.memberships(session, campaign.consultation, ids) == {}
    assert all(session.get(Comment, i) is not None for i in ids)


def test_what_a_person_took_apart_the_grouping_does_not_put_together_again(
    session, campaign, official
):
    consultation = campaign.consultation
    grouping.regroup(session, None, consultation)
    [group] = groups_of(session, consultation)
    assert grouping.dissolve_group(session, official, group) == len(campaign.copies)

    result = grouping.regroup(session, None, consultation)

    assert (result.groups, groups_of(session, consultation)) == (0, [])
    # Put in a group by hand, a comment is no longer kept apart.
    first, second = campaign.copies[:2]
    group = factories.comment_group(session, consultation, [first])
    grouping.add_to_group(session, official, group, second)
    kept_apart = set(session.scalars(select(CommentKeptApart.comment_id)))
    assert second.id not in kept_apart
    assert campaign.copies[2].id in kept_apart


# -- reading -----------------------------------------------------------------------------------


def _counting(app):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    return statements, count


def test_memberships_is_one_query(app, session, campaign, grouped):
    ids = [c.id for c in campaign.copies + campaign.own]
    session.flush()
    statements, count = _counting(app)
    engine = db.state(app).engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        found = grouping.memberships(session, campaign.consultation, ids)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert len(statements) == 1
    assert set(found) == {c.id for c in campaign.copies}
    one = found[campaign.copies[3].id]
    assert one.group_id == grouped.id
    assert one.size == len(campaign.copies)
    assert one.representative_id == grouped.representative_id
    member = next(m for m in grouped.members if m.comment_id == campaign.copies[3].id)
    assert one.similarity == member.similarity
    # Another consultation's view of the same ids finds nothing; no ids, no query.
    other = factories.consultation(session)
    assert grouping.memberships(session, other, ids) == {}
    assert grouping.memberships(session, campaign.consultation, []) == {}


def test_the_list_counts_members_waiting_for_an_answer(app, session, campaign, grouped):
    official = factories.region_user(session, "official")
    responder = factories.region_user(session, "responder")
    consultation = campaign.consultation
    published = services.draft_answer(
        session, responder, consultation, campaign.copies[:2], Disposition.NOTED, "Gelezen."
    )
    services.approve(session, official, published)
    services.publish(session, official, consultation)
    services.draft_answer(
        session, responder, consultation, [campaign.copies[2]], Disposition.NOTED, "Gelezen."
    )
    grouping.add_to_group(session, official, grouped, campaign.own[0])
    session.flush()

    listing = grouping.group_list(session, consultation)

    [summary] = listing.groups
    assert (summary.size, summary.waiting) == (13, 10)
    assert summary.hand_edited
    assert summary.min_similarity < 0.2
    assert (listing.total_groups, listing.grouped_comments) == (1, 13)
    page = grouping.member_page(session, grouped)
    assert len(page.waiting_ids) == 10
    assert {c.id for c in campaign.copies[:3]}.isdisjoint(page.waiting_ids)
    # Least similar first: the comment added by hand leads.
    assert page.rows[0].comment.id == campaign.own[0].id


@pytest.mark.usefixtures("quiet_housekeeping")
def test_the_list_pages_take_the_same_queries_however_many_groups(app, session, official):
    consultation = campaign_consultation(session, copies=0).consultation

    def add_groups(count: int) -> None:
        for n in range(count):
            text = f"Campagne {n}: " + " ".join(f"woord{n}x{i}" for i in range(30))
            ids = [
                factories.submission(session, consultation, [(None, text + f" {name}")])
                .comments[0]
                .id
                for name in ("Ans", "Bert", "Cor")
            ]
            group = CommentGroup(consultation_id=consultation.id, representative_id=ids[0])
            group.members = [CommentGroupMember(comment_id=i, similarity=0.9) for i in ids]
            session.add(group)
        session.flush()

    def queries() -> int:
        statements, count = _counting(app)
        engine = db.state(app).engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            listing = grouping.group_list(session, consultation)
            # A query, not session.get: whether the identity map still holds the group
            # depends on the garbage collector, which made the count flaky.
            first = session.scalars(
                select(CommentGroup).where(CommentGroup.id == listing.groups[0].id)
            ).one()
            page = grouping.member_page(session, first)
            assert page.rows
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    add_groups(2)
    few = queries()
    add_groups(8)
    assert queries() == few


# -- the command line --------------------------------------------------------------------------


def test_the_command_groups_a_consultation(app, session, campaign):
    session.flush()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["responses", "group", "--consultation", campaign.consultation.slug],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert f"{campaign.consultation.slug}: 1 group(s) with 12 comment(s) in" in result.output
    [group] = groups_of(session, campaign.consultation)
    assert member_ids(group) == {c.id for c in campaign.copies}

    missing = runner.invoke(args=["responses", "group", "--consultation", "bestaat-niet"])
    assert missing.exit_code != 0
    assert "there is no consultation 'bestaat-niet'" in missing.output
