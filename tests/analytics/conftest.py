"""A tiny world, its events in a Parquet folder, and the analysis of them on DuckDB."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crossline.analytics.areas import place_cells
from crossline.analytics.engines import DuckDBEngine
from crossline.analytics.parameters import Parameters, load_parameters
from crossline.analytics.pipeline import Result, analyse
from crossline.comms import reading
from crossline.comms.profiles import load_profiles
from crossline.synth.generate import generate


@dataclass(frozen=True)
class Events:
    world: Path
    files: list[str]
    cells: pa.Table


@pytest.fixture(scope="session")
def parameters() -> Parameters:
    return load_parameters()


@pytest.fixture(scope="session")
def events(tmp_path_factory: pytest.TempPathFactory) -> Events:
    """The tiny world (seed 11) read as an import reads it, one Parquet file per export."""
    root = tmp_path_factory.mktemp("analytics")
    world = root / "world"
    generate("tiny", 11, world)
    profiles = load_profiles()
    files, cells = [], []
    for path in sorted((world / "comms").glob("*.csv")):
        sniffed = reading.sniff(path, profiles)
        table = pa.concat_tables(b.events for b in reading.batches(path, sniffed))
        if sniffed.profile.kind == "cells":
            cells.append(table.select(["cell_id", "lat", "lon"]))
        else:
            target = root / f"{path.stem}.parquet"
            pq.write_table(table, target)
            files.append(str(target))
    return Events(world, files, place_cells(pa.concat_tables(cells)))


@pytest.fixture(scope="session")
def result(events: Events, parameters: Parameters) -> Result:
    engine = DuckDBEngine(parameters.time_zone)
    try:
        return analyse(engine, events.files, events.cells, parameters)
    finally:
        engine.close()


def truth(world: Path, name: str) -> list[dict[str, str]]:
    with (world / "truth" / name).open(newline="") as handle:
        return list(csv.DictReader(handle))
