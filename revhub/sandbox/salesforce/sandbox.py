"""The Salesforce sandbox: a Flask app answering the REST API the way an org does."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from flask import request

from revhub.money import exponent
from revhub.sandbox.clock import SandboxClock
from revhub.sandbox.common import FaultResponse, Sandbox
from revhub.sandbox.dataset import Dataset
from revhub.sandbox.salesforce import (
    routes_auth,
    routes_authorize,
    routes_composite,
    routes_control,
    routes_query,
    routes_sobjects,
    schema,
    seeding,
)
from revhub.sandbox.salesforce.auth import Credentials, Sessions
from revhub.sandbox.salesforce.errors import ApiError, limit_exceeded, not_found
from revhub.sandbox.salesforce.http import JSON_TYPE, error_response
from revhub.sandbox.salesforce.ids import IdFactory
from revhub.sandbox.salesforce.limits import ApiUsage
from revhub.sandbox.salesforce.outbound import DEFAULT_BACKOFF, MessageDefinition, OutboundMessenger
from revhub.sandbox.salesforce.query import QueryService
from revhub.sandbox.salesforce.store import Store
from revhub.sandbox.salesforce.values import parse_datetime

# Units of each org currency per US dollar (the corporate currency), as an admin keeps them.
CONVERSION_RATES = {"USD": Decimal("1"), "EUR": Decimal("0.92"), "GBP": Decimal("0.79"),
                    "JPY": Decimal("151.2")}
# The newest release the sandbox answers as (Summer '26); a newer version is a 404, as in an org.
LATEST_VERSION = "67.0"

_FAULTS = {
    "429": limit_exceeded(),
    "500": ApiError(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this "
                    "ErrorId if you contact support: 1234567890-12345 (-1234567890)"),
    "503": ApiError(503, "SERVER_UNAVAILABLE", "Server is unavailable. Please try again later."),
}


class SalesforceSandbox(Sandbox):
    """A local Salesforce org over REST (serve it with TLS: simple-salesforce is https-only).

    Default test credentials (override any with keyword settings):

    * connected app: ``client_id="3MVG9revhubSandboxConsumerKey"``,
      ``client_secret="revhub-sandbox-consumer-secret"``
    * user: ``username="integration@revhub.example"``, ``password="sandbox-password"``,
      ``security_token="SANDBOXSECURITYTOKEN"`` (the password grant takes password + token)
    * ``refresh_token="5Aep861revhubSandboxRefreshToken"`` for the refresh_token grant
    * ``access_token``: a session id that never expires, ``sandbox.sessions.static_token``
      (``<org id 15>!AQsandboxStaticSessionToken`` unless given)

    Other settings: ``daily_api_limit`` (100,000), ``min_version``/``max_version``
    ("31.0".."67.0"), ``session_timeout_seconds`` (7,200 idle), ``instance_url`` (else
    taken from the request host), ``outbound_backoff`` (seconds between delivery attempts),
    ``outbound_verify`` (CA path for https listeners), ``multi_currency`` (True; False makes
    a single-currency org: no CurrencyIsoCode fields, no CurrencyType or DatedConversionRate).
    """

    provider = "salesforce"

    def __init__(self, *, seed: int = 0, clock: SandboxClock | None = None,
                 daily_api_limit: int = 100_000, min_version: str = "31.0",
                 max_version: str = LATEST_VERSION, session_timeout_seconds: float = 7200.0,
                 instance_url: str | None = None,
                 outbound_backoff: tuple[float, ...] = DEFAULT_BACKOFF,
                 outbound_verify: bool | str = True, multi_currency: bool = True,
                 **credentials: str) -> None:
        super().__init__(seed=seed, clock=clock)
        self.creds = Credentials(**credentials)
        self.ids = IdFactory(seed)
        self.org_id = self.ids.make("00D", 1)
        self.user_id = self.ids.make("005", 1)
        self.instance_url = instance_url
        self.outbound_version = max_version
        low, high = int(float(min_version)), int(float(max_version))
        self.versions = [f"{n}.0" for n in range(low, high + 1)]
        self.daily_api_limit = daily_api_limit
        self.usage = ApiUsage(daily_api_limit, self.clock)
        self.sessions = Sessions(self.creds, self.org_id, self.user_id, self.clock,
                                 timeout_seconds=session_timeout_seconds, seed=seed)
        self.org = schema.MULTI_CURRENCY if multi_currency else schema.SINGLE_CURRENCY
        self.store = Store(self.ids, self.user_id, self.clock.now, self.org)
        self.queries = QueryService(self.store, self.clock)
        self.outbound = OutboundMessenger(self, outbound_backoff, outbound_verify)
        self._seed_org()
        for module in (routes_auth, routes_authorize, routes_query, routes_sobjects, routes_composite,
                       routes_control):
            module.register(self)
        self._install_error_pages()

    # -- public surface ------------------------------------------------------------------
    def load_dataset(self, ds: Dataset) -> None:
        """Create the data set's records directly (no HTTP), exactly as API creates would."""
        seeding.load(self.store, ds)

    def insert_records(self, sobject: str, records: list[dict],
                       system_modstamp: datetime | str | None = None) -> list[str]:
        """Create ``records`` (API-shaped field dicts) in one go, all or nothing.

        With ``system_modstamp`` every record gets that CreatedDate, LastModifiedDate and
        SystemModstamp (truncated to the second, as Salesforce stores them).
        """
        definition = self.org.sobject(sobject)
        if definition is None:
            raise not_found()
        stamp = system_modstamp
        if isinstance(stamp, str):
            stamp = parse_datetime(stamp)
            if stamp is None:
                raise ApiError(400, "INVALID_FIELD", f"bad system_modstamp {system_modstamp!r}")
        if stamp is not None:
            stamp = stamp.astimezone(UTC).replace(microsecond=0)
        ids = []
        with self.store.atomic() as tx:
            try:
                for record in records:
                    ids.append(self.store.create(definition.name, record, modstamp=stamp))
            except ApiError:
                tx.rollback()
                raise
        return ids

    def add_package_outbound_messages(self, url: str) -> list[MessageDefinition]:
        """The outbound messages of revhub's metadata package, delivered to ``url``."""
        return [self.add_outbound_message(m.sobject, list(m.fields), url, include_session_id=m.include_session_id)
                for m in schema.PACKAGE.outbound_messages]

    def add_outbound_message(self, sobject: str, fields: list[str], url: str,
                             include_session_id: bool = False) -> MessageDefinition:
        """Send create/update notifications for ``sobject`` with ``fields`` to ``url``."""
        definition = self.org.sobject(sobject)
        if definition is None:
            raise ValueError(f"unknown sObject {sobject!r}")
        unknown = [f for f in fields if definition.field(f) is None]
        if unknown or not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError(f"unknown fields {unknown} or bad url {url!r}")
        names = [definition.field(f).name for f in fields]
        return self.outbound.define(definition.name, names, url, include_session_id)

    def render_fault(self, kind: str) -> FaultResponse:
        error = _FAULTS[kind]
        headers = [("Content-Type", JSON_TYPE)]
        if kind == "429":
            headers.append(("Sforce-Limit-Info", self.usage.header()))
        return error.status, headers, error.body()

    def reset(self) -> None:
        """Forget all records, sessions, locators, outbound state and API usage."""
        super().reset()
        self.store.clear()
        self.queries.reset()
        self.sessions.reset()
        self.usage.reset()
        self.usage.max = self.daily_api_limit
        self.outbound.reset()
        self._seed_org()

    def close(self) -> None:
        """Stop the outbound delivery thread."""
        self.outbound.stop()

    # -- internals -----------------------------------------------------------------------
    def _seed_org(self) -> None:
        self.org_created = self.clock.now().replace(microsecond=0)
        table = self.store.tables["User"]
        now = self.org_created
        user = {name: None for name in table.definition.fields}
        user.update(Id=self.user_id, Name="Integration User", Username=self.creds.username,
                    Email=self.creds.username, IsActive=True, IsDeleted=False, CreatedDate=now,
                    LastModifiedDate=now, SystemModstamp=now, CreatedById=self.user_id,
                    LastModifiedById=self.user_id, attributes_type="User")
        table.position[self.user_id] = 0
        table.rows.append(user)
        if self.org.multi_currency:
            self._seed_currencies()

    def _seed_currencies(self) -> None:
        """The org's active currencies and one dated rate each, against the corporate currency."""
        for code in schema.ORG_CURRENCIES:
            rate = CONVERSION_RATES[code]
            self.store.create("CurrencyType", {
                "IsoCode": code, "ConversionRate": rate, "DecimalPlaces": exponent(code),
                "IsActive": True, "IsCorporate": code == schema.CORPORATE_CURRENCY})
            self.store.create("DatedConversionRate", {"IsoCode": code, "ConversionRate": rate,
                                                      "StartDate": self.org_created.date().isoformat()})

    def _install_error_pages(self) -> None:
        @self.flask.errorhandler(404)
        def missing(_exc):
            return error_response(not_found())

        @self.flask.errorhandler(405)
        def method_not_allowed(exc):
            allowed = ",".join(sorted(getattr(exc, "valid_methods", None) or []))
            return error_response(ApiError(405, "METHOD_NOT_ALLOWED", f"HTTP Method "
                                           f"'{request.method}' not allowed. Allowed are {allowed}"))
