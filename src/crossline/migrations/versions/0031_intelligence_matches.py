"""lines: intelligence about a number another organisation holds, found and alerted

Intelligence recorded before this migration is matched when a line gains its number, or
when more intelligence about the number is recorded.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-08 01:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intelligence_matches",
        sa.Column("identifier", sa.String(length=32), nullable=False),
        sa.Column("intelligence_id", sa.Uuid(), nullable=False),
        sa.Column("intelligence_owner_id", sa.Uuid(), nullable=False),
        sa.Column("other_owner_id", sa.Uuid(), nullable=False),
        sa.Column("other_line_id", sa.Uuid(), nullable=True),
        sa.Column("other_intelligence_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["intelligence_id"],
            ["intelligence_records.id"],
            name=op.f("fk_intelligence_matches_intelligence_id_intelligence_records"),
        ),
        sa.ForeignKeyConstraint(
            ["intelligence_owner_id"],
            ["organisations.id"],
            name=op.f("fk_intelligence_matches_intelligence_owner_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["other_intelligence_id"],
            ["intelligence_records.id"],
            name=op.f("fk_intelligence_matches_other_intelligence_id_intelligence_records"),
        ),
        sa.ForeignKeyConstraint(
            ["other_line_id"],
            ["lines.id"],
            name=op.f("fk_intelligence_matches_other_line_id_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["other_owner_id"],
            ["organisations.id"],
            name=op.f("fk_intelligence_matches_other_owner_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence_matches")),
    )
    with op.batch_alter_table("intelligence_matches", schema=None) as batch_op:
        for column in (
            "identifier",
            "intelligence_id",
            "intelligence_owner_id",
            "other_owner_id",
            "other_line_id",
            "other_intelligence_id",
        ):
            batch_op.create_index(
                batch_op.f(f"ix_intelligence_matches_{column}"), [column], unique=False
            )


def downgrade() -> None:
    op.drop_table("intelligence_matches")
