"""Shared fixtures: an embedded (SQLite) world per test, real PostgreSQL when asked."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from xdist.scheduler import LoadScopeScheduling

from api.app import Services, create_app
from api.tokens import mint_dev_token
from domain.enums import OrganizationKind, Role
from domain.orgnumbers import luhn_check_digit, mod11_check_digit
from settings import Settings
from storage import db, tenants
from storage.models import Organization
from tests.live import tail_text
from tests.migrated import fresh_sqlite

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

FEDERATION_DIR = Path(__file__).resolve().parent / "federation"
NPM_TIMEOUT = 600.0
MIN_NODE_MAJOR = 18  # global fetch/Headers
# Hive Gateway (the default), its composer, and the Apollo gateway (a compatibility check).
NODE_PACKAGES = (
    "@graphql-hive/gateway",
    "@theguild/federation-composition",
    "@apollo/gateway",
    "@apollo/composition",
)


def xdist_group(nodeid: str) -> str | None:
    """Which tests share a worker under pytest-xdist (`--dist loadgroup`): every
    browser test (one demo server, one browser), the fault suite (its own cluster,
    run alone), and each integration module (its module's servers); tests/unit and
    tests/api spread one by one (None)."""
    path = PurePosixPath(nodeid.split("::", 1)[0])
    folder = path.parent.name
    if folder in ("web", "faults"):
        return folder
    if folder == "integration":
        return path.stem
    return None


class PathGroupScheduling(LoadScopeScheduling):
    """`--dist loadgroup` with the groups taken from the test's path (xdist_group).

    xdist's own loadgroup reads `xdist_group` marks on the worker and appends
    "@group" to the node id; pytest 9.2's structured node ids ignore that write
    (pytest-xdist#1386), so every group was spread over all workers and each
    module's servers started once per worker. The controller groups by path here
    instead, whatever the worker does with marks."""

    def _split_scope(self, nodeid: str) -> str:
        return xdist_group(nodeid) or nodeid


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadgroup":
        return None
    return PathGroupScheduling(config, log)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    fresh_sqlite(settings.resolved_database_url)
    engine = db.make_engine(settings.resolved_database_url)
    yield engine
    engine.dispose()


class World:
    """Builds organisations, users and tokens for a test, through the real code paths."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.factory = db.make_session_factory(engine)

    def org(
        self,
        name: str,
        kind: OrganizationKind = OrganizationKind.PUBLIC_BODY,
        country: str = "NO",
        org_number: str | None = None,
    ) -> str:
        with db.transaction(self.factory) as session:
            number = org_number or self._fresh_number(session, country)
            return tenants.add_organization(
                session, name=name, kind=kind, country=country, org_number=number
            ).id

    def user(self, email: str, organization_id: str, *roles: Role) -> str:
        with db.transaction(self.factory) as session:
            organization = session.get_one(Organization, organization_id)
            for role in roles:
                tenants.add_user_role(session, email=email, organization=organization, role=role)
        return self.token(email, organization_id)

    def token(self, email: str, organization_id: str, roles: list[str] | None = None) -> str:
        return mint_dev_token(
            self.settings, email=email, organization_id=organization_id, roles=roles
        )

    def _fresh_number(self, session: Session, country: str) -> str:
        count = session.query(Organization).count() + 1
        if country == "SE":
            return luhn_complete(f"55{count:07d}")
        return mod11_complete(f"9{count:07d}")


def mod11_complete(base8: str) -> str:
    """Append the Norwegian mod-11 check digit (skipping bases that have none)."""
    while (digit := mod11_check_digit(base8)) is None:
        base8 = f"{int(base8) + 1:08d}"
    return base8 + str(digit)


def luhn_complete(base9: str) -> str:
    return base9 + str(luhn_check_digit(base9))


@pytest.fixture
def world(engine: Engine, settings: Settings) -> World:
    return World(engine, settings)


@pytest.fixture
def client(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, Services.from_settings(settings))) as test_client:
        yield test_client


def gql(
    client: TestClient,
    query: str,
    token: str | None = None,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """POST a GraphQL operation and return the decoded body."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    body: dict[str, Any] = response.json()
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors") or []]


@pytest.fixture(scope="session")
def postgres_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL: KJEDE_TEST_DATABASE_URL, else the local server, else a
    throwaway cluster (initdb), else a loud skip."""
    explicit = os.environ.get("KJEDE_TEST_DATABASE_URL")
    if explicit:
        yield explicit
        return
    if _reachable(POSTGRES_ADMIN_URL):
        yield POSTGRES_ADMIN_URL
        return
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl and os.geteuid() != 0:
        yield from _throwaway_cluster(pg_ctl, tmp_path_factory.mktemp("pg"))
        return
    pytest.skip(
        "PostgreSQL integration tests SKIPPED: KJEDE_TEST_DATABASE_URL is unset, no server "
        "answers at 127.0.0.1:5432, and no throwaway cluster can be started (pg_ctl "
        f"{'missing' if not pg_ctl else 'refuses to run as root'})"
    )


def _throwaway_cluster(pg_ctl: str, directory: Path) -> Iterator[str]:
    from pytest_postgresql.executors import PostgreSQLExecutor

    port = _free_port()
    executor = PostgreSQLExecutor(
        executable=pg_ctl,
        host="127.0.0.1",
        port=port,
        datadir=str(directory / "data"),
        unixsocketdir=str(directory),
        logfile=str(directory / "postgres.log"),
        startparams="-w",
        dbname="postgres",
    )
    executor.start()
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        executor.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _reachable(url: str) -> bool:
    try:
        probe = create_engine(url)
        with probe.connect() as connection:
            connection.execute(text("SELECT 1"))
        probe.dispose()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def fresh_database(server_url: str, prefix: str = "kjede_test") -> Iterator[str]:
    """A new, empty database on the real server; dropped (connections and all) on exit.
    The server itself is shared and never stopped."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = server_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty database on the real server, dropped afterwards."""
    with fresh_database(postgres_server_url) as url:
        yield url


@pytest.fixture(scope="session")
def gateway_dir() -> Path:
    """tests/federation with its node_modules: installed from the lockfile when
    missing; a loud skip without Node, a failure when npm cannot install."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip(
            "federation tests SKIPPED: `node` and `npm` must be on PATH to run the gateways"
        )
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    major = int(version.stdout.strip().lstrip("v").split(".")[0])
    if major < MIN_NODE_MAJOR:
        pytest.skip(f"federation tests SKIPPED: Node {major} found, {MIN_NODE_MAJOR}+ needed")
    installed = FEDERATION_DIR / "node_modules"
    # Each xdist worker has this session fixture: one installs while the other
    # waits for it (two `npm ci` in one directory remove each other's files).
    with (FEDERATION_DIR / "node_modules.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if all((installed / package / "package.json").exists() for package in NODE_PACKAGES):
            return FEDERATION_DIR
        locked = (FEDERATION_DIR / "package-lock.json").exists()
        command = [npm, "ci" if locked else "install", "--no-audit", "--no-fund"]
        completed = subprocess.run(
            command,
            cwd=FEDERATION_DIR,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT,
            check=False,
        )
    if completed.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} in {FEDERATION_DIR} exited with {completed.returncode}:\n"
            f"{tail_text(completed.stdout)}\n{tail_text(completed.stderr)}"
        )
    return FEDERATION_DIR
