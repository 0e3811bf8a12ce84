"""What the consultation page keeps between requests, in each worker process.

Two things are costly on a large consultation and change far less often than they are read:

- **The plan**: a locked version never changes, so its sections (:data:`outlines`) and
  its sections cut into paragraphs (sanitised, anchored, the region's own words linked)
  are kept per version, part, language and the region's words (:data:`plans`).
- **The blocks that show comments** (the plan with its counts and first comments, what was
  said and done, who reacted, the meetings): kept per consultation, keyed by
  :func:`blocks_position`, the position in the consultation's chain of the evidence record
  of its last event that may change what the public reads. Every change that alters the
  blocks (a comment published: sent from a confirmed account, confirmed by its e-mail
  link or approved by a moderator; hidden, unhidden or withdrawn; personal data erased;
  an answer published or superseded; an activity registered or removed; the consultation
  opened, extended, closed or answered; a next version or the reactienota published; the
  day the answers are due moved) appends an event to that chain *in the same
  transaction*, so the first request after its commit sees a new position and builds the
  blocks again, in every worker.

  Events that change nothing the public reads do not move the key
  (:data:`UNSHOWN_KINDS`): a submission arriving that waits for its e-mail link or for a
  moderator (``submission_received``; one that counts at once writes
  ``submission_confirmed`` in the same transaction), one discarded or rejected while it
  waited, a comment reported, an answer drafted or approved but not published. Every
  other kind moves it, a kind added later too: the set names what may be skipped, not
  what must be seen (``tests/public/test_consultation_page_kept.py`` walks the services'
  events and holds the set to what the blocks show).

  What changes without an event (a region's words, an organisation verified, a group's
  label, the days an answer is late) shows within :data:`BLOCK_SECONDS` of a new block,
  and the reference data the blocks are made from (the stakeholder groups, the region's
  words) is at most :data:`REFERENCE_SECONDS` old: within two minutes in all.

Each worker keeps its own copies (a small LRU with a time limit), so several gunicorn
workers never share state they could disagree on; the record is what they agree on.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.consultations.models import Consultation
from consult.ledger.models import EventKind, RecordEvent
from consult.regions import services as regions
from consult.stakeholders.models import StakeholderGroup

# Raise when a template or the way the blocks are built changes, so no worker serves a
# copy made by the code before (a deploy restarts the workers too; this is for reloads).
TEMPLATE_VERSION = 2
# What changes without a record event shows within this many seconds of a new block.
BLOCK_SECONDS = 60.0
# Reference data the blocks are made from (stakeholder groups, a region's words) is read
# again after this many seconds.
REFERENCE_SECONDS = 60.0

# The events after which the public blocks are the same as before (see the module's
# docstring): the only kinds that do not make them again. The platform chain's kinds
# never come in a consultation's chain.
UNSHOWN_KINDS: frozenset[EventKind] = frozenset(
    {
        EventKind.SUBMISSION_RECEIVED,
        EventKind.SUBMISSION_DISCARDED,
        EventKind.SUBMISSION_REJECTED,
        EventKind.COMMENT_REPORTED,
        EventKind.ANSWER_DRAFTED,
        EventKind.ANSWER_APPROVED,
        EventKind.REGION_SETTING_CHANGED,
        EventKind.API_TOKEN_CREATED,
        EventKind.API_TOKEN_REVOKED,
    }
)
# Derived, never listed: a new kind changes the blocks until someone shows it does not.
SHOWN_KINDS: frozenset[EventKind] = frozenset(EventKind) - UNSHOWN_KINDS

V = TypeVar("V")


class Kept(Generic[V]):
    """A thread-safe LRU of at most ``size`` values, each for at most ``seconds``."""

    def __init__(self, size: int, seconds: float | None = None) -> None:
        self.size = size
        self.seconds = seconds
        self._values: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        now = time.monotonic()
        with self._lock:
            found = self._values.get(key)
            if found is not None and (self.seconds is None or now - found[0] < self.seconds):
                self._values.move_to_end(key)
                return found[1]
        value = make()  # outside the lock: two threads may build it once each, never wrong
        with self._lock:
            self._values[key] = (now, value)
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._values.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


plans: Kept[Any] = Kept(64)
# A version's sections with their text: about as large as its plan.
outlines: Kept[Any] = Kept(64)
# A part of a long plan with its comments is up to ~130 kB: 128 of them, ~16 MB a worker.
blocks: Kept[Any] = Kept(128, BLOCK_SECONDS)
# The stakeholder groups; the words of a region.
reference: Kept[Any] = Kept(256, REFERENCE_SECONDS)


def clear() -> None:
    """Forget everything kept (tests: ids come back after a rollback on SQLite)."""
    plans.clear()
    outlines.clear()
    blocks.clear()
    reference.clear()


@dataclass(frozen=True)
class Group:
    """A stakeholder group as the blocks show it: plain values, safe to share between
    requests and threads (an ORM object is not)."""

    id: int
    code: str
    label_nl: str
    label_en: str
    position: int

    def label_for(self, locale: str) -> str:
        return self.label_nl if locale == "nl" else self.label_en


def stakeholder_groups(session: Session, wanted: Iterable[int] = ()) -> dict[int, Group]:
    """Every stakeholder group by id, read at most once per :data:`REFERENCE_SECONDS`, and
    at once again when one of ``wanted`` is not among them (a group added since)."""

    def read() -> dict[int, Group]:
        return {
            g.id: Group(g.id, g.code, g.label_nl, g.label_en, g.position)
            for g in session.scalars(select(StakeholderGroup))
        }

    groups: dict[int, Group] = reference.get("stakeholder_groups", read)
    if not set(wanted) <= groups.keys():
        reference.forget("stakeholder_groups")
        groups = reference.get("stakeholder_groups", read)
    return groups


def region_terms(session: Session, region_id: int) -> tuple[str, ...]:
    """The region's own words, read at most once per :data:`REFERENCE_SECONDS`."""
    return reference.get(
        ("region_terms", region_id),
        lambda: tuple(t.term for t in regions.region_terms(session, region_id)),
    )


def blocks_position(session: Session, consultation: Consultation) -> int:
    """The position (seq) in the consultation's chain of its last event of a kind that
    may change the public blocks (not of :data:`UNSHOWN_KINDS`); 0 before any.

    One statement: the index on (chain, seq) read backwards from the chain's end, past the
    unshown events since the last shown one (a few on a campaign day, where confirmations
    follow arrivals; at most the submissions waiting for a moderator)."""
    return (
        session.scalar(
            select(func.max(RecordEvent.seq)).where(
                RecordEvent.chain == consultation.slug,
                RecordEvent.kind.not_in(sorted(kind.value for kind in UNSHOWN_KINDS)),
            )
        )
        or 0
    )
