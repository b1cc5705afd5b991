"""national coordination: focus areas and follow-up plans

A focus area records how many audits its coordinator plans; a contract's
follow-up plan holds one row per Difi/DFØ step with its due date.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("focus_areas", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("planned_audits", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "follow_up_steps",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("contract_id", sa.String(length=36), nullable=False),
        sa.Column("buyer_id", sa.String(length=36), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["organizations.id"],
            name=op.f("fk_follow_up_steps_buyer_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_follow_up_steps_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_steps")),
        sa.UniqueConstraint("contract_id", "step", name=op.f("uq_follow_up_steps_contract_id")),
    )
    with op.batch_alter_table("follow_up_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_steps_buyer_id"), ["buyer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("follow_up_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_steps_buyer_id"))
    op.drop_table("follow_up_steps")
    with op.batch_alter_table("focus_areas", schema=None) as batch_op:
        batch_op.drop_column("planned_audits")
