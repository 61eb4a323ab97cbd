"""Where cell sites are: each imported cell placed in its police force area.

Cells are few (thousands) against events (millions), so each is placed once,
here, against the force-area boundaries the app ships, and the result is
handed to the engine as a small table. Areas are named by force key (the
data.police.uk ids of orgs/data/forces.yaml).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from crossline.analytics.pipeline import CELLS_SCHEMA
from crossline.comms import store
from crossline.orgs.reference import force_areas_at


def place_cells(cells: pa.Table) -> pa.Table:
    """``cells`` (cell_id, lat, lon) with the force key of the area each lies in (or null)."""
    lat = cells.column("lat").to_numpy(zero_copy_only=False)
    lon = cells.column("lon").to_numpy(zero_copy_only=False)
    area = force_areas_at(lon, lat)
    return pa.table(
        {
            "cell_id": cells.column("cell_id"),
            "lat": cells.column("lat"),
            "lon": cells.column("lon"),
            "area": pa.array(area, pa.string()),
        },
        schema=CELLS_SCHEMA,
    )


def stored_cells(files: list[Path]) -> pa.Table:
    """The cells of the given cell-site imports, one row per cell id (the latest import wins)."""
    if not files:
        return CELLS_SCHEMA.empty_table()
    table = pa.concat_tables(pq.read_table(f, columns=["cell_id", "lat", "lon"]) for f in files)
    seen: dict[str, int] = {}
    for index, cell in enumerate(table.column("cell_id").to_pylist()):
        seen[cell] = index
    table = table.take(pa.array(sorted(seen.values()), pa.int64()))
    return place_cells(table)


def cell_files(data_dir: Path, import_ids: set[str]) -> list[Path]:
    return [
        path
        for path in sorted((store.root(data_dir) / "cells").glob("import=*.parquet"))
        if path.stem.removeprefix("import=") in import_ids
    ]
