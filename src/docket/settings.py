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
)


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
        shown["secret_key"] = "***" if self.secret_key else "(random per start)"
        return shown
