"""What the DuckDB engine leaves behind: nothing, and never in the working directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from crossline.analytics.engines import DuckDBEngine
from crossline.core.settings import Settings


def test_spill_files_go_to_their_own_folder_and_are_removed(tmp_path: Path) -> None:
    engine = DuckDBEngine("Europe/London", spill=tmp_path)
    folder = Path(
        engine.fetch("SELECT current_setting('temp_directory') AS d").column("d")[0].as_py()
    )
    assert folder.parent == tmp_path
    assert folder.is_dir()
    engine.close()
    assert not folder.exists()


def test_a_memory_limit_is_kept_to(tmp_path: Path) -> None:
    engine = DuckDBEngine("Europe/London", memory_limit="1GiB", spill=tmp_path)
    try:
        limit = engine.fetch("SELECT current_setting('memory_limit') AS m").column("m")[0]
        assert limit.as_py().replace(" ", "") in {"1.0GiB", "1GiB", "1024.0MiB"}
    finally:
        engine.close()


def test_the_memory_limit_setting_must_be_an_amount() -> None:
    with pytest.raises(ValidationError):
        Settings(analysis_memory_limit="lots")
    assert Settings(analysis_memory_limit="4GiB").analysis_memory_limit == "4GiB"
