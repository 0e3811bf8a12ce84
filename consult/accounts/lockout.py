"""Log-in limits per account (issue 18, point 5).

A limit per client address alone either stops a whole office behind one address (a
training session of officials) or lets one client guess a password for long. So the
address gets a generous limit (``RATELIMIT_LOGIN``, in the view) and each account a strict
one: after ``LOGIN_FREE_FAILURES`` wrong passwords for one email address, every attempt
for that address is refused for ``LOGIN_LOCK_SECONDS``, and each further wrong password
after a pause doubles the pause (1, 2, 4, ... minutes, at most ``LOGIN_LOCK_MAX_SECONDS``).
A correct log-in forgets the count.

The counts live in the rate limiter's storage (Redis, or this process's memory), under a
hash of the address: no table, and no email address in Redis. If the storage fails, the
account limit is skipped (logged) and the address limit still holds.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import UTC, datetime

from flask import current_app

from consult.extensions import limiter

log = logging.getLogger(__name__)

# 2**20 pauses are longer than any cap anyone would set: no overflow, no huge numbers.
MAX_DOUBLINGS = 20


def _key(email: str, kind: str) -> str:
    digest = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:32]
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}/login-{kind}/{digest}"


def locked_until(email: str) -> datetime | None:
    """Until when log-ins for ``email`` are refused, or None if they are not."""
    try:
        storage = limiter.storage
        key = _key(email, "lock")
        if storage.get(key) <= 0:
            return None
        return datetime.fromtimestamp(storage.get_expiry(key), UTC)
    except Exception:
        log.warning("cannot read the log-in lock from the rate-limit storage", exc_info=True)
        return None


def record_failure(email: str) -> datetime | None:
    """Count a wrong password for ``email``; until when it is now locked, or None."""
    config = current_app.config
    try:
        storage = limiter.storage
        failures = storage.incr(_key(email, "failures"), int(config["LOGIN_FAILURES_KEPT_SECONDS"]))
        over = failures - int(config["LOGIN_FREE_FAILURES"])
        if over < 0:
            return None
        seconds = min(
            int(config["LOGIN_LOCK_SECONDS"]) * 2 ** min(over, MAX_DOUBLINGS),
            int(config["LOGIN_LOCK_MAX_SECONDS"]),
        )
        lock = _key(email, "lock")
        storage.clear(lock)  # a new pause, not the rest of the old one
        storage.incr(lock, seconds)
    except Exception:
        log.warning("cannot count a failed log-in in the rate-limit storage", exc_info=True)
        return None
    log.info("log-ins for one account paused for %s s after %s failures", seconds, failures)
    return datetime.fromtimestamp(time.time() + seconds, UTC)


def record_success(email: str) -> None:
    """A correct log-in, or a new password set through the mailed link: start afresh."""
    try:
        limiter.storage.clear(_key(email, "failures"))
        limiter.storage.clear(_key(email, "lock"))
    except Exception:
        log.warning("cannot reset the failed log-ins in the rate-limit storage", exc_info=True)
