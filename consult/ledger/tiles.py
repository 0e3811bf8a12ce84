"""The record as a C2SP tiled transparency log (https://c2sp.org/tlog-tiles).

What a standard monitor fetches under ``/bewijs/log/``: the latest signed ``checkpoint``,
hash tiles ``tile/<L>/<N>[.p/<W>]`` and entry bundles ``tile/entries/<N>[.p/<W>]``. Tiles
are 8 levels of the RFC 9162 tree high (256 hashes); a hash in a level-``L`` tile is the
perfect subtree of ``256**L`` leaves, which is exactly the stored node at tree level
``8 * L`` (level 0: the leaf hashes in ``record_events``), so a tile is one range read of
stored hashes, nothing is recomputed. An entry bundle holds each leaf's exact bytes (the
event's RFC 8785 canonical JSON), each behind its length as a big-endian uint16.

Only what the latest signed checkpoint of this log covers is served: a monitor must never
see a leaf the log has not committed to. A tile or bundle beyond it does not exist (404).

Leaves written before issue 16 (``submission_received`` without an ``attributes``
commitment) hold a sender's group, age band and municipality in the open. An entry bundle
that holds such a leaf is *withheld* (:class:`Withheld`); its hash tile is served, so the
tree still checks, and every bundle after the last such leaf is served whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.ledger import canonical, proofs
from consult.ledger.models import EventKind, RecordEvent, RecordNode

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256
MAX_LEVEL = 63
MAX_ENTRY = 0xFFFF

_LEVEL = r"(?P<level>0|[1-9][0-9]?|entries)"
_INDEX = r"(?P<index>(?:x[0-9]{3}/)*[0-9]{3})"
_WIDTH = r"(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
PATH = re.compile(rf"^{_LEVEL}/{_INDEX}{_WIDTH}$")


class NotFound(LookupError):
    """No such tile for the served tree (malformed path, or beyond the checkpoint)."""


class Withheld(LookupError):
    """An entry bundle holding a leaf written in the old, open format (see the module)."""

    def __init__(self, first_leaf: int) -> None:
        super().__init__(f"leaf {first_leaf} holds personal facts in the open (old format)")
        self.first_leaf = first_leaf


@dataclass(frozen=True)
class Tile:
    """Level ``level`` (None: an entry bundle), index ``index``, ``width`` hashes/entries."""

    level: int | None
    index: int
    width: int

    @property
    def full(self) -> bool:
        return self.width == TILE_WIDTH

    @property
    def tree_level(self) -> int:
        """The level in the RFC 9162 tree of each hash in this tile."""
        return TILE_HEIGHT * (self.level or 0)

    @property
    def first(self) -> int:
        """The position, at :attr:`tree_level`, of the tile's first hash."""
        return self.index * TILE_WIDTH

    def end_leaf(self) -> int:
        """One past the last leaf this tile spans."""
        return (self.first + self.width) << self.tree_level

    def path(self) -> str:
        return tile_path(self.level, self.index, self.width)


def encode_index(index: int) -> str:
    """``1234067`` -> ``x001/x234/067`` (zero-padded 3-digit elements, ``x`` on all but the
    last)."""
    if index < 0:
        raise ValueError("a tile index is not negative")
    text = f"{index % 1000:03d}"
    index //= 1000
    while index:
        text = f"x{index % 1000:03d}/{text}"
        index //= 1000
    return text


def tile_path(level: int | None, index: int, width: int = TILE_WIDTH) -> str:
    """The path below ``<prefix>/tile/``: ``0/x001/234``, ``entries/005.p/17``."""
    name = "entries" if level is None else str(level)
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"{name}/{encode_index(index)}{suffix}"


def parse(path: str) -> Tile:
    """A tile path below ``tile/``, strictly as the spec writes it (one spelling per tile,
    so caches never hold two copies); :class:`NotFound` otherwise."""
    match = PATH.match(path)
    if match is None:
        raise NotFound(path)
    level_text, index_text, width_text = match.group("level", "index", "width")
    level = None if level_text == "entries" else int(level_text)
    if level is not None and level > MAX_LEVEL:
        raise NotFound(path)
    index = int(index_text.replace("x", "").replace("/", ""))
    width = int(width_text) if width_text else TILE_WIDTH
    if (width_text and width >= TILE_WIDTH) or encode_index(index) != index_text:
        raise NotFound(path)  # a ".p/256", or a non-minimal index like "x000/001"
    return Tile(level, index, width)


def exists(tile: Tile, tree_size: int) -> bool:
    """Whether the tree of ``tree_size`` leaves has this tile: a full one it covers, or a
    partial one no wider than it covers (the partial tiles of every smaller size too: a
    client checking an older checkpoint may ask for them)."""
    return tile.end_leaf() <= tree_size and (
        tile.full or tile.index == _last_index(tile, tree_size)
    )


def _last_index(tile: Tile, tree_size: int) -> int:
    """The index of the rightmost (partial) tile at the tile's level for this size."""
    return tree_size >> (tile.tree_level + TILE_HEIGHT)


def hash_tile(session: Session, tile: Tile, tree_size: int) -> bytes:
    """The tile's concatenated 32-byte hashes, read in one query from the stored tree."""
    if tile.level is None or not exists(tile, tree_size):
        raise NotFound(tile.path())
    first, last = tile.first, tile.first + tile.width - 1
    if tile.level == 0:
        query = (
            select(RecordEvent.leaf_index, RecordEvent.leaf_hash)
            .where(RecordEvent.leaf_index.between(first, last))
            .order_by(RecordEvent.leaf_index)
        )
    else:
        query = (
            select(RecordNode.position, RecordNode.hash)
            .where(RecordNode.level == tile.tree_level, RecordNode.position.between(first, last))
            .order_by(RecordNode.position)
        )
    rows = session.execute(query).all()
    if [position for position, _ in rows] != list(range(first, last + 1)):
        # The stored tree lacks a node that the checkpoint covers: verify names it.
        raise LookupError(f"the record lacks tree nodes of tile {tile.path()}")
    return b"".join(bytes.fromhex(value) for _, value in rows)


def is_open_format(kind: str, payload: dict[str, Any]) -> bool:
    """A leaf written before issue 16 that holds a sender's group, age band and
    municipality in the open (its ``submission_received`` has no ``attributes``)."""
    return kind == EventKind.SUBMISSION_RECEIVED.value and "attributes" not in payload


def entry_bundle(session: Session, tile: Tile, tree_size: int) -> bytes:
    """The tile's leaves, each as a big-endian uint16 length and the leaf's exact bytes;
    :class:`Withheld` when one of them is of the old, open format."""
    if tile.level is not None or not exists(tile, tree_size):
        raise NotFound(tile.path())
    first, last = tile.first, tile.first + tile.width - 1
    rows = session.execute(
        proofs.event_columns().where(RecordEvent.leaf_index.between(first, last))
    ).all()
    if [row.leaf_index for row in rows] != list(range(first, last + 1)):
        raise LookupError(f"the record lacks events of entry bundle {tile.path()}")
    parts: list[bytes] = []
    for row in rows:
        if is_open_format(row.kind, row.payload):
            raise Withheld(row.leaf_index)
        # A row has the columns of a RecordEvent that its body is made of.
        data = canonical.fast_canonical_bytes(proofs.event_body(row))
        if len(data) > MAX_ENTRY:
            raise LookupError(f"leaf {row.leaf_index} is longer than an entry bundle can hold")
        parts.append(len(data).to_bytes(2, "big") + data)
    return b"".join(parts)


def split_bundle(data: bytes) -> list[bytes]:
    """The entries of an entry bundle (for readers of it: the monitor, tests)."""
    entries, offset = [], 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise ValueError("an entry bundle ends inside a length")
        size = int.from_bytes(data[offset : offset + 2], "big")
        offset += 2
        if offset + size > len(data):
            raise ValueError("an entry bundle ends inside an entry")
        entries.append(data[offset : offset + size])
        offset += size
    return entries
