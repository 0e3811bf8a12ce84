"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's advice)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Verified against when no account matches, so that a wrong email costs as long as a
# wrong password and timing does not reveal which addresses have an account. Made on the
# first check of a password, whoever's (not at import: every process, each `consult`
# command and gunicorn worker, would pay one full argon2 hash, ~0.2 s of CPU, for it).
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash("consult-dummy-password-for-timing")
    return _DUMMY_HASH


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    dummy = _dummy_hash()  # before either branch: the first check costs the same for both
    try:
        return _hasher.verify(password_hash or dummy, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def configure_for_tests() -> None:
    """Cheap parameters for the test suite only; production keeps the defaults."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    _DUMMY_HASH = _hasher.hash("consult-dummy-password-for-timing")
