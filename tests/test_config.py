"""Configuration from REVHUB_* variables with safe defaults."""

import pytest

from revhub.config import ConfigError, load_config


def test_defaults_put_an_sqlite_store_in_the_instance_folder(tmp_path):
    config = load_config(env={"REVHUB_HOME": str(tmp_path)})
    assert config.database_url == f"sqlite:///{tmp_path / 'revhub.db'}"
    assert (config.host, config.port) == ("127.0.0.1", 8080)


def test_a_generated_secret_key_is_kept_across_restarts(tmp_path):
    first = load_config(env={"REVHUB_HOME": str(tmp_path)})
    second = load_config(env={"REVHUB_HOME": str(tmp_path)})
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_environment_overrides_defaults(tmp_path):
    config = load_config(env={"REVHUB_HOME": str(tmp_path), "REVHUB_SECRET_KEY": "s3cret",
                              "REVHUB_DATABASE_URL": "postgresql+psycopg://db/revhub",
                              "REVHUB_PORT": "9000"})
    assert (config.secret_key, config.database_url, config.port) == (
        "s3cret", "postgresql+psycopg://db/revhub", 9000)


def test_a_malformed_number_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="REVHUB_PORT"):
        load_config(env={"REVHUB_HOME": str(tmp_path), "REVHUB_PORT": "eighty"})


def test_a_malformed_encryption_key_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="REVHUB_ENCRYPTION_KEY"):
        load_config(env={"REVHUB_HOME": str(tmp_path), "REVHUB_ENCRYPTION_KEY": "short"})
