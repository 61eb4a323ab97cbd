"""A process killed mid-import leaves no trace, and running it again completes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossline.comms import services
from crossline.comms.models import CommsImport
from crossline.core.settings import Settings
from tests.conftest import TEST_SECRET
from tests.factories import make_organisation, make_user

AUTH = "OCDA-2025-000999"


def _big_file(world: Path, target: Path, copies: int) -> Path:
    source = sorted((world / "comms").glob("operator_a_2*.csv"))[0].read_bytes()
    header, _, body = source.partition(b"\n")
    with target.open("wb") as out:
        out.write(header + b"\n")
        for _ in range(copies):
            out.write(body)
    return target


def test_killed_import_leaves_no_trace_and_a_rerun_completes(
    db: Session, settings: Settings, world: Path, tmp_path: Path
) -> None:
    analyst = make_user(db, make_organisation(db), ["intelligence_analyst"])
    path = _big_file(world, tmp_path / "big.csv", copies=25)
    env = {
        **os.environ,
        "CROSSLINE_DATA_DIR": str(settings.data_dir),
        "CROSSLINE_DATABASE_URL": settings.resolved_database_url,
        "CROSSLINE_SECRET_KEY": TEST_SECRET,
    }
    crossline = Path(sys.executable).parent / "crossline"
    process = subprocess.Popen(
        [
            str(crossline),
            "comms",
            "import",
            str(path),
            "--authorisation",
            AUTH,
            "--user",
            analyst.email,
            "--json",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    staging = settings.data_dir / "comms" / "staging"
    deadline = time.monotonic() + 60
    while not list(staging.rglob("*.parquet")):
        assert process.poll() is None, "the import finished before it could be killed"
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(CommsImport)) == 0
    assert not list((settings.data_dir / "comms" / "events").rglob("*.parquet"))
    from crossline.auth.signin import actor_for_email

    report = services.import_files(
        db, actor_for_email(db, analyst.email), settings.data_dir, [path], authorisation=AUTH
    )
    assert report.files[0].status == "imported"
    data_lines = sum(1 for _ in path.open("rb")) - 1
    assert report.rows_imported + sum(report.quarantined.values()) == data_lines
    assert not staging.exists() or not list(staging.rglob("*"))
