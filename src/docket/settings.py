"""Settings: each declared once (name, type, default, environment variable, help).

The CLI builds its flags from these declarations and the README's configuration table lists them.
Secrets are never printed: ``Settings.describe`` masks any URL password.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy.engine import make_url


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    env: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("database", str, "sqlite:///./docket.db", "DOCKET_DATABASE_URL", "SQLAlchemy URL of the database."),
    Setting("model", str, "4dn", "DOCKET_MODEL", "Data model: a shipped model's name or a folder path."),
    Setting(
        "files",
        str,
        "./docket-files",
        "DOCKET_FILES",
        "Where data files are stored: a folder or s3://bucket/prefix.",
    ),
    Setting("host", str, "127.0.0.1", "DOCKET_HOST", "Address to listen on."),
    Setting("port", int, 8000, "DOCKET_PORT", "Port to listen on."),
    Setting("workers", int, 1, "DOCKET_WORKERS", "Number of API worker processes."),
    Setting(
        "max_body_bytes",
        int,
        10 * 1024 * 1024,
        "DOCKET_MAX_BODY_BYTES",
        "Largest accepted JSON body, in bytes.",
    ),
    Setting(
        "secret_key",
        str,
        "",
        "DOCKET_SECRET_KEY",
        "Signs browser sessions; set it to keep sessions across restarts (default: a new random key per start).",
    ),
    Setting(
        "require_two_factor",
        str,
        "none",
        "DOCKET_REQUIRE_TWO_FACTOR",
        "Who must sign in to the web pages with a TOTP code too: none, submitters (and admins) or everyone.",
    ),
    Setting(
        "secure_cookies",
        str,
        "auto",
        "DOCKET_SECURE_COOKIES",
        "Mark session cookies Secure: auto (when the request came over https), always or never.",
    ),
    # -- data files (docs/uploads.md) --
    Setting(
        "s3_endpoint_url",
        str,
        "",
        "DOCKET_S3_ENDPOINT_URL",
        "S3 server for an s3:// --files store when it is not AWS (SeaweedFS, MinIO).",
    ),
    Setting("s3_region", str, "us-east-1", "DOCKET_S3_REGION", "S3 region."),
    Setting(
        "s3_access_key_id",
        str,
        "",
        "DOCKET_S3_ACCESS_KEY_ID",
        "Docket's own S3 access key id (empty: boto3's usual sources, e.g. AWS_ACCESS_KEY_ID).",
    ),
    Setting(
        "s3_secret_access_key",
        str,
        "",
        "DOCKET_S3_SECRET_ACCESS_KEY",
        "Docket's own S3 secret key (never printed).",
    ),
    Setting(
        "upload_scoping",
        str,
        "auto",
        "DOCKET_UPLOAD_SCOPING",
        "How S3 upload credentials are scoped to one key: auto, iam-user, sts or presigned.",
    ),
    Setting(
        "upload_credentials_ttl",
        int,
        36 * 3600,
        "DOCKET_UPLOAD_CREDENTIALS_TTL",
        "Lifetime of S3 upload credentials, in seconds.",
    ),
    Setting(
        "upload_check_interval",
        int,
        60,
        "DOCKET_UPLOAD_CHECK_INTERVAL",
        "Seconds between checks for uploads that never report completion (aws s3 cp); 0 turns it off.",
    ),
    Setting(
        "max_chunk_bytes",
        int,
        1 << 30,
        "DOCKET_MAX_CHUNK_BYTES",
        "Largest accepted chunk of a resumable upload, in bytes.",
    ),
)

SECRET_SETTINGS = ("s3_secret_access_key",)


@dataclass(frozen=True)
class Settings:
    database: str = "sqlite:///./docket.db"
    model: str = "4dn"
    files: str = "./docket-files"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_body_bytes: int = 10 * 1024 * 1024
    secret_key: str = ""
    require_two_factor: str = "none"
    secure_cookies: str = "auto"
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    upload_scoping: str = "auto"
    upload_credentials_ttl: int = 36 * 3600
    upload_check_interval: int = 60
    max_chunk_bytes: int = 1 << 30

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            raw = os.environ.get(setting.env)
            if raw is not None:
                values[setting.name] = setting.type(raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The environment that reproduces these settings in a worker process."""
        by_name = {s.name: s for s in SETTINGS}
        return {by_name[f.name].env: str(getattr(self, f.name)) for f in fields(self)}

    def describe(self) -> dict[str, str]:
        shown = {f.name: str(getattr(self, f.name)) for f in fields(self)}
        shown["database"] = make_url(self.database).render_as_string(hide_password=True)
        for name in SECRET_SETTINGS:
            shown[name] = "***" if getattr(self, name) else ""
        shown["secret_key"] = "***" if self.secret_key else "(random per start)"
        return shown

    def s3_options(self) -> dict[str, Any]:
        """Keyword arguments of ``open_blob_store`` for an s3:// ``files`` location; {} otherwise."""
        if not self.files.startswith("s3://"):
            return {}
        from datetime import timedelta

        return {
            "endpoint_url": self.s3_endpoint_url or None,
            "region": self.s3_region,
            "access_key_id": self.s3_access_key_id or None,
            "secret_access_key": self.s3_secret_access_key or None,
            "scoping": self.upload_scoping,
            "credentials_ttl": timedelta(seconds=self.upload_credentials_ttl),
        }
