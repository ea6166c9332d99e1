"""`revhub report` and `revhub recon` on a store with a little history."""

import json

import pytest
from click.testing import CliRunner

from revhub.cli import main
from tests.recon.conftest import bank_receipt
from tests.sync.changes import apply

pytestmark = pytest.mark.store


@pytest.fixture
def revhub(database_url, tmp_path):
    env = {"REVHUB_DATABASE_URL": database_url, "REVHUB_HOME": str(tmp_path / "home")}
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


def test_ageing_lists_each_customers_open_amounts_by_bucket_as_exact_decimals(revhub, books):
    result = revhub("report", "ageing", "--as-of", "2026-12-20", "--format", "json")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert (row["currency"], row["1-30"], row["total"]) == ("EUR", "420.00", "420.00")


def test_recon_run_matches_then_report_matches_shows_the_rule_and_evidence(revhub, books):
    apply(books, "stripe", bank_receipt("py_1", 12000, "remittance INV-0043"))
    assert "1 matched" in revhub("recon", "run").output
    result = revhub("report", "matches", "--format", "csv")
    assert result.exit_code == 0, result.output
    header, row = result.output.strip().splitlines()
    assert header.startswith("match,receipt,kind,rule,invoices")
    assert ",reference," in row and "INV-0043" not in header


def test_a_period_that_is_not_a_month_is_refused_naming_the_option(revhub, books):
    result = revhub("report", "mrr", "--period", "2026-13")
    assert result.exit_code == 2
    assert "--period" in result.output and "YYYY-MM" in result.output


def test_reversing_an_unknown_match_is_refused_naming_it(revhub, books):
    result = revhub("recon", "reverse", "999", "--actor", "dana")
    assert result.exit_code == 2
    assert "no match with id 999" in result.output


def test_the_policy_is_shown_and_changed_from_the_cli_and_an_unknown_finding_refused(revhub, books):
    changed = revhub("recon", "policy", "--price-pct", "2.5", "--block", "duplicate", "--actor", "dana")
    assert changed.exit_code == 0, changed.output
    assert json.loads(changed.output)["blocking"] == ["duplicate"]
    assert json.loads(revhub("recon", "policy").output)["price_pct"] == "2.5"
    refused = revhub("recon", "policy", "--block", "late")
    assert refused.exit_code == 2 and "unknown finding late" in refused.output
