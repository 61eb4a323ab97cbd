"""anonymous reports: what anyone tells the partners of an area about county lines, unsigned

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "anonymous_reports",
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("district_id", sa.String(length=100), nullable=False),
        sa.Column("force_area_id", sa.String(length=100), nullable=True),
        sa.Column("about", sa.String(length=32), nullable=False),
        sa.Column("what_happened", sa.Text(), nullable=False),
        sa.Column("where_detail", sa.Text(), nullable=True),
        sa.Column("signs", sa.Text(), nullable=False),
        sa.Column("reporter_age", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("handled_by_organisation_id", sa.Uuid(), nullable=True),
        sa.Column("handled_by_name", sa.String(length=200), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["areas.id"], name=op.f("fk_anonymous_reports_district_id_areas")
        ),
        sa.ForeignKeyConstraint(
            ["force_area_id"], ["areas.id"], name=op.f("fk_anonymous_reports_force_area_id_areas")
        ),
        sa.ForeignKeyConstraint(
            ["handled_by_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_anonymous_reports_handled_by_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymous_reports")),
    )
    with op.batch_alter_table("anonymous_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_anonymous_reports_district_id"), ["district_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_anonymous_reports_force_area_id"), ["force_area_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("anonymous_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_anonymous_reports_force_area_id"))
        batch_op.drop_index(batch_op.f("ix_anonymous_reports_district_id"))
    op.drop_table("anonymous_reports")
