"""JSON typed by a person (console form, CLI option, file) nested too deep is refused, never a crash."""

import pytest
from click.testing import CliRunner

from revhub.cli import main

DEEP = "[" * 50_000 + "]" * 50_000


@pytest.fixture
def revhub(database_url, tmp_path):
    env = {"REVHUB_DATABASE_URL": database_url, "REVHUB_HOME": str(tmp_path / "home")}
    return lambda *args, input=None: CliRunner().invoke(main, list(args), env=env, input=input)


@pytest.mark.store
def test_a_po_file_nested_too_deep_is_refused_naming_the_file(revhub, tmp_path):
    path = tmp_path / "po.json"
    path.write_text(DEEP)
    result = revhub("po", "submit", str(path))
    assert result.exit_code == 2
    assert "not JSON" in result.output and "Traceback" not in result.output


@pytest.mark.store
def test_a_conflict_value_nested_too_deep_is_refused_naming_the_option(revhub, conflict_id):
    result = revhub("conflicts", "resolve", str(conflict_id), "--take", "value", "--value", DEEP, "--actor", "dana")
    assert result.exit_code == 2
    assert "--value" in result.output
