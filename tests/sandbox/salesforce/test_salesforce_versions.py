"""API versions: revhub's pinned version is served; a version the org does not have is a 404."""

from __future__ import annotations

import pytest

from revhub.connectors.salesforce.client import SalesforceAPI
from revhub.connectors.salesforce.settings import API_VERSION

NOT_FOUND = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]


def test_the_org_lists_the_version_revhub_pins(http, base_url):
    versions = http.get(f"{base_url}/services/data/").json()
    assert {"label": "Summer '26", "url": f"/services/data/v{API_VERSION}", "version": API_VERSION} in versions


def test_revhubs_client_speaks_the_pinned_version_by_default(sandbox, base_url, ca_path):
    api = SalesforceAPI({"access_token": sandbox.sessions.static_token}, base_url, ca_bundle=ca_path)
    assert api.sf.base_url.endswith(f"/services/data/v{API_VERSION}/")
    assert api.query_page("SELECT Id FROM Account")["done"] is True


@pytest.mark.parametrize("version", ["68.0", "62", "62.5", "abc"])
def test_a_version_the_org_does_not_serve_is_a_404_in_salesforces_error_shape(http, base_url, sandbox, version):
    answer = http.get(f"{base_url}/services/data/v{version}/limits/",
                      headers={"Authorization": f"Bearer {sandbox.sessions.static_token}"})
    assert answer.status_code == 404
    assert sorted(answer.json()[0].items()) == sorted(NOT_FOUND[0].items())
