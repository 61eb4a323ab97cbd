"""FastAPI dependencies every module's routes share: the database session and settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from crossline.core.settings import Settings


def get_db(request: Request) -> Iterator[Session]:
    """A database session for one request; whatever a service did not commit is rolled back."""
    with request.app.state.sessionmaker() as db:
        yield db


def get_settings_of_app(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DbDep = Annotated[Session, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings_of_app)]
