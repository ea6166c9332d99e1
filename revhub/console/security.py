"""Browser-facing protections: security headers on every response to a browser-facing route
(not on provider callbacks, ``MACHINE_PREFIXES``), the session cookie's flags, and redirect
targets that cannot leave the site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Request, request
from flask.sessions import SecureCookieSessionInterface

# No inline script or style anywhere: templates load /static files only.
CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


# Provider callbacks: a server calls them, never a browser, so there is no session to open and
# no page to protect; they are also the hottest routes (every webhook delivery).
MACHINE_PREFIXES = ("/webhooks/",)


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over https."""

    def open_session(self, app: Flask, request: Request):
        if request.path.startswith(MACHINE_PREFIXES):
            return self.make_null_session(app)  # no cookie read, no signer built
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def install(app: Flask) -> None:
    """Cookie flags and the header hook, on ``app``."""
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_NAME"] = "revhub_session"
    app.session_interface = SessionCookies()

    @app.after_request
    def _headers(response):
        if request.path.startswith(MACHINE_PREFIXES):
            return response  # browser protections mean nothing to a provider's HTTP client
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # Console pages carry personal data: never kept in a shared cache.
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def safe_next(target: object, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default``.

    Parsed, not prefix-matched: browsers drop tabs and newlines and read ``\\`` as ``/``, so
    ``/\\t/evil.example`` or ``/\\evil.example`` would become ``//evil.example``, another host.
    """
    if not isinstance(target, str) or not target or len(target) > 2048:
        return default
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target) or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def client_ip(req: Request | None = None) -> str:
    """The caller's address as the WSGI server saw it (a proxy in front sets ProxyFix)."""
    return ((req or request).remote_addr or "unknown")[:64]
