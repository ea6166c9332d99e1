"""The WSGI entry point of a checkout: ``gunicorn app:app`` or ``flask --app app run``.

The application is built from ``REVHUB_*`` environment variables (see the README); the code
stays in the ``revhub`` package. ``revhub serve`` is the same application under gunicorn with
revhub's settings (workers, graceful stop, multi-process metrics, JSON logs).
"""

from revhub import logs
from revhub.app import create_app

logs.quiet_sdks()
app = create_app()
