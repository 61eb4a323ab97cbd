"""Two engines, one model: Splink on Spark links the hand-made file as Splink on DuckDB does."""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import sqlglot
from splink.internals.dialects import SparkDialect
from typer.testing import CliRunner

from crossline.cli.main import app
from crossline.people.linkage import (
    PersonLinkage,
    link_person_records,
    read_person_records,
    spark_database,
)
from crossline.people.linkage.model import NameInOtherFieldLevel, SwappedNamesLevel, in_dialect
from tests.people.conftest import DIFFERENT_PEOPLE, DUPLICATES, PEOPLE, SAME_PERSON, write_records

needs_java = pytest.mark.skipif(
    shutil.which("java") is None, reason="Spark needs Java, which is not installed"
)

# Besides the file's four duplicates, one of each kind the model's own levels are for.
OWN_LEVELS: list[tuple[str, ...]] = [
    ("105", "Jones", "Amelia", "1985-07-02", "M1 1AE", "F", ""),  # names swapped, of 2
    ("106", "George", "Evans", "12/01/1988", "L1 8JQ", "M", ""),  # day and month swapped, of 8
    ("107", "Tom", "Walker", "1983-08-15", "NG1 5FT", "M", ""),  # Thomas, of 12
    ("108", "Brown", "", "1979-01-19", "CF10 1EP", "F", ""),  # surname as first name, of 4
]
# Linked pairs, so every pair scored is read back with its levels.
EVERY_PAIR = 1e-300
# How far apart the engines' match weights may be, in bits. Each field's level is
# the same on both, but u is not: Splink counts it chunk by chunk, the chunks made
# with each engine's own hash of the record ids, and stops once every level has
# been met 100 times, so the engines count different pairs (on this file gender's
# weights are 0.13 bits apart); nor therefore is the prior estimated from the pairs.
WEIGHTS = 0.5


def test_the_models_own_levels_are_valid_spark_sql() -> None:
    for level in (
        SwappedNamesLevel(0.92),
        NameInOtherFieldLevel("first_name", "surname", 0.92),
    ):
        sql = level.create_sql(SparkDialect())  # type: ignore[no-untyped-call]
        assert "jaro_winkler(" in sql  # Splink's function for Spark, not DuckDB's
        sqlglot.parse_one(f"SELECT * FROM pairs WHERE {sql}", read="spark")


def test_the_packages_queries_are_translated_for_spark() -> None:
    class OnSpark:
        sql_dialect = SparkDialect()  # type: ignore[no-untyped-call]

    sql = "SELECT record_id FROM pairs WHERE regexp_matches(dob, '^19') LIMIT 1"
    translated = in_dialect(OnSpark(), sql)  # type: ignore[arg-type]
    assert "RLIKE" in translated
    assert translated != sql


@pytest.fixture(scope="module")
def people_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("people") / "people.csv"
    rows: list[tuple[str, ...]] = [(*row, "") for row in PEOPLE + DUPLICATES]
    return write_records(path, rows + OWN_LEVELS)


@pytest.fixture(scope="module")
def records(people_path: Path) -> pa.Table:
    return read_person_records(people_path)


@pytest.fixture(scope="module")
def spark_session() -> Iterator[Any]:
    """The analytics engine's local Spark session: Crossline starts Spark one way."""
    from pyspark.sql import SparkSession

    from crossline.analytics.engines import SparkEngine

    engine = SparkEngine("UTC", "local[2]")
    try:
        yield SparkSession.builder.getOrCreate()
    finally:
        engine.close()


def _on_both(records: pa.Table, spark_session: Any, threshold: float) -> tuple[PersonLinkage, ...]:
    with spark_database(spark_session) as api:
        on_spark = link_person_records(records, threshold=threshold, db_api=api)
    return link_person_records(records, threshold=threshold), on_spark


@needs_java
def test_the_command_on_spark_links_what_duckdb_links_and_leaves_no_files(
    people_path: Path,
    records: pa.Table,
    spark_session: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    out, pairs = tmp_path / "clusters.csv", tmp_path / "pairs.csv"
    command = ["people", "link", str(people_path), "--out", str(out), "--pairs", str(pairs)]
    result = CliRunner().invoke(app, [*command, "--engine", "spark"])
    assert result.exit_code == 0, result.output
    assert not list(scratch.iterdir())  # Splink's tables, written as Parquet, removed
    on_duckdb = link_person_records(records)
    clusters = {row["record_id"]: row["cluster_id"] for row in _read_csv(out)}
    assert clusters == on_duckdb.clusters
    assert f"{on_duckdb.pairs_scored:,} pairs scored" in result.output
    linked = _read_csv(pairs)
    assert {(row["record_id_l"], row["record_id_r"]) for row in linked} == {
        (p.record_id_l, p.record_id_r) for p in on_duckdb.pairs
    }
    assert float(linked[0]["prior_weight"]) == pytest.approx(
        on_duckdb.prior_match_weight, abs=WEIGHTS
    )
    for one, other in [*SAME_PERSON, ("2", "105"), ("8", "106"), ("12", "107")]:
        assert clusters[one] == clusters[other]
    for one, other in DIFFERENT_PEOPLE:
        assert clusters[one] != clusters[other]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@needs_java
def test_every_pair_has_the_same_levels_and_weights_on_spark(
    records: pa.Table, spark_session: Any
) -> None:
    on_duckdb, on_spark = _on_both(records, spark_session, EVERY_PAIR)
    duckdb_pairs = {(p.record_id_l, p.record_id_r): p for p in on_duckdb.pairs}
    spark_pairs = {(p.record_id_l, p.record_id_r): p for p in on_spark.pairs}
    assert spark_pairs.keys() == duckdb_pairs.keys()
    assert len(spark_pairs) == on_spark.pairs_scored
    for key, pair in spark_pairs.items():
        expected = duckdb_pairs[key]
        assert [(c.field, c.level) for c in pair.contributions] == [
            (c.field, c.level) for c in expected.contributions
        ], key
        assert pair.match_weight == pytest.approx(expected.match_weight, abs=WEIGHTS), key
    levels = {c.level for p in spark_pairs.values() for c in p.contributions}
    assert {
        "Names swapped with surname",
        "Day and month swapped",
        "Same name in another form (Bob, Robert)",
        "Written in the other name's field",
    } <= levels
    assert on_spark.clusters == on_duckdb.clusters
