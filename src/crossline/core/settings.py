"""One settings object, read from ``CROSSLINE_*`` environment variables.

Every default is chosen so that ``make demo`` works on a laptop with nothing
installed (embedded mode: the stores live in files under ``./var``). In
production mode the unsafe defaults are refused: the secret key must be given
and the database must be PostgreSQL. ``docs/settings.md`` is generated from
the field descriptions here and a test keeps it complete.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_MIN_SECRET_LENGTH = 32


class Mode(StrEnum):
    EMBEDDED = "embedded"
    PRODUCTION = "production"


class AnalyticsEngine(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"


class Settings(BaseSettings):
    """Crossline's configuration. Each field is ``CROSSLINE_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="CROSSLINE_", frozen=True, extra="ignore")

    mode: Mode = Field(
        Mode.EMBEDDED,
        description="`embedded` (one machine, generated secret, SQLite allowed) or "
        "`production` (secret key and PostgreSQL required).",
    )
    data_dir: Path = Field(
        Path("var"),
        description="Where the embedded stores, the kept secret key and the comms Parquet "
        "files live. Relative paths are taken from the working directory.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the operational store. Default: a SQLite file "
        "`crossline.db` in the data directory. PostgreSQL: "
        "`postgresql+psycopg://user@host/dbname`.",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Key for signing CSRF tokens and keying session and API token hashes. "
        "Embedded mode generates one on first run and keeps it in `<data_dir>/secret_key`; "
        "production mode refuses to start without it (at least 32 characters).",
    )
    engine: AnalyticsEngine = Field(
        AnalyticsEngine.DUCKDB,
        description="Analytics engine for comms analysis: `duckdb` (embedded) or `spark`. "
        "Read by the analytics module.",
    )
    spark_master: str = Field(
        "local[2]",
        description="Where the Spark engine runs: `local[N]` in this process's machine, or a "
        "cluster's master URL (for example `spark://host:7077`).",
    )
    analysis_memory_limit: str | None = Field(
        None,
        pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="The most memory the DuckDB engine of a line analysis may use, e.g. "
        "`4GiB`; what does not fit is spilled to disk under the data directory. Unset: "
        "DuckDB's own limit, 80% of the machine's memory.",
    )
    linkage_memory_limit: str = Field(
        "3GB",
        pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="The most memory DuckDB may use when person records are linked (in the "
        "app after each change, and by `crossline people link`); what does not fit is "
        "spilled to a temporary folder. A million records link within 3GB "
        "(docs/benchmarks.md, Person linkage).",
    )
    host: str = Field("127.0.0.1", description="Address `crossline serve` listens on.")
    port: Annotated[int, Field(ge=1, le=65535)] = Field(
        8000, description="Port `crossline serve` listens on."
    )
    session_idle_minutes: Annotated[int, Field(ge=1)] = Field(
        30, description="A session ends after this many minutes without a request."
    )
    session_absolute_hours: Annotated[int, Field(ge=1)] = Field(
        12, description="A session ends this many hours after sign-in, however active."
    )
    lockout_attempts: Annotated[int, Field(ge=1)] = Field(
        5, description="Failed sign-ins in a row that lock an account."
    )
    lockout_minutes: Annotated[int, Field(ge=1)] = Field(
        15, description="How long a locked account stays locked."
    )
    max_body_bytes: Annotated[int, Field(ge=1024)] = Field(
        64 * 1024 * 1024,
        description="Largest request body accepted, in bytes; larger ones get 413. Comms "
        "files bigger than this are imported with the CLI.",
    )
    force_https: bool = Field(
        False,
        description="Treat every request as TLS (behind a terminating proxy): Secure "
        "cookies and HSTS even when the app itself sees plain HTTP.",
    )
    audit_justification_required: bool = Field(
        True,
        description="Whether consulting or disclosing personal data needs a stated "
        "justification (DOMAIN.md §AUDIT.duaa: DUAA 2025 s.82 may remove the duty; "
        "the safer default keeps it).",
    )

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.mode is not Mode.PRODUCTION:
            return self
        if self.secret_key is None or len(self.secret_key.get_secret_value()) < _MIN_SECRET_LENGTH:
            raise ValueError(
                "CROSSLINE_SECRET_KEY must be set to at least 32 characters in production mode."
            )
        if not (self.database_url or "").startswith("postgresql"):
            raise ValueError(
                "CROSSLINE_DATABASE_URL must point at PostgreSQL in production mode "
                "(the embedded SQLite file is for one user on one machine)."
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'crossline.db').resolve()}"

    def uses_tls(self, scheme: str) -> bool:
        """Whether a request that arrived with ``scheme`` is under TLS (Secure cookies, HSTS)."""
        return self.force_https or scheme == "https"

    def resolved_secret_key(self) -> bytes:
        """The secret key; in embedded mode generated once and kept in the data directory."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48))
        return path.read_text().strip().encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment once."""
    return Settings()
