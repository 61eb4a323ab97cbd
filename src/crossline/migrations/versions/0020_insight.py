"""insight: recorded crime imported from police.uk's street-level files, and their quarantine

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crime_imports",
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crime_imports")),
        sa.UniqueConstraint("sha256", name=op.f("uq_crime_imports_sha256")),
    )
    op.create_table(
        "quarantined_crimes",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["crime_imports.id"],
            name=op.f("fk_quarantined_crimes_import_id_crime_imports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantined_crimes")),
    )
    op.create_index(
        op.f("ix_quarantined_crimes_import_id"), "quarantined_crimes", ["import_id"], unique=False
    )
    op.create_table(
        "recorded_crimes",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("force", sa.String(length=100), nullable=False),
        sa.Column("lsoa_code", sa.String(length=16), nullable=True),
        sa.Column("area", sa.String(length=100), nullable=False),
        sa.Column("crime_type", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["crime_imports.id"],
            name=op.f("fk_recorded_crimes_import_id_crime_imports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recorded_crimes")),
    )
    op.create_index(op.f("ix_recorded_crimes_area"), "recorded_crimes", ["area"], unique=False)
    op.create_index(
        op.f("ix_recorded_crimes_crime_type"), "recorded_crimes", ["crime_type"], unique=False
    )
    op.create_index(
        op.f("ix_recorded_crimes_import_id"), "recorded_crimes", ["import_id"], unique=False
    )
    op.create_index(op.f("ix_recorded_crimes_month"), "recorded_crimes", ["month"], unique=False)


def downgrade() -> None:
    for table in ("quarantined_crimes", "recorded_crimes", "crime_imports"):
        op.drop_table(table)
