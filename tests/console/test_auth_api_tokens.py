"""The PO API's bearer tokens: named, per user or integration, hashed at rest, revocable; the
Authorization header parsed as RFC 6750/9110 say (issue 17 item 13)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from revhub.console import tokens
from revhub.console.api_auth import current_api_principal
from revhub.store import ApiToken, AuditEntry
from tests.signin import ensure_user

pytestmark = pytest.mark.store

URL = "/api/purchase-orders/00000000-0000-0000-0000-000000000000"


def _token(db, name="erp", user=None) -> str:
    with db.session(write=True) as s:
        return tokens.create(s, name, actor="test", source="test", user=user)[1]


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_case_insensitive(client, config, scheme):
    response = client.get(URL, headers={"Authorization": f"{scheme} {config.api_token}"})
    assert response.status_code == 404  # authenticated; the PO does not exist


@pytest.mark.parametrize("header", [None, "", "{token}", "Basic {token}", "Bearer", "Bearer a b", "Token {token}"])
def test_a_header_without_the_bearer_scheme_is_a_401_saying_how(client, config, header):
    headers = {} if header is None else {"Authorization": header.format(token=config.api_token)}
    response = client.get(URL, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="revhub"')
    assert "Bearer" in response.json["error"]


def test_a_named_integration_token_works_and_is_stored_only_as_a_hash(app, client, db):
    secret = _token(db, "erp-prod")
    assert client.get(URL, headers={"Authorization": f"Bearer {secret}"}).status_code == 404
    with db.session() as s:
        row = s.scalars(select(ApiToken)).one()
        assert secret not in (row.token_hash, row.prefix) and row.token_hash == tokens.digest(secret)
        assert row.last_used_at is not None
    with app.test_request_context(headers={"Authorization": f"Bearer {secret}"}):
        from revhub.console.api_auth import authenticate_api_request

        assert authenticate_api_request() is None
        principal = current_api_principal()
        assert (principal.kind, principal.name, principal.actor) == ("integration", "erp-prod", "integration:erp-prod")


def test_a_user_token_speaks_for_its_user_until_revoked_or_the_user_is_disabled(app, client, db):
    ensure_user(db, "paula", "approver")
    secret = _token(db, "paula-laptop", user="paula")
    with app.test_request_context(headers={"Authorization": f"bearer {secret}"}):
        from revhub.console.api_auth import authenticate_api_request

        assert authenticate_api_request() is None
        assert current_api_principal().actor == "user:paula" and current_api_principal().role == "approver"
    with db.session(write=True) as s:
        tokens.revoke(s, "paula-laptop", actor="test", source="test")
    refused = client.get(URL, headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["WWW-Authenticate"]

    again = _token(db, "paula-2", user="paula")
    from revhub.console import users

    with db.session(write=True) as s:
        users.disable(s, "paula", actor="test", source="test")
    assert client.get(URL, headers={"Authorization": f"Bearer {again}"}).status_code == 401
    with db.session() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "api_token")).all()
    assert actions.count("token_create") == 2 and "token_revoke" in actions


def test_the_installation_token_still_works_but_is_marked_deprecated(client, config):
    response = client.get(URL, headers={"Authorization": f"Bearer {config.api_token}"})
    assert response.status_code == 404 and response.headers["Deprecation"] == "true"


def test_a_wrong_token_is_refused(client, db):
    _token(db)
    response = client.get(URL, headers={"Authorization": "Bearer rh_not-a-real-token"})
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_the_tokens_cli_adds_lists_and_revokes_and_prints_the_secret_once(database_url, tmp_path, client, db):
    from click.testing import CliRunner

    from revhub.cli import main

    env = {"REVHUB_DATABASE_URL": database_url, "REVHUB_HOME": str(tmp_path / "home")}

    def revhub(*args):
        return CliRunner().invoke(main, list(args), env=env)

    ensure_user(db, "paula", "approver")
    added = revhub("tokens", "add", "paula-laptop", "--user", "paula")
    assert added.exit_code == 0, added.output
    secret = added.output.split()[-1]
    assert secret.startswith("rh_")
    assert client.get(URL, headers={"Authorization": f"Bearer {secret}"}).status_code == 404
    listed = revhub("tokens", "list").output
    assert "paula-laptop" in listed and "paula" in listed and secret not in listed and "active" in listed
    assert "REVHUB_API_TOKEN" in listed and "deprecated" in listed
    assert revhub("tokens", "add", "paula-laptop").exit_code == 2
    nobody = revhub("tokens", "add", "x", "--user", "nobody")
    assert nobody.exit_code == 2 and "user: no user 'nobody'" in nobody.output
    assert revhub("tokens", "revoke", "paula-laptop").exit_code == 0
    assert "revoked" in revhub("tokens", "list").output
    assert client.get(URL, headers={"Authorization": f"Bearer {secret}"}).status_code == 401
