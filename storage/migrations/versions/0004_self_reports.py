"""self-reports, their versions, grants and corrective-action responses

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STATUSES = ("OPEN", "IN_PROGRESS", "DONE", "VERIFIED", "OVERDUE")
STEPS = ("EVIDENCE", "PROGRESS", "DONE", "VERIFIED", "REOPENED")


def upgrade() -> None:
    # Self-reports: the questionnaire version answered, the sub-suppliers named,
    # who submitted. Rows written before this revision answered version 1.
    with op.batch_alter_table("self_reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("questionnaire_version", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(
            sa.Column("sub_suppliers", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(sa.Column("submitted_by_user_id", sa.String(length=36)))
        batch_op.create_foreign_key(
            batch_op.f("fk_self_reports_submitted_by_user_id_users"),
            "users",
            ["submitted_by_user_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(
            batch_op.f("ix_self_reports_submitted_at"), ["submitted_at"], unique=False
        )
    with op.batch_alter_table("self_reports", schema=None) as batch_op:
        batch_op.alter_column("questionnaire_version", server_default=None)
        batch_op.alter_column("sub_suppliers", server_default=None)

    # Grants: a purpose, who granted, revocation; rows are history now, so the
    # one-row-per-pair constraint goes.
    with op.batch_alter_table("self_report_grants", schema=None) as batch_op:
        batch_op.drop_constraint("uq_self_report_grants_supplier_id", type_="unique")
        batch_op.add_column(sa.Column("purpose", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("granted_by_user_id", sa.String(length=36)))
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("revoked_by_user_id", sa.String(length=36)))
        batch_op.create_foreign_key(
            batch_op.f("fk_self_report_grants_granted_by_user_id_users"),
            "users",
            ["granted_by_user_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_self_report_grants_revoked_by_user_id_users"),
            "users",
            ["revoked_by_user_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("self_report_grants", schema=None) as batch_op:
        batch_op.alter_column("purpose", server_default=None)

    # Supply edges: one row per discloser of a relation.
    with op.batch_alter_table("supply_edges", schema=None) as batch_op:
        batch_op.drop_constraint("uq_supply_edges_source_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_supply_edges_source_id",
            ["source_id", "target_id", "product_category", "disclosed_by_id"],
        )

    # Corrective actions: DONE joins the statuses; the follow-up history.
    with op.batch_alter_table("corrective_actions", schema=None) as batch_op:
        batch_op.alter_column(
            "status",
            existing_type=sa.Enum(
                *(s for s in STATUSES if s != "DONE"),
                name="correctiveactionstatus",
                native_enum=False,
                length=32,
            ),
            type_=sa.Enum(*STATUSES, name="correctiveactionstatus", native_enum=False, length=32),
            existing_nullable=False,
        )
    op.create_table(
        "corrective_action_events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("corrective_action_id", sa.String(length=36), nullable=False),
        sa.Column(
            "step",
            sa.Enum(*STEPS, name="correctiveactionstep", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(*STATUSES, name="correctiveactionstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("evidence_document_ids", sa.JSON(), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["corrective_action_id"],
            ["corrective_actions.id"],
            name=op.f("fk_corrective_action_events_corrective_action_id_corrective_actions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_corrective_action_events_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_corrective_action_events_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_action_events")),
    )
    op.create_index(
        op.f("ix_corrective_action_events_corrective_action_id"),
        "corrective_action_events",
        ["corrective_action_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_corrective_action_events_corrective_action_id"),
        table_name="corrective_action_events",
    )
    op.drop_table("corrective_action_events")
    op.execute("UPDATE corrective_actions SET status = 'IN_PROGRESS' WHERE status = 'DONE'")
    with op.batch_alter_table("supply_edges", schema=None) as batch_op:
        batch_op.drop_constraint("uq_supply_edges_source_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_supply_edges_source_id", ["source_id", "target_id", "product_category"]
        )
    op.execute("DELETE FROM self_report_grants WHERE revoked_at IS NOT NULL")
    with op.batch_alter_table("self_report_grants", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_self_report_grants_revoked_by_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_self_report_grants_granted_by_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("revoked_by_user_id")
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("granted_by_user_id")
        batch_op.drop_column("purpose")
    with op.batch_alter_table("self_report_grants", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_self_report_grants_supplier_id", ["supplier_id", "organization_id"]
        )
    with op.batch_alter_table("self_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_self_reports_submitted_at"))
        batch_op.drop_constraint(
            batch_op.f("fk_self_reports_submitted_by_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("submitted_by_user_id")
        batch_op.drop_column("sub_suppliers")
        batch_op.drop_column("questionnaire_version")
