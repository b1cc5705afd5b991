"""atomic writes: finding positions unique per report; idempotency keys

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Concurrent addFinding could give two findings one position: number each
    # report's findings 0, 1, 2 … in their order before the index forbids it.
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT id, report_id, position FROM findings"
            " ORDER BY report_id, position, created_at, id"
        )
    ).all()
    next_position: dict[str, int] = {}
    for finding_id, report_id, position in rows:
        wanted = next_position.get(report_id, 0)
        next_position[report_id] = wanted + 1
        if position != wanted:
            connection.execute(
                sa.text("UPDATE findings SET position = :p WHERE id = :id"),
                {"p": wanted, "id": finding_id},
            )
    op.create_index(
        "ux_findings_report_position", "findings", ["report_id", "position"], unique=True
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(
        op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_idempotency_keys_created_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_index("ux_findings_report_position", table_name="findings")
