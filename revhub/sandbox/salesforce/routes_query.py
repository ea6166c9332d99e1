"""Query, queryAll, query locators, limits, and the version/resource discovery routes.

https://developer.salesforce.com/docs/platform/api-rest/guide/resources-query.html
"""

from __future__ import annotations

from flask import request

from revhub.sandbox.salesforce.errors import ApiError
from revhub.sandbox.salesforce.http import api_route, reject_unknown_params, respond
from revhub.sandbox.salesforce.query import batch_size

_SEASONS = ("Winter", "Spring", "Summer")


def version_label(version: str) -> str:
    """Release name of an API version: 59.0 is Winter '24, three releases a year."""
    k = int(version.split(".")[0]) - 59
    return f"{_SEASONS[k % 3]} '{24 + k // 3:02d}"


def register(sandbox) -> None:
    app = sandbox.flask
    api = api_route(sandbox)

    @app.get("/services/data", strict_slashes=False)
    def versions():
        # The one REST resource that needs no session and carries no Sforce-Limit-Info.
        return respond([{"label": version_label(v), "url": f"/services/data/v{v}", "version": v}
                        for v in sandbox.versions])

    @app.get("/services/data/v<version>", strict_slashes=False)
    @api
    def resources(version):
        base = f"/services/data/v{version}"
        names = ("sobjects", "query", "queryAll", "limits", "composite")
        return respond({name: f"{base}/{name}" for name in names})

    @app.get("/services/data/v<version>/limits", strict_slashes=False)
    @api
    def limits(version):
        used = sandbox.usage.used()
        return respond({"DailyApiRequests": {"Max": sandbox.usage.max,
                                             "Remaining": sandbox.usage.max - used}})

    def run(version: str, include_deleted: bool):
        reject_unknown_params({"q", "explain"})
        if "explain" in request.args:
            raise ApiError(400, "MALFORMED_QUERY", "explain is not supported by this sandbox")
        soql = request.args.get("q")
        if soql is None or not soql.strip():
            raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
        size = batch_size(request.headers.get("Sforce-Query-Options"))
        return respond(sandbox.queries.run(soql, include_deleted=include_deleted, batch=size,
                                           version=version))

    @app.get("/services/data/v<version>/query", strict_slashes=False)
    @api
    def query(version):
        return run(version, False)

    @app.get("/services/data/v<version>/queryAll", strict_slashes=False)
    @api
    def query_all(version):
        return run(version, True)

    @app.get("/services/data/v<version>/query/<locator>", strict_slashes=False)
    @app.get("/services/data/v<version>/queryAll/<locator>", strict_slashes=False,
             endpoint="query_all_more")
    @api
    def query_more(version, locator):
        reject_unknown_params(set())
        return respond(sandbox.queries.more(locator, version))
