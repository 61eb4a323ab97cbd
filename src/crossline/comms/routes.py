"""Importing communications data from the web and the API, with a job page per upload."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.comms import jobs, services
from crossline.comms.profiles import load_profiles
from crossline.comms.schemas import ImportRead, JobRead, QuarantinedRowRead, QuarantinePage
from crossline.core.dependencies import DbDep, SettingsDep
from crossline.core.errors import InvalidInput
from crossline.core.pages import NavItem, add_navigation, render, see_other

router = APIRouter()
add_navigation(
    NavItem("Import comms data", "/comms/import", Permission.COMMS_IMPORT.value, order=10)
)

Importer = Annotated[Actor, allowed(Permission.COMMS_IMPORT)]


def _profiles(data_dir: Path) -> list[tuple[str, str]]:
    return [(p.id, p.label) for p in load_profiles(data_dir / "profiles").values()]


@router.get("/comms/import", include_in_schema=False)
def import_page(request: Request, db: DbDep, settings: SettingsDep, actor: Importer) -> Response:
    return render(
        request,
        "comms/import.html",
        {
            "profiles": _profiles(settings.data_dir),
            "imports": services.list_imports(db, actor),
            "values": {},
        },
    )


@router.post("/comms/import", include_in_schema=False)
async def start_import(
    request: Request, db: DbDep, settings: SettingsDep, actor: Importer
) -> Response:
    form = await request.form()
    upload = form.get("file")
    authorisation = str(form.get("authorisation") or "")
    profile = str(form.get("profile") or "") or None
    errors: dict[str, str] = {}
    if not isinstance(upload, StarletteUpload) or not upload.filename:
        errors["file"] = "Choose a file to import"
    if not authorisation.strip():
        errors["authorisation"] = "Enter the communications data authorisation reference"
    if not errors:
        assert isinstance(upload, StarletteUpload)
        try:
            job = jobs.start_import(
                db,
                request.app.state.sessionmaker,
                actor,
                settings.data_dir,
                file_name=upload.filename or "",
                content=upload.file,
                authorisation=authorisation,
                profile=profile,
            )
        except InvalidInput as exc:
            errors = exc.errors
        else:
            return see_other(job.url)
    return render(
        request,
        "comms/import.html",
        {
            "profiles": _profiles(settings.data_dir),
            "imports": services.list_imports(db, actor),
            "errors": errors,
            "values": {"authorisation": authorisation, "profile": profile},
        },
        status_code=422,
    )


@router.get("/comms/jobs/{job_id}", include_in_schema=False)
def job_page(request: Request, job_id: uuid.UUID, db: DbDep, actor: Importer) -> Response:
    job = jobs.get_job(db, actor, job_id)
    template = "comms/_job.html" if request.headers.get("hx-request") else "comms/job.html"
    return render(request, template, {"job": job, "report": jobs.report_of(job)})


@router.get("/comms/imports/{import_id}/quarantine", include_in_schema=False)
def quarantine_page(
    request: Request,
    import_id: uuid.UUID,
    db: DbDep,
    actor: Importer,
    reason: str = "",
    page: int = 1,
) -> Response:
    found = services.get_import(db, actor, import_id)
    rows = services.quarantined_rows(db, actor, import_id, reason=reason or None, page=page)
    return render(
        request,
        "comms/quarantine.html",
        {
            "entry": found,
            "rows": rows,
            "reasons": services.quarantine_reasons(db, import_id),
            "reason": reason,
        },
    )


@router.get("/comms/imports/{import_id}/quarantine.csv", include_in_schema=False)
def quarantine_csv(import_id: uuid.UUID, db: DbDep, actor: Importer) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    services.export_quarantined(db, actor, import_id, writer.writerow, via="web")
    return StreamingResponse(
        iter([buffer.getvalue()]),
        media_type="text/csv",
        headers={"content-disposition": f'attachment; filename="quarantine-{import_id}.csv"'},
    )


# --- API ----------------------------------------------------------------------------------


@router.post("/api/comms/imports", tags=["comms"], status_code=202)
def api_start_import(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    actor: Importer,
    file: Annotated[UploadFile, File(description="An operator export or cell-site list")],
    authorisation: Annotated[str, Form(description="Communications data authorisation ref")],
    profile: Annotated[
        str | None, Form(description="Import profile; found from the header when not given")
    ] = None,
) -> JobRead:
    """Upload a file to import; poll the job it returns until it is done or failed."""
    job = jobs.start_import(
        db,
        request.app.state.sessionmaker,
        actor,
        settings.data_dir,
        file_name=file.filename or "",
        content=file.file,
        authorisation=authorisation,
        profile=profile,
        via="api",
    )
    return JobRead.of(job)


@router.get("/api/comms/jobs/{job_id}", tags=["comms"])
def api_job(job_id: uuid.UUID, db: DbDep, actor: Importer) -> JobRead:
    """An import job's state, progress and, when done, its report."""
    return JobRead.of(jobs.get_job(db, actor, job_id))


@router.get("/api/comms/imports", tags=["comms"])
def api_imports(db: DbDep, actor: Importer) -> list[ImportRead]:
    """Your organisation's completed imports, with their provenance, newest first."""
    return [ImportRead.model_validate(i) for i in services.list_imports(db, actor)]


@router.get("/api/comms/imports/{import_id}/quarantine", tags=["comms"])
def api_quarantine(
    import_id: uuid.UUID, db: DbDep, actor: Importer, reason: str = "", page: int = 1
) -> QuarantinePage:
    """The rows an import quarantined, with line numbers, text and reasons. Audited."""
    rows = services.quarantined_rows(db, actor, import_id, reason=reason or None, page=page)
    return QuarantinePage(
        rows=[QuarantinedRowRead.model_validate(r) for r in rows.items],
        page=rows.number,
        pages=rows.pages,
        total=rows.total,
    )
