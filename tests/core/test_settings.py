"""Settings from CROSSLINE_* variables, embedded defaults and refusals in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from crossline.core.settings import AnalyticsEngine, Mode, Settings


def test_embedded_defaults_need_nothing_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.mode is Mode.EMBEDDED
    assert settings.engine is AnalyticsEngine.DUCKDB
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'var' / 'crossline.db'}"


def test_values_are_read_from_crossline_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CROSSLINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CROSSLINE_DATABASE_URL", "postgresql+psycopg://crossline@db/crossline")
    monkeypatch.setenv("CROSSLINE_ENGINE", "spark")
    monkeypatch.setenv("CROSSLINE_SESSION_IDLE_MINUTES", "10")
    settings = Settings()
    assert settings.data_dir == tmp_path / "data"
    assert settings.resolved_database_url == "postgresql+psycopg://crossline@db/crossline"
    assert settings.engine is AnalyticsEngine.SPARK
    assert settings.session_idle_minutes == 10


def test_embedded_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = settings.resolved_secret_key()
    assert len(first) >= 32
    assert Settings(data_dir=tmp_path).resolved_secret_key() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSLINE_MODE", "production")
    monkeypatch.setenv("CROSSLINE_DATABASE_URL", "postgresql+psycopg://crossline@db/crossline")
    with pytest.raises(ValidationError, match="CROSSLINE_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("CROSSLINE_SECRET_KEY", "too short")
    with pytest.raises(ValidationError, match="at least 32"):
        Settings()


def test_production_refuses_the_embedded_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSLINE_MODE", "production")
    monkeypatch.setenv("CROSSLINE_SECRET_KEY", "x" * 40)
    with pytest.raises(ValidationError, match="PostgreSQL"):
        Settings()
    monkeypatch.setenv("CROSSLINE_DATABASE_URL", "postgresql+psycopg://crossline@db/crossline")
    assert Settings().mode is Mode.PRODUCTION


def test_malformed_values_are_refused_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CROSSLINE_PORT", "eighty")
    with pytest.raises(ValidationError, match="port"):
        Settings()
