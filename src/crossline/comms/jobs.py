"""Imports started from the web or the API: the upload is kept, then imported in the
background while the job page shows progress."""

from __future__ import annotations

import json
import logging
import shutil
import threading
import uuid
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session, sessionmaker

from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.comms.models import ImportJob
from crossline.comms.services import import_files, required_authorisation
from crossline.core import clock
from crossline.core.errors import NotFound

log = logging.getLogger(__name__)
_PROGRESS_EVERY = 2 * 1024 * 1024  # bytes between progress writes


def uploads(data_dir: Path) -> Path:
    return data_dir / "comms" / "uploads"


def start_import(
    db: Session,
    factory: sessionmaker[Session],
    actor: Actor,
    data_dir: Path,
    *,
    file_name: str,
    content: IO[bytes],
    authorisation: str,
    profile: str | None,
    via: str = "web",
) -> ImportJob:
    """Keep the uploaded file and import it in the background; return its job.

    Needs ``comms.import``; the import itself checks again and is audited.
    """
    actor.require(Permission.COMMS_IMPORT)
    authorisation = required_authorisation(authorisation)
    name = Path(file_name or "upload.csv").name  # never a path from the browser
    job = ImportJob(
        id=uuid.uuid4(),
        owner_id=actor.organisation_id,
        user_id=actor.user_id,
        file_name=name,
        authorisation=authorisation,
        profile=profile or None,
        status="queued",
    )
    folder = uploads(data_dir) / str(job.id)
    folder.mkdir(parents=True)
    with (folder / name).open("wb") as out:
        shutil.copyfileobj(content, out, length=1024 * 1024)
    job.bytes_total = (folder / name).stat().st_size
    db.add(job)
    db.commit()
    threading.Thread(
        target=_run,
        args=(factory, actor, data_dir, job.id, via),
        name=f"import-{job.id}",
        daemon=True,
    ).start()
    return job


def _run(
    factory: sessionmaker[Session], actor: Actor, data_dir: Path, job_id: uuid.UUID, via: str
) -> None:
    with factory() as db:
        job = db.get_one(ImportJob, job_id)
        job.status = "running"
        db.commit()
        path = uploads(data_dir) / str(job_id) / job.file_name
        last = [0]

        def progress(_: str, done: int, total: int) -> None:
            if done - last[0] >= _PROGRESS_EVERY or done == total:
                last[0] = done
                with factory() as update:
                    row = update.get_one(ImportJob, job_id)
                    row.bytes_done = done
                    update.commit()

        try:
            report = import_files(
                db,
                actor,
                data_dir,
                [path],
                authorisation=job.authorisation,
                profile_id=job.profile,
                progress=progress,
                via=via,
            )
            job = db.get_one(ImportJob, job_id)
            job.report = json.dumps(report.as_json())
            job.status = "failed" if report.refused else "done"
            job.error = report.files[0].message if report.refused else None
        except Exception as exc:
            db.rollback()
            job = db.get_one(ImportJob, job_id)
            job.status = "failed"
            job.error = "The import failed and was rolled back; nothing was imported."
            log.error("import job %s failed: %s", job_id, type(exc).__name__)
        job.bytes_done = job.bytes_total
        job.finished_at = clock.now()
        db.commit()
        shutil.rmtree(uploads(data_dir) / str(job_id), ignore_errors=True)


def get_job(db: Session, actor: Actor, job_id: uuid.UUID) -> ImportJob:
    actor.require(Permission.COMMS_IMPORT)
    job = db.get(ImportJob, job_id)
    if job is None or job.owner_id != actor.organisation_id:
        raise NotFound("There is no such import job in your organisation.")
    return job


def report_of(job: ImportJob) -> dict[str, object] | None:
    return json.loads(job.report) if job.report else None
