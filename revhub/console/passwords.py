"""Password hashing with Argon2id (argon2-cffi, OWASP's parameters).

The encoded hash carries its own parameters, so the cost can be raised later: a hash made
with older settings still verifies and is re-hashed at the next sign-in.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12

# OWASP's Argon2id setting (19 MiB, 2 passes, 1 lane): a sign-in costs ~20 ms of one core,
# so the throttle, not the CPU, is what stops a flood of guesses on a small console host.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when a user has no password, so that an unknown name costs the same time.
_DUMMY = _HASHER.hash("revhub: no such user")


class PasswordError(ValueError):
    """A password that may not be used (the message names what is wrong)."""


def check_strength(password: str) -> None:
    """Refuse a password too short to resist guessing (NIST SP 800-63B: length, not rules)."""
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"password: at least {MIN_LENGTH} characters")
    if len(password) > 1024:
        raise PasswordError("password: at most 1024 characters")


def hash_password(password: str) -> str:
    """A salted Argon2id hash of ``password`` (PHC string format)."""
    return _HASHER.hash(password)


def verify_password(password: str, stored: str | None) -> bool:
    """True if ``password`` matches ``stored``. A missing or malformed hash never matches, in
    the same time as a wrong password, so the answer does not tell whether the user exists."""
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True if ``stored`` was made with weaker settings than today's."""
    return _HASHER.check_needs_rehash(stored)
