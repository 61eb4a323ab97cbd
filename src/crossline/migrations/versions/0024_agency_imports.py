"""agency imports: each agency file imported, and the lines it set aside with their reasons

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agency_imports",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by_name", sa.String(length=200), nullable=False),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("already", sa.Integer(), nullable=False),
        sa.Column("young_people_added", sa.Integer(), nullable=False),
        sa.Column("concerns_raised", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Text(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_agency_imports_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_imports")),
    )
    op.create_index(
        op.f("ix_agency_imports_organisation_id"), "agency_imports", ["organisation_id"]
    )
    op.create_table(
        "agency_quarantined_rows",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["agency_imports.id"],
            name=op.f("fk_agency_quarantined_rows_import_id_agency_imports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_quarantined_rows")),
    )
    op.create_index(
        op.f("ix_agency_quarantined_rows_import_id"), "agency_quarantined_rows", ["import_id"]
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_agency_quarantined_rows_import_id"), table_name="agency_quarantined_rows"
    )
    op.drop_table("agency_quarantined_rows")
    op.drop_index(op.f("ix_agency_imports_organisation_id"), table_name="agency_imports")
    op.drop_table("agency_imports")
