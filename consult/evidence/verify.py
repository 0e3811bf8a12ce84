"""Check the whole record, as an outsider would: ``consult record verify``.

One pass over the events in leaf order, holding O(log n) of the tree and one link per chain
in memory:

1. every event's content gives its ``event_hash`` and ``leaf_hash`` again (the body's JSON
   domain is checked too, and its kind and role are known ones);
2. each chain (per consultation, and the platform's own) runs 1, 2, 3, ... with every
   ``prev_hash`` the hash of the event before it, and sits on the right consultation;
3. the leaf indexes run 0, 1, 2, ... without a gap;
4. the tree is rebuilt from the leaves: every stored node (``record_nodes``, which proofs
   are served from) is the node the leaves give, and the root at each checkpoint's size is
   the signed root;
5. every checkpoint's signature verifies with a trusted key, sizes never shrink, and the
   stored tree gives an RFC 9162 consistency proof between consecutive checkpoints that
   verifies against their signed roots;
6. the head row holds the size and the compact range of the rebuilt tree, and counts as
   many checkpoints as the table holds (a deleted checkpoint row, the latest too, shows);
   every append-only trigger is in place;
7. every signed promise of inclusion (:mod:`consult.ledger.promises`) is kept: its leaf is
   in the tree, at its index, with its hash;
8. the cross-checks (:mod:`consult.evidence.cross_checks`) compare the live tables with what
   the record says about them.

A checkpoint signed under another name than the log's (the first checkpoint's origin) is
no part of this log: it is reported as a warning and used for nothing (see
:mod:`consult.ledger.checkpoints`, "The log's name").

With a consultation, steps 1, 2 and 8 cover its chain only; the tree (whose leaves are
the stored leaf hashes of every other event) and the checkpoints are always checked whole.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from json import JSONDecoder
from typing import Any

from sqlalchemy import Select, Text, cast, func, select, text
from sqlalchemy.orm import Session

from consult.consultations.models import Consultation
from consult.db import batches, driver_batches, read_ahead
from consult.evidence.cross_checks import CROSS_CHECKS, CrossCheck
from consult.ledger import (
    canonical,
    checkpoints,
    cosignatures,
    merkle,
    promises,
    proofs,
    services,
    signing,
)
from consult.ledger.cosignatures import RecordCosignature
from consult.ledger.models import (
    ActorRole,
    EventKind,
    RecordCheckpoint,
    RecordEvent,
    RecordNode,
    RecordPromise,
)

BATCH = 10_000
PROGRESS_EVERY = 100_000
MAX_FAILURES = 50
_KINDS = frozenset(kind.value for kind in EventKind)
_ROLES = frozenset(role.value for role in ActorRole)
_json_loads = JSONDecoder().decode  # json.loads without its checks of the argument
_PG_MOMENT = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'  # to_char's MS cuts off, as isoformat does

# The triggers that keep the record append-only (migrations 0005, 0012, 0014) and the received
# evidence fixed (0003); PostgreSQL also has one against TRUNCATE per table.
RECORD_TRIGGERS = (
    "record_event_fixed",
    "record_event_kept",
    "record_node_fixed",
    "record_node_kept",
    "record_checkpoint_fixed",
    "record_checkpoint_kept",
    "record_head_grows",
    "record_head_kept",
    "record_promise_fixed",
    "record_promise_kept",
    "record_cosignature_fixed",
    "record_cosignature_kept",
    "locked_version_fixed",
    "locked_version_kept",
    "locked_section_fixed",
    "locked_section_kept",
    "comment_text_fixed",
    "comment_kept",
    "receipt_fixed",
    "submission_kept",
    "moderation_fixed",
    "moderation_kept",
    "state_change_fixed",
    "state_change_kept",
    "closing_change_fixed",
    "closing_change_kept",
)
TRUNCATE_PROTECTED = (
    "record_events",
    "record_nodes",
    "record_checkpoints",
    "record_head",
    "record_promises",
    "record_cosignatures",
    "document_versions",
    "sections",
    "comments",
    "submissions",
    "moderation_actions",
    "consultation_state_changes",
    "consultation_closing_changes",
)


class Failures:
    """Failures, the most specific first: those that name an event or object (rank 0),
    then the cross-checks (1), then the tree, checkpoints and head (2), each in the order
    found. Keeps ``MAX_FAILURES`` per rank, and counts them all."""

    def __init__(self) -> None:
        self._ranks: tuple[list[str], ...] = ([], [], [])
        self.total = 0

    def add(self, message: str, rank: int = 0) -> None:
        self.total += 1
        if len(self._ranks[rank]) < MAX_FAILURES:
            self._ranks[rank].append(message)

    def add_tree(self, message: str) -> None:
        self.add(message, rank=2)

    def __iter__(self) -> Iterator[str]:
        for messages in self._ranks:
            yield from messages

    def __len__(self) -> int:
        return sum(len(messages) for messages in self._ranks)

    def __getitem__(self, index: int) -> str:
        return list(self)[index]


@dataclass
class Report:
    consultation: str | None
    events: int = 0
    checked_events: int = 0
    chains: int = 0
    nodes: int = 0
    checkpoints: int = 0
    promises: int = 0
    cross_checks: int = 0
    seconds: float = 0.0
    failures: Failures = field(default_factory=Failures)
    # What is not wrong with the record but worth saying: a checkpoint of another name.
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failures.total == 0


def chain_label(chain: str) -> str:
    return f"consultation {chain}" if chain else "the platform chain"


def events_in_scope(consultation: str | None) -> Select[tuple[RecordEvent]]:
    """The events a verification covers, as a query cross-checks filter further."""
    query = select(RecordEvent)
    if consultation is not None:
        query = query.where(RecordEvent.chain == consultation)
    return query


def verify(
    session: Session,
    *,
    consultation: str | None = None,
    keys: dict[str, bytes] | None = None,
    cross_checks: Sequence[CrossCheck] | None = None,
    progress: Callable[[int], None] | None = None,
    progress_every: int = PROGRESS_EVERY,
) -> Report:
    """Verify the record (or one consultation's chain, with the tree around it).

    ``keys`` are the trusted public keys by key id (default: the instance's own);
    ``cross_checks`` default to the registry :data:`CROSS_CHECKS`.
    """

    started = time.perf_counter()
    report = Report(consultation)
    failures = report.failures
    keys = signing.trusted_keys() if keys is None else keys
    slugs = {
        row.id: row.slug for row in session.execute(select(Consultation.id, Consultation.slug))
    }
    if consultation is not None and consultation not in slugs.values():
        raise LookupError(f"there is no consultation {consultation}")

    signed = _check_signatures(session, keys, report)
    tree = _TreeCheck(session, signed, failures)
    links: dict[str, Any] = {}  # chain -> its latest event (row)
    expected_index = 0
    dialect = session.get_bind().dialect.name
    event_batches = driver_batches(session, _event_rows(dialect), BATCH, native_only=True)
    if dialect == "postgresql":
        event_batches = read_ahead(event_batches)
    for batch in event_batches:
        leaves = []
        for row in batch:
            leaf_index = row[0]
            if leaf_index != expected_index:  # larger: leaf indexes are unique, in order
                missing = (
                    f"event {expected_index} is missing"
                    if leaf_index == expected_index + 1
                    else f"events {expected_index} to {leaf_index - 1} are missing"
                )
                failures.add(f"{missing}: the record goes on at event {leaf_index}")
                expected_index = leaf_index
            expected_index += 1
            if consultation is None or row[2] == consultation:
                leaves.append(_check_event(row, links, slugs, failures))
                report.checked_events += 1
            else:
                leaves.append(bytes.fromhex(row[12]))
        before = report.events
        report.events += len(batch)
        tree.add(leaves)
        if progress is not None:
            for step in range(before // progress_every + 1, report.events // progress_every + 1):
                progress(step * progress_every)
    report.chains = len(links)
    tree.finish()
    report.nodes = tree.stored_nodes
    _check_consistency(session, signed, tree.matched_sizes, failures)
    _check_head(session, tree.frontier, report.checkpoints, failures)
    _check_triggers(session, failures)
    _check_promises(session, keys, report)
    _check_cosignatures(session, failures)

    for check in CROSS_CHECKS if cross_checks is None else cross_checks:
        for message in check(session, events_in_scope(consultation)):
            failures.add(message, rank=1)
        report.cross_checks += 1
    report.seconds = time.perf_counter() - started
    return report


# -- events --------------------------------------------------------------------------------


def _stream(session: Session, query: Select[Any]) -> Iterator[Any]:
    """Rows in batches from a server-side cursor: memory stays flat for any record size.
    Core rows, not ORM ones: a million of them is where the difference shows."""
    return itertools.chain.from_iterable(batches(session, query, BATCH))


def _event_rows(dialect: str) -> Select[Any]:
    """:func:`proofs.event_columns`, with the payload as the JSON text it is stored as:
    read by ``json.loads`` in :func:`_check_event`, where a text that is no JSON is a
    failure of its event, not of the whole run. On PostgreSQL the database writes the
    moment as :func:`canonical.moment` does (UTC, milliseconds cut off, ``Z``), a
    million datetimes less to make and format here."""
    columns = proofs.event_columns()
    replaced: dict[str, Any] = {"payload": lambda column: cast(column, Text).label("payload")}
    if dialect == "postgresql":
        replaced["occurred_at"] = lambda column: func.to_char(
            func.timezone("UTC", column), _PG_MOMENT
        ).label("occurred_at")
    return columns.with_only_columns(
        *[
            replaced[column.key](column) if column.key in replaced else column
            for column in columns.selected_columns
        ],
        maintain_column_froms=True,
    )


def _label(row: Any) -> str:
    """``event <leaf index> (<kind> <object id>)``, of a row of :func:`_event_rows`."""
    return f"event {row[0]} ({row[4]} {row[8]})"


def _check_event(
    row: Any, links: dict[str, Any], slugs: dict[int, str], failures: Failures
) -> bytes:
    """Check one event's hashes and its place in its chain; its leaf hash, recomputed.

    On the path of a million events: the body is written in one pass
    (:func:`canonical.fast_event_bytes`), and labels are only made for a failure."""
    (
        leaf_index,
        consultation_id,
        chain,
        seq,
        kind,
        occurred_at,
        actor_role,
        object_type,
        object_id,
        payload_text,
        prev_hash,
        event_hash,
        leaf_hash,
    ) = row
    if kind not in _KINDS:
        failures.add(f"{_label(row)}: unknown kind {kind!r}")
    if actor_role not in _ROLES:
        failures.add(f"{_label(row)}: unknown actor role {actor_role!r}")
    try:
        payload = None if payload_text is None else _json_loads(payload_text)
        if not isinstance(payload, dict):
            raise canonical.PayloadError("payload is not an object")
        canonical.check_value(payload)
        data = canonical.fast_event_bytes(
            leaf_index,
            chain,
            seq,
            kind,
            occurred_at if type(occurred_at) is str else canonical.moment(occurred_at),
            actor_role,
            object_type,
            object_id,
            payload,
            prev_hash,
        )
    except (canonical.PayloadError, ValueError) as exc:
        failures.add(f"{_label(row)}: its content is outside the record's form ({exc})")
        data = canonical.canonical_bytes({"unreadable": leaf_index})
    if canonical.event_hash(data) != event_hash:
        failures.add(f"{_label(row)}: hash does not match its content")
    leaf = merkle.leaf_hash(data)
    if leaf.hex() != leaf_hash:
        failures.add(f"{_label(row)}: leaf hash does not match its content")

    owner = "" if consultation_id is None else slugs.get(consultation_id)
    if owner is None:
        failures.add(f"{_label(row)}: belongs to consultation id {consultation_id}, which is gone")
    elif chain != owner:
        failures.add(
            f"{_label(row)}: sits in the chain of {chain_label(chain)} "
            f"but belongs to {chain_label(owner)}"
        )
    previous = links.get(chain)
    if previous is None:
        if seq != 1:
            failures.add(
                f"{_label(row)}: the chain of {chain_label(chain)} starts at number "
                f"{seq}, not 1: events before it are missing"
            )
        elif prev_hash != canonical.ZERO_HASH:
            failures.add(f"{_label(row)}: first of its chain, but it points to an earlier event")
    else:
        if seq != previous[3] + 1:
            failures.add(
                f"{_label(row)}: number {seq} in the chain of {chain_label(chain)} "
                f"follows number {previous[3]} ({_label(previous)})"
                + (": an event between them is missing" if seq > previous[3] else "")
            )
        if prev_hash != previous[11]:
            failures.add(
                f"{_label(row)}: does not follow {_label(previous)}, the event before it in "
                "its chain (one of the two was changed, or an event between them removed)"
            )
    links[chain] = row
    return leaf


# -- the tree ------------------------------------------------------------------------------


class _TreeCheck:
    """Rebuilds the tree leaf by leaf, comparing stored nodes and checkpoint roots."""

    def __init__(
        self, session: Session, signed: list[RecordCheckpoint], failures: Failures
    ) -> None:
        self.failures = failures
        self.frontier = merkle.Frontier()
        nodes = driver_batches(
            session,
            select(RecordNode.level, RecordNode.position, RecordNode.hash).order_by(RecordNode.id),
            BATCH,
        )
        if session.get_bind().dialect.name == "postgresql":
            nodes = read_ahead(nodes)
        self.nodes = itertools.chain.from_iterable(nodes)
        self.stored_nodes = 0
        self.nodes_broken = False
        self.pending = sorted(signed, key=lambda c: (c.tree_size, c.id))
        self.matched_sizes: dict[int, bool] = {}
        self._give_back(
            self._match_roots()
        )  # nothing matches size 0, but keeps the loop in one place

    def add(self, leaves: Sequence[bytes]) -> None:
        """Append a batch of leaves; compare the nodes they complete with the stored ones,
        and the root at each checkpoint's size. The loop of a million leaves: the batch's
        nodes are compared in one list comparison; only when it fails is the first node
        that differs looked for (:meth:`_compare_node`). Failures come in the order a
        node-by-node walk finds them: a root's after the nodes of the leaves before it."""
        append, pending, frontier = self.frontier.append, self.pending, self.frontier
        computed: list[tuple[int, int, str]] = []
        made_at: list[int] = []  # per node of ``computed``: the tree size when it was made
        roots: list[tuple[int, list[str]]] = []  # root failures by the size they came at
        for leaf in leaves:
            for level, position, value in append(leaf):
                computed.append((level, position, value.hex()))
                made_at.append(frontier.size)
            if pending and pending[0].tree_size == frontier.size:
                messages = self._match_roots()
                if messages:  # held back until the nodes are compared
                    roots.append((frontier.size, messages))
        if not self.nodes_broken and computed:
            stored = list(itertools.islice(self.nodes, len(computed)))
            if stored == computed:
                self.stored_nodes += len(computed)
            else:
                first = next(
                    (n for n, (s, c) in enumerate(zip(stored, computed, strict=False)) if s != c),
                    len(stored),
                )
                self.stored_nodes += first
                for _size, messages in (r for r in roots if r[0] < made_at[first]):
                    self._give_back(messages)
                roots = [r for r in roots if r[0] >= made_at[first]]
                level, position, value = computed[first]
                self._compare_node(
                    stored[first] if first < len(stored) else None,
                    level,
                    position,
                    value,
                )
        for _size, messages in roots:
            self._give_back(messages)

    def _give_back(self, messages: list[str]) -> None:
        for message in messages:
            self.failures.add_tree(message)

    def _compare_node(self, stored: Any, level: int, position: int, value: str) -> None:
        """Name what is wrong with the ``stored`` node (level, position, hash) read for
        (level, position); ``value`` is the hash the leaves give, in hex."""
        if stored is None:
            self.failures.add_tree(f"tree node {level}/{position} is missing")
            self.nodes_broken = True
            return
        self.stored_nodes += 1
        if (stored[0], stored[1]) != (level, position):
            self.failures.add_tree(
                f"tree node {stored[0]}/{stored[1]} is out of place "
                f"(expected {level}/{position}): the stored tree was changed"
            )
            self.nodes_broken = True
        elif stored[2] != value:
            first = position << level
            self.failures.add_tree(
                f"tree node {level}/{position} (events {first} to {first + (1 << level) - 1}) "
                "does not match the events under it"
            )
            self.nodes_broken = True

    def _match_roots(self) -> list[str]:
        """Compare the root with the checkpoints signed at the current size; the failures."""
        messages = []
        size = self.frontier.size
        while self.pending and self.pending[0].tree_size == size:
            checkpoint = self.pending.pop(0)
            root = self.frontier.root()
            matches = root.hex() == checkpoint.root_hash
            if not matches:
                messages.append(
                    f"checkpoint {checkpoint.id} ({checkpoint.tree_size} events, signed "
                    f"{canonical.moment(checkpoint.made_at)}): the events give another root "
                    "than the signed one; an event up to "
                    f"{checkpoint.tree_size - 1} was changed, added or removed after signing"
                )
            self.matched_sizes[size] = self.matched_sizes.get(size, True) and matches
        return messages

    def finish(self) -> None:
        for checkpoint in self.pending:
            self.failures.add_tree(
                f"checkpoint {checkpoint.id} ({checkpoint.tree_size} events, signed "
                f"{canonical.moment(checkpoint.made_at)}) covers more events than the record "
                f"holds ({self.frontier.size}): events were removed"
            )
        if not self.nodes_broken:
            extra = next(self.nodes, None)
            if extra is not None:
                self.failures.add_tree(f"tree node {extra[0]}/{extra[1]} has no events under it")
        for _rest in self.nodes:  # close the cursor
            pass


# -- checkpoints and head ----------------------------------------------------------------------


def _check_signatures(
    session: Session, keys: dict[str, bytes], report: Report
) -> list[RecordCheckpoint]:
    """Checkpoints with a valid signature, in order; each bad one is a failure."""
    valid = []
    previous: RecordCheckpoint | None = None
    log_name: str | None = None
    for checkpoint in session.scalars(select(RecordCheckpoint).order_by(RecordCheckpoint.id)):
        report.checkpoints += 1
        name = f"checkpoint {checkpoint.id} ({checkpoint.tree_size} events)"
        log_name = log_name or checkpoint.origin
        if checkpoints.is_foreign(checkpoint, log_name):
            signed = checkpoints.signature_valid(checkpoint, keys)
            report.warnings.append(
                f"{name}: signed under another name ({checkpoint.origin!r}) than this log's "
                f"({log_name!r}); it is no part of this log and is not used"
                + ("" if signed else " (and its signature does not verify)")
            )
            continue
        if checkpoint.key_id not in keys:
            report.failures.add_tree(
                f"{name}: signed by key {checkpoint.key_id}, which is not trusted"
            )
        elif not checkpoints.signature_valid(checkpoint, keys):
            report.failures.add_tree(f"{name}: the signature does not match its content")
        else:
            valid.append(checkpoint)
        if previous is not None and checkpoint.tree_size < previous.tree_size:
            report.failures.add_tree(
                f"{name}: the tree shrank from {previous.tree_size} events at checkpoint "
                f"{previous.id}"
            )
        previous = checkpoint
    return valid


def _check_consistency(
    session: Session,
    signed: list[RecordCheckpoint],
    matched: dict[int, bool],
    failures: Failures,
) -> None:
    """A consistency proof from the stored tree between each two consecutive checkpoints."""
    good = [c for c in signed if matched.get(c.tree_size)]
    node = services.node_getter(session)
    for number, (first, second) in enumerate(pairwise(good)):
        if first.tree_size > second.tree_size:
            continue  # a shrinking tree is a failure of its own (see _check_signatures)
        if number % 256 == 0:
            node = services.node_getter(session)  # keep the cache small
        try:
            proof = merkle.consistency_proof(first.tree_size, second.tree_size, node)
        except LookupError as exc:
            failures.add_tree(
                f"no consistency proof from checkpoint {first.id} to {second.id}: {exc}"
            )
            continue
        if not merkle.verify_consistency(
            first.tree_size,
            second.tree_size,
            bytes.fromhex(first.root_hash),
            bytes.fromhex(second.root_hash),
            proof,
        ):
            failures.add_tree(
                f"checkpoint {second.id} is not consistent with checkpoint {first.id}: "
                "the stored tree gives no valid proof between them"
            )


def _check_head(
    session: Session, frontier: merkle.Frontier, checkpoint_rows: int, failures: Failures
) -> None:
    current = services.head(session)
    if current.checkpoint_count > checkpoint_rows:
        missing = current.checkpoint_count - checkpoint_rows
        failures.add_tree(
            f"{missing} checkpoint row(s) missing: the record's head counts "
            f"{current.checkpoint_count} signed checkpoints, the table holds {checkpoint_rows}"
        )
    elif current.checkpoint_count < checkpoint_rows:
        failures.add_tree(
            f"{checkpoint_rows - current.checkpoint_count} checkpoint row(s) were added around "
            f"the record: the head counts {current.checkpoint_count}, the table holds "
            f"{checkpoint_rows}"
        )
    if current.tree_size != frontier.size:
        failures.add_tree(
            f"the record's head says {current.tree_size} events, but there are {frontier.size}"
        )
    elif current.frontier != [h.hex() for h in frontier.hashes]:
        failures.add_tree("the record's head holds another tree than its events give")


def _triggers_present(session: Session) -> set[str]:
    """The names of the triggers on this database's (schema's) tables."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' "
                "AND n.nspname = current_schema()"
            )
        )
    else:
        rows = session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    return {row[0] for row in rows}


def _check_triggers(session: Session, failures: Failures) -> None:
    """Every trigger that keeps the record and the received evidence append-only exists
    (and, on PostgreSQL, is enabled): one dropped is a door left open."""
    expected = list(RECORD_TRIGGERS)
    if session.get_bind().dialect.name == "postgresql":
        expected += [f"{table}_not_truncated" for table in TRUNCATE_PROTECTED]
    present = _triggers_present(session)
    missing = [name for name in expected if name not in present]
    if missing:
        failures.add_tree(
            f"{len(missing)} append-only trigger(s) are missing or disabled "
            f"({', '.join(missing[:6])}{', ...' if len(missing) > 6 else ''}): whoever removed "
            "them could change or delete evidence; restore them from the migrations"
        )


def _check_cosignatures(session: Session, failures: Failures) -> None:
    """Every stored witness cosignature verifies on its checkpoint with its witness's key:
    a row slipped in would show a checkpoint as cosigned by someone who never saw it."""
    last = 0
    while True:
        rows = session.execute(
            select(RecordCosignature, RecordCheckpoint)
            .join(RecordCheckpoint, RecordCheckpoint.id == RecordCosignature.checkpoint_id)
            .where(RecordCosignature.id > last)
            .order_by(RecordCosignature.id)
            .limit(1000)
        ).all()
        if not rows:
            return
        for row, checkpoint in rows:
            if not cosignatures.valid(row, checkpoint):
                failures.add_tree(
                    f"cosignature {row.id} by witness {row.witness} does not verify on "
                    f"checkpoint {checkpoint.id}: it was never given by that witness"
                )
        last = rows[-1][0].id


def _check_promises(session: Session, keys: dict[str, bytes], report: Report) -> None:
    """Every signed promise of inclusion is kept: the leaf it names is in the tree, at its
    index, with its hash (the rebuilt tree gives the leaves; the event rows were checked)."""
    failures = report.failures
    log_name = checkpoints.stored_origin(session)
    query = (
        select(
            RecordPromise.leaf_index,
            RecordPromise.leaf_hash,
            RecordPromise.origin,
            RecordPromise.made_at,
            RecordPromise.key_id,
            RecordPromise.signature,
            RecordEvent.leaf_hash.label("event_leaf_hash"),
            RecordEvent.kind,
            RecordEvent.object_id,
        )
        .outerjoin(RecordEvent, RecordEvent.leaf_index == RecordPromise.leaf_index)
        .order_by(RecordPromise.leaf_index)
    )
    for promise in _stream(session, query):
        leaf_hash, kind, object_id = promise.event_leaf_hash, promise.kind, promise.object_id
        report.promises += 1
        name = f"promise of event {promise.leaf_index} (signed {canonical.moment(promise.made_at)})"
        if not promises.signature_valid(promise, keys):
            failures.add(f"{name}: its signature does not verify with a trusted key")
        elif log_name is not None and promise.origin != log_name:
            report.warnings.append(
                f"{name}: signed under another name ({promise.origin!r}) than this log's"
            )
        if leaf_hash is None:
            failures.add(
                f"{name}: broken promise: the log acknowledged this leaf, but event "
                f"{promise.leaf_index} is gone from the record"
            )
        elif leaf_hash != promise.leaf_hash:
            failures.add(
                f"{name}: broken promise: event {promise.leaf_index} ({kind} {object_id}) is "
                "not the leaf the log acknowledged"
            )
