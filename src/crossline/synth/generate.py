"""Making a whole world: records under DIR/comms and DIR/agencies, truth under DIR/truth."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from crossline.core.errors import InvalidInput
from crossline.synth.agencies import write_agencies
from crossline.synth.catalogue import LAYOUTS, PRESETS
from crossline.synth.exports import OperatorWriter, write_cell_lists
from crossline.synth.traffic import Day
from crossline.synth.truth import write_truth
from crossline.synth.world import build_world

Progress = Callable[[int, int], None]  # (days done, days in all)


@dataclass(frozen=True)
class Summary:
    preset: str
    seed: int
    days: int
    events: int
    rows_by_operator: dict[str, int]
    defects_by_kind: dict[str, int]
    lines: int
    line_numbers: int
    persons: int
    files: list[str]


def generate(preset_id: str, seed: int, out: Path, progress: Progress | None = None) -> Summary:
    """Write the world of ``preset_id`` and ``seed`` into ``out`` (which must be empty or new).

    Streams day by day: memory holds the world (people, contacts, schedules)
    and one day's events, whatever the number of days. The same preset and
    seed give the same files, byte for byte.
    """
    if preset_id not in PRESETS:
        raise InvalidInput(
            f"There is no preset '{preset_id}'. Choose one of {', '.join(PRESETS)}.", field="preset"
        )
    if out.exists() and any(out.iterdir()):
        raise InvalidInput(
            f"{out} is not empty. Choose a new folder, so no world is mixed with another.",
            field="out",
        )
    preset = PRESETS[preset_id]
    world = build_world(preset, seed)
    comms = out / "comms"
    comms.mkdir(parents=True)
    layouts = [LAYOUTS["operator_a"], LAYOUTS["operator_b"]]
    write_cell_lists(world, comms, layouts)
    writers = [
        OperatorWriter(
            world, i, layout, comms, np.random.default_rng(np.random.SeedSequence([seed, 3, i]))
        )
        for i, layout in enumerate(layouts)
    ]
    events = 0
    for day in range(preset.days):
        batch = Day(world, day).events()
        events += len(batch)
        for writer in writers:
            writer.write_day(day, batch)
        if progress:
            progress(day + 1, preset.days)
    for writer in writers:
        writer.close()
    defects = [d for writer in writers for d in writer.defects]
    write_truth(world, out / "truth", defects)
    write_agencies(world, out / "agencies", out / "truth")
    summary = Summary(
        preset=preset_id,
        seed=seed,
        days=preset.days,
        events=events,
        rows_by_operator={w.layout.id: w.rows for w in writers},
        defects_by_kind=dict(sorted(Counter(d.kind for d in defects).items())),
        lines=len(world.lines),
        line_numbers=sum(len(line.numbers) for line in world.lines),
        persons=world.persons,
        files=sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()),
    )
    _write_manifest(out, summary)
    return summary


def _write_manifest(out: Path, summary: Summary) -> None:
    files = {name: _sha256(out / name) for name in summary.files}
    manifest = {**summary.__dict__, "sha256": files}
    (out / "truth" / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
