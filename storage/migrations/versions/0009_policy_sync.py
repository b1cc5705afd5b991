"""policy version for authorisation sync across replicas

Every change to casbin_rule (insert, update, delete; by the adapter, the CLI or
plain SQL) advances policy_version.version in the same transaction, through a
trigger. Each API process keeps an in-memory snapshot of the rules stamped with
the version it read; authz/policy_sync.py polls the version (SQLite) or LISTENs
for the trigger's NOTIFY on channel kjede_policy (PostgreSQL) and reloads.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION kjede_policy_changed() RETURNS trigger AS $$
DECLARE
    current bigint;
BEGIN
    UPDATE policy_version SET version = version + 1 WHERE id = 1 RETURNING version INTO current;
    PERFORM pg_notify('kjede_policy', current::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "policy_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_version")),
    )
    op.execute("INSERT INTO policy_version (id, version) VALUES (1, 1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(
            "CREATE TRIGGER casbin_rule_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
            " ON casbin_rule FOR EACH STATEMENT EXECUTE FUNCTION kjede_policy_changed()"
        )
        return
    for event in SQLITE_EVENTS:
        op.execute(
            f"CREATE TRIGGER casbin_rule_{event.lower()} AFTER {event} ON casbin_rule"
            " BEGIN UPDATE policy_version SET version = version + 1 WHERE id = 1; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS casbin_rule_changed ON casbin_rule")
        op.execute("DROP FUNCTION IF EXISTS kjede_policy_changed()")
    else:
        for event in SQLITE_EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS casbin_rule_{event.lower()}")
    op.drop_table("policy_version")
