"""The demo seeds each reconciliation case: a typo'd reference matched, an exact one matched, a
receipt naming another customer's invoice queued with its candidate, a duplicate invoice flagged."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from revhub.config import load_config
from revhub.demo import first_sync, prepare
from revhub.demo_recon import seed_recon_cases
from revhub.recon.invoice_checks import KIND as CHECK_KIND
from revhub.recon.service import EXCEPTION_KIND
from revhub.reports.mrr import mrr
from revhub.reports.receivables import ageing
from revhub.reports.store_inputs import receivables, recurring
from revhub.store import ReconMatch, SyncException


def test_the_demo_shows_each_reconciliation_case(tmp_path):
    config = load_config(env={}, home=tmp_path / "home", secret_key="test-secret")
    db, vault, sandboxes = prepare(config, companies=6, seed=3)
    try:
        first_sync(db, vault)
        seed_recon_cases(db)
        with db.session() as s:
            rules = sorted(s.scalars(select(ReconMatch.rule)).all())
            queued = s.scalars(select(SyncException).where(SyncException.kind == EXCEPTION_KIND)).all()
            checks = s.scalars(select(SyncException).where(SyncException.kind == CHECK_KIND)).all()
            today = date.today()
            overdue = sum(r.total - r.buckets["current"] for r in ageing(receivables(s), today))
            moves = mrr(recurring(s), date(today.year - 1, today.month, 1), today)
    finally:
        sandboxes.stop()
        db.dispose()
    assert "reference:typo" in rules and "reference" in rules, (rules, [(e.message, e.payload) for e in queued])
    assert any(e.candidates for e in queued), [(e.message, e.candidates) for e in queued]
    assert overdue > 0  # an overdue invoice in the ageing
    assert any(m.new_minor for m in moves) and any(m.mrr_minor for m in moves)
    assert any("duplicate" in e.message or "looks like invoice" in e.message for e in checks), \
        [e.message for e in checks]
