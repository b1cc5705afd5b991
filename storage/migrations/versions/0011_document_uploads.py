"""direct uploads: a document's bytes sent straight to the object store

One row per upload begun with `beginDocumentUpload` (domain/document_uploads.py):
the quarantine key the client PUTs the file to, the declared size, and, once
`finishDocumentUpload` is called, the background check's claim and outcome. The
table advances the data version like every other (0010).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLE = "document_uploads"
SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")


def _foreign_key(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{TABLE}_{column}_{table}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("uploader_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column(
            "classification",
            sa.Enum(
                "PUBLIC",
                "SHARED",
                "RESTRICTED",
                "PERSONAL",
                name="classification",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("quarantine_key", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "AWAITING_BYTES",
                "CHECKING",
                "STORED",
                "REFUSED",
                name="documentuploadstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("refusal", sa.Text(), nullable=True),
        sa.Column("document_id", sa.String(length=36), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _foreign_key("report_id", "audit_reports"),
        _foreign_key("uploader_id", "organizations"),
        _foreign_key("user_id", "users"),
        _foreign_key("document_id", "documents"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
    )
    for column in ("report_id", "uploader_id", "claimed_at"):
        op.create_index(op.f(f"ix_{TABLE}_{column}"), TABLE, [column], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE CONSTRAINT TRIGGER {TABLE}_data_changed"
            f" AFTER INSERT OR UPDATE OR DELETE ON {TABLE}"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
            " EXECUTE FUNCTION kjede_data_changed()"
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_data_truncated AFTER TRUNCATE ON {TABLE}"
            " FOR EACH STATEMENT EXECUTE FUNCTION kjede_data_changed()"
        )
        return
    for event in SQLITE_EVENTS:
        op.execute(
            f"CREATE TRIGGER {TABLE}_data_{event.lower()} AFTER {event} ON {TABLE}"
            " BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END"
        )


def downgrade() -> None:
    for column in ("claimed_at", "uploader_id", "report_id"):
        op.drop_index(op.f(f"ix_{TABLE}_{column}"), table_name=TABLE)
    op.drop_table(TABLE)  # its triggers go with it
