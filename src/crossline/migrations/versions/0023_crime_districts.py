"""recorded crimes: the district each lies in, for insight's map

Rows imported before this are left without a district; insight places them by their
LSOA name's district part when it counts them.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recorded_crimes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("district", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_recorded_crimes_district"), ["district"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recorded_crimes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recorded_crimes_district"))
        batch_op.drop_column("district")
