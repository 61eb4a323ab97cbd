"""lines: how a closed line was closed (Type 1 or Type 2), on the line and its timeline

Lines closed before this migration have no closure type: their reason says it, if
anything did.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closure_type", sa.String(length=8), nullable=True))
    with op.batch_alter_table("line_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closure_type", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("line_events", schema=None) as batch_op:
        batch_op.drop_column("closure_type")
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.drop_column("closure_type")
