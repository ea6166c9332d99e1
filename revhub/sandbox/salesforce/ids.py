"""Salesforce record ids: 15 case-sensitive characters plus a 3-character case checksum.

The first three characters are the object's key prefix (``001`` Account, ``a01`` a custom
object). The checksum encodes, for each 5-character block, which characters are upper case,
so the 18-character form survives case-insensitive systems.
"""

from __future__ import annotations

import itertools
import string
import threading

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_CHECKSUM_ALPHABET = string.ascii_uppercase + "012345"
_ID_CHARS = frozenset(string.ascii_letters + string.digits)


def checksum(id15: str) -> str:
    """The 3-character suffix that turns a 15-character id into the 18-character form."""
    suffix = []
    for block in range(3):
        bits = 0
        for position, char in enumerate(id15[block * 5:block * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix.append(_CHECKSUM_ALPHABET[bits])
    return "".join(suffix)


def to18(value: str) -> str | None:
    """The canonical 18-character id for a 15- or 18-character id, or None if malformed.

    An 18-character id whose suffix does not match its first 15 characters is malformed,
    as Salesforce treats it; an 18-character id differing only in case is the same record.
    """
    if not isinstance(value, str) or len(value) not in (15, 18) or not set(value) <= _ID_CHARS:
        return None
    if len(value) == 15:
        return value + checksum(value)
    # Restore the case of the first 15 characters from the checksum.
    head, suffix = value[:15], value[15:].upper()
    restored = []
    for block in range(3):
        if suffix[block] not in _CHECKSUM_ALPHABET:
            return None
        bits = _CHECKSUM_ALPHABET.index(suffix[block])
        for position, char in enumerate(head[block * 5:block * 5 + 5]):
            upper = bool(bits & (1 << position))
            if char.isalpha():
                restored.append(char.upper() if upper else char.lower())
            elif upper:
                return None
            else:
                restored.append(char)
    head = "".join(restored)
    return head + checksum(head)


class IdFactory:
    """Issues ids in creation order (so id order is insertion order), thread-safe.

    ``pod`` stands in for the two instance characters real ids carry; it is derived
    from the sandbox seed so two sandboxes in one test do not share ids.
    """

    def __init__(self, seed: int = 0) -> None:
        self.pod = _BASE62[10 + seed % 26] + _BASE62[(seed // 26) % 62]
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def new(self, prefix: str) -> str:
        with self._lock:
            n = next(self._counter)
        return self.make(prefix, n)

    def make(self, prefix: str, number: int) -> str:
        digits = []
        for _ in range(9):
            number, rest = divmod(number, 62)
            digits.append(_BASE62[rest])
        id15 = prefix + self.pod + "0" + "".join(reversed(digits))
        return id15 + checksum(id15)

    def reset(self) -> None:
        with self._lock:
            self._counter = itertools.count(1)
