"""intelligence links to its owner's person records

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("intelligence_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_record_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_intelligence_links_person_record_id"), ["person_record_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_intelligence_links_person_record_id_person_records"),
            "person_records",
            ["person_record_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("intelligence_links", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_intelligence_links_person_record_id_person_records"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_intelligence_links_person_record_id"))
        batch_op.drop_column("person_record_id")
