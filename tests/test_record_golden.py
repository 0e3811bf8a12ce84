"""The record's bytes do not change when the code around them moves.

A fixed history (the demo seed, then a consultation taken through every service that
writes to the record: submitting, moderating, answering, correcting, tracing, the
reactienota, offline activities, erasure, an organisation's API token and a region
setting) is replayed in a fresh database with the clock stopped and the randomness
seeded. Every event's canonical bytes are hashed into ``tests/data/record_golden.txt``
(leaf index, kind, event hash): a refactoring that changes one byte of one event fails
here, naming the first event that differs.

``CONSULT_WRITE_RECORD_GOLDEN=1`` writes the file anew; do that only for a deliberate
change of what the record holds, and say so in the commit.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import os
import random
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from consult import migrate
from consult.accounts.models import User
from consult.app import create_app
from consult.comments import services as comment_services
from consult.comments.models import HideReason
from consult.consultations import activities, lifecycle
from consult.extensions import db
from consult.ledger import canonical
from consult.ledger.models import ActorRole, RecordEvent
from consult.moderation import services as moderation
from consult.organisations import tokens
from consult.privacy import submissions as erasure
from consult.regions import services as region_services
from consult.regions.services import seed_regions
from consult.reports import services as reactienota
from consult.seeds.demo import seed_demo
from consult.stakeholders.models import AgeBand
from tests import factories
from tests.conftest import app_settings
from tests.live import server_database
from tests.responses import report_world

GOLDEN = Path(__file__).parent / "data" / "record_golden.txt"
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _seeded_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every random value the services draw comes from one seeded generator."""
    rng = random.Random(36546)

    def token_bytes(nbytes: int | None = None) -> bytes:
        return rng.randbytes(32 if nbytes is None else nbytes)

    monkeypatch.setattr(secrets, "token_bytes", token_bytes)
    monkeypatch.setattr(secrets, "token_hex", lambda n=None: token_bytes(n).hex())
    monkeypatch.setattr(
        secrets,
        "token_urlsafe",
        lambda n=None: base64.urlsafe_b64encode(token_bytes(n)).rstrip(b"=").decode("ascii"),
    )
    monkeypatch.setattr(secrets, "choice", rng.choice)
    monkeypatch.setattr(secrets, "randbelow", rng.randrange)
    monkeypatch.setattr(secrets, "randbits", rng.getrandbits)
    # The factories' running number (unique emails, names and slugs) starts again too.
    monkeypatch.setattr(factories._support, "_sequence", itertools.count(1))


def _history(session, traveller) -> None:
    """Everything that writes to the record, in an order that could have happened."""
    seed_demo(session)
    session.flush()
    traveller.shift(timedelta(hours=1))

    world = report_world.build(session, slug="golden-regiovisie")
    consultation = world.consultation
    traveller.shift(timedelta(hours=1))

    # A visitor reports a published comment; the moderator shows a hidden one again.
    moderation.report_comment(
        session, world.comments["public"], HideReason.SPAM, "Hoort hier niet."
    )
    moderation.unhide_comment(session, world.official, world.comments["hidden"], "Toch netjes.")
    # A participant has their email address and name erased.
    erasure.erase_submission_contact(
        session, world.submissions["named"], ActorRole.PARTICIPANT, START + timedelta(hours=2)
    )
    traveller.shift(timedelta(minutes=5))

    # The reactienota, generated and published (it records the next version first).
    report = reactienota.generate(session, world.official, consultation)
    reactienota.publish(session, world.official, report)
    traveller.shift(timedelta(minutes=5))

    # Region settings, in the platform chain.
    region_services.set_self_approval(session, world.official, consultation.region, True)
    region_services.set_answer_weeks(session, world.official, consultation.region, 10)

    # An organisation's API token, made and revoked.
    admin = factories.user(session, "tokens@example.org")
    organisation = factories.organisation(
        session, "Jeugdstem Golden", verified=True, admins=(admin,)
    )
    made = tokens.create_token(
        session, organisation, admin, "Schoolsessies", ["consultation:submission:create"]
    )
    traveller.shift(timedelta(minutes=5))
    tokens.revoke_token(session, made.token, admin)

    # A consultation scheduled, taken back to draft; an offline activity added and removed;
    # an unconfirmed submission discarded.
    version = factories.document_version(session, locked=True)
    later = factories.consultation(
        session, version, state="draft", opens_in_days=3, closes_in_days=45, slug="golden-later"
    )
    official = session.scalar(select(User).where(User.email == "ambtenaar.utrecht@example.org"))
    lifecycle.schedule(session, official, later)
    lifecycle.unschedule(session, official, later)
    traveller.shift(timedelta(minutes=5))
    open_one = factories.consultation(session, state="open", slug="golden-open")
    young = factories.stakeholder_group(session, "young_person").id
    activity = activities.register_activity(
        session,
        official,
        open_one,
        activities.ActivityDetails(
            kind=activities.ActivityKind.MEETING,
            held_on=START.date() - timedelta(days=2),
            place="Buurthuis De Pijler",
            summary="Een avond met ouders.",
            participants={(young, None): 7},
        ),
    )
    activities.remove_activity(session, open_one, activity, official)
    # The promised answer day of the open consultation, moved with a reason.
    open_one.answers_due_on = lifecycle.default_answers_due(open_one)
    lifecycle.move_answers_due(
        session,
        official,
        open_one,
        open_one.answers_due_on + timedelta(weeks=2),
        "Meer reacties dan verwacht: we willen elke reactie goed beantwoorden.",
    )
    section = open_one.version.sections[0]
    parent = factories.stakeholder_group(session, "parent")
    for key, text in (
        ("golden-1", "Een reactie die bevestigd wordt."),
        ("golden-2", "Nooit bevestigd."),
    ):
        sent, _ = comment_services.submit(
            session,
            open_one,
            comment_services.Draft(
                idempotency_key=key,
                stakeholder_group=parent,
                publish_text=True,
                email=f"{key}@example.org",
                comments=[(section, text)],
            ),
            START + timedelta(hours=3),
        )
        if key == "golden-1":
            comment_services.confirm(session, sent, START + timedelta(hours=3))
    # Two sent without e-mail (issue 17): a moderator approves one and rejects the other.
    young_person = factories.stakeholder_group(session, "young_person")
    for key, text in (("golden-3", "Zonder e-mail, goedgekeurd."), ("golden-4", "Koop nu!")):
        sent, _ = comment_services.submit(
            session,
            open_one,
            comment_services.Draft(
                idempotency_key=key,
                stakeholder_group=young_person,
                age_band=AgeBand.UNDER_12,
                publish_text=True,
                comments=[(section, text)],
            ),
            START + timedelta(hours=3),
        )
        if key == "golden-3":
            moderation.approve_submission(session, official, sent)
        else:
            moderation.reject_submission(session, official, sent, HideReason.SPAM, "Reclame.")
    traveller.shift(timedelta(days=5))
    comment_services.discard_unconfirmed(session, START + timedelta(days=5))
    session.flush()


def _lines(session) -> list[str]:
    lines = []
    for event in session.scalars(select(RecordEvent).order_by(RecordEvent.leaf_index)):
        body = canonical.event_body(
            leaf_index=event.leaf_index,
            chain=event.chain,
            seq=event.seq,
            kind=event.kind,
            occurred_at=event.occurred_at,
            actor_role=event.actor_role,
            object_type=event.object_type,
            object_id=event.object_id,
            payload=event.payload,
            prev_hash=event.prev_hash,
        )
        data = canonical.canonical_bytes(body)
        assert canonical.event_hash(data) == event.event_hash, event.leaf_index
        lines.append(f"{event.leaf_index} {event.kind} {event.event_hash}")
    return lines


def test_the_record_holds_the_same_bytes(tmp_path, database_server_url, smtp_server, monkeypatch):
    controller, _ = smtp_server
    _seeded_secrets(monkeypatch)
    with (
        contextlib.contextmanager(server_database)(database_server_url, tmp_path) as url,
        time_machine.travel(START, tick=False) as traveller,
    ):
        settings = app_settings(url, tmp_path / "instance", controller.port)
        # Without Redis: its client draws a pool id from `secrets`, which would shift the
        # seeded values; the record does not depend on where rate limits are counted.
        settings.update(REDIS_URL=None, RATELIMIT_STORAGE_URI="memory://")
        app = create_app(settings, "testing")
        try:
            with app.test_request_context(headers={"Accept-Language": "en"}):
                migrate.upgrade()
                session = db.session
                session.info["app"] = app
                seed_regions(session)
                _history(session, traveller)
                lines = _lines(session)
                session.commit()
        finally:
            db.state(app).engine.dispose()

    kinds = {line.split()[1] for line in lines}
    if os.environ.get("CONSULT_WRITE_RECORD_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text("\n".join(lines) + "\n")
    expected = GOLDEN.read_text().splitlines()
    for position, (got, want) in enumerate(zip(lines, expected, strict=False)):
        assert got == want, f"event {position} differs: {got!r}, expected {want!r}"
    assert len(lines) == len(expected)
    # The history reaches every kind of event the record knows.
    from consult.ledger.models import EventKind

    assert kinds == {kind.value for kind in EventKind}
