"""Configuration from ``REVHUB_*`` environment variables, with safe defaults.

Secrets that are not given are generated once and kept in the instance folder, so a
restart does not log everybody out or make stored credentials unreadable.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Config:
    home: Path
    database_url: str
    secret_key: str
    encryption_key: str
    host: str = "127.0.0.1"
    port: int = 8080
    webhook_max_body_bytes: int = 1024 * 1024
    api_token: str = ""
    # POs above this total (major units of the PO's currency) wait for a named approver.
    approval_threshold: str = "10000"
    # Seconds one provider call may take (REVHUB_CALL_TIMEOUT; a connection's timeout_seconds wins).
    call_timeout: float = 30.0
    extra: dict = field(default_factory=dict)

    def as_flask(self) -> dict:
        """The subset Flask and its extensions read from ``app.config``."""
        return {
            "SECRET_KEY": self.secret_key,
            "MAX_CONTENT_LENGTH": self.webhook_max_body_bytes,
            "REVHUB": self,
        }


def _kept_secret(home: Path, name: str, make) -> str:
    path = home / name
    if path.exists():
        return path.read_text().strip()
    home.mkdir(mode=0o700, parents=True, exist_ok=True)  # the store and its keys: the owner's alone
    value = make()
    # O_EXCL: two processes starting at once must not each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 < value < float("inf"):
        raise ConfigError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


def load_config(env: Mapping[str, str] | None = None, **overrides) -> Config:
    """Build the configuration from ``env`` (default: ``os.environ``) and explicit overrides."""
    env = os.environ if env is None else env
    home = Path(overrides.pop("home", None) or env.get("REVHUB_HOME") or "instance").resolve()
    database_url = overrides.pop("database_url", None) or env.get("REVHUB_DATABASE_URL") or (
        f"sqlite:///{home / 'revhub.db'}"
    )
    secret_key = overrides.pop("secret_key", None) or env.get("REVHUB_SECRET_KEY") or _kept_secret(
        home, "secret_key", lambda: secrets.token_urlsafe(48)
    )
    encryption_key = overrides.pop("encryption_key", None) or env.get("REVHUB_ENCRYPTION_KEY") or (
        _kept_secret(home, "encryption_key", lambda: Fernet.generate_key().decode())
    )
    api_token = overrides.pop("api_token", None) or env.get("REVHUB_API_TOKEN") or _kept_secret(
        home, "api_token", lambda: secrets.token_urlsafe(32))
    try:
        Fernet(encryption_key.encode())
    except ValueError:
        raise ConfigError("REVHUB_ENCRYPTION_KEY must be a urlsafe-base64 32-byte Fernet key") from None
    values = dict(
        home=home,
        database_url=database_url,
        secret_key=secret_key,
        encryption_key=encryption_key,
        host=env.get("REVHUB_HOST", "127.0.0.1"),
        port=_int(env, "REVHUB_PORT", 8080),
        webhook_max_body_bytes=_int(env, "REVHUB_WEBHOOK_MAX_BODY_BYTES", 1024 * 1024),
        api_token=api_token,
        approval_threshold=env.get("REVHUB_APPROVAL_THRESHOLD", "10000"),
        call_timeout=_seconds(env, "REVHUB_CALL_TIMEOUT", 30.0),
    )
    values.update(overrides)
    return Config(**values)
