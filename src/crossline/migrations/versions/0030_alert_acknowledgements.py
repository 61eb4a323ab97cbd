"""lines: an organisation records that it has acted on a deconfliction alert

Alerts raised before this migration are not acknowledged.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-08 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_acknowledgements",
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("by_id", sa.Uuid(), nullable=True),
        sa.Column("by_name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_alert_acknowledgements_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["deconfliction_matches.id"],
            name=op.f("fk_alert_acknowledgements_match_id_deconfliction_matches"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_alert_acknowledgements_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_acknowledgements")),
        sa.UniqueConstraint("match_id", "organisation_id", name="uq_alert_acknowledgements_match"),
    )
    with op.batch_alter_table("alert_acknowledgements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_acknowledgements_match_id"), ["match_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_acknowledgements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_acknowledgements_match_id"))
    op.drop_table("alert_acknowledgements")
