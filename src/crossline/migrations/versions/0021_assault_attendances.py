"""assault attendances: emergency departments' ISTV data for insight (DOMAIN.md §CARDIFF)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assault_attendances",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("site_code", sa.String(length=16), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=True),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=100), nullable=False),
        sa.Column("location_type", sa.String(length=100), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["crime_imports.id"],
            name=op.f("fk_assault_attendances_import_id_crime_imports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assault_attendances")),
    )
    with op.batch_alter_table("assault_attendances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assault_attendances_import_id"), ["import_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assault_attendances_month"), ["month"], unique=False)
    with op.batch_alter_table("crime_imports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), server_default="police_uk", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("crime_imports", schema=None) as batch_op:
        batch_op.drop_column("source")
    op.drop_table("assault_attendances")
