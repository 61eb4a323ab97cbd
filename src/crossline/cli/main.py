"""The ``crossline`` command line: set-up, serving, users, audit and the demo.

Every command has ``--help``; docs/cli.md is generated from it. Errors that
Crossline raises on purpose are printed as one line and exit with status 1.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

import crossline.models  # noqa: F401  every table known to the ORM, whatever a command imports
from crossline.core.database import make_engine, session_scope, sessionmaker_for
from crossline.core.errors import CrosslineError
from crossline.core.migrations import current_revision, upgrade_to_head
from crossline.core.settings import Mode, Settings, get_settings

app = typer.Typer(
    help="Crossline: multi-agency work against county lines and serious violence.",
    no_args_is_help=True,
    add_completion=False,
    # A traceback's local variables may hold personal data: never print them.
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="The operational store's schema.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The processing log of personal data.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organisations and reference data.", no_args_is_help=True)
comms_app = typer.Typer(
    help="Communications data: import it, review what was quarantined.", no_args_is_help=True
)
people_app = typer.Typer(
    help="Person records: import your organisation's, link them across files.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(orgs_app, name="orgs")
app.add_typer(comms_app, name="comms")
app.add_typer(people_app, name="people")
orders_app = typer.Typer(
    help="Drug Dealing Telecommunications Restriction Orders: what they did.", no_args_is_help=True
)
app.add_typer(orders_app, name="orders")
programmes_app = typer.Typer(
    help="Intervention programmes: the catalogue and who each is open to.", no_args_is_help=True
)
app.add_typer(programmes_app, name="programmes")
safeguarding_app = typer.Typer(
    help="Safeguarding: import other agencies' records of young people.", no_args_is_help=True
)
app.add_typer(safeguarding_app, name="safeguarding")
insight_app = typer.Typer(
    help="Insight: import police.uk's recorded crime for the serious violence dashboard.",
    no_args_is_help=True,
)
app.add_typer(insight_app, name="insight")

UserOption = Annotated[
    str,
    typer.Option(
        "--user",
        envvar="CROSSLINE_USER",
        help="Email of the user acting (their roles apply; the audit log names them).",
    ),
]

console = Console()
F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(command: F) -> F:
    """Print a Crossline error as one line and exit 1, instead of a traceback."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except CrosslineError as exc:
            # soft_wrap: an error stays one line, whole, for people and scripts alike.
            console.print(f"[red]Error:[/red] {exc.message}", soft_wrap=True)
            raise typer.Exit(1) from exc

    return run  # type: ignore[return-value]


def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:  # pydantic's refusal of unsafe or malformed settings
        console.print(f"[red]Settings are not valid:[/red] {exc}")
        raise typer.Exit(1) from exc


def _initialise(settings: Settings) -> None:
    """Create the data directory, migrate the store and seed reference data."""
    from crossline.orgs.services import seed_reference_data

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.resolved_secret_key()
    engine = make_engine(settings.resolved_database_url)
    upgrade_to_head(engine)
    with session_scope(sessionmaker_for(settings)) as db:
        areas, forces = seed_reference_data(db)
    console.print(
        f"Store ready at revision {current_revision(engine)}; "
        f"added {areas} areas and {forces} forces."
    )


@app.command()
@friendly_errors
def init() -> None:
    """Create the data directory, bring the database up to date and seed reference data."""
    _initialise(_settings())


@app.command()
@friendly_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Serve the web app and API (run `crossline init` first)."""
    import uvicorn

    from crossline.web.app import create_app

    settings = _settings()
    # Crossline's own loggers (access lines, sign-in events) carry no personal data.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    crossline_log = logging.getLogger("crossline")
    crossline_log.setLevel(logging.INFO)
    crossline_log.addHandler(handler)
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
        proxy_headers=True,
        server_header=False,
        # The access log would print query strings, which can hold search terms
        # about people; SecurityMiddleware logs method, path and status instead.
        access_log=False,
    )


@db_app.command("upgrade")
@friendly_errors
def db_upgrade() -> None:
    """Apply every migration the database has not had yet."""
    engine = make_engine(_settings().resolved_database_url)
    upgrade_to_head(engine)
    console.print(f"Database at revision {current_revision(engine)}.")


@users_app.command("create")
@friendly_errors
def users_create(
    organisation: Annotated[str, typer.Option(help="Organisation key, e.g. west-midlands.")],
    email: Annotated[str, typer.Option(help="The user's email address (their sign-in name).")],
    name: Annotated[str, typer.Option(help="The user's full name.")],
    role: Annotated[list[str], typer.Option(help="A role id; repeat for several.")] = [  # noqa: B006
        "administrator"
    ],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="First password (asked for if not given; at least 12 characters).",
        ),
    ] = "",
) -> None:
    """Create a user, typically an organisation's first administrator. Audited."""
    from crossline.auth.schemas import UserCreate
    from crossline.auth.services import create_user
    from crossline.orgs.services import find_organisation

    settings = _settings()
    with session_scope(sessionmaker_for(settings)) as db:
        org = find_organisation(db, organisation)
        try:
            data = UserCreate(email=email, display_name=name, roles=role, password=password)
        except ValueError as exc:
            console.print(f"[red]Error:[/red] {exc}")
            raise typer.Exit(1) from exc
        user = create_user(db, None, org, data, via="cli")
        console.print(f"Created {user.email} in {org.name} with roles {', '.join(sorted(role))}.")


@audit_app.command("verify")
@friendly_errors
def audit_verify(
    expect_head: Annotated[
        str | None,
        typer.Option(
            help="A head hash printed by an earlier verify and kept elsewhere: fail unless that "
            "entry is still in the chain (removing the newest entries is found only this way).",
        ),
    ] = None,
) -> None:
    """Check the audit log's hash chain; name the first altered or missing entry."""
    from crossline.audit.services import verify_chain

    settings = _settings()
    with session_scope(sessionmaker_for(settings)) as db:
        report = verify_chain(db, expect_head=expect_head)
    if report.is_intact:
        console.print(
            f"Audit log intact: {report.entries} entries; head {report.head_hash}.", soft_wrap=True
        )
        return
    console.print(
        f"[red]Audit log broken:[/red] {report.problem} "
        f"({report.entries} entries before it are intact)."
    )
    raise typer.Exit(1)


@orgs_app.command("list")
@friendly_errors
def orgs_list(kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None) -> None:
    """List organisations with their keys."""
    from crossline.orgs.services import list_organisations

    settings = _settings()
    with session_scope(sessionmaker_for(settings)) as db:
        table = Table("key", "name", "kind")
        for org in list_organisations(db, kind):
            table.add_row(org.key, org.name, org.kind)
    console.print(table)


@orgs_app.command("add")
@friendly_errors
def orgs_add(
    key: Annotated[str, typer.Argument(help="A short stable id, e.g. leeds-childrens-services.")],
    name: Annotated[str, typer.Option(help="The organisation's name.")],
    kind: Annotated[
        str, typer.Option(help="An organisation kind id (see docs/reference-data.md).")
    ],
) -> None:
    """Add an organisation (forces are there already)."""
    from crossline.orgs.services import ensure_organisation

    settings = _settings()
    with session_scope(sessionmaker_for(settings)) as db:
        org = ensure_organisation(db, key, name, kind)
        db.commit()
        console.print(f"{org.key}: {org.name} ({org.kind})")


@orgs_app.command("contact")
@friendly_errors
def orgs_contact(
    organisation: Annotated[str, typer.Argument(help="Organisation key, e.g. west-midlands.")],
    name: Annotated[
        str | None,
        typer.Option(help="The contact officer's full name, with rank or title if used."),
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="Their email address (needs --name with it).")
    ] = None,
    remove: Annotated[
        bool, typer.Option("--remove", help="Remove the contact officer instead.")
    ] = False,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            envvar="CROSSLINE_USER",
            help="Email of an administrator of the organisation acting (the audit log names "
            "them). Without it, you act as whoever runs the deployment.",
        ),
    ] = None,
) -> None:
    """Set an organisation's contact officer, whom deconfliction alerts name. Audited."""
    from crossline.auth.signin import actor_for_email
    from crossline.orgs.schemas import ContactOfficerSet
    from crossline.orgs.services import find_organisation, set_contact_officer

    if remove == (name is not None or email is not None):
        console.print("[red]Error:[/red] give --name (and --email), or --remove.")
        raise typer.Exit(1)
    settings = _settings()
    with session_scope(sessionmaker_for(settings)) as db:
        actor = actor_for_email(db, user) if user else None
        org = find_organisation(db, organisation)
        data = ContactOfficerSet(name=name, email=email, version=org.version)
        set_contact_officer(db, actor, org.id, data, via="cli")
        console.print(f"{org.key}: contact officer {'removed' if remove else 'saved'}.")


@comms_app.command("import")
@friendly_errors
def comms_import(
    files: Annotated[list[Path], typer.Argument(help="Operator exports or cell-site lists.")],
    authorisation: Annotated[
        str,
        typer.Option(
            help="The communications data authorisation reference the records were obtained "
            "under (required)."
        ),
    ],
    user: UserOption,
    profile: Annotated[
        str | None, typer.Option(help="The import profile; found from the header when not given.")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="The files' text encoding when not UTF-8, e.g. cp1252.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Import files of communications data: every row imported or quarantined. Audited."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from crossline.auth.signin import actor_for_email
    from crossline.comms.services import import_files

    settings = _settings()
    with session_scope(sessionmaker_for(settings)) as db:
        actor = actor_for_email(db, user)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=as_json,
        ) as bar:
            tasks: dict[str, object] = {}

            def advance(name: str, done: int, total: int) -> None:
                if name not in tasks:
                    tasks[name] = bar.add_task(name, total=total)
                bar.update(tasks[name], completed=done)  # type: ignore[arg-type]

            report = import_files(
                db,
                actor,
                settings.data_dir,
                files,
                authorisation=authorisation,
                profile_id=profile,
                encoding=encoding,
                progress=advance,
            )
    if as_json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        for f in report.files:
            line = f"{f.file}: {f.status}"
            if f.status == "imported":
                line += (
                    f" with profile {f.profile}: {f.rows_imported:,} rows imported, "
                    f"{sum(f.quarantined.values()):,} quarantined"
                )
            console.print(
                line + (f". {f.message}" if f.message else "."), soft_wrap=True, highlight=False
            )
            for reason, count in f.quarantined.items():
                console.print(f"    {count:>8,}  {reason}", highlight=False)
    if report.refused:
        raise typer.Exit(1)


@comms_app.command("imports")
@friendly_errors
def comms_imports(user: UserOption) -> None:
    """List your organisation's imports, newest first."""
    from crossline.auth.signin import actor_for_email
    from crossline.comms.services import list_imports

    settings = _settings()
    with session_scope(sessionmaker_for(settings)) as db:
        table = Table("import", "file", "profile", "imported", "quarantined", "finished")
        for entry in list_imports(db, actor_for_email(db, user)):
            table.add_row(
                str(entry.id),
                entry.file_name,
                entry.profile,
                f"{entry.rows_imported:,}",
                f"{entry.rows_quarantined:,}",
                f"{entry.finished_at:%Y-%m-%d %H:%M}",
            )
    console.print(table)


@comms_app.command("quarantine")
@friendly_errors
def comms_quarantine(
    import_id: Annotated[str, typer.Argument(help="The import's id (`crossline comms imports`).")],
    user: UserOption,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write every quarantined row to this CSV file (audited as a disclosure)."
        ),
    ] = None,
    reason: Annotated[
        str | None, typer.Option(help="Only rows quarantined for this reason.")
    ] = None,
) -> None:
    """Show or export the rows an import quarantined, with line numbers and reasons."""
    import csv
    import uuid

    from crossline.auth.signin import actor_for_email
    from crossline.comms.services import export_quarantined, quarantined_rows
    from crossline.core.errors import NotFound

    try:
        wanted = uuid.UUID(import_id)
    except ValueError as exc:
        raise NotFound(f"{import_id!r} is not an import id.") from exc
    settings = _settings()
    with session_scope(sessionmaker_for(settings)) as db:
        actor = actor_for_email(db, user)
        if out is not None:
            with out.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                count = export_quarantined(db, actor, wanted, writer.writerow)
            console.print(f"Wrote {count:,} quarantined rows to {out}.")
            return
        page = quarantined_rows(db, actor, wanted, reason=reason, size=500)
        for row in page.items:
            console.print(
                f"line {row.line}: {row.reason}: {row.raw}",
                soft_wrap=True,
                highlight=False,
                markup=False,
            )
        console.print(
            f"{page.total:,} rows; showing the first {len(page.items)}. "
            "Use --out to export them all."
        )


@people_app.command("link")
@friendly_errors
def people_link(
    file: Annotated[
        Path,
        typer.Argument(
            help="A CSV or Parquet file with columns record_id, first_name, surname, dob, "
            "postcode, gender (others ignored; values may be empty)."
        ),
    ],
    out: Annotated[Path, typer.Option(help="Write record_id,cluster_id for every record here.")],
    threshold: Annotated[
        float | None,
        typer.Option(
            help="Link pairs whose match probability is at least this (default 0.5: more "
            "likely the same person than not)."
        ),
    ] = None,
    pairs: Annotated[
        Path | None,
        typer.Option(
            help="Also write each linked pair with its match weight and every field's "
            "level and weight."
        ),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            metavar="duckdb|spark",
            help="Where Splink runs: duckdb (this machine) or spark (local[2], or the cluster "
            "CROSSLINE_SPARK_MASTER names).",
        ),
    ] = "duckdb",
) -> None:
    """Link person records that may be of the same person, with Splink; write the clusters.

    The model is trained on the file itself (no labels); nothing is stored or
    audited, as the records never enter Crossline. See docs/people.md.
    """
    from contextlib import ExitStack

    from crossline.core.errors import InvalidInput
    from crossline.people.linkage import (
        DEFAULT_THRESHOLD,
        link_person_records,
        read_person_records,
        write_clusters,
        write_pairs,
    )

    if engine not in ("duckdb", "spark"):
        raise InvalidInput(f"--engine is duckdb or spark, not {engine!r}.", field="engine")
    for target in (out, pairs):
        if target is not None and not target.parent.is_dir():
            raise InvalidInput(f"{target.parent} is not a folder. Write into a folder that exists.")
    settings = _settings()
    with console.status(f"Reading {file.name}") as status, ExitStack() as resources:
        records = read_person_records(file)
        db_api = None
        if engine == "spark":
            # The analytics engine's Spark session (settings.spark_master), with Splink's
            # functions added: one way to start Spark in Crossline.
            from pyspark.sql import SparkSession

            from crossline.analytics.engines import SparkEngine
            from crossline.people.linkage import spark_database

            status.update(f"Starting Spark ({settings.spark_master})...")
            spark_engine = SparkEngine("UTC", settings.spark_master)
            resources.callback(spark_engine.close)
            db_api = resources.enter_context(spark_database(SparkSession.builder.getOrCreate()))
        linkage = link_person_records(
            records,
            threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
            db_api=db_api,
            progress=lambda step: status.update(f"{step}..."),
            memory_limit=settings.linkage_memory_limit,
        )
    write_clusters(linkage, out)
    if pairs is not None:
        write_pairs(linkage, pairs)
    console.print(
        f"{records.num_rows:,} records, fields compared: {', '.join(linkage.fields) or 'none'}. "
        f"{linkage.pairs_scored:,} pairs scored, {len(linkage.pairs):,} linked at match "
        f"probability {linkage.threshold:g} or more. {linkage.cluster_count:,} clusters "
        f"({linkage.singleton_count:,} of one record); the largest has "
        f"{linkage.largest_cluster:,} records.",
        soft_wrap=True,
        highlight=False,
    )
    console.print(
        f"Clusters written to {out}" + (f"; linked pairs to {pairs}." if pairs else "."),
        soft_wrap=True,
        highlight=False,
    )


@people_app.command("import")
@friendly_errors
def people_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="A CSV file with columns record_id, first_name, surname, dob, postcode, gender "
            "and, if held, phone_numbers (separated by ; or ,)."
        ),
    ],
    user: UserOption,
) -> None:
    """Import your organisation's person records, then link every organisation's. Audited.

    Records are matched to yours by record_id (your reference): new ones added,
    changed ones corrected, the same left alone. Each bad row is reported with
    its line and reason; the good ones are saved together. See
    docs/people-records.md.
    """
    from crossline.auth.signin import actor_for_email
    from crossline.people.schemas import PersonImport
    from crossline.people.services import matching, records
    from crossline.people.services.files import read_records_file

    found, bad = read_records_file(file)
    settings = _settings()
    with session_scope(sessionmaker_for(settings)) as db:
        actor = actor_for_email(db, user)
        batch = PersonImport.model_construct(records=[record for _, record in found])
        result, touched = records.import_records(db, actor, batch, via="cli")
        for field, message in result.errors.items():
            index = int(field.split("]")[0].removeprefix("records["))
            bad[found[index][0]] = f"{field.split('].', 1)[-1]}: {message}"
        console.print(
            f"{result.added:,} added, {result.updated:,} corrected, {result.unchanged:,} "
            f"unchanged; {len(bad):,} bad row(s) not imported.",
            soft_wrap=True,
            highlight=False,
        )
        for line in sorted(bad)[:20]:
            console.print(
                f"  line {line}: {bad[line]}", soft_wrap=True, highlight=False, markup=False
            )
        if len(bad) > 20:
            console.print(f"  and {len(bad) - 20:,} more.")
        if touched:
            with console.status("Linking every organisation's person records") as status:
                run = matching.relink(
                    db,
                    actor,
                    memory_limit=settings.linkage_memory_limit,
                    via="cli",
                    progress=lambda step: status.update(f"{step}..."),
                )
            if run.skipped_reason:
                console.print(f"Not linked: {run.skipped_reason}", soft_wrap=True, highlight=False)
            else:
                console.print(
                    f"Linked {run.records:,} records: {run.matches:,} possible matches, "
                    f"{run.new_matches:,} new; {run.new_alerts:,} new alert(s) between "
                    "organisations.",
                    soft_wrap=True,
                    highlight=False,
                )


@orders_app.command("report")
@friendly_errors
def orders_report(
    user: UserOption,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON instead of a table.")
    ] = False,
) -> None:
    """Every order you may read: line, identifiers, dates, state, and what the line did next.

    Per order: applied, made, complied and expiry dates; its state; and its
    effect: resurfaced or not, the new numbers or handsets, and the days from
    the order to the first. A national coordinator's covers every force.
    Audited. See docs/orders.md.
    """
    import json

    from crossline.auth.signin import actor_for_email
    from crossline.orders.services import effect_report

    with session_scope(sessionmaker_for(_settings())) as db:
        rows = effect_report(db, actor_for_email(db, user))
    if as_json:
        typer.echo(json.dumps([row.model_dump(mode="json") for row in rows], indent=2))
        return
    if not rows:
        console.print("No orders.")
        return
    for row in rows:
        effect = (
            f"back on {', '.join(row.effect.new_identifiers)} after "
            f"{row.effect.days_to_resurfacing} day(s)"
            if row.effect.resurfaced
            else "quiet since"
        )
        console.print(
            f"{row.reference}  line {row.line or '-'}  made {row.made}  "
            f"{row.state.value.replace('_', ' ')}  {effect}",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )


@programmes_app.command("list")
@friendly_errors
def programmes_list(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the catalogue as JSON, rules included.")
    ] = False,
) -> None:
    """Every intervention programme: provider, setting, ages, areas and eligibility rules.

    Each programme names the DOMAIN.md section it rests on, its confidence
    mark and what the sources leave uncertain. See docs/programmes.md.
    """
    from crossline.programmes import PROGRAMMES

    if as_json:
        entries = [p.model_dump(mode="json") for p in PROGRAMMES.values()]
        typer.echo(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    for programme in PROGRAMMES.values():
        youngest, oldest = programme.ages
        ages = (
            "any"
            if youngest is None and oldest is None
            else f"{youngest or 0} to {oldest or 'any'}"
        )
        lines = [
            f"{programme.label} [{programme.id}]",
            f"  provider: {programme.provider}",
            f"  setting: {programme.setting}",
            f"  ages: {ages}; gender: {programme.gender}; areas: {programme.areas}",
            f"  rests on: DOMAIN.md {programme.section} ({programme.confidence.value})",
            "  open to someone:",
            *(f"    - {rule.describe()}" for rule in programme.rules),
            *(f"  uncertain: {note}" for note in programme.uncertain),
        ]
        console.print("\n".join(lines), soft_wrap=True, highlight=False, markup=False)


# The demo's recorded crime: police.uk's City of London files in the shared data folder
# beside the repository (../shared/data), when it is there; never copied into the project.
DEMO_CRIME = (
    Path(__file__).resolve().parents[4] / "shared" / "data" / "police-uk-street-city-of-london"
)


def _demo_insight(settings: Settings) -> None:
    from crossline.insight.importing import import_street_file

    files = sorted(DEMO_CRIME.glob("*-street.csv")) if DEMO_CRIME.is_dir() else []
    if not files:
        console.print(
            f"No police.uk files in {DEMO_CRIME}: the Insight dashboard starts empty "
            "(crossline insight import FILES fills it).",
            soft_wrap=True,
        )
        return
    added = 0
    for file in files:
        with session_scope(sessionmaker_for(settings)) as db:
            added += import_street_file(db, file, by="crossline demo").rows
    console.print(
        f"Recorded crime for Insight: {added:,} crimes from {len(files)} police.uk files."
    )


@insight_app.command("import-istv")
@friendly_errors
def insight_import_istv(
    files: Annotated[
        list[Path], typer.Argument(help="Emergency departments' ISTV files (CSV, docs/insight.md).")
    ],
) -> None:
    """Import emergency departments' assault data (the ISTV minimum data set).

    A file with any column that could identify a patient (NHS number, name,
    date of birth, postcode ...) is refused and nothing of it kept: the data
    leave the NHS anonymised. Bad rows are set aside with line and reason; a
    file imported before adds nothing.
    """
    from crossline.insight.hospital import import_istv_file

    _import_insight_files(files, import_istv_file, "assaults", "crossline insight import-istv")


@insight_app.command("import")
@friendly_errors
def insight_import(
    files: Annotated[
        list[Path],
        typer.Argument(help="police.uk street-level CSV files (YYYY-MM-force-street.csv)."),
    ],
) -> None:
    """Import police.uk street-level crime files for the Insight dashboard.

    Each file is checked for police.uk's 12 columns and refused whole without
    them; a row without a month, a crime type or a force is set aside with its
    line and reason and the rest kept; a file imported before adds nothing.
    Counts are shown to insight viewers under disclosure control (docs/insight.md).
    """
    from crossline.insight.importing import import_street_file

    _import_insight_files(files, import_street_file, "crimes", "crossline insight import")


def _import_insight_files(
    files: list[Path], importer: Callable[..., Any], what: str, by: str
) -> None:
    """Import each file in a transaction of its own, saying what each gave."""
    settings = _settings()
    _initialise(settings)
    for file in files:
        if not file.is_file():
            console.print(f"[red]Error:[/red] {file} is not a file.")
            raise typer.Exit(1)
        with session_scope(sessionmaker_for(settings)) as db:
            done = importer(db, file, by=by)
        if done.already:
            console.print(f"{file.name}: imported before; nothing added.", soft_wrap=True)
            continue
        months = ", ".join(done.months) or "no month"
        replaced = f"; {done.replaced:,} of an earlier file replaced" if done.replaced else ""
        console.print(
            f"{file.name}: {done.rows:,} {what} ({months}); {done.quarantined:,} row(s) set "
            f"aside{replaced}.",
            soft_wrap=True,
        )


@safeguarding_app.command("import")
@friendly_errors
def safeguarding_import(
    file: Annotated[Path, typer.Argument(help="The agency's CSV file (docs/safeguarding.md).")],
    kind: Annotated[
        str,
        typer.Option(metavar="missing|custody|hospital|exclusions", help="What the file holds."),
    ],
    user: UserOption,
    people: Annotated[
        Path | None,
        typer.Option(
            help="Person records (record_id, first_name, surname, dob, postcode, gender) that "
            "the record_id of missing and custody rows names; else your organisation's own."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import missing episodes, custody, hospital attendances or exclusions. Audited.

    Each row becomes your organisation's young person (matched by record, or
    name and date of birth) with the episode or a concern when they were a
    child on the day. Bad rows are listed with their line and reason; the good
    ones are saved together; importing the same file again adds nothing.
    """
    from crossline.auth.signin import actor_for_email
    from crossline.safeguarding.importing import import_agency_file

    settings = _settings()
    with session_scope(sessionmaker_for(settings)) as db:
        actor = actor_for_email(db, user)
        summary = import_agency_file(db, actor, kind, file, people=people, via="cli")
        if summary.young_people_added:
            from crossline.safeguarding.services.linkage import relink_young_people

            relink_young_people(db, memory_limit=settings.linkage_memory_limit, via="cli")
    if as_json:
        print(json.dumps(summary.as_json(), indent=2))
        return
    skipped = "".join(f"; {count:,} skipped: {why}" for why, count in summary.skipped.items())
    console.print(
        f"{file.name}: {summary.rows:,} rows; {summary.imported:,} imported, {summary.already:,} "
        f"imported before{skipped}; {len(summary.quarantined):,} quarantined. "
        f"{summary.young_people_added:,} young people recorded, {summary.concerns_raised:,} "
        "concerns raised.",
        soft_wrap=True,
        highlight=False,
    )
    for bad in summary.quarantined[:20]:
        console.print(
            f"  {bad.file} line {bad.line}: {bad.reason}",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )
    if len(summary.quarantined) > 20:
        console.print(f"  and {len(summary.quarantined) - 20:,} more.")


@app.command()
@friendly_errors
def synth(
    out: Annotated[Path, typer.Option(help="A new or empty folder for the world.")],
    preset: Annotated[
        str,
        typer.Option(
            help="tiny (seconds, for tests), demo, medium (~10 million events) or large "
            "(~100 million, streamed)."
        ),
    ] = "tiny",
    seed: Annotated[
        int, typer.Option(help="The same seed gives the same world, byte for byte.")
    ] = 1,
) -> None:
    """Make a synthetic county-lines world: operator exports, agency records, and the truth."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from crossline.synth.generate import generate

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("Simulating days", total=None)
        summary = generate(
            preset,
            seed,
            out,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    console.print(
        f"World '{summary.preset}' (seed {summary.seed}) in {out}: "
        f"{summary.events:,} events over {summary.days} days, {summary.lines} lines "
        f"with {summary.line_numbers} numbers, {summary.persons:,} people."
    )
    for name, count in summary.defects_by_kind.items():
        console.print(f"  {name.replace('_', ' ')}: {count:,}")
    console.print(f"Truth in {out / 'truth'}; records in {out / 'comms'}.")


@app.command()
@friendly_errors
def analyse(
    user: UserOption,
    report: Annotated[
        Path | None, typer.Option(help="Write the analysis report (JSON) to this file.")
    ] = None,
    parameters: Annotated[
        Path | None,
        typer.Option(help="A parameters file overriding the shipped defaults (YAML)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="Analyse all history, not only what new imports need (the default)."
        ),
    ] = False,
) -> None:
    """Find deal lines in your organisation's imported communications data. Audited.

    Each run is recorded with its imports, engine and parameters; its findings
    (lines, and safeguarding concerns about children on them) point to it.
    After new imports only the days they need are analysed again and the last
    run's lines brought up to date; --full analyses everything.
    The report's format is in docs/analysis.md.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress

    from crossline.analytics.services import report_of, run_analysis
    from crossline.auth.signin import actor_for_email

    settings = _settings()
    with session_scope(sessionmaker_for(settings)) as db:
        actor = actor_for_email(db, user)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
            disable=as_json,
        ) as bar:
            task = bar.add_task("analysing", total=None)

            def advance(step: str, done: int, total: int) -> None:
                bar.update(task, description=step, completed=done, total=total)

            run = run_analysis(
                db, actor, settings, parameters_file=parameters, progress=advance, full=full
            )
        content = report_of(run)
    if report is not None:
        report.write_text(json.dumps(content, indent=2), encoding="utf-8")
    if as_json:
        print(json.dumps(content, indent=2))
        return
    lines = content["lines"]
    concerns = sum(1 for line in lines for p in line["roles"] if p.get("possible_child"))
    scope = content["run"]
    console.print(
        f"Run {run.id} on {run.engine} ({scope['mode']}: {scope['why']}): {run.events:,} events, "
        f"{run.candidates:,} numbers scored, {len(lines)} line(s) found, {concerns} possible "
        "child(ren) on them."
    )
    for line in lines:
        numbers = ", ".join(n["number"] for n in line["numbers"])
        where = " → ".join(a for a in (line["hub_area"], line["county_area"]) if a)
        console.print(f"  {line['line_id']}  score {line['score']:.2f}  {numbers}  {where}")
    if report is not None:
        console.print(f"Report written to {report}.")


@app.command()
@friendly_errors
def evaluate(
    truth: Annotated[Path, typer.Option(help="A synthetic world (or its truth/ folder).")],
    report: Annotated[
        Path | None,
        typer.Option(help="An analysis report to score; the latest run's when not given."),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(help="Whose latest run to score, when no --report is given."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Score line analysis against a synthetic world's truth: precision, recall, F1."""
    from crossline.analytics.evaluation import evaluate as score

    if report is not None:
        try:
            content = json.loads(report.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise CrosslineError(f"{report} is not an analysis report: {exc}") from exc
    else:
        from crossline.analytics.services import get_run, report_of
        from crossline.auth.signin import actor_for_email

        if user is None:
            raise CrosslineError("Give --report FILE, or --user EMAIL to score their latest run.")
        settings = _settings()
        with session_scope(sessionmaker_for(settings)) as db:
            content = report_of(get_run(db, actor_for_email(db, user)))
    result = score(content["lines"], truth)
    concerns = _concerns_scored(truth)
    if as_json:
        print(json.dumps(result.as_dict() | ({"concerns": concerns} if concerns else {}), indent=2))
        return
    table = Table("measure", "precision", "recall", "F1", "found", "missed", "wrong")
    rows = [("line numbers", result.line_numbers), ("successor links", result.successor_links)]
    rows += [(f"role: {k}", v) for k, v in result.roles.items()]
    rows += [
        ("child flags", result.child_flags),
        ("child flags, journeys alone", result.child_flags_by_journeys),
    ]
    for name, s in rows:
        table.add_row(
            name,
            f"{s.precision:.3f}",
            f"{s.recall:.3f}",
            f"{s.f1:.3f}",
            str(s.true_positives),
            str(s.false_negatives),
            str(s.false_positives),
        )
    console.print(table)
    children = result.child_flags.true_positives + result.child_flags.false_negatives
    median = result.median_days_to_detection
    console.print(
        f"Lines: {result.lines_found} reported, {result.lines_detected} of "
        f"{result.lines_in_truth} in the truth found. Bulk senders reported as lines: "
        f"{', '.join(result.bulk_senders_reported) or 'none'}.\n"
        "Median days from a line's first event to its detection: "
        f"{'not known (the report has no detected_on)' if median is None else f'{median:g}'}.\n"
        f"Child runners with a journey set off in school hours: "
        f"{result.children_showing_pattern} of {children}; flagged by a recorded date of "
        f"birth: {result.children_flagged_by_record}."
    )
    if concerns:
        sources = ", ".join(f"{k} {v}" for k, v in concerns["by_source"].items())
        console.print(
            f"Child runners with a safeguarding concern: {concerns['with_concern']} of "
            f"{concerns['children']} (child_recall {concerns['child_recall']:.3f}; by source: "
            f"{sources or 'none'}).",
            soft_wrap=True,
            highlight=False,
        )


def _concerns_scored(truth: Path) -> dict[str, Any] | None:
    """``concerns.child_recall`` when the store holds concerns, else None (docs/evaluation.md)."""
    from sqlalchemy.exc import SQLAlchemyError

    from crossline.safeguarding.evaluation import child_recall, has_concerns

    try:
        factory = sessionmaker_for(get_settings())
        with session_scope(factory) as db:
            if not has_concerns(db):
                return None
            return child_recall(db, truth).as_dict()
    except (ValueError, SQLAlchemyError):  # no usable store: score the report alone
        return None


@app.command()
@friendly_errors
def demo(
    serve_app: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve", help="Serve the app after building the demo deployment."
        ),
    ] = True,
) -> None:
    """Build the demo deployment on the embedded stores, print the logins and serve it."""
    from crossline.cli.demo import (
        DEMO_PASSWORD,
        analyse_demo_world,
        demo_logins,
        import_demo_people,
        import_demo_world,
        seed_demo,
    )
    from crossline.cli.demo_funding import seed_demo_funding
    from crossline.cli.demo_orders import seed_demo_orders
    from crossline.cli.demo_safeguarding import import_demo_agencies, seed_demo_safeguarding

    settings = _settings()
    if settings.mode is Mode.PRODUCTION:
        console.print("[red]Error:[/red] the demo deployment is refused in production mode.")
        raise typer.Exit(1)
    _initialise(settings)
    with session_scope(sessionmaker_for(settings)) as db:
        added = seed_demo(db)
    console.print(f"Demo users added: {added}.")
    world = settings.data_dir / "demo-world"
    if not world.exists():
        from crossline.synth.generate import generate

        console.print("Making the demo world (synthetic communications data)...")
        summary = generate("demo", 2018, world)
        console.print(f"Demo world in {world}: {summary.events:,} events, {summary.lines} lines.")
    with session_scope(sessionmaker_for(settings)) as db:
        imported = import_demo_world(db, settings.data_dir, world)
    console.print(f"Demo comms data imported by the demo analyst: {imported:,} new events.")
    with session_scope(sessionmaker_for(settings)) as db:
        people, alerts = import_demo_people(db, world)
    console.print(
        f"Demo forces' person records imported and linked: {people:,} new records, "
        f"{alerts:,} new alert(s) of a person held by two forces."
    )
    with session_scope(sessionmaker_for(settings)) as db:
        found = analyse_demo_world(db, settings)
    console.print(f"Line analysis of the demo data: {found} line(s) found.")
    with session_scope(sessionmaker_for(settings)) as db:
        confirmed, applications = seed_demo_orders(db)
    console.print(
        f"Demo lines confirmed into the register: {confirmed}; DDTRO applications taken "
        f"through every state: {applications}.",
        soft_wrap=True,
    )
    with session_scope(sessionmaker_for(settings)) as db:
        young, raised = import_demo_agencies(db, world)
        cases = seed_demo_safeguarding(db)
        seed_demo_funding(db)
    _demo_insight(settings)
    console.print(
        f"Demo agencies' records imported: {young:,} young people recorded, {raised:,} "
        f"concern(s) raised. Safeguarding cases worked: {cases.triaged} concern(s) from "
        f"analysis triaged, {cases.council_cases} council case(s); {cases.links} link(s) of "
        "young people to police records.",
        soft_wrap=True,
    )
    console.print(f"Demo logins, each with the password [bold]{DEMO_PASSWORD}[/bold]:")
    for role, email, org in demo_logins():
        console.print(f"  {role:<26} {email:<34} ({org})", soft_wrap=True, highlight=False)
    if serve_app:
        console.print(f"Open http://{settings.host}:{settings.port}/ and sign in.")
        serve(None, None)


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="crossline")
    sys.exit(0)
