"""young person matches: records of one child held twice, in one organisation or two

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25 22:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "young_person_matches",
        sa.Column("young_person_a_id", sa.Uuid(), nullable=False),
        sa.Column("young_person_b_id", sa.Uuid(), nullable=False),
        sa.Column("probability", sa.Double(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["young_person_a_id"],
            ["young_people.id"],
            name=op.f("fk_young_person_matches_young_person_a_id_young_people"),
        ),
        sa.ForeignKeyConstraint(
            ["young_person_b_id"],
            ["young_people.id"],
            name=op.f("fk_young_person_matches_young_person_b_id_young_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_young_person_matches")),
        sa.UniqueConstraint(
            "young_person_a_id", "young_person_b_id", name="uq_young_person_matches"
        ),
    )
    with op.batch_alter_table("young_person_matches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_young_person_matches_young_person_a_id"),
            ["young_person_a_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_young_person_matches_young_person_b_id"),
            ["young_person_b_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("young_person_matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_young_person_matches_young_person_b_id"))
        batch_op.drop_index(batch_op.f("ix_young_person_matches_young_person_a_id"))
    op.drop_table("young_person_matches")
