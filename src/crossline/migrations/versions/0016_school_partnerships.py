"""school partnerships: school-police partnerships and their activities

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "school_partnerships",
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("force_id", sa.Uuid(), nullable=False),
        sa.Column("officer_name", sa.String(length=200), nullable=False),
        sa.Column("officer_email", sa.String(length=320), nullable=False),
        sa.Column("officer_phone", sa.String(length=40), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("agreement", sa.Text(), nullable=False),
        sa.Column("created_by_name", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by_name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["force_id"],
            ["organisations.id"],
            name=op.f("fk_school_partnerships_force_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["organisations.id"],
            name=op.f("fk_school_partnerships_school_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_partnerships")),
    )
    with op.batch_alter_table("school_partnerships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_school_partnerships_force_id"), ["force_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_school_partnerships_school_id"), ["school_id"], unique=False
        )

    op.create_table(
        "partnership_activities",
        sa.Column("partnership_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("pupils_reached", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by_name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "pupils_reached >= 0",
            name=op.f("ck_partnership_activities_pupils_reached_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["school_partnerships.id"],
            name=op.f("fk_partnership_activities_partnership_id_school_partnerships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnership_activities")),
    )
    with op.batch_alter_table("partnership_activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partnership_activities_partnership_id"),
            ["partnership_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("partnership_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partnership_activities_partnership_id"))
    op.drop_table("partnership_activities")
    with op.batch_alter_table("school_partnerships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_partnerships_school_id"))
        batch_op.drop_index(batch_op.f("ix_school_partnerships_force_id"))
    op.drop_table("school_partnerships")
