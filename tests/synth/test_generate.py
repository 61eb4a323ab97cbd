"""Making worlds: determinism, sizes, refusals, and the files a world holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossline.core.errors import InvalidInput
from crossline.synth.catalogue import PRESETS
from crossline.synth.generate import generate
from crossline.synth.traffic import Day
from crossline.synth.world import build_world
from tests.synth.conftest import SEED, World


def _hashes(world: Path) -> dict[str, str]:
    manifest: dict[str, dict[str, str]] = json.loads(
        (world / "truth" / "manifest.json").read_text()
    )
    return manifest["sha256"]


def test_same_seed_gives_the_same_world_byte_for_byte(tiny: World, tmp_path: Path) -> None:
    again = generate("tiny", SEED, tmp_path / "again")
    assert again == tiny.summary
    assert _hashes(tmp_path / "again") == _hashes(tiny.path)
    for name in tiny.summary.files:
        assert (tmp_path / "again" / name).read_bytes() == (tiny.path / name).read_bytes(), name


def test_another_seed_gives_another_world(tiny: World, tmp_path: Path) -> None:
    other = generate("tiny", SEED + 1, tmp_path / "other")
    hashes, theirs = _hashes(tiny.path), _hashes(tmp_path / "other")
    assert (
        hashes["comms/operator_a_20251013_20251109.csv"]
        != theirs["comms/operator_a_20251013_20251109.csv"]
    )
    assert other.events != tiny.summary.events


def test_world_holds_records_and_truth_apart(tiny: World) -> None:
    files = set(tiny.summary.files)
    assert {"comms/operator_a_cells.csv", "comms/operator_b_cells.csv"} <= files
    assert {
        f"agencies/{name}.csv"
        for name in (
            "person_records",
            "missing_episodes",
            "custody",
            "stops",
            "hospital_attendances",
            "school_exclusions",
        )
    } <= files
    assert {
        f"truth/{name}.csv"
        for name in (
            "lines",
            "line_numbers",
            "line_people",
            "trips",
            "people",
            "places",
            "services",
            "defects",
            "agency_records",
        )
    } <= files
    # Nothing in the records says which number is a line.
    for name in files - {f for f in files if f.startswith("truth/")}:
        text = (tiny.path / name).read_text(encoding="utf-8")
        assert "L001" not in text
        assert "runner" not in text
        assert "controller" not in text


def test_tiny_preset_is_small_and_quick(tiny: World) -> None:
    assert 40_000 <= tiny.summary.events <= 150_000
    assert tiny.summary.lines == PRESETS["tiny"].lines


def test_medium_makes_about_ten_million_events() -> None:
    world = build_world(PRESETS["medium"], SEED)
    week = sum(len(Day(world, day).events()) for day in range(7))
    assert 8_000_000 <= week * world.preset.days / 7 <= 13_000_000


def test_large_is_sized_for_about_a_hundred_million_events() -> None:
    # Building the large world takes a while; bench/synth.py measures it for real.
    # Ordinary people make nearly all events: persons x daily rate x days (3% busier x4).
    p = PRESETS["large"]
    expected = p.persons * p.events_per_person_day * p.days * (0.97 + 0.03 * 4)
    assert 80_000_000 <= expected <= 130_000_000


def test_refuses_a_folder_with_something_in_it(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(InvalidInput, match="not empty"):
        generate("tiny", 1, tmp_path)
    with pytest.raises(InvalidInput, match="no preset 'huge'"):
        generate("huge", 1, tmp_path / "new")
