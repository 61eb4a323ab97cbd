"""line register: lines with their numbers, handsets, people and timeline; deconfliction matches

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 16:35:45.664402
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "lines",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("brand_names", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("hub_area", sa.String(length=100), nullable=True),
        sa.Column("county_area", sa.String(length=100), nullable=True),
        sa.Column("source_finding_id", sa.Uuid(), nullable=True),
        sa.Column("source_run_id", sa.Uuid(), nullable=True),
        sa.Column("analysis_line_id", sa.String(length=32), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_name", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_lines_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["organisations.id"], name=op.f("fk_lines_owner_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["source_finding_id"],
            ["analysis_findings.id"],
            name=op.f("fk_lines_source_finding_id_analysis_findings"),
        ),
        sa.ForeignKeyConstraint(
            ["source_run_id"],
            ["analysis_runs.id"],
            name=op.f("fk_lines_source_run_id_analysis_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lines")),
        sa.UniqueConstraint("owner_id", "reference", name="uq_lines_owner_reference"),
        sa.UniqueConstraint("source_finding_id", name=op.f("uq_lines_source_finding_id")),
    )
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lines_analysis_line_id"), ["analysis_line_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_lines_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "deconfliction_matches",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("identifier", sa.String(length=32), nullable=False),
        sa.Column("line_a_id", sa.Uuid(), nullable=False),
        sa.Column("owner_a_id", sa.Uuid(), nullable=False),
        sa.Column("line_b_id", sa.Uuid(), nullable=False),
        sa.Column("owner_b_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("lead_owner_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("resolved_by_id", sa.Uuid(), nullable=True),
        sa.Column("resolved_by_name", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_owner_id"],
            ["organisations.id"],
            name=op.f("fk_deconfliction_matches_lead_owner_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["line_a_id"], ["lines.id"], name=op.f("fk_deconfliction_matches_line_a_id_lines")
        ),
        sa.ForeignKeyConstraint(
            ["line_b_id"], ["lines.id"], name=op.f("fk_deconfliction_matches_line_b_id_lines")
        ),
        sa.ForeignKeyConstraint(
            ["owner_a_id"],
            ["organisations.id"],
            name=op.f("fk_deconfliction_matches_owner_a_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_b_id"],
            ["organisations.id"],
            name=op.f("fk_deconfliction_matches_owner_b_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_deconfliction_matches_resolved_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deconfliction_matches")),
        sa.UniqueConstraint(
            "kind", "identifier", "line_a_id", "line_b_id", name="uq_deconfliction_matches_pair"
        ),
    )
    with op.batch_alter_table("deconfliction_matches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deconfliction_matches_line_a_id"), ["line_a_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_deconfliction_matches_line_b_id"), ["line_b_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_deconfliction_matches_owner_a_id"), ["owner_a_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_deconfliction_matches_owner_b_id"), ["owner_b_id"], unique=False
        )

    op.create_table(
        "line_events",
        sa.Column("line_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("by_id", sa.Uuid(), nullable=True),
        sa.Column("by_name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_line_events_by_id_users")),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_line_events_line_id_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_events")),
    )
    with op.batch_alter_table("line_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_line_events_line_id"), ["line_id"], unique=False)

    op.create_table(
        "line_handsets",
        sa.Column("line_id", sa.Uuid(), nullable=False),
        sa.Column("imei", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_line_handsets_line_id_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_handsets")),
    )
    with op.batch_alter_table("line_handsets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_line_handsets_imei"), ["imei"], unique=False)
        batch_op.create_index(batch_op.f("ix_line_handsets_line_id"), ["line_id"], unique=False)

    op.create_table(
        "line_numbers",
        sa.Column("line_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_line_numbers_line_id_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_numbers")),
    )
    with op.batch_alter_table("line_numbers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_line_numbers_line_id"), ["line_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_line_numbers_number"), ["number"], unique=False)

    op.create_table(
        "line_people",
        sa.Column("line_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("possible_child", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_line_people_line_id_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_people")),
    )
    with op.batch_alter_table("line_people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_line_people_line_id"), ["line_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("line_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_line_people_line_id"))

    op.drop_table("line_people")
    with op.batch_alter_table("line_numbers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_line_numbers_number"))
        batch_op.drop_index(batch_op.f("ix_line_numbers_line_id"))

    op.drop_table("line_numbers")
    with op.batch_alter_table("line_handsets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_line_handsets_line_id"))
        batch_op.drop_index(batch_op.f("ix_line_handsets_imei"))

    op.drop_table("line_handsets")
    with op.batch_alter_table("line_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_line_events_line_id"))

    op.drop_table("line_events")
    with op.batch_alter_table("deconfliction_matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deconfliction_matches_owner_b_id"))
        batch_op.drop_index(batch_op.f("ix_deconfliction_matches_owner_a_id"))
        batch_op.drop_index(batch_op.f("ix_deconfliction_matches_line_b_id"))
        batch_op.drop_index(batch_op.f("ix_deconfliction_matches_line_a_id"))

    op.drop_table("deconfliction_matches")
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lines_owner_id"))
        batch_op.drop_index(batch_op.f("ix_lines_analysis_line_id"))

    op.drop_table("lines")
