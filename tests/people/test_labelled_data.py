"""Person linkage scored on Splink's labelled fake_1000 (bench/linkage_eval.py runs it all).

Skipped when the shared data folder (../shared/data, beside the repository)
is not there. The goal is pairwise F1 of at least 0.9; the method reaches about
0.85 (docs/evaluation.md, "Person linkage", says why), so this test holds a
floor just below that, and fails if linkage gets worse (the first version's
blocking gave 0.83).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from crossline.people.linkage import link_person_records, read_person_records

# The bench script is run as a script, importing its neighbour `common`; load it the same way.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import linkage_eval as evaluation

FAKE_1000 = evaluation.DATA / "splink-fake-1000"
F1_FLOOR = 0.84  # measured 0.849; the goal, 0.9, is not met

pytestmark = pytest.mark.skipif(
    not (FAKE_1000 / "fake_1000.csv").exists(),
    reason=f"the labelled data are not in {FAKE_1000} (../shared/data, outside the repository)",
)


def test_fake_1000_is_linked_with_pairwise_f1_above_the_floor(tmp_path: Path) -> None:
    path = tmp_path / "fake_1000.csv"
    truth = evaluation.convert_fake_1000(FAKE_1000, path)
    linkage = link_person_records(read_person_records(path))
    score = evaluation.score("fake_1000", truth, linkage.clusters, 0.0)
    assert score.precision >= 0.95, score
    assert score.f1 >= F1_FLOOR, score
