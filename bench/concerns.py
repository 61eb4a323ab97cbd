"""Safeguarding concerns scored against the synthetic world's truth: ``concerns.child_recall``.

For each seed, in a fresh embedded store: make the world (or take the one in
``--worlds DIR/world-<seed>``), import its operator exports as a force's
analyst and analyse them (``crossline analyse``: each possible child becomes a
concern through the hook), then import the agencies' files as the
organisations that would hold them (``crossline safeguarding import``):

- missing episodes and custody records: each police force named in the file,
  as a safeguarding practitioner of that force (a force takes its own rows);
- hospital attendances: one health trust;
- school exclusions: one local authority.

The person records file (``agencies/person_records.csv``) resolves the record
ids of missing and custody rows. Then it scores ``concerns.child_recall``
(``safeguarding/evaluation.py``): the share of the truth's child runners with
at least one concern. The truth is read only to score; nothing is tuned to it.

    .venv/bin/python bench/concerns.py --preset medium --seeds 1 2 3 4 5 [--worlds DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import duration

ANALYST = "analyst@bench.crossline.uk"
ANALYST_FORCE = "west-midlands"  # as in the demo: one force analyses the world's exports
TRUST, AUTHORITY = "bench-health-trust", "bench-local-authority"
SECRET = "bench-secret-key-that-is-long-enough-0123456789"  # noqa: S105  a throwaway store


def one_seed(preset: str, seed: int, scratch: Path, world: Path | None) -> dict[str, Any]:
    from tests.factories import make_user

    import crossline.models  # noqa: F401  registers safeguarding's hook
    from crossline.analytics.evaluation import evaluate
    from crossline.analytics.services import report_of, run_analysis
    from crossline.auth.signin import actor_for_email
    from crossline.comms.services import import_files
    from crossline.core.database import make_engine, make_sessionmaker
    from crossline.core.migrations import upgrade_to_head
    from crossline.core.settings import Settings
    from crossline.orgs.services import ensure_organisation, find_organisation, seed_reference_data
    from crossline.safeguarding.evaluation import child_recall
    from crossline.safeguarding.importing import import_agency_file
    from crossline.synth.generate import generate

    timings: dict[str, float] = {}
    started = time.perf_counter()
    if world is None:
        world = scratch / "world"
        generate(preset, seed, world)
    timings["synth"] = time.perf_counter() - started
    settings = Settings(
        data_dir=scratch / "var",
        database_url=f"sqlite:///{scratch / 'crossline.db'}",
        secret_key=SECRET,
    )
    engine = make_engine(settings.resolved_database_url)
    upgrade_to_head(engine)
    factory = make_sessionmaker(engine, justification_required=False)
    agencies = world / "agencies"
    imported: dict[str, dict[str, int]] = {}
    with factory() as db:
        seed_reference_data(db)
        force = find_organisation(db, ANALYST_FORCE)
        make_user(db, force, ["intelligence_analyst"], email=ANALYST)
        analyst = actor_for_email(db, ANALYST)
        t = time.perf_counter()
        files = sorted((world / "comms").glob("*.csv"))
        import_files(db, analyst, settings.data_dir, files, authorisation="BENCH-SYNTHETIC")
        run = run_analysis(db, analyst, settings)
        timings["import and analyse"] = time.perf_counter() - t
        scores = evaluate(report_of(run)["lines"], world)

        t = time.perf_counter()
        holders = [(f, "missing", "reporting_force") for f in _forces(agencies, "missing")]
        holders += [(f, "custody", "force") for f in _forces(agencies, "custody")]
        ensure_organisation(db, TRUST, "Synthetic health trust", "health_trust")
        ensure_organisation(db, AUTHORITY, "Synthetic children's services", "local_authority")
        db.commit()
        for key, kind, _ in [*holders, (TRUST, "hospital", ""), (AUTHORITY, "exclusions", "")]:
            practitioner = _practitioner(db, find_organisation(db, key), make_user)
            summary = import_agency_file(
                db,
                actor_for_email(db, practitioner),
                kind,
                agencies / FILES[kind],
                people=agencies / "person_records.csv",
                via="cli",
            )
            totals = imported.setdefault(kind, {})
            for name, value in (
                ("imported", summary.imported),
                ("concerns", summary.concerns_raised),
                ("quarantined", len(summary.quarantined)),
                (
                    "skipped",
                    sum(summary.skipped.values()) - summary.skipped["another force's record"],
                ),
            ):
                totals[name] = totals.get(name, 0) + value
        timings["agency imports"] = time.perf_counter() - t
        recall = child_recall(db, world)
    engine.dispose()
    return {
        "seed": seed,
        "concerns": recall.as_dict(),
        "analysis_child_flag_recall": round(scores.child_flags.recall, 4),
        "imports": imported,
        "timings": {k: round(v, 1) for k, v in timings.items()},
    }


FILES = {
    "missing": "missing_episodes.csv",
    "custody": "custody.csv",
    "hospital": "hospital_attendances.csv",
    "exclusions": "school_exclusions.csv",
}


def _forces(agencies: Path, kind: str) -> list[str]:
    column = "reporting_force" if kind == "missing" else "force"
    with (agencies / FILES[kind]).open(newline="", encoding="utf-8") as handle:
        return sorted({row[column] for row in csv.DictReader(handle) if row[column]})


def _practitioner(db: Any, organisation: Any, make_user: Any) -> str:
    email = f"safeguarding@{organisation.key}.bench.crossline.uk"
    from sqlalchemy import select

    from crossline.auth.models import User

    if db.scalar(select(User.id).where(User.email == email)) is None:
        make_user(db, organisation, ["safeguarding_practitioner"], email=email)
    return email


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="medium")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--worlds", type=Path, help="worlds made already, as DIR/world-<seed>")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    results = []
    for seed in args.seeds:
        scratch = Path(tempfile.mkdtemp(prefix=f"concerns-{seed}-"))
        world = args.worlds / f"world-{seed}" if args.worlds else None
        started = time.perf_counter()
        try:
            result = one_seed(args.preset, seed, scratch, world)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        result["took"] = duration(time.perf_counter() - started)
        results.append(result)
        print(json.dumps(result), flush=True)
    recalls = [r["concerns"]["child_recall"] for r in results]
    print(
        json.dumps(
            {
                "preset": args.preset,
                "seeds": args.seeds,
                "mean_child_recall": round(sum(recalls) / len(recalls), 4),
                "children": sum(r["concerns"]["children"] for r in results),
                "with_concern": sum(r["concerns"]["with_concern"] for r in results),
            }
        )
    )


if __name__ == "__main__":
    main()
