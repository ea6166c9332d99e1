"""``POST /services/oauth2/token``: username-password, refresh-token and client-credentials.

https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flows.htm
"""

from __future__ import annotations

from flask import request

from revhub.sandbox.salesforce.http import respond


def register(sandbox) -> None:
    @sandbox.flask.post("/services/oauth2/token")
    def token():
        if request.mimetype != "application/x-www-form-urlencoded":
            return respond({"error": "invalid_request",
                            "error_description": "must use application/x-www-form-urlencoded"}, 400)
        instance_url = sandbox.instance_url or request.host_url.rstrip("/")
        status, body = sandbox.sessions.grant(request.form.to_dict(), instance_url)
        response = respond(body, status)
        response.headers["Cache-Control"] = "no-cache,must-revalidate,max-age=0,no-store,private"
        return response
