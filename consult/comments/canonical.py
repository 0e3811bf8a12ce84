"""The canonical content of a submission and its SHA-256, as printed on the receipt.

Canonical JSON per RFC 8785 (JCS), so anyone can recompute the hash from the published
content with any JCS library. Personal data is never part of it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import rfc8785


def moment(value: datetime) -> str:
    """A UTC moment with millisecond precision: the same on every database."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def canonical_bytes(content: dict[str, Any]) -> bytes:
    return rfc8785.dumps(content)


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(content)).hexdigest()
