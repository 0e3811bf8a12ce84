"""What the consultation page keeps between requests, in each worker process.

Two things are costly on a large consultation and change far less often than they are read:

- **The plan**: a locked version never changes, so its sections cut into paragraphs
  (sanitised, anchored, the region's own words linked) are kept per version, part, language
  and the region's words (:data:`plans`).
- **The blocks that show comments** (the plan with its counts and first comments, what was
  said and done, who reacted, the meetings): kept per consultation, keyed by the position
  of the consultation's chain in the evidence record (:func:`record_position`). Every
  change that alters them (a comment published, hidden, unhidden or withdrawn, personal
  data erased, an answer published or superseded, an activity registered or removed)
  appends an event to that chain *in the same transaction*, so the first request after
  its commit sees a new position and builds the blocks again, in every worker. What
  changes without an event (a region's words, an organisation verified, a group's label)
  shows within :data:`BLOCK_SECONDS`.

Each worker keeps its own copies (a small LRU with a time limit), so several gunicorn
workers never share state they could disagree on; the record is what they agree on.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.consultations.models import Consultation
from consult.ledger.models import RecordEvent

# Raise when a template or the way the blocks are built changes, so no worker serves a
# copy made by the code before (a deploy restarts the workers too; this is for reloads).
TEMPLATE_VERSION = 1
# What changes without a record event shows within this many seconds.
BLOCK_SECONDS = 60.0

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

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


plans: Kept[Any] = Kept(64)
outlines: Kept[Any] = Kept(256)
# A part of a long plan with its comments is up to ~130 kB: 128 of them, ~16 MB a worker.
blocks: Kept[Any] = Kept(128, BLOCK_SECONDS)


def clear() -> None:
    """Forget everything kept (tests: ids come back after a rollback on SQLite)."""
    plans.clear()
    outlines.clear()
    blocks.clear()


def record_position(session: Session, consultation: Consultation) -> int:
    """The number of events in the consultation's chain of the evidence record: one index
    lookup on (chain, seq). It grows with every change the public blocks show."""
    return (
        session.scalar(
            select(func.max(RecordEvent.seq)).where(RecordEvent.chain == consultation.slug)
        )
        or 0
    )
