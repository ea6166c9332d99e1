"""Where an incremental Xero read stands, in Xero's (``UpdatedDateUTC``, ID) order.

Xero filters only by ``If-Modified-Since`` (at or after a time) and pages by number; its
``where`` cannot say "after this ID". So the position is the query's time (the newest
timestamp read, less a tick), the last record read, and how many records at that newest
timestamp were read. The next read asks for the page holding that last record and skips
through it, instead of reading again every record sharing the timestamp: with thousands of
invoices stamped by one bulk change, that is one call per run rather than one per page.

If the last record is not where it was (it was changed since, and moved to the end of the
order), the whole query is read again from its first page; the store de-duplicates.
A record stamped with the very same millisecond as the last one read, but committed after
the read and ordered before it by ID, is not seen until it changes again: Xero gives no way
to ask for it, and the same gap exists in any timestamp cursor without an overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from revhub.connectors.xero import normalize

TICK = timedelta(milliseconds=1)


@dataclass
class Position:
    since: datetime | None = None   # If-Modified-Since of the current query
    after_id: str | None = None     # the last record read (lower case)
    same: int = 0                   # records read at ``since + TICK``, ``after_id`` included

    @classmethod
    def from_cursor(cls, cursor: dict[str, Any] | None) -> Position:
        """The position a stored cursor stands for (an older cursor has no ``after_id``)."""
        if not cursor or not cursor.get("modified_since"):
            return cls()
        since = datetime.fromisoformat(cursor["modified_since"])
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        after_id = cursor.get("after_id")
        return cls(since, after_id.lower() if after_id else None, int(cursor.get("same") or 0))

    def as_cursor(self) -> dict[str, Any]:
        return {"modified_since": self.since.isoformat() if self.since else None,
                "after_id": self.after_id, "same": self.same}

    def page_to_ask(self, size: int | None) -> int:
        """The page of the current query holding the last record read (1 when none)."""
        if not self.after_id or not size or self.same < 1:
            return 1
        return (self.same - 1) // size + 1

    def unread(self, objects: list[dict], id_field: str, page: int, size: int | None) -> list[dict] | None:
        """``objects`` after the last record read; None when it is not on this page."""
        if not self.after_id:
            return objects
        # The last record read, still with the stamp it was read at (changed since, it is unread).
        stamp = self.since + TICK if self.since else None
        ids = [str(o.get(id_field, "")).lower()
               if normalize.parse_date(o.get("UpdatedDateUTC")) == stamp else None for o in objects]
        expected = self.same - 1 - (page - 1) * (size or 0)
        if 0 <= expected < len(ids) and ids[expected] == self.after_id:
            return objects[expected + 1:]
        if self.after_id in ids:  # records before it moved to the end of the order
            return objects[ids.index(self.after_id) + 1:]
        return None

    def restart(self) -> None:
        """Read the current query again from its first record."""
        self.after_id, self.same = None, 0

    def advance(self, objects: list[dict], id_field: str) -> bool:
        """Take in ``objects`` (read in order); True when the query's time moved on."""
        newest = self.since + TICK if self.since else None
        for obj in objects:
            stamp = normalize.parse_date(obj.get("UpdatedDateUTC"))
            if stamp is None:
                continue
            self.same = self.same + 1 if stamp == newest else 1
            newest, self.after_id = stamp, str(obj[id_field]).lower()
        if newest is None or (self.since is not None and newest - TICK == self.since):
            return False
        self.since = newest - TICK
        return True
