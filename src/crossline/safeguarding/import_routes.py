"""Agency imports on the web and in the API: upload a missing, custody, hospital or
exclusions file, and see every import of the organisation with the rows it set aside.

The rules are ``importing``'s, the same as ``crossline safeguarding import``: each row
becomes the organisation's young person with the episode or a concern; bad rows are set
aside with their line and reason; the good ones are saved together; the same file again
adds nothing. After an import that recorded young people they are linked to police
person records again, as after a young person is recorded on its page.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep, SettingsDep
from crossline.core.errors import InvalidInput
from crossline.core.pages import render, see_other
from crossline.safeguarding import importing
from crossline.safeguarding.models import AgencyImportRecord, AgencyQuarantinedRow
from crossline.safeguarding.services import linkage

router = APIRouter()
Reader = Annotated[Actor, allowed(Permission.SAFEGUARDING_READ)]
Writer = Annotated[Actor, allowed(Permission.SAFEGUARDING_WRITE)]
PAGE = "/safeguarding/imports"

KIND_LABELS = {
    "missing": "Missing episodes (police or council)",
    "custody": "Custody records (police)",
    "hospital": "Hospital attendances after violence",
    "exclusions": "School exclusions",
}


class QuarantinedRead(BaseModel):
    line: int
    reason: str


class AgencyImportRead(BaseModel):
    id: uuid.UUID
    kind: str
    file_name: str
    imported_at: datetime
    imported_by_name: str
    via: str
    rows: int
    imported: int
    already: int
    young_people_added: int
    concerns_raised: int
    skipped: dict[str, int]  # reason -> rows
    quarantined: int
    quarantined_rows: list[QuarantinedRead] | None = None  # with one import only

    @classmethod
    def of(
        cls, record: AgencyImportRecord, rows: list[AgencyQuarantinedRow] | None = None
    ) -> AgencyImportRead:
        return cls(
            id=record.id,
            kind=record.kind,
            file_name=record.file_name,
            imported_at=record.imported_at,
            imported_by_name=record.imported_by_name,
            via=record.via,
            rows=record.rows,
            imported=record.imported,
            already=record.already,
            young_people_added=record.young_people_added,
            concerns_raised=record.concerns_raised,
            skipped=json.loads(record.skipped or "{}"),
            quarantined=record.quarantined,
            quarantined_rows=None
            if rows is None
            else [QuarantinedRead(line=r.line, reason=r.reason) for r in rows],
        )


def _import(
    db: Session,
    actor: Actor,
    memory_limit: str,
    kind: str,
    upload: StarletteUpload | None,
    via: str,
) -> uuid.UUID:
    """Import an uploaded file through ``importing``; InvalidInput names the field at fault."""
    if kind not in importing.KINDS:
        raise InvalidInput("Choose what kind of records the file holds.", field="kind")
    if upload is None or not upload.filename:
        raise InvalidInput("Choose a file to import.", field="file")
    # Saved under a fixed name: the sender's name is only shown (its last part, never a
    # path), so no name can point outside the folder. The size is capped for every request
    # by CROSSLINE_MAX_BODY_BYTES (web/security.py).
    shown = Path(upload.filename.replace("\\", "/")).name or "upload.csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.csv"
        with path.open("wb") as out:
            while chunk := upload.file.read(1 << 20):
                out.write(chunk)
        try:
            done = importing.import_agency_file(db, actor, kind, path, via=via, name=shown)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field="file") from exc
    if done.young_people_added:
        linkage.relink_young_people(db, memory_limit=memory_limit, via=via)
    assert done.id is not None
    return done.id


# --- pages -------------------------------------------------------------------------------------


def _imports_page(
    request: Request,
    db: Session,
    actor: Actor,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "safeguarding/imports.html",
        {
            "imports": importing.imports_of(db, actor),
            "kinds": KIND_LABELS,
            "may_write": actor.can(Permission.SAFEGUARDING_WRITE),
            "errors": errors or {},
            "values": values or {},
        },
        status_code=status_code,
    )


@router.get(PAGE, include_in_schema=False)
def imports_page(request: Request, db: DbDep, actor: Reader) -> Response:
    return _imports_page(request, db, actor)


@router.post(PAGE, include_in_schema=False)
async def import_page(
    request: Request, db: DbDep, settings: SettingsDep, actor: Writer
) -> Response:
    form = await request.form()
    kind = str(form.get("kind") or "")
    upload = form.get("file")
    try:
        # The import and the linkage after it are synchronous work: off the event loop, so
        # other requests are answered meanwhile.
        import_id = await run_in_threadpool(
            _import,
            db,
            actor,
            settings.linkage_memory_limit,
            kind,
            upload if isinstance(upload, StarletteUpload) else None,
            "web",
        )
    except InvalidInput as exc:
        db.rollback()
        errors = exc.errors or {"file": exc.message}
        return _imports_page(
            request, db, actor, errors=errors, values={"kind": kind}, status_code=422
        )
    return see_other(f"{PAGE}/{import_id}")


@router.get(PAGE + "/{import_id}", include_in_schema=False)
def import_detail_page(
    request: Request, import_id: uuid.UUID, db: DbDep, actor: Reader
) -> Response:
    record, rows = importing.import_of(db, actor, import_id)
    return render(
        request,
        "safeguarding/import.html",
        {"record": AgencyImportRead.of(record, rows), "kinds": KIND_LABELS},
    )


# --- API ---------------------------------------------------------------------------------------


@router.post("/api/safeguarding/imports", tags=["safeguarding"], status_code=201)
def api_import(
    db: DbDep,
    settings: SettingsDep,
    actor: Writer,
    kind: Annotated[str, Form(description="missing, custody, hospital or exclusions")],
    file: Annotated[UploadFile, File(description="An agency file in the kind's layout")],
) -> AgencyImportRead:
    """Import an agency file into your organisation's cases; bad rows are set aside with
    their line and reason, never their values. Audited, record by record."""
    import_id = _import(db, actor, settings.linkage_memory_limit, kind, file, "api")
    record, rows = importing.import_of(db, actor, import_id)
    return AgencyImportRead.of(record, rows)


@router.get("/api/safeguarding/imports", tags=["safeguarding"])
def api_imports(db: DbDep, actor: Reader) -> list[AgencyImportRead]:
    """Your organisation's agency imports, newest first."""
    return [AgencyImportRead.of(r) for r in importing.imports_of(db, actor)]


@router.get("/api/safeguarding/imports/{import_id}", tags=["safeguarding"])
def api_import_detail(import_id: uuid.UUID, db: DbDep, actor: Reader) -> AgencyImportRead:
    """One of your organisation's imports, with the line and reason of each row set aside."""
    record, rows = importing.import_of(db, actor, import_id)
    return AgencyImportRead.of(record, rows)
