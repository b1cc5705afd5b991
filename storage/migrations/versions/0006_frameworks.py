"""framework agreements, call-offs and mini-competitions: lifecycle times and
reasons, templates and clones, bid points, call-off declines and leads, price lists

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "price_lists",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("network_id", sa.String(length=36), nullable=False),
        sa.Column("supplier_id", sa.String(length=36), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.id"],
            name=op.f("fk_price_lists_network_id_networks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["organizations.id"],
            name=op.f("fk_price_lists_supplier_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_lists")),
        sa.UniqueConstraint("network_id", "supplier_id", name=op.f("uq_price_lists_network_id")),
    )
    with op.batch_alter_table("price_lists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_price_lists_network_id"), ["network_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_price_lists_supplier_id"), ["supplier_id"], unique=False
        )

    op.create_table(
        "call_off_declines",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("call_off_id", sa.String(length=36), nullable=False),
        sa.Column("supplier_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("declined_by_user_id", sa.String(length=36), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_off_id"],
            ["call_offs.id"],
            name=op.f("fk_call_off_declines_call_off_id_call_offs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["declined_by_user_id"],
            ["users.id"],
            name=op.f("fk_call_off_declines_declined_by_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["organizations.id"],
            name=op.f("fk_call_off_declines_supplier_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_off_declines")),
        sa.UniqueConstraint(
            "call_off_id", "supplier_id", name=op.f("uq_call_off_declines_call_off_id")
        ),
    )
    with op.batch_alter_table("call_off_declines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_call_off_declines_call_off_id"), ["call_off_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_call_off_declines_declined_by_user_id"),
            ["declined_by_user_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_call_off_declines_supplier_id"), ["supplier_id"], unique=False
        )

    # Points per criterion: existing bids start with none.
    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.add_column(sa.Column("points", sa.JSON(), nullable=True))
    op.execute("UPDATE bids SET points = '{}'")
    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.alter_column("points", existing_type=sa.JSON(), nullable=False)

    with op.batch_alter_table("call_offs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lead_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("exception_ground", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("created_by_user_id", sa.String(length=36), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_call_offs_created_by_user_id"), ["created_by_user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_call_offs_lead_id"), ["lead_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_call_offs_created_by_user_id_users"),
            "users",
            ["created_by_user_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_call_offs_lead_id_organizations"),
            "organizations",
            ["lead_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("mini_competitions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("award_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("template_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cloned_from_id", sa.String(length=36), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_mini_competitions_cloned_from_id"), ["cloned_from_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_mini_competitions_cloned_from_id_mini_competitions"),
            "mini_competitions",
            ["cloned_from_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("mini_competitions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_mini_competitions_cloned_from_id_mini_competitions"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_mini_competitions_cloned_from_id"))
        batch_op.drop_column("cloned_from_id")
        batch_op.drop_column("template_at")
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("award_reason")
        batch_op.drop_column("awarded_at")
        batch_op.drop_column("published_at")

    with op.batch_alter_table("call_offs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_call_offs_lead_id_organizations"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_call_offs_created_by_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_call_offs_lead_id"))
        batch_op.drop_index(batch_op.f("ix_call_offs_created_by_user_id"))
        batch_op.drop_column("created_by_user_id")
        batch_op.drop_column("exception_ground")
        batch_op.drop_column("lead_id")

    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.drop_column("points")

    with op.batch_alter_table("call_off_declines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_off_declines_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_call_off_declines_declined_by_user_id"))
        batch_op.drop_index(batch_op.f("ix_call_off_declines_call_off_id"))

    op.drop_table("call_off_declines")
    with op.batch_alter_table("price_lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_price_lists_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_price_lists_network_id"))

    op.drop_table("price_lists")
