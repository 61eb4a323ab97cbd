"""young person match decisions: a practitioner's decision on a possible duplicate

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("young_person_matches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("decided_by_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("decided_by_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_young_person_matches_decided_by_id_users"),
            "users",
            ["decided_by_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("young_person_matches", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_young_person_matches_decided_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("decided_at")
        batch_op.drop_column("decided_by_name")
        batch_op.drop_column("decided_by_id")
        batch_op.drop_column("note")
        batch_op.drop_column("decision")
