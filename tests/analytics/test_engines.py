"""What the DuckDB engine leaves behind: nothing, and never in the working directory."""

from __future__ import annotations

from pathlib import Path

from crossline.analytics.engines import DuckDBEngine


def test_spill_files_go_to_their_own_folder_and_are_removed(tmp_path: Path) -> None:
    engine = DuckDBEngine("Europe/London", spill=tmp_path)
    folder = Path(
        engine.fetch("SELECT current_setting('temp_directory') AS d").column("d")[0].as_py()
    )
    assert folder.parent == tmp_path
    assert folder.is_dir()
    engine.close()
    assert not folder.exists()
