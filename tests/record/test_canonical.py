"""The canonical form of events: RFC 8785, and the standard-library form that equals it."""

from __future__ import annotations

import hashlib
import string
from datetime import UTC, datetime, timedelta, timezone

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from consult.ledger import canonical

keys = st.builds(
    str.__add__,
    st.sampled_from(string.ascii_lowercase),
    st.text(alphabet=string.ascii_lowercase + string.digits + "_", max_size=12),
).filter(lambda k: k not in canonical.PERSONAL_KEYS)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-canonical.MAX_INTEGER, max_value=canonical.MAX_INTEGER),
    st.text(),  # any Unicode: accents, emoji, control characters, quotes, backslashes
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)


def body(payload, occurred_at=None, **changes):
    values = {
        "leaf_index": 41,
        "chain": "jz22-regiovisie",
        "seq": 7,
        "kind": "submission_received",
        "occurred_at": occurred_at or datetime(2026, 3, 1, 9, 15, 2, 250000, tzinfo=UTC),
        "actor_role": "participant",
        "object_type": "submission",
        "object_id": "ABCD-EFGH-JKLM",
        "payload": payload,
        "prev_hash": canonical.ZERO_HASH,
    }
    values.update(changes)
    return canonical.event_body(**values)


def test_the_body_of_an_event_byte_for_byte():
    data = canonical.canonical_bytes(body({"stakeholder_group": "parent", "comments": 2}))
    assert data == (
        b'{"actor_role":"participant","consultation":"jz22-regiovisie","kind":'
        b'"submission_received","leaf_index":41,"object":{"id":"ABCD-EFGH-JKLM","type":'
        b'"submission"},"occurred_at":"2026-03-01T09:15:02.250Z","payload":{"comments":2,'
        b'"stakeholder_group":"parent"},"prev_hash":"' + b"0" * 64 + b'","seq":7,"v":1}'
    )
    assert canonical.event_hash(data) == hashlib.sha256(data).hexdigest()
    assert canonical.leaf_hash(data) == hashlib.sha256(b"\x00" + data).hexdigest()


def test_a_platform_event_names_no_consultation():
    assert body({}, chain="")["consultation"] is None


def test_moments_are_utc_with_milliseconds():
    amsterdam = timezone(timedelta(hours=2))
    moment = datetime(2026, 6, 1, 14, 0, 0, 123456, tzinfo=amsterdam)
    assert canonical.moment(moment) == "2026-06-01T12:00:00.123Z"
    kept = canonical.to_millisecond(moment)
    assert kept == datetime(2026, 6, 1, 12, 0, 0, 123000, tzinfo=UTC)
    assert kept.tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        canonical.moment(datetime(2026, 6, 1))  # noqa: DTZ001 - the point of the test


@settings(max_examples=200, deadline=None)
@given(payload=st.dictionaries(keys, values, max_size=6), moment=moments, text=st.text())
def test_the_standard_library_form_is_rfc8785_inside_the_record_domain(payload, moment, text):
    event = body(payload, occurred_at=moment, object_id=text or "x", chain=text)
    canonical.check_value(payload)
    assert canonical.fast_canonical_bytes(event) == rfc8785.dumps(event)


@settings(max_examples=300, deadline=None)
@given(
    payload=st.dictionaries(keys, values, max_size=6),
    moment=moments,
    texts=st.tuples(st.text(), st.text(), st.text(), st.text(), st.text()),
    numbers=st.tuples(
        st.integers(min_value=0, max_value=canonical.MAX_INTEGER),
        st.integers(min_value=1, max_value=canonical.MAX_INTEGER),
    ),
)
def test_the_one_pass_event_form_is_the_body_form(payload, moment, texts, numbers):
    """verify writes a million bodies in one pass; it must write exactly event_body's."""
    chain, kind, role, object_type, object_id = texts
    leaf_index, seq = numbers
    fields = {
        "leaf_index": leaf_index,
        "chain": chain,
        "seq": seq,
        "kind": kind,
        "actor_role": role,
        "object_type": object_type,
        "object_id": object_id,
        "payload": payload,
        "prev_hash": canonical.ZERO_HASH if seq == 1 else object_id,
    }
    expected = canonical.fast_canonical_bytes(canonical.event_body(occurred_at=moment, **fields))
    assert canonical.fast_event_bytes(occurred_at=canonical.moment(moment), **fields) == expected
    assert expected == rfc8785.dumps(canonical.event_body(occurred_at=moment, **fields))


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"score": 1.5}, "float has no place"),
        ({"count": 2**53}, "outside"),
        ({"Email": "x"}, "lower-case ASCII"),
        ({"naïef": "x"}, "lower-case ASCII"),
        ({"email": "ouder@example.org"}, "personal data"),
        ({"nested": [{"display_name": "Ans"}]}, "personal data"),
        ({"when": datetime(2026, 1, 1, tzinfo=UTC)}, "datetime has no place"),
        ({1: "x"}, "lower-case ASCII"),
    ],
)
def test_a_payload_outside_the_domain_is_refused(payload, message):
    with pytest.raises(canonical.PayloadError, match=message):
        canonical.check_value(payload)


def test_a_commitment_binds_the_value_to_the_salt():
    salt = "9f" * 16
    committed = canonical.commitment(salt, "ouder@example.org")
    assert committed == hashlib.sha256(salt.encode() + b'"ouder@example.org"').hexdigest()
    assert committed == canonical.commitment(salt.encode(), "ouder@example.org")
    assert committed != canonical.commitment("a0" * 16, "ouder@example.org")
    assert committed != canonical.commitment(salt, "ouder@example.com")
    assert all(c in string.hexdigits for c in committed)
    with pytest.raises(ValueError, match="at least 16 bytes"):
        canonical.commitment("short", "ouder@example.org")
