"""funded services: the provider's administrator confirms or refuses each grant naming it

A service named before this migration was never confirmed, so it starts as
requested: its referrals stop counting until the provider confirms.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("funded_services", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), server_default="requested", nullable=False)
        )
        batch_op.add_column(sa.Column("decided_by_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("refusal_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("funded_services", schema=None) as batch_op:
        batch_op.drop_column("refusal_reason")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("decided_by_name")
        batch_op.drop_column("status")
