"""Shapes the user-administration forms and API accept and return."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import cast

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator


class UserCreate(BaseModel):
    email: EmailStr
    display_name: str = Field(min_length=1, max_length=200)
    roles: list[str] = Field(default_factory=list)
    password: str | None = Field(
        None, description="Leave empty for a system account that only uses API tokens."
    )

    @field_validator("display_name")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class UserUpdate(BaseModel):
    display_name: str = Field(min_length=1, max_length=200)
    roles: list[str] = Field(default_factory=list)
    is_active: bool = True
    version: int = Field(description="The version the change was made to; a newer one refuses it.")


class PasswordSet(BaseModel):
    """An administrator gives a user a new password (for example, when they forgot theirs)."""

    new_password: str = Field(title="New password")


class PasswordChange(BaseModel):
    """A user changes their own password."""

    current_password: str = Field(title="Current password")
    new_password: str = Field(title="New password")


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organisation_id: uuid.UUID
    email: str
    display_name: str
    roles: list[str]
    is_active: bool
    is_locked: bool
    last_sign_in_at: datetime | None
    version: int

    @field_validator("roles", mode="before")
    @classmethod
    def _sorted(cls, value: object) -> list[str]:
        return sorted(cast("Iterable[str]", value))


class ApiTokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    # Every token expires: a forgotten token in a script must not work for ever.
    expires_in_days: int = Field(90, ge=1, le=730, title="Days until it expires")


class ApiTokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenIssued(ApiTokenRead):
    token: str = Field(description="Shown once: only its hash is kept.")


class Me(BaseModel):
    user_id: uuid.UUID
    display_name: str
    organisation_id: uuid.UUID
    organisation_name: str
    roles: list[str]
    permissions: list[str]
