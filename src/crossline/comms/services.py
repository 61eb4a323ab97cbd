"""Importing files of communications data: permission, provenance, exactly once, audit.

An import either completes (its events in the store, its quarantined rows and
its provenance in the operational store, its audit entry written) or leaves
no trace. The same file imported again by the same organisation adds nothing.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.comms import reading, store
from crossline.comms.models import CommsImport, QuarantinedRow
from crossline.comms.profiles import Profile, load_profiles
from crossline.core import clock
from crossline.core.errors import InvalidInput, NotFound
from crossline.core.pagination import Page, paginate

if TYPE_CHECKING:
    from hashlib import _Hash as Hash

Progress = Callable[[str, int, int], None]  # (file name, bytes read, bytes in all)
# Parquet with zstd takes a fraction of the CSV; ask for room for all of it to be safe.
SPACE_FACTOR = 1.0


@dataclass
class FileReport:
    file: str
    status: str  # imported | already imported | refused
    message: str = ""
    profile: str | None = None
    import_id: str | None = None
    rows_read: int = 0
    rows_imported: int = 0
    quarantined: dict[str, int] = field(default_factory=dict)


@dataclass
class ImportReport:
    files: list[FileReport]

    @property
    def rows_imported(self) -> int:
        return sum(f.rows_imported for f in self.files)

    @property
    def quarantined(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for f in self.files:
            total.update(f.quarantined)
        return dict(sorted(total.items()))

    @property
    def skipped(self) -> list[str]:
        return [f.file for f in self.files if f.status == "already imported"]

    @property
    def refused(self) -> list[str]:
        return [f.file for f in self.files if f.status == "refused"]

    def as_json(self) -> dict[str, object]:
        return {
            "rows_imported": self.rows_imported,
            "rows_quarantined": sum(self.quarantined.values()),
            "quarantined_by_reason": self.quarantined,
            "files_skipped_already_imported": self.skipped,
            "files_refused": self.refused,
            "files": [f.__dict__ for f in self.files],
        }


def import_files(
    db: Session,
    actor: Actor,
    data_dir: Path,
    paths: Sequence[Path],
    *,
    authorisation: str,
    profile_id: str | None = None,
    encoding: str | None = None,
    progress: Progress | None = None,
    via: str = "cli",
) -> ImportReport:
    """Import each file; a refused file is reported and does not stop the others.

    Needs ``comms.import``. ``authorisation`` is the communications data
    authorisation the records were obtained under (DOMAIN.md §COMMSDATA); it
    is kept with the import and stated as the reason in the audit log.
    """
    actor.require(Permission.COMMS_IMPORT)
    authorisation = required_authorisation(authorisation)
    profiles = load_profiles(data_dir / "profiles")
    reports = []
    for path in paths:
        try:
            reports.append(
                _import_one(
                    db,
                    actor,
                    data_dir,
                    path,
                    authorisation,
                    profiles,
                    profile_id,
                    encoding,
                    progress,
                    via,
                )
            )
        except InvalidInput as exc:
            db.rollback()
            reports.append(FileReport(path.name, "refused", exc.message))
    return ImportReport(reports)


def _import_one(
    db: Session,
    actor: Actor,
    data_dir: Path,
    path: Path,
    authorisation: str,
    profiles: dict[str, Profile],
    profile_id: str | None,
    encoding: str | None,
    progress: Progress | None,
    via: str,
) -> FileReport:
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file.", field="file")
    complete = {str(i) for i in db.scalars(select(CommsImport.id))}
    store.recover(data_dir, complete)
    sniffed = reading.sniff(path, profiles, profile_id=profile_id, encoding=encoding)
    size = path.stat().st_size
    # Only a file of the same size can be one imported before: hash those first, and
    # hash every other file while it is read, saving a pass over it.
    hashed: Hash | None = None
    if (
        db.scalar(
            select(CommsImport.id)
            .where(CommsImport.owner_id == actor.organisation_id, CommsImport.size_bytes == size)
            .limit(1)
        )
        is not None
    ):
        earlier = _imported_before(db, actor, sha256_of(path))
        if earlier is not None:
            return _already(path, earlier)
    else:
        hashed = hashlib.sha256()
    _check_space(data_dir, size, path.name)
    import_id = uuid.uuid4()
    staged = store.StagedImport(data_dir, str(import_id))
    started = clock.now()
    counts: Counter[str] = Counter()
    rows_read = rows_imported = 0
    try:
        for batch in reading.batches(
            path,
            sniffed,
            progress=((lambda done: progress(path.name, done, size)) if progress else None),
            digest=hashed,
        ):
            rows = batch.events.append_column(
                "import_id", pa.array([str(import_id)] * batch.events.num_rows, pa.string())
            )
            if sniffed.profile.kind == "cells":
                staged.write_cells(rows)
            else:
                staged.write_events(rows)
            staged.write_quarantine(batch.quarantine)
            counts.update(batch.quarantine.column("reason").to_pylist())
            rows_imported += batch.events.num_rows
            rows_read += batch.events.num_rows + batch.quarantine.num_rows
        staged.close()
        digest = hashed.hexdigest() if hashed is not None else sha256_of(path)
        entry = CommsImport(
            id=import_id,
            owner_id=actor.organisation_id,
            file_name=path.name,
            sha256=digest,
            size_bytes=size,
            profile=sniffed.profile.id,
            kind=sniffed.profile.kind,
            encoding=sniffed.encoding,
            authorisation=authorisation,
            imported_by_id=actor.user_id,
            imported_by_name=actor.display_name,
            started_at=started,
            finished_at=clock.now(),
            rows_read=rows_read,
            rows_imported=rows_imported,
            rows_quarantined=sum(counts.values()),
        )
        db.add(entry)
        db.flush()
        for chunk in staged.quarantined():
            db.execute(
                insert(QuarantinedRow),
                [{"import_id": import_id, **row} for row in chunk.to_pylist()],
            )
        record(
            db,
            actor,
            Operation.COLLECTION,
            RecordRef.of("comms_import", import_id),
            why=f"communications data authorisation {authorisation}",
            owner=actor.organisation_id,
            via=via,
        )
        staged.publish()
        db.commit()
    except BaseException:
        db.rollback()
        staged.discard()
        store.recover(data_dir, complete)
        raise
    finally:
        shutil.rmtree(staged.staging, ignore_errors=True)
    return FileReport(
        path.name,
        "imported",
        "",
        sniffed.profile.id,
        str(import_id),
        rows_read,
        rows_imported,
        dict(sorted(counts.items())),
    )


def _imported_before(db: Session, actor: Actor, digest: str) -> CommsImport | None:
    return db.scalar(
        select(CommsImport).where(
            CommsImport.owner_id == actor.organisation_id, CommsImport.sha256 == digest
        )
    )


def _already(path: Path, earlier: CommsImport) -> FileReport:
    return FileReport(
        path.name,
        "already imported",
        f"This file was imported on {earlier.finished_at:%d %b %Y} "
        f"as {earlier.file_name}; nothing was added.",
        earlier.profile,
        str(earlier.id),
    )


def required_authorisation(reference: str) -> str:
    """The authorisation reference, trimmed; InvalidInput when there is none (§COMMSDATA)."""
    if not reference.strip():
        raise InvalidInput(
            "Give the communications data authorisation reference the records were obtained under.",
            field="authorisation",
        )
    return reference.strip()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_space(data_dir: Path, size: int, name: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(data_dir).free
    if free < size * SPACE_FACTOR:
        raise InvalidInput(
            f"{name} needs about {size * SPACE_FACTOR / 2**30:.1f} GiB free in the data "
            f"directory, which has {free / 2**30:.1f} GiB. Free some space or move "
            "CROSSLINE_DATA_DIR, then import it again: nothing was imported.",
            field="file",
        )


def list_imports(db: Session, actor: Actor) -> Sequence[CommsImport]:
    """The organisation's imports, newest first."""
    actor.require(Permission.COMMS_IMPORT)
    return db.scalars(
        select(CommsImport)
        .where(CommsImport.owner_id == actor.organisation_id)
        .order_by(CommsImport.finished_at.desc())
    ).all()


def get_import(db: Session, actor: Actor, import_id: uuid.UUID) -> CommsImport:
    actor.require(Permission.COMMS_IMPORT)
    found = db.get(CommsImport, import_id)
    if found is None or found.owner_id != actor.organisation_id:
        raise NotFound("There is no such import in your organisation.")
    return found


def quarantined_rows(
    db: Session,
    actor: Actor,
    import_id: uuid.UUID,
    *,
    reason: str | None = None,
    page: int = 1,
    size: int = 100,
) -> Page[QuarantinedRow]:
    """Rows an import quarantined, in file order. Audited as consultation."""
    found = get_import(db, actor, import_id)
    statement = select(QuarantinedRow).where(QuarantinedRow.import_id == found.id)
    if reason:
        statement = statement.where(QuarantinedRow.reason == reason)
    result = paginate(db, statement.order_by(QuarantinedRow.line), page, size)
    record(
        db,
        actor,
        Operation.CONSULTATION,
        RecordRef.of("comms_import", found.id),
        why="reviewing quarantined rows",
        owner=found.owner_id,
    )
    db.commit()
    return result


def export_quarantined(
    db: Session,
    actor: Actor,
    import_id: uuid.UUID,
    out: Callable[[list[object]], None],
    *,
    via: str = "cli",
) -> int:
    """Write every quarantined row of an import through ``out``; audited as a disclosure."""
    found = get_import(db, actor, import_id)
    count = 0
    rows = db.execute(
        select(QuarantinedRow.line, QuarantinedRow.reason, QuarantinedRow.raw)
        .where(QuarantinedRow.import_id == found.id)
        .order_by(QuarantinedRow.line)
    ).yield_per(10_000)
    out(["file", "line", "reason", "raw"])
    for line, reason, raw in rows:
        out([found.file_name, line, reason, raw])
        count += 1
    record(
        db,
        actor,
        Operation.DISCLOSURE,
        RecordRef.of("comms_import", found.id),
        why="quarantined rows exported for correction",
        owner=found.owner_id,
        recipient=f"{actor.display_name} (export file)",
        via=via,
    )
    db.commit()
    return count


def quarantine_reasons(db: Session, import_id: uuid.UUID) -> dict[str, int]:
    rows = db.execute(
        select(QuarantinedRow.reason, func.count())
        .where(QuarantinedRow.import_id == import_id)
        .group_by(QuarantinedRow.reason)
    ).all()
    return dict(sorted(rows))
