"""The sync runner: provider pages committed a few at a time, each group with the cursor
that covers it; a connector failure keeps what had arrived whole."""

import pytest
from sqlalchemy import func, select

from revhub.connectors.base import Page
from revhub.connectors.errors import RetriableError
from revhub.store import Customer, SyncCursor
from revhub.sync.runner import GROUP_RECORDS, run_sync
from tests.sync.changes import customer

pytestmark = pytest.mark.store


class ListedConnector:
    """Pages of customers as a connector yields them, optionally failing after some."""

    def __init__(self, pages: int, per_page: int = 100, fail_after: int | None = None) -> None:
        self.pages, self.per_page, self.fail_after = pages, per_page, fail_after

    def pull(self, entity, cursor, full=False):
        for n in range(self.pages):
            if self.fail_after is not None and n == self.fail_after:
                raise RetriableError("connection dropped", provider="stripe")
            changes = [customer(f"cus_{n}_{i}", "1", email=f"ap{n}.{i}@example.com", tax_id=None)
                       for i in range(self.per_page)]
            yield Page(changes, {"page": n}, api_calls=1)


def counts(db):
    with db.session() as s:
        return (s.scalar(select(func.count()).select_from(Customer)),
                s.scalar(select(SyncCursor.value)))


def test_pages_are_committed_in_groups_with_the_cursor_of_the_last_page(connections):
    commits = []
    summary = run_sync(connections, ListedConnector(pages=12), "stripe", "customer",
                       on_page=lambda s: commits.append(s.fetched))
    assert summary.status == "succeeded" and summary.api_calls == 12
    assert commits == [GROUP_RECORDS, 2 * GROUP_RECORDS, 1200]  # 5 + 5 + 2 pages of 100
    assert counts(connections) == (1200, {"page": 11})


def test_pages_that_arrived_before_a_failure_are_kept_with_their_cursor(connections):
    summary = run_sync(connections, ListedConnector(pages=12, fail_after=7), "stripe", "customer")
    assert summary.status == "failed" and "stopped" in summary.note
    assert counts(connections) == (700, {"page": 6})
