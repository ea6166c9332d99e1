"""The web application: health, the console's front page, and errors as JSON."""

import pytest

from revhub.store import Customer
from tests.signin import sign_in

pytestmark = pytest.mark.store


def test_health_reports_the_store_at_the_expected_schema(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["schema_revision"] == response.json["expected_revision"]


def test_overview_asks_for_sign_in_first(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/"


def test_overview_shows_what_the_store_holds(client, db):
    with db.session(write=True) as s:
        s.add(Customer(name="Globex Systems Ltd", email="ap@globexsystems.example"))
    sign_in(client, db, "vic", "viewer")
    page = client.get("/").get_data(as_text=True)
    assert "<td>Customers</td><td class=\"num\">1</td>" in page
    assert "customer" in page and "create" in page


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json["error"] == "Not Found"


def test_health_is_503_when_the_schema_is_behind(tmp_path):
    from revhub.app import create_app
    from revhub.config import load_config

    config = load_config(env={}, home=tmp_path, database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    response = create_app(config).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["schema_revision"] is None
