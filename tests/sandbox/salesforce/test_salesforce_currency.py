"""Multi-currency is revhub's prerequisite: the sandbox org has it (or, on request, not), and
`revhub connections add` refuses a single-currency org before anything is stored."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest
from sqlalchemy import select

from revhub.cli import main
from revhub.sandbox.salesforce import SalesforceSandbox
from revhub.sandbox.server import SandboxServer
from revhub.sandbox.tls import server_ssl_context
from revhub.store import Connection

from .conftest import API_VERSION, account


@pytest.fixture(scope="module")
def single_served(tls_dir):
    sandbox = SalesforceSandbox(seed=3, multi_currency=False)
    server = SandboxServer(sandbox, ssl_context=server_ssl_context(tls_dir)).start()
    yield sandbox, server
    server.stop()
    sandbox.close()


@pytest.fixture
def single_sf(single_served, http) -> Salesforce:
    sandbox, server = single_served
    sandbox.reset()
    return Salesforce(instance_url=server.url, session_id=sandbox.sessions.static_token,
                      version=API_VERSION, session=http)


def test_the_org_lists_its_currencies_with_rates_and_decimal_places(sf):
    rows = sf.query("SELECT IsoCode, ConversionRate, DecimalPlaces, IsCorporate FROM CurrencyType "
                    "WHERE IsActive = true ORDER BY IsoCode")["records"]
    assert [(r["IsoCode"], r["DecimalPlaces"], r["IsCorporate"]) for r in rows] == [
        ("EUR", 2, False), ("GBP", 2, False), ("JPY", 0, False), ("USD", 2, True)]


def test_dated_conversion_rates_are_queryable_and_open_ended(sf):
    rows = sf.query("SELECT IsoCode, ConversionRate, StartDate, NextStartDate FROM DatedConversionRate "
                    "WHERE IsoCode = 'EUR'")["records"]
    assert [(r["ConversionRate"], r["NextStartDate"]) for r in rows] == [(0.92, "9999-12-31")]


def test_a_single_currency_org_has_no_currency_field_on_accounts(single_sf):
    assert "CurrencyIsoCode" not in {f["name"] for f in single_sf.Account.describe()["fields"]}


def test_a_single_currency_org_refuses_a_currency_on_a_write_as_salesforce_does(single_sf):
    with pytest.raises(SalesforceMalformedRequest) as refused:
        single_sf.Account.create(account())
    assert refused.value.content == [{"message": "No such column 'CurrencyIsoCode' on sobject of type Account",
                                      "errorCode": "INVALID_FIELD"}]


def test_a_single_currency_org_has_no_currency_types_to_query(single_sf):
    with pytest.raises(SalesforceMalformedRequest) as refused:
        single_sf.query("SELECT IsoCode FROM CurrencyType")
    assert refused.value.content[0]["errorCode"] == "INVALID_TYPE"


@pytest.fixture
def revhub(database_url, tmp_path, ca_path):
    env = {"REVHUB_DATABASE_URL": database_url, "REVHUB_HOME": str(tmp_path / "home")}

    def run(url: str, token: str):
        return CliRunner().invoke(main, [
            "connections", "add", "crm", "--provider", "salesforce", "--credential", f"access_token={token}",
            "--setting", f"instance_url={url}", "--setting", f"ca_bundle={ca_path}"], env=env)
    return run


@pytest.mark.store
def test_connecting_a_single_currency_org_is_refused_naming_the_prerequisite(revhub, single_served, db):
    sandbox, server = single_served
    result = revhub(server.url, sandbox.sessions.static_token)
    assert result.exit_code == 1
    assert "single-currency" in result.output and "Activate Multiple Currencies" in result.output
    with db.session() as s:
        assert s.scalars(select(Connection)).all() == []


@pytest.mark.store
def test_connecting_a_multi_currency_org_saves_it_and_names_its_currencies(revhub, served, sandbox, db):
    result = revhub(served[1].url, sandbox.sessions.static_token)
    assert result.exit_code == 0, result.output
    assert "multi-currency (EUR, GBP, JPY, USD)" in result.output
    with db.session() as s:
        [connection] = s.scalars(select(Connection)).all()
    assert (connection.name, connection.settings["currencies"]) == ("crm", ["EUR", "GBP", "JPY", "USD"])
