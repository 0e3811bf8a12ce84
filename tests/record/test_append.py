"""Appending events: chains per consultation, one tree for the platform, proofs from it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from consult.ledger import canonical, merkle, services
from consult.ledger.models import RecordEvent, RecordHead, RecordNode
from tests import factories


def test_an_event_holds_what_happened_and_its_hashes(session, consultation):
    moment = datetime(2026, 3, 1, 9, 15, 2, 250999, tzinfo=UTC)
    event = services.append(
        session,
        kind="submission_received",
        consultation=consultation,
        object_type="submission",
        object_id="ABCD-EFGH-JKLM",
        actor_role="participant",
        payload={"stakeholder_group": "parent", "content_hash": "ab" * 32},
        occurred_at=moment,
    )
    session.expire_all()
    stored = session.get(RecordEvent, event.id)
    assert (stored.leaf_index, stored.seq, stored.chain) == (0, 1, consultation.slug)
    assert stored.consultation_id == consultation.id
    assert stored.prev_hash == canonical.ZERO_HASH
    assert stored.occurred_at == datetime(2026, 3, 1, 9, 15, 2, 250000, tzinfo=UTC)
    data = canonical.canonical_bytes(
        {
            "v": 1,
            "leaf_index": 0,
            "consultation": consultation.slug,
            "seq": 1,
            "kind": "submission_received",
            "occurred_at": "2026-03-01T09:15:02.250Z",
            "actor_role": "participant",
            "object": {"type": "submission", "id": "ABCD-EFGH-JKLM"},
            "payload": {"stakeholder_group": "parent", "content_hash": "ab" * 32},
            "prev_hash": "0" * 64,
        }
    )
    assert stored.event_hash == canonical.event_hash(data)
    assert stored.leaf_hash == merkle.leaf_hash(data).hex()
    assert stored.label == "event 0 (submission_received ABCD-EFGH-JKLM)"


def test_each_consultation_has_its_own_chain_in_one_tree(session, consultation):
    other = factories.consultation(session)
    first = factories.record_events(session, consultation, 2)
    platform = services.append(
        session,
        kind="version_published",
        consultation=None,
        object_type="version",
        object_id="document:1:v2",
        actor_role="official",
    )
    second = factories.record_events(session, other, 2)
    third = factories.record_events(session, consultation, 1)

    assert [e.leaf_index for e in [*first, platform, *second, *third]] == [0, 1, 2, 3, 4, 5]
    assert [e.seq for e in [*first, *third]] == [1, 2, 3]
    assert [e.seq for e in second] == [1, 2]
    assert (platform.chain, platform.seq, platform.consultation_id) == ("", 1, None)
    assert third[0].prev_hash == first[1].event_hash
    assert first[1].prev_hash == first[0].event_hash
    assert second[0].prev_hash == canonical.ZERO_HASH


def test_the_head_and_the_stored_nodes_give_the_root_of_the_leaves(session, consultation):
    events = factories.record_events(session, consultation, 13)
    leaves = [bytes.fromhex(e.leaf_hash) for e in events]
    head = services.head(session)
    assert head.tree_size == 13
    frontier = merkle.Frontier(13, [bytes.fromhex(h) for h in head.frontier])
    assert frontier.root() == merkle.root(leaves)
    # Every perfect subtree of 2, 4 and 8 leaves is stored, once.
    nodes = session.execute(select(RecordNode.level, RecordNode.position)).all()
    assert sorted(nodes) == sorted(
        [(1, i) for i in range(6)] + [(2, i) for i in range(3)] + [(3, 0)]
    )
    for size in (1, 5, 8, 13):
        assert services.tree_root(session, size) == merkle.root(leaves[:size])


def test_proofs_from_the_stored_tree_verify(session, consultation):
    events = factories.record_events(session, consultation, 21)
    leaves = [bytes.fromhex(e.leaf_hash) for e in events]
    for size in (1, 2, 7, 16, 21):
        root = merkle.root(leaves[:size])
        for event in events[:size]:
            proof = [bytes.fromhex(h) for h in services.inclusion_proof(session, event, size)]
            assert merkle.verify_inclusion(
                event.leaf_index, size, bytes.fromhex(event.leaf_hash), proof, root
            )
    for first, second in [(1, 21), (6, 8), (8, 16), (13, 21), (21, 21)]:
        proof = [bytes.fromhex(h) for h in services.consistency_proof(session, first, second)]
        assert merkle.verify_consistency(
            first, second, merkle.root(leaves[:first]), merkle.root(leaves[:second]), proof
        )


def test_a_proof_reads_a_logarithmic_number_of_nodes(session, consultation):
    events = factories.record_events(session, consultation, 100)
    reads = []
    node = services.node_getter(session)

    def counting(level, position):
        reads.append((level, position))
        return node(level, position)

    merkle.inclusion_proof(events[57].leaf_index, 100, counting)
    assert len(reads) <= 2 * (100).bit_length()
    with pytest.raises(LookupError, match="no tree node"):
        node(3, 40)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"kind": "comment_deleted"}, ValueError),
        ({"actor_role": "Jan de Vries"}, ValueError),
        ({"payload": {"email": "ouder@example.org"}}, canonical.PayloadError),
        ({"payload": {"score": 0.5}}, canonical.PayloadError),
        ({"object_id": ""}, ValueError),
    ],
)
def test_a_wrong_event_is_refused_and_nothing_is_written(session, consultation, changes, error):
    arguments = {
        "kind": "comment_hidden",
        "consultation": consultation,
        "object_type": "comment",
        "object_id": "comment:1",
        "actor_role": "moderator",
        "payload": {"reason": "personal_data"},
        **changes,
    }
    with pytest.raises(error):
        services.append(session, **arguments)
    assert session.scalar(select(func.count()).select_from(RecordEvent)) == 0
    assert session.get(RecordHead, 1).tree_size == 0
