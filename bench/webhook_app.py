"""The revhub app as ``revhub serve`` runs it, plus a bare endpoint that only answers 200, so
both are measured in the same app, server, worker configuration and logging.

The bare endpoint sits under ``/webhooks/`` so that the app treats it as it treats the
webhook routes (no console session, no browser headers): the difference between the two is
then exactly the verify-and-store work, not a middleware one side skips.

    python -m bench.webhook_app --port 8000 [--workers 2] [--threads N]
"""

from __future__ import annotations

import argparse

from revhub.app import create_app, csrf
from revhub.serving import RevhubServer, ServeOptions, serve

BARE_PATH = "/webhooks/bench-bare"


def build():
    app = create_app()

    @app.post(BARE_PATH)
    @csrf.exempt
    def bare():
        return "", 200

    return app


class BenchServer(RevhubServer):
    """``revhub serve``'s gunicorn settings, serving the app above."""

    def load(self):
        return build()


def main() -> None:
    defaults = ServeOptions(host="127.0.0.1", port=0)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument("--threads", type=int, default=defaults.threads)
    args = parser.parse_args()
    serve(ServeOptions(host="127.0.0.1", port=args.port, workers=args.workers, threads=args.threads),
          server=BenchServer)


if __name__ == "__main__":
    main()
