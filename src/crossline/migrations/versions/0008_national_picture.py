"""national picture: outcomes recorded against lines (arrests, people safeguarded…) and
intensification weeks

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 17:42:41.169300
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intensification_weeks",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("defined_by_id", sa.Uuid(), nullable=True),
        sa.Column("defined_by_name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ends_on >= starts_on", name=op.f("ck_intensification_weeks_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["defined_by_id"],
            ["users.id"],
            name=op.f("fk_intensification_weeks_defined_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intensification_weeks")),
    )
    op.create_table(
        "line_outcomes",
        sa.Column("line_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by_name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("count > 0", name=op.f("ck_line_outcomes_count_positive")),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_line_outcomes_line_id_lines")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["organisations.id"], name=op.f("fk_line_outcomes_owner_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_line_outcomes_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_outcomes")),
    )
    with op.batch_alter_table("line_outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_line_outcomes_line_id"), ["line_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_line_outcomes_occurred_on"), ["occurred_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_line_outcomes_owner_id"), ["owner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("line_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_line_outcomes_owner_id"))
        batch_op.drop_index(batch_op.f("ix_line_outcomes_occurred_on"))
        batch_op.drop_index(batch_op.f("ix_line_outcomes_line_id"))

    op.drop_table("line_outcomes")
    op.drop_table("intensification_weeks")
