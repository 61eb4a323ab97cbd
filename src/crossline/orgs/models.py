"""Organisations (forces, local authorities, providers, commissioners...) and areas."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crossline.core.database import Base, HasCreated, HasId, Versioned


class Organisation(HasId, HasCreated, Versioned, Base):
    """An organisation whose users work in Crossline and which owns records."""

    __tablename__ = "organisations"

    key: Mapped[str] = mapped_column(String(100), unique=True)  # stable slug; a force's id
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(64))  # an id in organisation_kinds.yaml
    area_id: Mapped[str | None] = mapped_column(String(100), ForeignKey("areas.id"))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    is_reference: Mapped[bool] = mapped_column(default=False)  # seeded from reference data


class Area(Base):
    """A police force area or local authority district, from the shipped boundary files."""

    __tablename__ = "areas"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # code, or slug if none
    kind: Mapped[str] = mapped_column(String(32))  # force_area | district
    code: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(32))
    force_area_id: Mapped[str | None] = mapped_column(String(100), ForeignKey("areas.id"))
    vintage: Mapped[str] = mapped_column(String(16))
