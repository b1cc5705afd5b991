"""The `kjede` command as an operator runs it: migrate, register tenants, grant roles,
mint dev tokens, verify the audit log. Each test gets its own data directory."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jwt
import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner, Result

from api.cli import app
from storage.db import MIGRATIONS_DIR

OSLO = ["--name", "Oslo kommune", "--kind", "PUBLIC_BODY", "--country", "NO"]
OSLO_NUMBER = "958935420"
STOCKHOLM = ["--name", "Region Stockholm", "--kind", "PUBLIC_BODY", "--country", "SE"]
STOCKHOLM_NUMBER = "2321000016"
KARI = "kari@oslo.kommune.no"

runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def text_of(result: Result) -> str:
    """stdout and stderr with Rich's line wrapping undone."""
    return " ".join(result.output.split())


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return text_of(result)


def refused(*args: str) -> str:
    """Run a command that must be refused with exit code 2; return its message."""
    result = run(*args)
    assert result.exit_code == 2, result.output
    return text_of(result)


def org_rows() -> list[dict[str, Any]]:
    result = run("org", "list", "--json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data directory that every `Settings()` the CLI builds will use."""
    directory = tmp_path / "kjede-data"
    monkeypatch.setenv("KJEDE_DATA_DIR", str(directory))
    monkeypatch.delenv("KJEDE_DATABASE_URL", raising=False)
    monkeypatch.delenv("KJEDE_DEV_SIGNING_KEY_PATH", raising=False)
    monkeypatch.setenv("KJEDE_ENVIRONMENT", "dev")
    return directory


@pytest.fixture
def migrated(data_dir: Path) -> Path:
    ok("db", "upgrade")
    return data_dir


@pytest.fixture
def oslo(migrated: Path) -> str:
    """Oslo kommune registered; its organisation id."""
    ok("org", "add", *OSLO, "--org-number", OSLO_NUMBER)
    (row,) = org_rows()
    org_id: str = row["id"]
    return org_id


def test_db_upgrade_creates_a_fresh_database(data_dir: Path) -> None:
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert not data_dir.exists()
    output = ok("db", "upgrade")
    assert f"database at revision {head}" in output
    assert (data_dir / "kjede.sqlite3").is_file()
    assert f"database at revision {head}" in ok("db", "upgrade"), "a second upgrade is a no-op"


def test_org_add_registers_and_is_idempotent(migrated: Path) -> None:
    assert "added: Oslo kommune" in ok("org", "add", *OSLO, "--org-number", OSLO_NUMBER)
    again = ok("org", "add", *OSLO, "--org-number", "958 935 420")
    assert "already registered: Oslo kommune" in again
    rows = org_rows()
    assert len(rows) == 1
    assert rows[0]["id"] in again
    assert "added: Region Stockholm" in ok("org", "add", *STOCKHOLM, "--org-number", "232100-0016")
    assert [(r["name"], r["country"], r["orgNumber"]) for r in org_rows()] == [
        ("Oslo kommune", "NO", OSLO_NUMBER),
        ("Region Stockholm", "SE", STOCKHOLM_NUMBER),
    ]


def test_org_add_same_number_other_name_is_a_conflict(oslo: str) -> None:
    message = refused(
        "org", "add", "--name", "Oslo bykommune", "--kind", "PUBLIC_BODY",
        "--country", "NO", "--org-number", OSLO_NUMBER,
    )  # fmt: skip
    assert "CONFLICT" in message
    assert "Oslo kommune" in message, "names what the number is registered as"
    assert [row["name"] for row in org_rows()] == ["Oslo kommune"]


@pytest.mark.parametrize(
    ("country", "number"),
    [
        ("NO", "958935421"),  # wrong mod-11 check digit
        ("NO", "95893542"),  # 8 digits
        ("NO", "9589354200"),  # 10 digits
        ("SE", "2321000017"),  # wrong Luhn check digit
        ("SE", "232100001"),  # 9 digits
    ],
)
def test_org_add_rejects_bad_numbers(migrated: Path, country: str, number: str) -> None:
    message = refused(
        "org", "add", "--name", "Feil AS", "--kind", "SUPPLIER",
        "--country", country, "--org-number", number,
    )  # fmt: skip
    assert "BAD_USER_INPUT" in message
    assert "orgNumber" in message
    assert org_rows() == []


@pytest.mark.parametrize("country", ["XX", "Norway"])
def test_org_add_rejects_bad_country_codes(migrated: Path, country: str) -> None:
    message = refused(
        "org", "add", "--name", "Oslo kommune", "--kind", "PUBLIC_BODY",
        "--country", country, "--org-number", OSLO_NUMBER,
    )  # fmt: skip
    assert "BAD_USER_INPUT" in message
    assert "country" in message
    assert repr(country) in message, "quotes the rejected value"
    assert org_rows() == []


def test_org_list_json_is_valid_json(oslo: str) -> None:
    ok("org", "add", *STOCKHOLM, "--org-number", STOCKHOLM_NUMBER)
    rows = org_rows()
    assert rows == [
        {
            "id": oslo,
            "name": "Oslo kommune",
            "kind": "PUBLIC_BODY",
            "country": "NO",
            "orgNumber": OSLO_NUMBER,
        },
        {
            "id": rows[1]["id"],
            "name": "Region Stockholm",
            "kind": "PUBLIC_BODY",
            "country": "SE",
            "orgNumber": STOCKHOLM_NUMBER,
        },
    ]
    assert rows[1]["id"] != oslo


def test_org_list_json_is_an_empty_list_on_a_fresh_database(migrated: Path) -> None:
    assert org_rows() == []


def test_user_add_grants_every_role_and_is_idempotent(oslo: str) -> None:
    roles = ["--role", "PROCUREMENT_OFFICER", "--role", "VIEWER"]
    first = ok("user", "add", "--email", KARI, "--org", OSLO_NUMBER, *roles)
    assert f"granted: {KARI} PROCUREMENT_OFFICER in Oslo kommune" in first
    assert f"granted: {KARI} VIEWER in Oslo kommune" in first
    second = ok("user", "add", "--email", KARI, "--org", OSLO_NUMBER, *roles)
    assert "granted" not in second
    assert f"already held: {KARI} PROCUREMENT_OFFICER in Oslo kommune" in second
    assert f"already held: {KARI} VIEWER in Oslo kommune" in second
    shouted = ok("user", "add", "--email", KARI.upper(), "--org", OSLO_NUMBER, *roles)
    assert "granted" not in shouted, "e-mail addresses are matched case-insensitively"
    assert shouted.count("already held") == 2
    # Both roles are held: a token can be minted for either.
    for role in ("PROCUREMENT_OFFICER", "VIEWER"):
        ok("token", "--user", KARI, "--org", OSLO_NUMBER, "--role", role)


def test_user_add_to_unknown_org_is_not_found_with_a_hint(migrated: Path) -> None:
    message = refused("user", "add", "--email", KARI, "--org", "974760673", "--role", "VIEWER")
    assert "NOT_FOUND" in message
    assert "974760673" in message
    assert "kjede org add" in message


def test_user_add_rejects_a_bad_email(oslo: str) -> None:
    message = refused("user", "add", "--email", "kari", "--org", OSLO_NUMBER, "--role", "VIEWER")
    assert "BAD_USER_INPUT" in message
    assert "email" in message


def test_user_revoke_removes_the_role(oslo: str) -> None:
    ok("user", "add", "--email", KARI, "--org", OSLO_NUMBER, "--role", "ADMIN", "--role", "VIEWER")
    assert "revoked" in ok(
        "user", "revoke", "--email", KARI, "--org", OSLO_NUMBER, "--role", "ADMIN"
    )
    again = ok("user", "revoke", "--email", KARI, "--org", OSLO_NUMBER, "--role", "ADMIN")
    assert "not held; nothing to do" in again
    message = refused("token", "--user", KARI, "--org", OSLO_NUMBER, "--role", "ADMIN")
    assert "BAD_USER_INPUT" in message
    assert "holds VIEWER" in message
    ok("token", "--user", KARI, "--org", OSLO_NUMBER, "--role", "VIEWER")


def test_token_mints_a_jwt_for_a_held_role(oslo: str) -> None:
    ok("user", "add", "--email", KARI, "--org", OSLO_NUMBER, "--role", "PROCUREMENT_OFFICER")
    result = run("token", "--user", KARI, "--org", OSLO_NUMBER, "--role", "PROCUREMENT_OFFICER")
    assert result.exit_code == 0, result.output
    encoded = result.stdout.strip()
    assert encoded.count(".") == 2, "one line holding a compact JWS"
    header = jwt.get_unverified_header(encoded)
    assert header["alg"] == "ES256"
    claims = jwt.decode(encoded, options={"verify_signature": False})
    assert claims["email"] == KARI
    assert claims["org"] == oslo
    assert claims["roles"] == ["PROCUREMENT_OFFICER"]
    assert claims["aud"] == "kjede"
    assert claims["exp"] > claims["iat"]


def test_token_refuses_a_role_not_held_and_names_the_roles_held(oslo: str) -> None:
    ok(
        "user",
        "add",
        "--email",
        KARI,
        "--org",
        OSLO_NUMBER,
        "--role",
        "VIEWER",
        "--role",
        "AUDITOR",
    )
    result = run("token", "--user", KARI, "--org", OSLO_NUMBER, "--role", "ADMIN")
    assert result.exit_code == 2, result.output
    assert result.stdout.strip() == "", "no token is printed"
    message = text_of(result)
    assert "BAD_USER_INPUT" in message
    assert "AUDITOR, VIEWER" in message
    assert "not ADMIN" in message


def test_token_is_refused_in_prod(oslo: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ok("user", "add", "--email", KARI, "--org", OSLO_NUMBER, "--role", "VIEWER")
    monkeypatch.setenv("KJEDE_ENVIRONMENT", "prod")
    result = run("token", "--user", KARI, "--org", OSLO_NUMBER, "--role", "VIEWER")
    assert result.exit_code == 2, result.output
    assert result.stdout.strip() == "", "no token is printed"
    assert "disabled in prod" in text_of(result)


def test_audit_verify_on_an_empty_log_says_intact(migrated: Path) -> None:
    assert "audit log intact: 0 entries" in ok("audit", "verify")


def append_entries(count: int) -> None:
    """Append `count` share changes as the app would, under the data dir's audit key."""
    from settings import Settings
    from storage import audit_keys, audit_log, db

    settings = Settings()
    audit_keys.install(settings)
    engine = db.make_engine(settings.resolved_database_url)
    events = [
        audit_log.AuditEvent(action="share_changed", subject_type="audit_report", subject_id=str(n))
        for n in range(count)
    ]
    with db.transaction(db.make_session_factory(engine)) as session:
        audit_log.append_sync(session, events)
    engine.dispose()


def execute_sql(*statements: str) -> None:
    from sqlalchemy import text

    from settings import Settings
    from storage import db

    engine = db.make_engine(Settings().resolved_database_url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def test_audit_verify_detects_a_changed_entry(migrated: Path) -> None:
    append_entries(3)
    assert "audit log intact: 3 entries" in ok("audit", "verify")
    execute_sql("UPDATE audit_log SET subject_id = 'other' WHERE seq = 2")
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "broken at entry 2" in text_of(result)


def test_the_audit_key_is_a_private_file_in_the_data_dir(migrated: Path) -> None:
    import stat

    ok("audit", "verify")
    key_file = migrated / "audit-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    before = key_file.read_bytes()
    append_entries(2)
    assert key_file.read_bytes() == before
    assert "audit log intact: 2 entries" in ok("audit", "verify")


def test_audit_verify_detects_a_chain_recomputed_without_the_key(migrated: Path) -> None:
    """Edit an entry and recompute every hash after it, as someone who can write the
    database but does not hold the key would: the chain links, but is not under the key."""
    from sqlalchemy import select, update

    from settings import Settings
    from storage import audit_log, db
    from storage.models import AuditLogEntry

    append_entries(4)
    engine = db.make_engine(Settings().resolved_database_url)
    with engine.begin() as connection:
        rows = connection.execute(select(AuditLogEntry).order_by(AuditLogEntry.seq)).all()
        prev = rows[1].hash
        for row in rows[2:]:
            subject = "forged" if row.seq == 3 else row.subject_id
            digest = audit_log.unkeyed_hash(
                prev,
                seq=row.seq,
                at=row.at,
                actor_user_id=row.actor_user_id,
                actor_org_id=row.actor_org_id,
                action=row.action,
                subject_type=row.subject_type,
                subject_id=subject,
                detail=row.detail,
            )
            connection.execute(
                update(AuditLogEntry)
                .where(AuditLogEntry.seq == row.seq)
                .values(subject_id=subject, prev_hash=prev, hash=digest)
            )
            prev = digest
    engine.dispose()
    result = run("audit", "verify")
    assert result.exit_code == 1, result.output
    assert "broken at entry 3" in text_of(result)
    assert "unkeyed" in text_of(result)
    assert run("audit", "head").exit_code == 1, "no head vouches for a forged tail"


def test_audit_head_then_verify_head_detects_a_cut_tail(migrated: Path) -> None:
    append_entries(5)
    head = run("audit", "head")
    assert head.exit_code == 0, head.output
    kept = head.stdout.strip()
    assert kept.startswith("5:") and len(kept) == 2 + 64
    assert f"head {kept} still in place" in ok("audit", "verify", "--head", kept)

    execute_sql("DELETE FROM audit_log WHERE seq > 3")
    assert "audit log intact: 3 entries" in ok("audit", "verify"), "unseen without the head"
    result = run("audit", "verify", "--head", kept)
    assert result.exit_code == 1, result.output
    assert "broken at entry 4" in text_of(result)
    assert "entries 4 to 5 were cut off" in text_of(result)


def test_audit_head_of_an_empty_log_and_a_bad_head(migrated: Path) -> None:
    empty = ok("audit", "head")
    assert empty == "0:" + "0" * 64
    assert "audit log intact: 0 entries" in ok("audit", "verify", "--head", empty)
    assert "--head" in refused("audit", "verify", "--head", "not-a-head")


def test_audit_rekey_seals_a_log_written_before_the_key(migrated: Path) -> None:
    from sqlalchemy import insert

    from settings import Settings
    from storage import audit_log, db
    from storage.models import AuditLogEntry

    engine = db.make_engine(Settings().resolved_database_url)
    prev = audit_log.GENESIS_HASH
    with engine.begin() as connection:  # as the code before the audit key wrote it
        for seq in (1, 2):
            fields: dict[str, Any] = {
                "seq": seq,
                "at": dt.datetime(2026, 1, seq, tzinfo=dt.UTC),
                "actor_user_id": None,
                "actor_org_id": None,
                "action": "share_changed",
                "subject_type": "audit_report",
                "subject_id": f"old-{seq}",
                "detail": {},
            }
            digest = audit_log.unkeyed_hash(prev, **fields)
            connection.execute(insert(AuditLogEntry), {**fields, "prev_hash": prev, "hash": digest})
            prev = digest
    engine.dispose()
    append_entries(1)

    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "kjede audit rekey" in text_of(result)
    sealed = ok("audit", "rekey")
    assert "audit log sealed: 3 entries, 3 rewritten" in sealed
    kept = ok("audit", "head")
    assert f"head: {kept}" in sealed
    assert "audit log intact: 3 entries" in ok("audit", "verify", "--head", kept)
    assert "3 entries, 0 rewritten" in ok("audit", "rekey")


def test_audit_rekey_refuses_a_broken_log_and_changes_nothing(migrated: Path) -> None:
    append_entries(3)
    execute_sql("DELETE FROM audit_log WHERE seq = 2")
    result = run("audit", "rekey")
    assert result.exit_code == 1, result.output
    assert "broken at entry 2" in text_of(result)
    assert "nothing was sealed" in text_of(result)


def test_a_short_configured_audit_key_is_refused(
    migrated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KJEDE_AUDIT_KEY", "short")
    assert "at least 32" in refused("audit", "verify")


def test_org_is_found_by_the_spelling_it_was_registered_with(migrated: Path) -> None:
    ok("org", "add", *STOCKHOLM, "--org-number", "232100-0016")
    for index, spelling in enumerate(("2321000016", "232100-0016", "232100 0016")):
        granted = ok(
            "user", "add", "--email", f"user{index}@sll.se", "--org", spelling, "--role", "VIEWER"
        )  # fmt: skip
        assert f"granted: user{index}@sll.se VIEWER in Region Stockholm" in granted


def test_org_is_found_by_its_12_digit_swedish_spelling(migrated: Path) -> None:
    ok("org", "add", *STOCKHOLM, "--org-number", "16" + STOCKHOLM_NUMBER)
    assert "granted" in ok(
        "user", "add", "--email", "anna@sll.se", "--org", "16" + STOCKHOLM_NUMBER,
        "--role", "VIEWER",
    )  # fmt: skip
