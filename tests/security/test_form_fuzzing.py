"""Property-based fuzzing (hypothesis) of every public form.

For each form a person can send without a role (commenting with a questionnaire, on behalf
of an organisation; registering; logging in; a forgotten password; a confirmation mail
again; reporting a comment; following; erasing one's details and withdrawing a comment;
the receipt lookup), hypothesis sends mixtures of valid values and junk: control and NUL
characters, overlong texts, numbers past 64 bits, choices that were not offered, markup.
Two properties hold for every example:

- no server error (the test app lets an exception through, so hypothesis shows it);
- nothing half-stored: a refused submission leaves the row count of every table as it
  was; an accepted one adds the complete set (a submission with all its comments, its
  contact and its answers), and nothing else.

Example counts are small and fixed (the pack must stay fast); the rate limits are reset
before each example, as a real attacker would spread the requests out.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from consult.accounts.models import User
from consult.accounts.services import email_key
from consult.comments.forms import GENERAL, new_idempotency_key
from consult.comments.models import Submission
from consult.consultations.models import QuestionKind
from consult.extensions import limiter
from consult.privacy import submissions as erasure
from consult.regions.models import Municipality
from consult.stakeholders.models import AgeBand
from tests import factories
from tests.conftest import csrf_token
from tests.security.conftest import client_for
from tests.security.world import fingerprint

FUZZ = settings(
    max_examples=20,
    deadline=None,
    database=None,
    # No shrinking: each example runs requests on a growing database, so shrinking a
    # failure would take minutes; the unshrunk example is printed as it is.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EDGE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n\t",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "x" * 5001,
    "\u202e\u200b",
    "😀",
    "99999999999999999999999",
    "-1",
    "0",
    "=1+1",
]
# Text a browser can send: any character but the surrogate halves UTF-8 cannot encode.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
JUNK = st.one_of(st.sampled_from(EDGE), TEXT)


def maybe(valid: list[str]) -> st.SearchStrategy[str]:
    """Mostly one of the ``valid`` values, sometimes junk."""
    return st.one_of(st.sampled_from(valid), st.sampled_from(valid), JUNK)


def optional(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    """A field that may be left out of the request altogether."""
    return st.one_of(st.none(), strategy)


def _post(app: Flask, client, path: str, data: dict[str, str | None], token: str):
    with app.app_context():
        limiter.reset()
    sent = {name: value for name, value in data.items() if value is not None}
    response = client.post(path, data={**sent, "csrf_token": token})
    response.get_data()
    response.close()
    assert response.status_code < 500, response.status_code
    return response


def _unchanged_unless(session, before: dict[str, int], accepted: bool, check: Callable) -> None:
    after = fingerprint(session)
    changed = {name for name in after if after[name] != before[name]}
    if accepted:
        check(changed, before, after)
    else:
        assert changed == set(), f"a refused submission changed {sorted(changed)}"


# -- the comment form, with a questionnaire --------------------------------------------------


def _consultation_with_questions(session):
    consultation = factories.consultation(session, state="open")
    kinds = [
        (QuestionKind.OPEN_TEXT, True, []),
        (QuestionKind.SINGLE_CHOICE, False, ["ja", "nee"]),
        (QuestionKind.MULTIPLE_CHOICE, False, ["school", "thuis", "wijk"]),
        (QuestionKind.SCALE, False, []),
    ]
    for position, (kind, required, options) in enumerate(kinds, start=1):
        factories.question(
            session,
            consultation,
            f"Vraag {position}",
            kind,
            position=position,
            required=required,
            options=options,
        )
    return consultation


COMMENT_FORM_TABLES = {
    "submissions",
    "comments",
    "submission_contacts",
    "question_answers",
    "record_events",
    "record_nodes",
    "record_heads",
    # The log's signed promise of inclusion, given with the receipt.
    "record_promises",
    # The receipt mail, queued in the same transaction (consult.outbox).
    "outbox",
    # SQLite's full-text index of comment texts (FTS5 and its shadow tables), filled by a
    # trigger in the same transaction.
    "search_comments",
    "search_comments_content",
    "search_comments_data",
    "search_comments_docsize",
    "search_comments_idx",
}


def test_the_comment_form_stores_all_or_nothing(app: Flask, session, outbox) -> None:
    consultation = _consultation_with_questions(session)
    member = factories.user(session)
    organisation = factories.organisation(session, verified=True, members=(member,))
    first_three = select(Municipality.code).order_by(Municipality.code).limit(3)
    municipalities = list(session.scalars(first_three))
    clients = {"anonymous": client_for(app), "member": client_for(app, member)}
    path = f"/consultaties/{consultation.slug}/reageren"
    tokens = {who: csrf_token(client, path) for who, client in clients.items()}
    anchors = [GENERAL, *(s.anchor for s in consultation.version.sections)]
    texts = st.one_of(st.just("Meer hulp op school, graag."), st.just(""), JUNK)
    accepted_count = []

    @FUZZ
    @given(
        who=st.sampled_from(sorted(clients)),
        key=st.one_of(st.builds(new_idempotency_key), JUNK),
        group=maybe(["parent", "young_person", "professional"]),
        age_band=optional(maybe([band.value for band in AgeBand])),
        municipality=optional(maybe(["", *municipalities])),
        organisation_id=optional(
            st.one_of(maybe(["", str(organisation.id)]), st.integers().map(str))
        ),
        organisation_name=optional(JUNK),
        publish_text=optional(st.sampled_from(["y", "n", ""])),
        publish_name=optional(st.sampled_from(["y", ""])),
        display_name=optional(JUNK),
        email=optional(maybe(["ouder@example.org", "Jongere@Example.org"])),
        rows=st.lists(st.tuples(maybe(anchors), texts), min_size=0, max_size=3),
        open_answer=optional(st.one_of(st.just("Beter luisteren."), JUNK)),
        single=optional(maybe(["0", "1"])),
        multiple=st.lists(maybe(["0", "1", "2"]), max_size=4),
        scale=optional(maybe(["1", "3", "5"])),
    )
    @example(  # a complete, valid submission: the accepted branch always runs
        who="member", key="a" * 32, group="parent", age_band=None, municipality="",
        organisation_id=str(organisation.id), organisation_name=None, publish_text="y",
        publish_name="y", display_name="Ouder", email="ouder@example.org",
        rows=[("s-1", "Meer hulp op school."), (GENERAL, "En minder wachten.")],
        open_answer="Beter luisteren.", single="1", multiple=["0", "2"], scale="4",
    )  # fmt: skip
    def send(who, key, group, age_band, municipality, organisation_id, organisation_name,
             publish_text, publish_name, display_name, email, rows, open_answer, single,
             multiple, scale):  # fmt: skip
        data = {
            "idempotency_key": key,
            "stakeholder_group": group,
            "age_band": age_band,
            "municipality": municipality,
            "organisation_id": organisation_id,
            "organisation_name": organisation_name,
            "publish_text": publish_text,
            "publish_name": publish_name,
            "display_name": display_name,
            "email": email,
            "question_1": open_answer,
            "question_2": single,
            "question_4": scale,
        }
        for number, (anchor, text) in enumerate(rows, start=1):
            data[f"section_{number}"] = anchor
            data[f"text_{number}"] = text
        before = fingerprint(session)
        client = clients[who]
        with app.app_context():
            limiter.reset()
        sent = {name: value for name, value in data.items() if value is not None}
        sent["question_3"] = multiple
        response = client.post(path, data={**sent, "csrf_token": tokens[who]})
        response.close()
        assert response.status_code < 500, response.status_code
        accepted = response.status_code in (302, 303) and "/ontvangst/" in response.location
        accepted_count.extend([1] if accepted else [])

        def complete(changed, before, after):
            assert changed <= COMMENT_FORM_TABLES, sorted(changed - COMMENT_FORM_TABLES)
            assert after["submissions"] == before["submissions"] + 1
            code = re.search(r"/ontvangst/([^/?]+)", response.location).group(1)
            session.expire_all()
            stored = session.scalar(select(Submission).where(Submission.tracking_code == code))
            written = [text for _, text in rows if text and text.strip()]
            assert 1 <= len(stored.comments) == len(written)
            assert after["comments"] == before["comments"] + len(stored.comments)
            assert all(comment.body.strip() for comment in stored.comments)
            answered = after["question_answers"] - before["question_answers"]
            assert answered == len(stored.answers) >= 1  # the open question is required
            if who == "anonymous" and email and email.strip():
                assert stored.contact is not None
                assert stored.contact.email.lower() == email.strip().lower()

        _unchanged_unless(session, before, accepted, complete)

    send()
    assert accepted_count


# -- the account forms ---------------------------------------------------------------------

ACCOUNT_FORMS = {
    "/account/registreren": ("users", ["email", "password", "password_repeat", "display_name"]),
    "/account/inloggen": (None, ["email", "password", "remember", "next"]),
    "/account/wachtwoord-vergeten": (None, ["email"]),
    "/account/bevestiging-opnieuw": (None, ["email"]),
}


def test_the_account_forms_never_fail_and_store_whole_accounts(app, session, outbox) -> None:
    factories.user(session, "bestaat@example.org")
    addresses = ["bestaat@example.org", "nieuw@example.org", "NIEUW@example.org"]
    passwords = ["correct horse battery staple", "kort", "correct horse battery staple 2"]
    registered = []

    @FUZZ
    @given(
        path=st.sampled_from(sorted(ACCOUNT_FORMS)),
        email=optional(maybe(addresses)),
        password=optional(maybe(passwords)),
        repeat=optional(maybe(passwords)),
        display_name=optional(JUNK),
        remember=optional(st.sampled_from(["y", ""])),
        next_url=optional(maybe(["/regios", "//evil.example"])),
    )
    @example(
        path="/account/registreren", email="nieuw@example.org",
        password="correct horse battery staple 2", repeat="correct horse battery staple 2",
        display_name="Nieuw", remember=None, next_url=None,
    )  # fmt: skip
    def send(path, email, password, repeat, display_name, remember, next_url):
        client = client_for(app)
        token = csrf_token(client, path)
        data = {
            "email": email,
            "password": password,
            "password_repeat": repeat,
            "display_name": display_name,
            "remember": remember,
            "next": next_url,
        }
        before = fingerprint(session)
        response = _post(app, client, path, data, token)
        if response.status_code in (301, 302, 303):
            assert not response.location.startswith("//")
        table, _fields = ACCOUNT_FORMS[path]

        def one_whole_account(changed, before, after):
            # The account and its confirmation mail, queued in the same transaction.
            assert changed <= {"users", "outbox"}, sorted(changed)
            if changed:
                assert after["users"] == before["users"] + 1
                found = session.scalar(select(User).where(User.email_key == email_key(email)))
                assert found is not None
                assert found.password_hash
                assert found.email_confirmed_at is None

        accepted = table is not None and response.status_code in (302, 303)
        registered.extend([1] if accepted else [])
        if table is None:  # logging in may only note the moment of the log-in
            session.expire_all()
            changed = {k for k, v in fingerprint(session).items() if before[k] != v}
            # The two forms that send a link may queue its mail (consult.outbox); nothing else.
            mails = path in {"/account/wachtwoord-vergeten", "/account/bevestiging-opnieuw"}
            assert changed <= ({"outbox"} if mails else set()), sorted(changed)
        else:
            _unchanged_unless(session, before, accepted, one_whole_account)

    send()
    assert registered


# -- reporting a comment, following ---------------------------------------------------------


def test_reporting_and_following_never_fail_and_store_one_row(app, session, world) -> None:
    participant = world.people["participant"]
    client = client_for(app, participant)
    token = csrf_token(client, "/account/")
    comment = world.values["comment_id"]
    consultation = world.values["consultation_id"]

    @FUZZ
    @given(
        target=st.sampled_from(["report", "follow"]),
        comment_id=st.one_of(st.just(comment), st.integers(min_value=0, max_value=2**31 - 1)),
        kind=maybe(["consultation", "region", "organisation"]),
        target_id=st.one_of(st.just(consultation), st.integers(min_value=0, max_value=2**31 - 1)),
        reason=optional(maybe(["offensive", "personal_data", "spam", "other"])),
        note=optional(JUNK),
        frequency=optional(maybe(["immediate", "daily"])),
    )
    @example(
        target="follow", comment_id=comment, kind="consultation", target_id=consultation,
        reason=None, note=None, frequency="daily",
    )  # fmt: skip
    @example(
        target="report", comment_id=comment, kind="consultation", target_id=consultation,
        reason="offensive", note="Scheldwoord.", frequency=None,
    )  # fmt: skip
    def send(target, comment_id, kind, target_id, reason, note, frequency):
        if target == "report":
            path = f"/reacties/{comment_id}/melden"
            data = {"reason": reason, "note": note}
            allowed_tables = {"comment_reports", "record_events", "record_nodes", "record_heads"}
        else:
            path = f"/volgen/{kind}/{target_id}"
            data = {"frequency": frequency}
            allowed_tables = {"follows"}
        before = fingerprint(session)
        response = _post(app, client, path, data, token)

        def one_row(changed, before, after):
            assert changed <= allowed_tables, sorted(changed)

        accepted = response.status_code in (302, 303)
        stored.extend([target] if accepted and fingerprint(session) != before else [])
        _unchanged_unless(session, before, accepted, one_row)

    stored = []
    send()
    assert {"report", "follow"} <= set(stored)


# -- erasing one's details, withdrawing a comment, the receipt lookup -----------------------


def test_erasing_and_withdrawing_never_fail_and_finish_what_they_start(app, session, world) -> None:
    sender = world.people["participant"]
    submission = factories.submission(
        session,
        factories.consultation(session, state="open"),
        [("s-1", "Eerste."), ("s-2", "Tweede.")],
        user=sender,
        email=sender.email,
    )
    client = client_for(app, sender)
    token = csrf_token(client, "/account/")
    code = submission.tracking_code

    @FUZZ
    @given(
        action=st.sampled_from(["erase", "withdraw", "erase-link", "withdraw-link", "lookup"]),
        code_=st.one_of(st.just(code), st.just(code.lower()), JUNK.filter(lambda t: "/" not in t)),
        position=st.integers(min_value=-1, max_value=2**31 - 1),
        token_=JUNK.filter(lambda t: "/" not in t and t not in ("", ".", "..")),
        confirm=optional(st.sampled_from(["y", ""])),
    )
    @example(action="withdraw", code_=code, position=2, token_="x", confirm="y")
    @example(action="erase", code_=code, position=1, token_="x", confirm="y")
    def send(action, code_, position, token_, confirm):
        from urllib.parse import quote

        part = quote(code_, safe="") or "x"
        path = {
            "erase": f"/ontvangst/{part}/gegevens-wissen",
            "withdraw": f"/ontvangst/{part}/reacties/{position}/intrekken",
            "erase-link": f"/reactie/gegevens-wissen/{quote(token_, safe='')}",
            "withdraw-link": f"/reactie/intrekken/{quote(token_, safe='')}/{position}",
            "lookup": "/ontvangst",
        }[action]
        before = fingerprint(session)
        if action == "lookup":
            with app.app_context():
                limiter.reset()
            response = client.get(path, query_string={"code": code_})
            response.close()
            assert response.status_code < 500
            assert fingerprint(session) == before
            return
        response = _post(app, client, path, {"confirm": confirm}, token)

        def finished(changed, before, after):
            session.expire_all()
            stored = session.get(Submission, submission.id)
            if action.startswith("erase"):
                assert erasure.is_erased(stored)
            else:
                assert any(comment.withdrawn_at for comment in stored.comments)

        accepted = response.status_code in (302, 303) and fingerprint(session) != before
        done.extend([action] if accepted else [])
        _unchanged_unless(session, before, accepted, finished)

    done = []
    send()
    assert {"erase", "withdraw"} <= set(done)


def test_a_logged_in_sender_can_withdraw_a_comment(app, session, world) -> None:
    """Found by the fuzzing above, on PostgreSQL: the comment was loaded with its section
    joined, and locking it (FOR UPDATE over an outer join) was a server error."""
    sender = world.people["participant"]
    submission = factories.submission(
        session,
        factories.consultation(session, state="open"),
        [("s-1", "Eerste."), ("s-2", "Tweede.")],
        user=sender,
    )
    client = client_for(app, sender)
    path = f"/ontvangst/{submission.tracking_code}/reacties/2/intrekken"
    assert client.get(path).status_code == 200
    response = _post(app, client, path, {}, csrf_token(client, path))
    assert response.status_code in (302, 303)
    session.expire_all()
    withdrawn = [
        c.position for c in session.get(Submission, submission.id).comments if c.withdrawn_at
    ]
    assert withdrawn == [2]


def test_an_organisation_number_past_64_bits_is_refused_not_a_server_error(app, session) -> None:
    """Found by the fuzzing above: the organisation field takes any number, and one too
    large for the database was a server error before ``whole_number``."""
    consultation = factories.consultation(session, state="open")
    client = client_for(app)
    path = f"/consultaties/{consultation.slug}/reageren"
    before = fingerprint(session)
    data = {
        "idempotency_key": new_idempotency_key(),
        "stakeholder_group": "parent",
        "organisation_id": "9" * 25,
        "section_1": GENERAL,
        "text_1": "Meer hulp op school.",
    }
    response = _post(app, client, path, data, csrf_token(client, path))
    assert response.status_code == 422
    assert fingerprint(session) == before
