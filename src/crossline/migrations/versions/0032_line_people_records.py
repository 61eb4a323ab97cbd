"""lines: a person on a line linked to one of its organisation's person records

People on lines before this migration are known by their number only.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-08 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("line_people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_record_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_line_people_person_record_id"), ["person_record_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_line_people_person_record_id_person_records"),
            "person_records",
            ["person_record_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("line_people", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_line_people_person_record_id_person_records"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_line_people_person_record_id"))
        batch_op.drop_column("person_record_id")
