"""Helpers shared by the benchmark scripts in bench/.

Running work in a fresh child process and reading its own peak memory,
describing the machine, formatting durations, and recording a result's row in
its section of docs/benchmarks.md. The scripts are run as
``.venv/bin/python bench/<name>.py``, so Python puts this folder first on
``sys.path`` and they import this module as ``common``.
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import resource
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS_PAGE = ROOT / "docs" / "benchmarks.md"

T = TypeVar("T")


# --- children ------------------------------------------------------------------------------------


def own_peak_rss_kib() -> int:
    """This process's own peak resident memory, in KiB on Linux; asked in the child.

    The same figure the parent's RUSAGE_CHILDREN gives once this child is reaped;
    asked here because RUSAGE_CHILDREN is the maximum over all children reaped so
    far, so after the second child it could no longer tell them apart.
    """
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def in_child(work: Callable[..., T], *args: Any) -> T:
    """Run ``work(*args)`` in a fresh spawned interpreter and return what it returns.

    'spawn' rather than 'fork', so the child starts clean and its peak memory is
    its own, not a copy of this process's.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        result: T = pool.submit(work, *args).result()
    return result


# --- the machine ---------------------------------------------------------------------------------


def machine() -> str:
    """CPU model, CPUs, memory and Python version, as written in docs/benchmarks.md."""
    cpu = _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown CPU"
    memory_kib = int((_proc_field("/proc/meminfo", "MemTotal") or "0 kB").split()[0])
    cpus = len(_available_cpus())
    return f"{cpu}, {cpus} CPUs, {memory_kib / 1024**2:.1f} GiB, Python {platform.python_version()}"


def _available_cpus() -> set[int]:
    return os.sched_getaffinity(0)  # what `nproc` prints: the CPUs this process may use


def _proc_field(path: str, name: str) -> str | None:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return None


# --- reporting -----------------------------------------------------------------------------------


def duration(seconds: float) -> str:
    """Seconds as ``1.5 s`` or, from a minute on, ``2 min 5 s``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)  # 179.6 s is 3 min 0 s, not 2 min 60 s
    return f"{minutes} min {rest} s"


def record_row(
    page: Path, section: str, table_header: str, row: str, machine: str, preset: str
) -> None:
    """Put ``row`` in the page's ``section``, replacing the row of ``preset`` on ``machine``.

    The section, and a table under ``table_header`` in it, are added if missing.
    """
    text = page.read_text() if page.exists() else "# Benchmarks\n"
    lines = text.rstrip("\n").split("\n")
    if section not in lines:
        lines += ["", section, "", *table_header.split("\n")]
    start = lines.index(section)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    rows = [i for i in range(start, end) if lines[i].startswith("|")]
    if not rows:  # the section has text but no table yet: add one after the text
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        lines[end:end] = ["", *table_header.split("\n")]
        rows = [end + 1, end + 2]
    same = [i for i in rows[2:] if _cells(lines[i])[1:3] == [machine, preset]]
    if same:
        lines[same[0]] = row
    else:
        lines.insert(rows[-1] + 1, row)
    page.write_text("\n".join(lines) + "\n")


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]
