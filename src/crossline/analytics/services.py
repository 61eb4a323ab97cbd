"""Running line analysis over an organisation's imports, and reading what it found.

The only place the rules of analysis runs live: who may run one (``analysis.run``),
over which data (the organisation's own imports: tenant isolation), and how
each run and its findings are recorded and audited.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.analytics import areas, incremental
from crossline.analytics.engines import make_engine
from crossline.analytics.models import AnalysisRun, Finding
from crossline.analytics.parameters import load_parameters
from crossline.analytics.pipeline import (
    Births,
    Progress,
    RecordedBirth,
    Result,
    analyse,
    rejudge_report,
)
from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.comms import store
from crossline.comms.models import CommsImport
from crossline.core import clock, hooks
from crossline.core.errors import InvalidInput, NotFound
from crossline.core.settings import Settings
from crossline.people.models import PersonRecord

REPORT_FORMAT = "crossline-analysis/1"


def run_analysis(
    db: Session,
    actor: Actor,
    settings: Settings,
    *,
    parameters_file: Path | None = None,
    progress: Progress | None = None,
    full: bool = False,
    via: str = "cli",
) -> AnalysisRun:
    """Analyse the imports of the actor's organisation; record the run and its findings.

    After new imports, only the days they need are analysed again and the lines of
    the last run are brought up to date (``analytics/incremental.py``), unless
    ``full`` is asked for or the data do not allow it. Needs ``analysis.run``. The
    run is a combination of personal data and is audited as one (DOMAIN.md
    §AUDIT.s62).
    """
    actor.require(Permission.ANALYSIS_RUN)
    parameters = load_parameters(parameters_file)
    imports = db.scalars(
        select(CommsImport)
        .where(CommsImport.owner_id == actor.organisation_id)
        .order_by(CommsImport.finished_at)
    ).all()
    ids = {str(i.id) for i in imports}
    days_of: dict[str, dict[date, str]] = {i: {} for i in ids}
    for stored in store.stored_event_files(settings.data_dir):
        if stored.import_id in days_of:
            days_of[stored.import_id][stored.day] = str(stored.path)
    if not any(days_of.values()):
        raise InvalidInput(
            "There is nothing to analyse: your organisation has imported no call records. "
            "Import them first (crossline comms import, or the Import page).",
            field="imports",
        )
    earlier = None if full else _latest_run(db, actor)
    births = recorded_births(db, actor.organisation_id)
    dates_of_birth = sum(map(len, births.values()))  # records whose dates were used
    how = incremental.plan(
        earlier_imports=set(json.loads(earlier.import_ids)) if earlier else None,
        earlier_parameters=earlier.parameters if earlier else None,
        parameters=parameters.model_dump_json(),
        days_of={i: set(days) for i, days in days_of.items()},
        lookback_days=parameters.incremental_lookback_days,
    )
    if full:
        how = incremental.Plan(None, "a full run was asked for")
    cells = areas.stored_cells(areas.cell_files(settings.data_dir, ids))
    started = clock.now()

    def analysed(window_from: date | None) -> Result:
        files = sorted(
            path
            for days in days_of.values()
            for day, path in days.items()
            if window_from is None or day >= window_from
        )
        spill = settings.data_dir / "analysis"
        spill.mkdir(parents=True, exist_ok=True)
        engine = make_engine(
            settings.engine.value,
            parameters.time_zone,
            settings.spark_master,
            spill,
            settings.analysis_memory_limit,
        )
        try:
            return analyse(engine, files, cells, parameters, progress, births)
        finally:
            engine.close()

    result = analysed(how.window_from)
    lines = result.report()
    window_from = how.window_from
    if earlier is not None and window_from is not None:
        before = report_of(earlier)["lines"]
        if incremental.new_before_window(before, lines, window_from):
            how = incremental.Plan(
                None, "a line first found now was in use before the window: all history again"
            )
            result = analysed(None)
            lines = result.report()
        else:
            lines = incremental.merge(before, lines, window_from)
            rejudge_report(lines, births)
    run = AnalysisRun(
        id=uuid.uuid4(),
        owner_id=actor.organisation_id,
        run_by_id=actor.user_id,
        run_by_name=actor.display_name,
        engine=settings.engine.value,
        import_ids=json.dumps(sorted(ids)),
        parameters=parameters.model_dump_json(),
        status="done",
        started_at=started,
        finished_at=clock.now(),
        events=result.events,
        candidates=result.candidates,
        lines_found=len(lines),
        report="",
    )
    scope = {
        "mode": "incremental" if how.incremental else "full",
        "window_from": how.window_from.isoformat() if how.window_from else None,
        "based_on": str(earlier.id) if earlier and how.incremental else None,
        "why": how.reason,
        "dates_of_birth": dates_of_birth,
    }
    run.report = json.dumps(_report(run, lines, result.located, scope))
    db.add(run)
    db.flush()
    for entry in lines:
        db.add(
            Finding(
                run_id=run.id,
                owner_id=actor.organisation_id,
                kind="line",
                line_id=entry["line_id"],
                score=entry["score"],
                summary=_line_summary(entry),
                detail=json.dumps(entry),
            )
        )
        for person in entry["roles"]:
            if person.get("possible_child"):
                db.add(
                    Finding(
                        run_id=run.id,
                        owner_id=actor.organisation_id,
                        kind="safeguarding_concern",
                        line_id=entry["line_id"],
                        number=person["number"],
                        score=entry["score"],
                        summary=f"A {person['role']} on line {entry['line_id']} may be a child "
                        "(DOMAIN.md §LINES.child-runner): treat as a possible victim of "
                        "criminal exploitation.",
                        detail=json.dumps(
                            {
                                "role": person["role"],
                                **person["evidence"],
                                **person.get("child_evidence", {}),
                            }
                        ),
                    )
                )
    db.flush()
    # Safeguarding raises a concern for each possible child, in this transaction (core/hooks.py).
    hooks.analysis_run_saved(db, run.id, via)
    record(
        db,
        actor,
        Operation.COMBINATION,
        RecordRef.of("analysis_run", run.id),
        why=f"line analysis of {len(ids)} import(s) of communications data ({scope['mode']}), "
        f"with the dates of birth of {dates_of_birth} person record(s) "
        "that hold a phone number",
        owner=actor.organisation_id,
        via=via,
    )
    db.commit()
    return run


def recorded_births(db: Session, organisation_id: uuid.UUID) -> Births:
    """The dates of birth the organisation's own person records hold against numbers.

    Only the organisation's own records (tenant isolation): another force's record
    is reached through linkage and deconfliction, never read by its analysis.
    """
    births: dict[str, list[RecordedBirth]] = {}
    rows = db.execute(
        select(PersonRecord.reference, PersonRecord.dob, PersonRecord.phone_numbers).where(
            PersonRecord.owner_id == organisation_id,
            PersonRecord.dob.is_not(None),
            PersonRecord.phone_numbers != "[]",
        )
    )
    for reference, dob, numbers in rows:
        if dob is None:
            continue
        for number in json.loads(numbers):
            births.setdefault(number, []).append(RecordedBirth(dob, reference))
    return births


def _latest_run(db: Session, actor: Actor) -> AnalysisRun | None:
    return db.scalars(
        select(AnalysisRun)
        .where(AnalysisRun.owner_id == actor.organisation_id, AnalysisRun.status == "done")
        .order_by(AnalysisRun.finished_at.desc())
        .limit(1)
    ).first()


def _report(
    run: AnalysisRun, lines: list[dict[str, Any]], located: bool, scope: dict[str, Any]
) -> dict[str, Any]:
    return {
        "format": REPORT_FORMAT,
        "run": {
            "run_id": str(run.id),
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat(),
            "run_by": run.run_by_name,
            "engine": run.engine,
            "imports": json.loads(run.import_ids),
            "events": run.events,
            "candidates_scored": run.candidates,
            "cell_sites": located,
            "parameters": json.loads(run.parameters),
            **scope,
        },
        "lines": lines,
    }


def _line_summary(entry: dict[str, Any]) -> str:
    numbers = ", ".join(n["number"] for n in entry["numbers"][:3])
    more = len(entry["numbers"]) - 3
    runners = sum(1 for p in entry["roles"] if p["role"] == "runner")
    where = " → ".join(a for a in (entry["hub_area"], entry["county_area"]) if a) or "areas unknown"
    return (
        f"{numbers}{f' and {more} more' if more > 0 else ''}; {where}; "
        f"{runners} runner(s); score {entry['score']:.2f}"
    )[:500]


def list_runs(db: Session, actor: Actor) -> Sequence[AnalysisRun]:
    actor.require(Permission.ANALYSIS_RUN)
    return db.scalars(
        select(AnalysisRun)
        .where(AnalysisRun.owner_id == actor.organisation_id)
        .order_by(AnalysisRun.finished_at.desc())
    ).all()


def get_run(db: Session, actor: Actor, run_id: uuid.UUID | None = None) -> AnalysisRun:
    """A run of the actor's organisation (the latest when ``run_id`` is None)."""
    actor.require(Permission.ANALYSIS_RUN)
    query = select(AnalysisRun).where(AnalysisRun.owner_id == actor.organisation_id)
    if run_id is not None:
        query = query.where(AnalysisRun.id == run_id)
    run = db.scalars(query.order_by(AnalysisRun.finished_at.desc()).limit(1)).first()
    if run is None:
        raise NotFound("There is no such analysis run for your organisation.")
    return run


def findings(db: Session, actor: Actor, run: AnalysisRun, *, via: str = "web") -> Sequence[Finding]:
    """The findings of one of the actor's organisation's runs: lines first, best first.

    Reading them is a consultation of personal data (numbers of people), audited.
    """
    actor.require(Permission.ANALYSIS_RUN)
    if run.owner_id != actor.organisation_id:
        raise NotFound("There is no such analysis run for your organisation.")
    found = db.scalars(
        select(Finding)
        .where(Finding.run_id == run.id)
        .order_by(Finding.kind, Finding.score.desc(), Finding.line_id)
    ).all()
    record(
        db,
        actor,
        Operation.CONSULTATION,
        RecordRef.of("analysis_run", run.id),
        why="reviewing the findings of line analysis",
        owner=actor.organisation_id,
        via=via,
    )
    db.commit()
    return found


def report_of(run: AnalysisRun) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run.report)
    return data
