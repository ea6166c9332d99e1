"""Connections shown with every secret redacted (at any depth); credentials given from a file
or a hidden prompt, so they stay out of ps and shell history."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from revhub.cli import main
from revhub.connections import Vault
from revhub.redaction import redact
from revhub.store import Connection

pytestmark = pytest.mark.store

SIGNING = "whsec_9fQ2mK7xR4tLp8vN3cZ6bW1yH5jD0sAe"
ROTATED = "whsec_Zk3Lq8Tr2Vn6Wm1Xp9Yc4Bd7Fg0Hj5Ks"
API_KEY = "rk_test_51Hx9aQ2bR3cS4dT5eU6fV7gW8hX9iY0jZ"


@pytest.fixture
def revhub(config, database_url):
    env = {"REVHUB_HOME": str(config.home), "REVHUB_DATABASE_URL": database_url,
           "REVHUB_ENCRYPTION_KEY": config.encryption_key}
    return lambda *args, input=None: CliRunner().invoke(main, list(args), env=env, input=input)


def stored(db, config, name):
    with db.session() as s:
        row = s.scalar(select(Connection).where(Connection.name == name))
        return Vault(config.encryption_key).open(row.credentials)


def test_secrets_are_redacted_at_any_depth_and_by_shape():
    shown = redact({"api_key": API_KEY, "webhook_secrets": [SIGNING, ROTATED], "client_id": "ABC123DEF456GHI789",
                    "oauth": {"refresh_token": "rt-0123456789abcdef", "scopes": ["a", "b"]},
                    "endpoints": [{"url": "https://x.example/hook", "signing_secret": SIGNING}],
                    "note": f"pasted {API_KEY}", "expires_at": 1790000000, "password": 12345678})
    text = json.dumps(shown)
    for secret in (API_KEY, SIGNING, ROTATED, "rt-0123456789abcdef", "12345678"):
        assert secret not in text, secret
    assert shown["client_id"] == "ABC123DEF456GHI789" and shown["expires_at"] == 1790000000
    assert shown["webhook_secrets"] == ["…bDAe".replace("bDAe", SIGNING[-4:]), "…" + ROTATED[-4:]]
    assert shown["endpoints"][0]["url"] == "https://x.example/hook"
    assert shown["oauth"]["scopes"] == ["…", "…"]  # under a secret-named key, everything is hidden


def test_connections_list_never_prints_a_secret_held_in_a_list(revhub, db, config, tmp_path):
    creds = tmp_path / "stripe.json"
    creds.write_text(json.dumps({"api_key": API_KEY, "webhook_secrets": [SIGNING, ROTATED]}))
    added = revhub("connections", "add", "stripe", "--provider", "stripe", "--credentials-file", str(creds),
                   "--setting", "base_url=http://127.0.0.1:1")
    assert added.exit_code == 0, added.output
    listed = revhub("connections", "list")
    assert listed.exit_code == 0, listed.output
    assert "stripe" in listed.output
    for secret in (API_KEY, SIGNING, ROTATED):
        assert secret not in listed.output
    assert stored(db, config, "stripe") == {"api_key": API_KEY, "webhook_secrets": [SIGNING, ROTATED]}


def test_a_credential_from_a_file_or_a_hidden_prompt_is_stored_without_a_warning(revhub, db, config, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(API_KEY + "\n")
    added = revhub("connections", "add", "stripe", "--provider", "stripe", "--credential", f"api_key=@{key_file}",
                   "--credential", "webhook_key=-", input=SIGNING + "\n")
    assert added.exit_code == 0, added.output
    assert "warning" not in added.stderr and SIGNING not in added.output
    assert stored(db, config, "stripe") == {"api_key": API_KEY, "webhook_key": SIGNING}


def test_a_secret_given_inline_still_works_with_a_warning(revhub, db, config):
    added = revhub("connections", "add", "stripe", "--provider", "stripe", "--credential", f"api_key={API_KEY}",
                   "--credential", "client_id=not-a-secret")
    assert added.exit_code == 0, added.output
    assert "api_key=@FILE" in added.stderr and "client_id" not in added.stderr
    assert stored(db, config, "stripe")["api_key"] == API_KEY


@pytest.mark.parametrize("args, message", [
    (["--credential", "api_key=@/nonexistent/key"], "cannot read /nonexistent/key"),
    (["--credentials-file", "/nonexistent/creds.json"], "cannot read"),
    (["--credential", "api_key"], "NAME=@FILE"),
])
def test_unreadable_credentials_are_refused_naming_the_option(revhub, args, message):
    result = revhub("connections", "add", "stripe", "--provider", "stripe", *args)
    assert result.exit_code == 2 and message in result.output
    assert "--credential" in result.output and "Traceback" not in result.output
