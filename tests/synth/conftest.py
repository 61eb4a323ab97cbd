"""A tiny world made once for the module, and a reader of its operator exports."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crossline.synth.catalogue import LAYOUTS, Layout
from crossline.synth.generate import Summary, generate

UK = ZoneInfo("Europe/London")
SEED = 7


@dataclass(frozen=True)
class World:
    path: Path
    summary: Summary


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> World:
    path = tmp_path_factory.mktemp("worlds") / "tiny"
    return World(path, generate("tiny", SEED, path))


@dataclass(frozen=True)
class Record:
    """One well-formed export row, normalised: UTC epoch, E.164 numbers, call or sms."""

    at: int
    a: str
    b: str
    kind: str
    duration: int
    imei: str
    a_cell: str
    b_cell: str


def layout_of(path: Path) -> Layout:
    return LAYOUTS["operator_a" if path.name.startswith("operator_a") else "operator_b"]


def export_files(world: Path) -> list[Path]:
    return sorted(p for p in (world / "comms").glob("operator_*_2*.csv"))


def raw_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every line after the header."""
    layout = layout_of(path)
    with path.open(newline="", encoding="utf-8") as handle:
        for number, fields in enumerate(csv.reader(handle, delimiter=layout.delimiter), start=1):
            if number > 1:
                yield number, fields


def e164(text: str) -> str:
    digits = text.lstrip("+")
    return "+44" + digits[1:] if digits.startswith("0") else "+" + digits


def parse(path: Path, fields: list[str]) -> Record | None:
    """The record a well-formed row holds, or None for a row an importer must quarantine."""
    layout = layout_of(path)
    if len(fields) != len(layout.columns) or fields[0] == layout.columns[0].name:
        return None
    values = dict(zip([c.name for c in layout.columns], fields, strict=True))
    try:
        if layout.id == "operator_a":
            local = datetime.strptime(values["Call Date/Time"], "%d/%m/%Y %H:%M:%S")
            h, m, s = (int(x) for x in values["Duration"].split(":"))
            duration = h * 3600 + m * 60 + s
            a, b, kind = (
                values["Originating Number"],
                values["Terminating Number"],
                values["Record Type"],
            )
            imei, a_cell, b_cell = (
                values["IMEI"],
                values["Originating Cell"],
                values["Terminating Cell"],
            )
        else:
            local = datetime.strptime(values["EVENT_DATE"] + values["EVENT_TIME"], "%Y%m%d%H%M%S")
            duration = int(values["DUR_SEC"])
            a, b, kind = values["A_PARTY"], values["B_PARTY"], values["SERVICE"]
            imei, a_cell, b_cell = values["HANDSET_IMEI"], values["A_CELL"], values["B_CELL"]
    except ValueError:
        return None
    if imei and not luhn_ok(imei):
        return None
    kind = "call" if kind == layout.codes["call"] else "sms"
    at = int(local.replace(tzinfo=UK).timestamp())  # fold=0: the first of a repeated hour
    return Record(at, e164(a), e164(b), kind, duration, imei, a_cell, b_cell)


def luhn_ok(imei: str) -> bool:
    if len(imei) != 15 or not imei.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(imei)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d // 10 + d % 10
    return total % 10 == 0


@pytest.fixture(scope="session")
def records(tiny: World) -> list[Record]:
    found = []
    for path in export_files(tiny.path):
        for _, fields in raw_rows(path):
            record = parse(path, fields)
            if record is not None:
                found.append(record)
    return found


def truth_rows(world: Path, name: str) -> list[dict[str, str]]:
    with (world / "truth" / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
