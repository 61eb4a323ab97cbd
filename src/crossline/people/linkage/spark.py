"""Person linkage on Spark: Splink's SparkAPI over a Spark session the caller made.

The model, the blocking rules and every query of this package are written once
(in DuckDB's SQL, or with Splink's dialect-neutral functions); Splink and
sqlglot translate them for Spark (model.query_table). What Spark lacks is the
string similarity functions (Jaro-Winkler, Damerau-Levenshtein): Splink ships
them as Scala functions in a jar, which ``spark_database`` adds to the session
(``ADD JAR``, so a session made before, such as the analytics engine's, can
take them) and Splink registers.

Splink writes each intermediate table (the records with their term
frequencies, the blocked pairs, the scored pairs, each round of clustering)
as Parquet under the Spark context's checkpoint folder and reads it back, so
a query's plan does not grow with every step before it: kept in memory
instead (``persist``), the plans of connected components' rounds outgrew a
2 GB driver on 5,000 records.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from splink.internals.database_api import DatabaseAPI

# The prefix of the checkpoint folders this module makes (and removes).
_OWN_FOLDER = "crossline-linkage-spark-"


@contextmanager
def spark_database(
    spark_session: Any, checkpoint_dir: str | None = None
) -> Iterator[DatabaseAPI[Any]]:
    """Splink's SparkAPI over ``spark_session`` (a pyspark SparkSession), for link_person_records.

    Splink's tables are written under ``checkpoint_dir``, else under the
    checkpoint folder the session's context already has, else under a
    temporary folder of this linkage's own, removed afterwards (enough for
    ``local[N]``; on a cluster give a folder every worker can reach, such as
    one on HDFS). pyspark is imported only here, so DuckDB linkage does not
    need it.
    """
    from splink.backends.spark import SparkAPI, similarity_jar_location

    jar = similarity_jar_location().replace("'", "\\'")
    spark_session.sql(f"ADD JAR '{jar}'")
    context = spark_session.sparkContext
    existing = context.getCheckpointDir()
    own = None
    if checkpoint_dir is not None:
        context.setCheckpointDir(checkpoint_dir)
    elif existing is None or _OWN_FOLDER in existing:
        own = Path(tempfile.mkdtemp(prefix=_OWN_FOLDER))
        context.setCheckpointDir(str(own))
    try:
        api: DatabaseAPI[Any] = SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=spark_session, break_lineage_method="parquet"
        )
        yield api
    finally:
        if own is not None:
            shutil.rmtree(own, ignore_errors=True)
