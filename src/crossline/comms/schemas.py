"""Shapes of imports, jobs and quarantined rows in the API."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from crossline.comms.models import ImportJob


class ImportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    file_name: str
    sha256: str
    size_bytes: int
    profile: str
    kind: str
    authorisation: str
    imported_by_name: str
    started_at: datetime
    finished_at: datetime
    rows_read: int
    rows_imported: int
    rows_quarantined: int


class JobRead(BaseModel):
    id: uuid.UUID
    file_name: str
    status: str
    percent: int
    report: dict[str, Any] | None
    error: str | None
    url: str

    @classmethod
    def of(cls, job: ImportJob) -> JobRead:
        return cls(
            id=job.id,
            file_name=job.file_name,
            status=job.status,
            percent=job.percent,
            report=json.loads(job.report) if job.report else None,
            error=job.error,
            url=f"/api/comms/jobs/{job.id}",
        )


class QuarantinedRowRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    line: int
    reason: str
    raw: str


class QuarantinePage(BaseModel):
    rows: list[QuarantinedRowRead]
    page: int
    pages: int
    total: int
