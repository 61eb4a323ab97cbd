"""Engines that run the analysis SQL: embedded DuckDB, or Spark for national-scale data.

The SQL is written once, in DuckDB's dialect (``analytics/sql``); the Spark
engine transpiles each statement with sqlglot before running it, as Splink
runs one linkage model on several backends. Every step is materialised as a
table named after it, so later steps and the Python that scores the results
read it instead of recomputing it.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

SQL_DIR = Path(__file__).parent / "sql"
_STEP = re.compile(r"^-- step: (\w+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Step:
    name: str
    sql: str


def steps(script: str, values: Mapping[str, int | float | str]) -> list[Step]:
    """The steps of ``analytics/sql/<script>.sql`` with their parameters written in.

    Parameters are numbers only (checked by the parameters model), and the one
    expression, ``utc_offset``, is built from numbers by the pipeline, so writing
    them into the text is safe; a step naming an unknown parameter is an error.
    """
    text = (SQL_DIR / f"{script}.sql").read_text("utf-8")
    parts = _STEP.split(text)[1:]
    found = []
    for name, body in zip(parts[::2], parts[1::2], strict=True):
        lines = [line for line in body.splitlines() if not line.lstrip().startswith("--")]
        sql = "\n".join(lines).strip().rstrip(";")
        found.append(Step(name, sql.format_map(dict(values))))
    return found


class Engine(Protocol):
    """What the analysis needs of an engine."""

    name: str

    def register_parquet(self, name: str, files: list[str]) -> None: ...

    def register_arrow(self, name: str, table: pa.Table) -> None: ...

    def materialise(self, step: Step) -> None: ...

    def fetch(self, sql: str) -> pa.Table: ...

    def close(self) -> None: ...


class DuckDBEngine:
    """Embedded DuckDB: the default, reading the Parquet store in place."""

    name = "duckdb"

    def __init__(
        self, time_zone: str, memory_limit: str | None = None, spill: Path | None = None
    ) -> None:
        import duckdb

        self._db = duckdb.connect()
        self._db.execute(f"SET TimeZone = '{_quoted(time_zone)}'")
        if memory_limit:
            self._db.execute(f"SET memory_limit = '{_quoted(memory_limit)}'")
        # What does not fit in memory goes to a folder of its own, never the working
        # directory (DuckDB's default); it is removed when the engine closes.
        self._spill = Path(tempfile.mkdtemp(prefix="crossline-duckdb-", dir=spill))
        self._db.execute(f"SET temp_directory = '{_quoted(str(self._spill))}'")
        self._db.execute("SET preserve_insertion_order = false")

    def register_parquet(self, name: str, files: list[str]) -> None:
        listed = ", ".join(f"'{_quoted(f)}'" for f in files)
        sql = f"CREATE OR REPLACE VIEW {_name(name)} AS FROM read_parquet([{listed}])"
        self._db.execute(sql)

    def register_arrow(self, name: str, table: pa.Table) -> None:
        self._db.register(f"{_name(name)}_arrow", table)
        self._db.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS FROM {name}_arrow")
        self._db.unregister(f"{name}_arrow")

    def materialise(self, step: Step) -> None:
        self._db.execute(f"CREATE OR REPLACE TEMP TABLE {_name(step.name)} AS {step.sql}")

    def fetch(self, sql: str) -> pa.Table:
        return self._db.sql(sql).to_arrow_table()

    def close(self) -> None:
        self._db.close()
        shutil.rmtree(self._spill, ignore_errors=True)


class SparkEngine:
    """Spark SQL, local or on a cluster (``spark_master``), running the transpiled steps."""

    name = "spark"

    def __init__(self, time_zone: str, master: str = "local[2]") -> None:
        from pyspark.sql import SparkSession

        self._spark = (
            SparkSession.builder.master(master)
            .appName("crossline-analysis")
            .config("spark.sql.session.timeZone", time_zone)
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.memory", "2g")
            .getOrCreate()
        )
        self._spark.sparkContext.setLogLevel("ERROR")
        self._cached: list[Any] = []

    def register_parquet(self, name: str, files: list[str]) -> None:
        self._spark.read.parquet(*files).createOrReplaceTempView(name)

    def register_arrow(self, name: str, table: pa.Table) -> None:
        frame = self._spark.createDataFrame(table)
        frame.createOrReplaceTempView(name)

    def materialise(self, step: Step) -> None:
        frame = self._spark.sql(transpile(step.sql)).cache()
        frame.count()  # computed once, here, so that a failure names its step
        self._cached.append(frame)
        frame.createOrReplaceTempView(step.name)

    def fetch(self, sql: str) -> pa.Table:
        result: pa.Table = self._spark.sql(transpile(sql)).toArrow()
        return result

    def close(self) -> None:
        for frame in self._cached:
            frame.unpersist()
        self._cached.clear()
        for table in self._spark.catalog.listTables():
            if table.isTemporary:
                self._spark.catalog.dropTempView(table.name)


def transpile(sql: str) -> str:
    """DuckDB SQL as Spark SQL."""
    import sqlglot

    return str(sqlglot.transpile(sql, read="duckdb", write="spark")[0])


def make_engine(
    kind: str,
    time_zone: str,
    spark_master: str = "local[2]",
    spill: Path | None = None,
    memory_limit: str | None = None,
) -> Engine:
    """The engine ``kind``; DuckDB keeps within ``memory_limit`` and spills under ``spill``."""
    if kind == "spark":
        return SparkEngine(time_zone, spark_master)
    return DuckDBEngine(time_zone, memory_limit=memory_limit, spill=spill)


def _name(name: str) -> str:
    """A table name of the analysis itself (never user input), checked to be one word."""
    if not re.fullmatch(r"[a-z_]+", name):
        raise ValueError(f"not a table name: {name!r}")
    return name


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def rows(table: pa.Table) -> Iterator[dict[str, Any]]:
    """The rows of a fetched table as dicts (engines give different integer widths)."""
    yield from table.to_pylist()
