"""The revhub app as gunicorn serves it in the webhook benchmark, plus a bare endpoint that
only answers 200, so both are measured in the same app and server."""

from revhub.app import create_app, csrf

app = create_app()


@app.post("/bench/bare")
@csrf.exempt
def bare():
    return "", 200
