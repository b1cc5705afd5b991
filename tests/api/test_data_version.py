"""The data version (migration 0010): every table but the audit log carries the
triggers, and every kind of committed write advances the version in its own
transaction (ORM, Core bulk statements, plain SQL, the casbin adapter), while a
rollback, a read or an audit-log append leaves it. Here on SQLite;
tests/integration/test_data_version_postgres.py runs the same tests on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, delete, insert, select, text, update
from sqlalchemy.orm import Session

from authz.enforcer import Authorizer
from domain.enums import OrganizationKind, Role
from storage import audit_keys, db
from storage.audit_log import AuditEvent, append_sync
from storage.models import Base, DataVersion, Facility, Organization

WITHOUT_TRIGGERS = frozenset({"audit_log", "data_version"})


@pytest.fixture
def keyed(engine: Engine) -> Iterator[Engine]:
    """The engine, with an audit key registered for its database."""
    url = engine.url.render_as_string(hide_password=False)
    audit_keys.register(url, b"k" * 32)
    yield engine
    audit_keys.forget(url)


def version(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(DataVersion.version)).scalar_one())


def data_triggers(engine: Engine) -> dict[str, set[str]]:
    """Trigger names by table, of the triggers migration 0010 creates."""
    if engine.dialect.name == "postgresql":
        query = text(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal AND t.tgname LIKE '%\\_data\\_%'"
        )
    else:
        query = text(
            "SELECT tbl_name, name FROM sqlite_master"
            " WHERE type = 'trigger' AND name LIKE '%\\_data\\_%' ESCAPE '\\'"
        )
    found: dict[str, set[str]] = {}
    with engine.connect() as connection:
        for table, name in connection.execute(query):
            found.setdefault(str(table), set()).add(str(name))
    return found


def expected_triggers(engine: Engine, table: str) -> set[str]:
    if engine.dialect.name == "postgresql":
        return {f"{table}_data_changed", f"{table}_data_truncated"}
    return {f"{table}_data_{event}" for event in ("insert", "update", "delete")}


def test_every_table_but_the_audit_log_has_the_triggers(engine: Engine) -> None:
    tables = set(Base.metadata.tables) - WITHOUT_TRIGGERS
    found = data_triggers(engine)
    assert set(found) == tables
    for table in tables:
        assert found[table] == expected_triggers(engine, table), table


def an_organization(session: Session, name: str = "Kommune") -> Organization:
    organization = Organization(
        name=name, kind=OrganizationKind.PUBLIC_BODY, country="NO", org_number=name
    )
    session.add(organization)
    return organization


WRITES: dict[str, Callable[[Session], object]] = {
    "orm insert": an_organization,
    "orm update": lambda s: setattr(s.scalars(select(Organization)).first(), "name", "Renamed"),
    "orm delete": lambda s: s.delete(s.scalars(select(Facility)).first()),
    "core bulk insert": lambda s: s.execute(
        insert(Facility),
        [
            {"id": f"f-{n}", "name": f"Site {n}", "country": "NO", "dedup_key": f"no|{n}"}
            for n in range(3)
        ],
    ),
    "core update": lambda s: s.execute(update(Facility).values(address="Moved")),
    "core delete": lambda s: s.execute(delete(Facility)),
    "plain sql": lambda s: s.execute(text("UPDATE organizations SET name = name || '.'")),
}


def seed(engine: Engine) -> None:
    with db.transaction(db.make_session_factory(engine)) as session:
        an_organization(session, "Seeded")
        session.add(Facility(name="Fabrikk", country="NO", dedup_key="no|fabrikk"))


@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_committed_write_advances_the_version_in_its_transaction(
    write: str, engine: Engine
) -> None:
    seed(engine)
    before = version(engine)
    with db.make_session_factory(engine)() as session:
        WRITES[write](session)
        session.flush()
        assert version(engine) == before, "not visible before the commit"
        session.commit()
    assert version(engine) > before


def test_a_rolled_back_write_leaves_the_version(engine: Engine) -> None:
    seed(engine)
    before = version(engine)
    with db.make_session_factory(engine)() as session:
        an_organization(session, "Never")
        session.flush()
        session.rollback()
    assert version(engine) == before


def test_a_policy_change_advances_the_version(engine: Engine) -> None:
    before = version(engine)
    Authorizer(engine).add_tenant_policy("org-1", Role.VIEWER, "network", "create")
    assert version(engine) > before


def test_reads_and_audit_log_appends_leave_the_version(keyed: Engine) -> None:
    seed(keyed)
    before = version(keyed)
    with db.transaction(db.make_session_factory(keyed)) as session:
        session.scalars(select(Organization)).all()
        append_sync(session, [AuditEvent("read_restricted", "audit_report", "r-1")])
    assert version(keyed) == before
