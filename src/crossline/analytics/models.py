"""Analysis runs, the findings they made, and the jobs that run them from the web and API."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from crossline.core.database import Base, HasCreated, HasId


class AnalysisRun(HasId, HasCreated, Base):
    """One run of line analysis: when, who, over which imports, on which engine, how.

    Every finding points to its run, so a finding can always be traced back to
    the data and the parameters that made it.
    """

    __tablename__ = "analysis_runs"

    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"), index=True)
    run_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("users.id"))
    run_by_name: Mapped[str] = mapped_column(String(200))
    engine: Mapped[str] = mapped_column(String(16))
    import_ids: Mapped[str] = mapped_column(Text)  # JSON list of the imports analysed
    parameters: Mapped[str] = mapped_column(Text)  # JSON of the parameters used
    status: Mapped[str] = mapped_column(String(16))  # done | failed
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    events: Mapped[int] = mapped_column(BigInteger)
    candidates: Mapped[int] = mapped_column(Integer)
    lines_found: Mapped[int] = mapped_column(Integer)
    report: Mapped[str] = mapped_column(Text)  # the analysis report, as JSON (docs/analysis.md)


class Finding(HasId, HasCreated, Base):
    """Something a run found: a line, or a safeguarding concern about a person on one."""

    __tablename__ = "analysis_findings"

    run_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("analysis_runs.id"), index=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # line | safeguarding_concern
    line_id: Mapped[str] = mapped_column(String(32), index=True)
    number: Mapped[str | None] = mapped_column(String(32))  # the person's number, for a concern
    score: Mapped[float] = mapped_column(Float)
    summary: Mapped[str] = mapped_column(String(500))
    detail: Mapped[str] = mapped_column(Text)  # JSON: the line's report entry, or the evidence


_ACTIVE = text("status IN ('queued', 'running')")


class AnalysisJob(HasId, HasCreated, Base):
    """A run of line analysis started from the web or the API, carried out in the background.

    The job page polls it for the step reached; when done it points to its run.
    An organisation has at most one job queued or running at a time (the index).
    """

    __tablename__ = "analysis_jobs"
    __table_args__ = (
        Index(
            "uq_analysis_jobs_one_active",
            "owner_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued running done failed
    step: Mapped[str | None] = mapped_column(String(64))  # the last step finished
    steps_done: Mapped[int] = mapped_column(Integer, default=0)
    steps_total: Mapped[int] = mapped_column(Integer, default=0)
    run_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("analysis_runs.id"))
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None]

    @property
    def is_active(self) -> bool:
        return self.status in ("queued", "running")

    @property
    def percent(self) -> int:
        return int(100 * self.steps_done / self.steps_total) if self.steps_total else 0

    @property
    def step_label(self) -> str | None:
        """The last step finished, in words."""
        from crossline.analytics.pipeline import step_label

        return step_label(self.step) if self.step else None

    @property
    def url(self) -> str:
        return f"/analytics/jobs/{self.id}"
