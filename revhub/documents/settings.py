"""Where documents are kept and how large they may be (REVHUB_DOCUMENTS_* settings)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from revhub.config import Config, ConfigError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class DocumentSettings:
    directory: Path
    max_bytes: int = DEFAULT_MAX_BYTES
    # S3-compatible storage is used when a bucket is named; credentials come from boto3's usual
    # chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance role).
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_prefix: str = "documents/"

    @classmethod
    def of(cls, config: Config, env: Mapping[str, str] | None = None) -> DocumentSettings:
        """The settings from ``config.extra`` (tests, embedding) or else the environment."""
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            return config.extra.get(name) or env.get(name) or None

        raw_max = get("REVHUB_DOCUMENTS_MAX_BYTES")
        try:
            max_bytes = int(raw_max) if raw_max else DEFAULT_MAX_BYTES
        except ValueError:
            raise ConfigError(f"REVHUB_DOCUMENTS_MAX_BYTES must be a whole number of bytes, not {raw_max!r}") from None
        return cls(directory=Path(get("REVHUB_DOCUMENTS_DIR") or config.home / "documents"), max_bytes=max_bytes,
                   s3_bucket=get("REVHUB_DOCUMENTS_S3_BUCKET"), s3_endpoint_url=get("REVHUB_DOCUMENTS_S3_ENDPOINT_URL"),
                   s3_region=get("REVHUB_DOCUMENTS_S3_REGION"),
                   s3_prefix=get("REVHUB_DOCUMENTS_S3_PREFIX") or "documents/")
