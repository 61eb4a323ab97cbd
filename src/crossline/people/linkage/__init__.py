"""Probabilistic linkage of person records with Splink: who, across files, is the same person.

``read_person_records`` reads and normalises a CSV or Parquet file in the
linkage layout (records.py); ``link_person_records`` builds the blocking keys
that decide which pairs are scored (blocking.py) and the forms of each first
name (given_names.py), trains a model on those records alone, scores and
clusters them (linking.py, model.py); the exports
write the clusters and each linked pair's evidence. The work runs in a DuckDB
database of its own, or on Spark through ``spark_database`` (spark.py).
docs/people.md describes the layout, the model and how to read a pair's field
contributions.
"""

from crossline.people.linkage.exports import write_clusters, write_pairs
from crossline.people.linkage.linking import (
    DEFAULT_THRESHOLD,
    FieldContribution,
    LinkedPair,
    PersonLinkage,
    link_person_records,
)
from crossline.people.linkage.records import LAYOUT, read_person_records
from crossline.people.linkage.spark import spark_database

__all__ = [
    "DEFAULT_THRESHOLD",
    "LAYOUT",
    "FieldContribution",
    "LinkedPair",
    "PersonLinkage",
    "link_person_records",
    "read_person_records",
    "spark_database",
    "write_clusters",
    "write_pairs",
]
