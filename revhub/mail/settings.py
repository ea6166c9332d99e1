"""SMTP settings from the environment.

``REVHUB_SMTP_HOST`` (required to send), ``REVHUB_SMTP_PORT`` (587 for starttls, 465 for ssl,
25 otherwise), ``REVHUB_SMTP_SECURITY`` (``starttls`` | ``ssl`` | ``none``; default starttls),
``REVHUB_SMTP_USERNAME`` / ``REVHUB_SMTP_PASSWORD`` (log in when a username is set),
``REVHUB_SMTP_FROM`` (the sender address), ``REVHUB_SMTP_TIMEOUT`` (seconds, default 30).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from revhub.config import ConfigError

SECURITY_MODES = ("starttls", "ssl", "none")
_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"
    username: str = ""
    password: str = ""
    sender: str = "revhub@localhost"
    timeout: float = 30.0

    def __repr__(self) -> str:  # the password never reaches a log line
        return (f"SmtpSettings(host={self.host!r}, port={self.port}, security={self.security!r}, "
                f"username={self.username!r}, sender={self.sender!r})")


def smtp_settings(environ: Mapping[str, str] | None = None) -> SmtpSettings:
    """Read ``REVHUB_SMTP_*``; raise ``ConfigError`` naming the variable that is missing or wrong."""
    env = os.environ if environ is None else environ
    host = env.get("REVHUB_SMTP_HOST", "").strip()
    if not host:
        raise ConfigError("REVHUB_SMTP_HOST is not set: no SMTP server to send mail through")
    security = env.get("REVHUB_SMTP_SECURITY", "starttls").strip().lower() or "starttls"
    if security not in SECURITY_MODES:
        raise ConfigError(f"REVHUB_SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}, not {security!r}")
    try:
        port = int(env.get("REVHUB_SMTP_PORT") or _DEFAULT_PORTS[security])
        timeout = float(env.get("REVHUB_SMTP_TIMEOUT") or 30)
    except ValueError as exc:
        raise ConfigError(f"REVHUB_SMTP_PORT / REVHUB_SMTP_TIMEOUT must be numbers: {exc}") from None
    if not 0 < port < 65536:
        raise ConfigError(f"REVHUB_SMTP_PORT must be 1..65535, not {port}")
    return SmtpSettings(host=host, port=port, security=security,
                        username=env.get("REVHUB_SMTP_USERNAME", ""), password=env.get("REVHUB_SMTP_PASSWORD", ""),
                        sender=env.get("REVHUB_SMTP_FROM", "") or "revhub@localhost", timeout=timeout)
