"""data version: one counter every committed change to the data advances

Every table but audit_log (and this counter itself) gets triggers that advance
data_version.version when a transaction that inserted, updated or deleted its
rows commits, whoever wrote: the API, the CLI, another replica, plain SQL. An
API process reads the version at the start of each request and reuses a cached
response only at the version it was computed at (api/response_cache.py).

audit_log is left out: appending the read log of a sensitive read changes no
data any response discloses, and bumping there would void every cached answer
on every such read. The one query that reads the log is never cached.

- PostgreSQL: a deferred constraint trigger per row runs at COMMIT, so the
  counter's row lock is taken as the transaction's last step and held only while
  it commits (an immediate trigger would hold it from the first write, and a
  transaction holding other locks, e.g. the audit log's advisory lock, could
  deadlock against it); only the first row of a transaction advances the
  counter (a transaction-local setting remembers it). TRUNCATE has a statement
  trigger.
- SQLite: a row trigger per event; writers are serialised anyway.

A table added later needs the same triggers (tests/api/test_data_version.py
checks every model table has them). On SQLite, a batch migration that
recreates a table drops its triggers: create them again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Every table at revision 0009 except audit_log.
TABLES = (
    "organizations",
    "users",
    "memberships",
    "networks",
    "network_participants",
    "network_suppliers",
    "contracts",
    "facilities",
    "supply_edges",
    "self_reports",
    "self_report_sites",
    "self_report_grants",
    "focus_areas",
    "audit_reports",
    "audit_report_facilities",
    "findings",
    "corrective_actions",
    "corrective_action_events",
    "documents",
    "mini_competitions",
    "bids",
    "call_offs",
    "call_off_declines",
    "price_lists",
    "casbin_rule",
    "policy_version",
    "auditor_engagements",
    "idempotency_keys",
    "follow_up_steps",
    "web_sessions",
    "reference_files",
)
SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION kjede_data_changed() RETURNS trigger AS $$
BEGIN
    IF current_setting('kjede.data_changed', true) IS DISTINCT FROM 'on' THEN
        PERFORM set_config('kjede.data_changed', 'on', true);
        UPDATE data_version SET version = version + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.execute("INSERT INTO data_version (id, version) VALUES (1, 1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for table in TABLES:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER {table}_data_changed"
                f" AFTER INSERT OR UPDATE OR DELETE ON {table}"
                " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
                " EXECUTE FUNCTION kjede_data_changed()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_data_truncated AFTER TRUNCATE ON {table}"
                " FOR EACH STATEMENT EXECUTE FUNCTION kjede_data_changed()"
            )
        return
    for table in TABLES:
        for event in SQLITE_EVENTS:
            op.execute(
                f"CREATE TRIGGER {table}_data_{event.lower()} AFTER {event} ON {table}"
                " BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_data_changed ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_data_truncated ON {table}")
        op.execute("DROP FUNCTION IF EXISTS kjede_data_changed()")
    else:
        for table in TABLES:
            for event in SQLITE_EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_data_{event.lower()}")
    op.drop_table("data_version")
