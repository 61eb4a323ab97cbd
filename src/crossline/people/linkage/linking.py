"""Linking person records: train the model on them, score pairs, cluster, explain each link.

The workflow is Splink's: register the records with a database API (DuckDB
in memory unless the caller passes another, such as Splink's ``SparkAPI``),
train (model.py), score the pairs the blocking rules let through, estimate
the prior from them, score again, and join pairs at or above the threshold
into clusters by connected components. Every record ends in exactly one
cluster; a record linked to nothing is a cluster of its own. A cluster's id is
the smallest record id in it (compared as text).
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from splink import DuckDBAPI, Linker
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

Progress = Callable[[str], None]


@dataclass(frozen=True)
class FieldContribution:
    """What one field adds to a pair's match weight, and why."""

    field: str
    level: str  # the comparison level the pair fell in, e.g. "Exact match on surname"
    match_weight: float  # log2(m/u) of that level, with its term-frequency adjustment


@dataclass(frozen=True)
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
) -> PersonLinkage:
    """Link normalised person records (read_person_records) into clusters, one per person.

    The model is trained on these records alone; no labels are read. Raises
    InvalidInput for a threshold that is not a probability, or fewer than
    MIN_RECORDS records.
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
    api = db_api if db_api is not None else _duckdb_api()
    derived = blocking.with_blocking_keys(given_names.with_name_forms(records), fields)
    table = api.register(derived)
    say(f"Training the model on {len(ids):,} records ({', '.join(fields)})")
    linker = Linker(table, model.settings_for(fields), log_level=logging.ERROR)
    model.train(linker, table, fields)
    say("Estimating how many records are of the same person")
    trained = linker.misc.save_model_to_json()
    first_scores = linker.inference.predict()
    trained["probability_two_random_records_match"] = model.estimate_prior(
        linker, first_scores, len(ids)
    )
    first_scores.drop_table_from_database_and_remove_from_cache()  # memory for the next
    linker = Linker(table, trained, log_level=logging.ERROR)
    say("Scoring pairs")
    predictions = linker.inference.predict()
    say("Clustering")
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    clusters = {str(r["record_id"]): str(r["cluster_id"]) for r in clustered.as_record_list()}
    prior = float(trained["probability_two_random_records_match"])
    return PersonLinkage(
        clusters={i: clusters.get(i, i) for i in ids},
        pairs=_linked_pairs(linker, predictions, fields, threshold),
        pairs_scored=_count(linker, predictions),
        threshold=threshold,
        prior_match_weight=math.log2(prior / (1 - prior)),
        fields=tuple(fields),
    )


def _duckdb_api() -> DuckDBAPI:
    api = DuckDBAPI()
    # The engine's own progress bar would break into the command line's output.
    api.duckdb_con.execute("SET enable_progress_bar = false")
    return api


def _count(linker: Linker, table: SplinkDataFrame) -> int:
    sql = f"SELECT count(*) AS n FROM {table.physical_name}"  # noqa: S608  Splink's own table
    return int(model.query(linker, sql)[0]["n"])


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
    linker: Linker, predictions: SplinkDataFrame, fields: list[str], threshold: float
) -> tuple[LinkedPair, ...]:
    labels = _level_labels(linker)
    # S608: Splink's own table, and a float written by Python.
    sql = (
        f"SELECT * FROM {predictions.physical_name} "  # noqa: S608
        f"WHERE match_probability >= {threshold!r} "
        "ORDER BY match_weight DESC, record_id_l, record_id_r"
    )
    rows = model.query(linker, sql)
    return tuple(
        LinkedPair(
            record_id_l=str(row["record_id_l"]),
            record_id_r=str(row["record_id_r"]),
            match_probability=float(row["match_probability"]),
            match_weight=float(row["match_weight"]),
            contributions=tuple(
                FieldContribution(
                    field=field,
                    level=labels[field][int(row[f"gamma_{field}"])],
                    match_weight=float(row[f"mw_{field}"])
                    + float(row.get(f"mw_tf_adj_{field}") or 0.0),
                )
                for field in fields
            ),
        )
        for row in rows
    )
