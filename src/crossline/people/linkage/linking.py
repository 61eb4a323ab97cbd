"""Linking person records: train the model on them, score pairs, cluster, explain each link.

The workflow is Splink's: register the records with a database API (DuckDB
unless the caller passes another, such as Splink's ``SparkAPI``), train
(model.py), score the pairs the blocking rules let through, estimate the prior
from them, and join pairs at or above the threshold into clusters by connected
components. Every record ends in exactly one cluster; a record linked to
nothing is a cluster of its own. A cluster's id is the smallest record id in it
(compared as text).

Memory stays bounded however large the file (docs/people.md, Scale): the
DuckDB database this module makes is a file in a temporary folder, with a
memory limit, spilling what does not fit to that folder; pairs whose fields
give no evidence for a match are dropped as they are scored rather than
stored; the prior changes every pair's weight by the same amount, so the pairs
are scored once and the prior's weight added afterwards; and only the columns
needed are read back into Python.
"""

from __future__ import annotations

import logging
import math
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker
from splink.clustering import cluster_pairwise_predictions_at_threshold
from splink.internals.database_api import DatabaseAPI
from splink.internals.splink_dataframe import SplinkDataFrame

from crossline.core.errors import InvalidInput
from crossline.people.linkage import blocking, given_names, model

# The match probability at or above which two records are linked: more likely
# the same person than not.
#
# The prior is estimated from the records (model.estimate_prior), so match
# probabilities are meant as probabilities, and linking a pair when it is
# above one half makes the fewest expected mistakes. Clustering joins whole
# groups through one link, which multiplies a false link's cost, and a true
# link's gain, alike; where a false link costs more than a missed one (merging
# two people's records), ask for more with --threshold, e.g. 0.95.
DEFAULT_THRESHOLD = 0.5

# The model learns from the records themselves: how often two different
# people share a surname, say, is read off the file. With fewer records than
# this there is too little to learn from, and the estimates would be noise.
MIN_RECORDS = 20

# DuckDB's memory budget when this module makes the database: what does not fit
# spills to disk. A million records link within it (docs/benchmarks.md, Person
# linkage); Python's own share (the records, the clusters, the linked pairs) comes
# on top, so the process's peak is a little more.
DUCKDB_MEMORY_LIMIT = "3GB"

# A pair whose fields together weigh less than this (in bits, the prior left
# out) has no evidence for a match and is dropped as it is scored instead of
# stored. At a threshold of one half or more it could link only if two records
# picked at random were more likely one person than not, which is checked
# (_scored_pairs); in a large file most scored pairs are such pairs (two
# records sharing a common key and nothing else).
EVIDENCE_FLOOR = 0.0

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class FieldContribution:
    """What one field adds to a pair's match weight, and why."""

    field: str
    level: str  # the comparison level the pair fell in, e.g. "Exact match on surname"
    match_weight: float  # log2(m/u) of that level, with its term-frequency adjustment


@dataclass(frozen=True, slots=True)
class LinkedPair:
    """Two records linked, with the evidence: the prior's weight plus each field's."""

    record_id_l: str
    record_id_r: str
    match_probability: float
    match_weight: float  # prior_match_weight + the contributions' weights
    contributions: tuple[FieldContribution, ...]


@dataclass(frozen=True)
class PersonLinkage:
    """The outcome of linking: every record's cluster, and each pair that linked."""

    clusters: dict[str, str]  # record_id -> cluster_id, every record, in input order
    pairs: tuple[LinkedPair, ...]  # pairs at or above the threshold, strongest first
    pairs_scored: int
    threshold: float
    prior_match_weight: float  # the weight every pair starts from: log2 of the prior odds
    fields: tuple[str, ...]  # the fields compared

    @property
    def cluster_count(self) -> int:
        return len(set(self.clusters.values()))

    @property
    def largest_cluster(self) -> int:
        return max(Counter(self.clusters.values()).values(), default=0)

    @property
    def singleton_count(self) -> int:
        """Clusters of one record: records linked to nothing."""
        return sum(1 for size in Counter(self.clusters.values()).values() if size == 1)


def link_person_records(
    records: pa.Table,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    db_api: DatabaseAPI[Any] | None = None,
    progress: Progress | None = None,
    memory_limit: str = DUCKDB_MEMORY_LIMIT,
) -> PersonLinkage:
    """Link normalised person records (read_person_records) into clusters, one per person.

    The model is trained on these records alone; no labels are read. Without
    ``db_api`` the work runs in a DuckDB database of its own, in a temporary
    folder removed afterwards, within ``memory_limit`` (DuckDB's notation,
    e.g. ``"3GB"``). Raises InvalidInput for a threshold that is not a
    probability, or fewer than MIN_RECORDS records.
    """
    if not 0 < threshold <= 1:
        raise InvalidInput(
            f"The threshold is a match probability: give a number above 0 and at most 1, "
            f"not {threshold}.",
            field="threshold",
        )
    if records.num_rows < MIN_RECORDS:
        raise InvalidInput(
            f"There are {records.num_rows:,} records; linkage learns from the records "
            f"themselves and needs at least {MIN_RECORDS}. Link them as part of a larger file.",
            field="file",
        )
    say = progress or (lambda _: None)
    ids = [str(i) for i in records.column("record_id").to_pylist()]
    fields = model.compared_fields(records)
    if not fields:
        return PersonLinkage({i: i for i in ids}, (), 0, threshold, 0.0, ())
    derived = blocking.with_blocking_keys(given_names.with_name_forms(records), fields)
    with _database(db_api, memory_limit) as api:
        table = api.register(derived)
        del derived  # registered: this reference is no longer needed
        say(f"Training the model on {len(ids):,} records ({', '.join(fields)})")
        linker = Linker(table, model.settings_for(fields), log_level=logging.ERROR)
        model.train(linker, table, fields)
        say("Scoring pairs")
        scored = _scored_pairs(linker, len(ids), threshold)
        say("Clustering")
        clusters = _clusters(api, table, scored, threshold)
        return PersonLinkage(
            clusters={i: clusters.get(i, i) for i in ids},
            pairs=_linked_pairs(linker, scored, fields, threshold),
            pairs_scored=scored.count,
            threshold=threshold,
            prior_match_weight=_weight(scored.prior),
            fields=tuple(fields),
        )


@dataclass(frozen=True)
class _ScoredPairs:
    """The pairs kept as scored, under Splink's starting prior, and the prior estimated."""

    table: SplinkDataFrame  # match_weight under the starting prior, as Splink scored them
    count: int  # pairs the blocking rules let through, kept or dropped
    used_prior: float  # the prior the pairs were scored with
    prior: float  # the prior estimated from them (model.estimate_prior)

    @property
    def shift(self) -> float:
        """What to add to a stored match weight to give the pair's weight under the prior."""
        return _weight(self.prior) - _weight(self.used_prior)


def _scored_pairs(linker: Linker, records: int, threshold: float) -> _ScoredPairs:
    """Score the pairs the blocking rules let through, once, and estimate the prior from them.

    The prior adds the same weight to every pair, so scoring again under the
    estimated prior would only shift each weight by that amount (_ScoredPairs.shift).
    Pairs below EVIDENCE_FLOOR are not kept when the threshold is one half
    or more, unless the prior then turns out to be above one half, when they
    could link, and every pair is scored again and kept.
    """
    used = float(linker.misc.save_model_to_json()["probability_two_random_records_match"])
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    count = _count(blocked)
    floor = EVIDENCE_FLOOR + _weight(used) if threshold >= 0.5 else None
    table = linker.inference.predict(threshold_match_weight=floor, warning_mode="never")
    prior = model.estimate_prior(linker, table, records)
    if floor is not None and _weight(threshold) - _weight(prior) < EVIDENCE_FLOOR:
        table.drop_table_from_database_and_remove_from_cache()
        table = linker.inference.predict(warning_mode="never")
        prior = model.estimate_prior(linker, table, records)
    blocked.drop_table_from_database_and_remove_from_cache()
    return _ScoredPairs(table, count, used, prior)


def _weight(probability: float) -> float:
    """log2 of the odds: the match weight of a probability (infinite for 1)."""
    return math.inf if probability >= 1 else math.log2(probability / (1 - probability))


def _probability_sql(shift: float) -> str:
    """A stored pair's match probability under the estimated prior, as SQL."""
    return f"1.0 / (1.0 + power(2.0, -(match_weight + {shift!r})))"


def _clusters(
    api: DatabaseAPI[Any],
    table: SplinkDataFrame,
    scored: _ScoredPairs,
    threshold: float,
) -> dict[str, str]:
    """record_id -> cluster_id: connected components of the pairs at or above the threshold."""
    # S608: Splink's own tables, and floats written by Python.
    nodes = model.query_table(api, f"SELECT record_id FROM {table.physical_name}")  # noqa: S608
    edges = model.query_table(
        api,
        "SELECT record_id_l, record_id_r FROM "  # noqa: S608
        f"{scored.table.physical_name} WHERE {_probability_sql(scored.shift)} >= {threshold!r}",
    )
    clustered = cluster_pairwise_predictions_at_threshold(nodes, edges, api, "record_id")
    columns = model.query_columns(
        api,
        f"SELECT record_id, cluster_id FROM {clustered.physical_name}",  # noqa: S608
    )
    for used in (nodes, edges, clustered):
        used.drop_table_from_database_and_remove_from_cache()
    return dict(
        zip(
            (str(i) for i in columns["record_id"]),
            (str(c) for c in columns["cluster_id"]),
            strict=True,
        )
    )


@contextmanager
def _database(db_api: DatabaseAPI[Any] | None, memory_limit: str) -> Iterator[DatabaseAPI[Any]]:
    """The caller's database API, or a DuckDB database of this linkage's own, removed after.

    Its own is a file in a temporary folder, so tables as well as the
    intermediate results of a query may leave memory; DuckDB keeps within
    ``memory_limit`` and spills the rest to the same folder. Insertion order
    is not kept where a query does not ask for an order, which DuckDB
    recommends for larger-than-memory work.
    """
    if db_api is not None:
        yield db_api
        return
    folder = Path(tempfile.mkdtemp(prefix="crossline-linkage-"))
    connection = duckdb.connect(str(folder / "linkage.duckdb"))
    try:
        _configure(connection, folder / "spill", memory_limit)
        yield DuckDBAPI(connection)
    finally:
        connection.close()
        shutil.rmtree(folder, ignore_errors=True)


def _configure(connection: duckdb.DuckDBPyConnection, spill: Path, memory_limit: str) -> None:
    try:
        connection.execute("SET memory_limit = ?", [memory_limit])
    except duckdb.Error as exc:
        raise InvalidInput(
            f"{memory_limit!r} is not a memory limit DuckDB reads: write it as 3GB or 500MB.",
            field="memory_limit",
        ) from exc
    connection.execute("SET temp_directory = ?", [str(spill)])
    connection.execute("SET preserve_insertion_order = false")
    # The engine's own progress bar would break into the command line's output.
    connection.execute("SET enable_progress_bar = false")


def _count(table: SplinkDataFrame) -> int:
    sql = f"SELECT count(*) AS n FROM {table.physical_name}"  # noqa: S608  Splink's own table
    return int(model.query(table.db_api, sql)[0]["n"])


def _level_labels(linker: Linker) -> dict[str, dict[int, str]]:
    """For each compared field, the label of each comparison-vector value (gamma).

    Splink numbers a comparison's levels from the most alike down to 0 for
    'other', skipping the null level, which is -1.
    """
    labels: dict[str, dict[int, str]] = {}
    for comparison in linker.misc.save_model_to_json()["comparisons"]:
        levels = comparison["comparison_levels"]
        value = sum(1 for level in levels if not level.get("is_null_level")) - 1
        by_value: dict[int, str] = {}
        for level in levels:
            if level.get("is_null_level"):
                by_value[-1] = "Empty in one or both"
            else:
                by_value[value] = level.get("label_for_charts") or level["sql_condition"]
                value -= 1
        labels[comparison["output_column_name"]] = by_value
    return labels


def _linked_pairs(
    linker: Linker, scored: _ScoredPairs, fields: list[str], threshold: float
) -> tuple[LinkedPair, ...]:
    """The pairs at or above the threshold, strongest first, with each field's contribution.

    Only the columns the evidence needs are read, column by column, so a large
    file's linked pairs do not pass through Python as rows of every column.
    """
    labels = _level_labels(linker)
    present = set(_columns(scored.table))
    # A field's weight, with its term-frequency adjustment where it has one.
    weights = [
        f"mw_{field} + coalesce(mw_tf_adj_{field}, 0) AS w_{field}"
        if f"mw_tf_adj_{field}" in present
        else f"mw_{field} AS w_{field}"
        for field in fields
    ]
    probability = _probability_sql(scored.shift)
    # S608: Splink's own table and column names, and floats written by Python.
    sql = (
        "SELECT record_id_l, record_id_r, "  # noqa: S608
        f"match_weight + {scored.shift!r} AS match_weight, {probability} AS match_probability, "
        f"{', '.join(f'gamma_{field}' for field in fields)}, {', '.join(weights)} "
        f"FROM {scored.table.physical_name} WHERE {probability} >= {threshold!r} "
        "ORDER BY match_weight DESC, record_id_l, record_id_r"
    )
    columns = model.query_columns(scored.table.db_api, sql)
    return tuple(
        LinkedPair(
            record_id_l=str(columns["record_id_l"][row]),
            record_id_r=str(columns["record_id_r"][row]),
            match_probability=float(columns["match_probability"][row]),
            match_weight=float(columns["match_weight"][row]),
            contributions=tuple(
                FieldContribution(
                    field=field,
                    level=labels[field][int(columns[f"gamma_{field}"][row])],
                    match_weight=float(columns[f"w_{field}"][row]),
                )
                for field in fields
            ),
        )
        for row in range(len(columns["record_id_l"]))
    )


def _columns(table: SplinkDataFrame) -> list[str]:
    """The names of a table's columns."""
    sql = f"SELECT * FROM {table.physical_name} LIMIT 0"  # noqa: S608  Splink's own table
    return list(model.query_columns(table.db_api, sql))
