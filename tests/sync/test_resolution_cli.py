"""`revhub conflicts`: an admin lists open conflicts and settles one from the terminal."""

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from revhub.cli import main
from revhub.store import Conflict, Customer

pytestmark = pytest.mark.store


@pytest.fixture
def revhub(database_url, tmp_path):
    env = {"REVHUB_DATABASE_URL": database_url, "REVHUB_HOME": str(tmp_path / "home")}
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


def test_open_conflicts_are_listed_with_base_and_both_values(revhub, conflict_id):
    result = revhub("conflicts", "list")
    assert result.exit_code == 0, result.output
    assert f"#{conflict_id} customer" in result.output
    assert '"ap@acmelabs.example"' in result.output  # the base
    assert 'salesforce "finance@acmelabs.example" (current)' in result.output
    assert 'xero "payables@acmelabs.example" (incoming)' in result.output


def test_a_conflict_is_resolved_with_the_value_given_as_json(revhub, conflict_id, db):
    result = revhub("conflicts", "resolve", str(conflict_id), "--take", "value", "--value", '"ap@acme.example"',
                    "--actor", "cli:dana")
    assert result.exit_code == 0, result.output
    with db.session() as s:
        assert s.scalar(select(Customer.email)) == "ap@acme.example"
        assert s.get(Conflict, conflict_id).resolved_by == "cli:dana"


def test_a_value_that_is_not_json_is_refused_naming_the_option(revhub, conflict_id):
    result = revhub("conflicts", "resolve", str(conflict_id), "--take", "value", "--value", "ap@acme.example")
    assert result.exit_code == 2 and "--value" in result.output and "not JSON" in result.output


def test_an_unknown_conflict_is_a_clear_error(revhub, conflict_id):
    result = revhub("conflicts", "resolve", "999999", "--take", "current")
    assert result.exit_code == 1 and "no conflict with id 999999" in result.output
