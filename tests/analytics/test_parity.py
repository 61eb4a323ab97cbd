"""Two engines, one definition: Spark gives the same lines as DuckDB on the tiny world."""

from __future__ import annotations

import shutil

import pytest

from crossline.analytics.engines import SparkEngine, transpile
from crossline.analytics.parameters import Parameters
from crossline.analytics.pipeline import Result, analyse
from tests.analytics.conftest import Events


def test_the_sql_is_transpiled_for_spark() -> None:
    spark_sql = transpile("SELECT CAST(epoch(t) AS BIGINT) // 300 AS w FROM ev")
    assert "UNIX_TIMESTAMP" in spark_sql
    assert "DIV" in spark_sql


@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java, which is not installed")
def test_spark_finds_what_duckdb_finds(
    events: Events, parameters: Parameters, result: Result
) -> None:
    engine = SparkEngine(parameters.time_zone, "local[2]")
    try:
        on_spark = analyse(engine, events.files, events.cells, parameters)
    finally:
        engine.close()
    assert on_spark.report() == result.report()
    assert on_spark.events == result.events
