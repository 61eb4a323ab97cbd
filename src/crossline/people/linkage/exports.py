"""Writing a linkage out: every record's cluster, and the evidence for each linked pair."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from crossline.core.errors import InvalidInput
from crossline.people.linkage.linking import PersonLinkage


def write_clusters(linkage: PersonLinkage, path: Path) -> None:
    """Write ``record_id,cluster_id`` for every record, in the order they were read."""
    _write(path, ("record_id", "cluster_id"), linkage.clusters.items())


def write_pairs(linkage: PersonLinkage, path: Path) -> None:
    """Write each linked pair with its match weight and every field's level and weight.

    A pair's ``match_weight`` is ``prior_weight`` plus the ``<field>_weight``
    columns; ``match_probability`` is 2^w / (1 + 2^w) of it.
    """
    header = ["record_id_l", "record_id_r", "match_probability", "match_weight", "prior_weight"]
    for field in linkage.fields:
        header += [f"{field}_level", f"{field}_weight"]
    rows = []
    for pair in linkage.pairs:
        row = [
            pair.record_id_l,
            pair.record_id_r,
            f"{pair.match_probability:.6f}",
            f"{pair.match_weight:.3f}",
            f"{linkage.prior_match_weight:.3f}",
        ]
        for contribution in pair.contributions:
            row += [contribution.level, f"{contribution.match_weight:.3f}"]
        rows.append(row)
    _write(path, header, rows)


def _write(path: Path, header: Iterable[str], rows: Iterable[Iterable[str]]) -> None:
    try:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    except OSError as exc:
        raise InvalidInput(
            f"Could not write {path}: {exc.strerror or exc}. Check the folder exists and "
            "you may write there.",
            field="out",
        ) from exc
