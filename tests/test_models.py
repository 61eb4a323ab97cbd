"""Every column has its real type even when its module is imported on its own.

A foreign key without a type takes its type from the referenced table only if
that table's module was imported first; the command line imports modules
lazily, so an untyped key would read back as text there.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

MODULES = [
    "crossline.auth.models",
    "crossline.audit.models",
    "crossline.orgs.models",
    "crossline.outreach.models",
    "crossline.comms.models",
    "crossline.lines.models",
    "crossline.safeguarding.models",
    "crossline.programmes.models",
]


@pytest.mark.parametrize("module", MODULES)
def test_no_column_is_left_untyped(module: str) -> None:
    script = (
        f"import {module}\n"
        "from sqlalchemy.types import NullType\n"
        "from crossline.core.database import Base\n"
        "bad = [f'{t.name}.{c.name}' for t in Base.metadata.tables.values() for c in t.columns"
        " if isinstance(c.type, NullType)]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
