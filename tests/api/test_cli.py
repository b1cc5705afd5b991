"""The `kjede` command as an operator runs it: migrate, register tenants, grant roles,
mint dev tokens, verify the audit log. Each test gets its own data directory."""

from __future__ import annotations

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


def test_audit_verify_detects_a_changed_entry(migrated: Path) -> None:
    from sqlalchemy import update

    from settings import Settings
    from storage import audit_log, db
    from storage.models import AuditLogEntry

    engine = db.make_engine(Settings().resolved_database_url)
    events = [
        audit_log.AuditEvent(action="share_changed", subject_type="audit_report", subject_id=str(n))
        for n in range(3)
    ]
    with db.transaction(db.make_session_factory(engine)) as session:
        audit_log.append_sync(session, events)
    assert "audit log intact: 3 entries" in ok("audit", "verify")
    with engine.begin() as connection:
        connection.execute(
            update(AuditLogEntry).where(AuditLogEntry.seq == 2).values(subject_id="other")
        )
    engine.dispose()
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "broken at entry 2" in text_of(result)


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
