"""Person records in the linkage layout: read from CSV or Parquet, checked and normalised.

The layout is six columns, ``record_id, first_name, surname, dob, postcode,
gender``; other columns are ignored and any value but ``record_id`` may be
empty. Reading gives a pyarrow table of those six string columns, normalised
so that records written differently compare alike:

- empty or blank values become null;
- names are lower-cased, trimmed, with runs of spaces made one, and null
  when they say the name is not known (``Unknown``, ``N/K``, ``FNU``);
- ``dob`` becomes an ISO date (``1987-04-03``) when it is one of the
  formats below, else null; DD/MM before MM/DD, as British records write it;
- postcodes are upper-cased with every space removed (``SW1A1AA``);
- gender becomes ``m`` or ``f`` when it says so in a usual way (``M``,
  ``male``, ``Female``), null when it says it is not known, and is otherwise
  kept lower-cased.

DuckDB reads and normalises the file; the table it gives is engine-neutral
(Arrow), so the same records can be handed to Splink on DuckDB or Spark.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from crossline.core.errors import InvalidInput

LAYOUT = ("record_id", "first_name", "surname", "dob", "postcode", "gender")

# Tried in turn; the first that reads the whole value wins. A value without four
# digits in a row is left null: '03/04/87' could be 1887, 1987 or 2087.
DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y%m%d",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d %B %Y",
    "%d %b %Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
)
_MALE = ("m", "male", "man", "boy")
_FEMALE = ("f", "female", "woman", "girl")
_GENDER_NOT_KNOWN = ("u", "unknown", "not known", "not stated", "not specified", "n/k", "nk")
# What records write in a name field when the name is not known: a placeholder
# shared by many people, which would otherwise count as two names agreeing.
_NAME_NOT_KNOWN = (
    "unknown",
    "not known",
    "not stated",
    "not given",
    "no name",
    "n/k",
    "nk",
    "unk",
    "n/a",
    "none",
    "null",
    "fnu",
    "lnu",
    "-",
    "?",
    "x",
    "xx",
    "xxx",
)


def read_person_records(path: Path) -> pa.Table:
    """Read a CSV or Parquet file of person records into the normalised six-column table.

    Raises InvalidInput naming the file when it cannot be read, when a column
    of the layout is missing (all missing ones are named), or when a record has
    no ``record_id`` or shares one with another record.
    """
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file. Give a CSV or Parquet file.", field="file")
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")  # it would break the command's own
    try:
        relation = _open(connection, path)
        columns = _layout_columns(path, relation.columns)
        connection.register("raw_records", relation)
        table = connection.sql(_normalise_sql(columns)).to_arrow_table()
    except duckdb.Error as exc:
        raise InvalidInput(
            f"{path.name} could not be read as {_kind(path)}: {str(exc).splitlines()[0]}",
            field="file",
        ) from exc
    finally:
        connection.close()
    _check_record_ids(path, table)
    return table


def _kind(path: Path) -> str:
    return "Parquet" if path.suffix.lower() in {".parquet", ".pq"} else "CSV"


def _open(connection: duckdb.DuckDBPyConnection, path: Path) -> duckdb.DuckDBPyRelation:
    if _kind(path) == "Parquet":
        return connection.read_parquet(str(path))
    if path.stat().st_size == 0:
        raise InvalidInput(f"{path.name} is empty: it has no header and no records.", field="file")
    # Every value as text: record ids like '007' keep their zeros, and dates are read below.
    return connection.read_csv(str(path), header=True, all_varchar=True, sep=",", quotechar='"')


def _layout_columns(path: Path, names: list[str]) -> dict[str, str]:
    """Each layout column's name in the file, matched without regard to case or spaces."""
    found = {name.strip().lower(): name for name in names}
    missing = [column for column in LAYOUT if column not in found]
    if missing:
        raise InvalidInput(
            f"{path.name} lacks the column(s) {', '.join(missing)}. Person records need "
            f"{', '.join(LAYOUT)} (other columns are ignored; values may be empty).",
            field="file",
        )
    return {column: found[column] for column in LAYOUT}


def _text(column: str) -> str:
    """The column as trimmed text, null when empty."""
    quoted = '"' + column.replace('"', '""') + '"'
    return f"nullif(trim(CAST({quoted} AS VARCHAR)), '')"


def _normalise_sql(columns: dict[str, str]) -> str:
    formats = ", ".join(f"'{f}'" for f in DATE_FORMATS)
    gender = f"lower({_text(columns['gender'])})"

    def listed(values: tuple[str, ...]) -> str:
        return ", ".join(f"'{v}'" for v in values)

    def name(column: str) -> str:
        written = f"lower(regexp_replace({_text(columns[column])}, '\\s+', ' ', 'g'))"
        return f"CASE WHEN {written} NOT IN ({listed(_NAME_NOT_KNOWN)}) THEN {written} END"

    # S608: the file's column names, each quoted by _text; every value is a constant here.
    return f"""
        SELECT
            {_text(columns["record_id"])} AS record_id,
            {name("first_name")} AS first_name,
            {name("surname")} AS surname,
            CASE WHEN regexp_matches({_text(columns["dob"])}, '[0-9]{{4}}') THEN strftime(
                try_strptime({_text(columns["dob"])}, [{formats}]), '%Y-%m-%d'
            ) END AS dob,
            nullif(upper(regexp_replace({_text(columns["postcode"])}, '\\s', '', 'g')), '')
                AS postcode,
            CASE
                WHEN {gender} IN ({listed(_MALE)}) THEN 'm'
                WHEN {gender} IN ({listed(_FEMALE)}) THEN 'f'
                WHEN {gender} IN ({listed(_GENDER_NOT_KNOWN)}) THEN NULL
                ELSE {gender}
            END AS gender
        FROM raw_records
    """  # noqa: S608


def _check_record_ids(path: Path, table: pa.Table) -> None:
    ids = table.column("record_id").to_pylist()
    blank = [row for row, value in enumerate(ids, start=1) if value is None]
    if blank:
        raise InvalidInput(
            f"{path.name}: {len(blank):,} record(s) have no record_id, the first in record "
            f"{blank[0]} (counting from 1 after the header). Give every record an id.",
            field="record_id",
        )
    seen: dict[str, int] = {}
    for row, value in enumerate(ids, start=1):
        if value in seen:
            raise InvalidInput(
                f"{path.name}: record_id {value!r} is used by records {seen[value]} and "
                f"{row} (counting from 1 after the header). Each record needs its own id.",
                field="record_id",
            )
        seen[value] = row


def records_table(
    rows: Iterable[tuple[str, str | None, str | None, date | None, str | None, str | None]],
) -> pa.Table:
    """Records held in the app (id, first name, surname, birth, postcode, gender) as the
    normalised table, read by the same reader as ``people link`` files."""
    with tempfile.TemporaryDirectory(prefix="crossline-people-") as folder:
        path = Path(folder) / "records.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(LAYOUT)
            for record_id, first, surname, born, postcode, gender in rows:
                writer.writerow(
                    [
                        record_id,
                        first or "",
                        surname or "",
                        born.isoformat() if born else "",
                        postcode or "",
                        gender or "",
                    ]
                )
        return read_person_records(path)
