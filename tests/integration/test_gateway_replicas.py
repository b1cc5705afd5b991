"""Two `kjede serve` replicas on one PostgreSQL behind Hive Gateway (scale-out, #13).

One throwaway database, migrated and seeded with the demo world once; two
replicas on it; Hive Gateway run by its own CLI (`hive-gateway supergraph`) with
deploy/gateway/gateway.config.mjs exactly as deployed (copied beside a link to
tests/federation/node_modules, so its imports resolve). The config composes the
supergraph from kjede's `_service { sdl }` (asked with the gateway secret) and
spreads kjede's subgraph requests round-robin over KJEDE_SUBGRAPH_URLS; each
replica's /metrics shows which one answered.

A second subgraph ("watchlist", a few lines of strawberry served in this process)
hands out Contract stubs by key, as another service behind the same gateway would;
the gateway must fetch every other Contract field from kjede's `_entities` with the
caller's token, and kjede decides what that viewer may see. Clients cannot call
`_entities` through the gateway themselves: it is not in the API schema.

Shown: the gateway's requests land on both replicas; a write through one replica
is read at once through the other; a policy grant made or revoked with
`kjede policy` is enforced by both replicas within a second of its commit (the
delays are printed, per replica) and a role revoked with `kjede user revoke` on the
very next request; entity joins forward the viewer's token; a direct upload begun
on one replica takes its bytes, is finished and is checked on the other.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import strawberry
import uvicorn
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from api.auth import GATEWAY_SECRET_HEADER
from authz.policy_sync import CHANNEL
from schema.app_schema import FEDERATION_VERSION
from services.demo import DEMO_ORGS
from tests.api.test_policy_sync import WITHIN
from tests.conftest import fresh_database
from tests.live import (
    COMMAND_TIMEOUT,
    STOP_GRACE,
    kjede_env,
    kjede_executable,
    run_demo,
    run_kjede,
    running_on_free_port,
    running_servers,
)

pytestmark = [pytest.mark.postgres, pytest.mark.http]

ROOT = Path(__file__).resolve().parents[2]
GATEWAY_CONFIG = ROOT / "deploy" / "gateway" / "gateway.config.mjs"
GATEWAY_SECRET = "replicas-test-gateway-secret"
# No recomposition while the tests count the requests each replica answered.
COMPOSE_INTERVAL_MS = 3_600_000
HTTP_TIMEOUT = 30.0
SETTLE_TIMEOUT = 5.0
POLL_SECONDS = 0.01
GRAPHQL_REQUESTS = re.compile(
    r'^kjede_http_requests_total\{route="/graphql",status="\d+"\} (\S+)$', re.MULTILINE
)

OSLO_BUYER = "innkjop@oslo.kommune.no PROCUREMENT_OFFICER"  # keys of run_demo's tokens
OSLO_ADMIN = "innkjop@oslo.kommune.no ADMIN"
AUDITOR = "revisor@etiskrevisjon.no AUDITOR"
TRONDHEIM_VIEWER = "innsyn@trondheim.kommune.no VIEWER"
KRISTIANSAND_BUYER = "innkjop@kristiansand.kommune.no PROCUREMENT_OFFICER"

ME = "{ me { user { email } roles } }"
CREATE_NETWORK = """
  mutation($name: String!) {
    createNetwork(input: {name: $name, kind: FRAMEWORK_AGREEMENT}) { id name }
  }
"""
NETWORK = "query($id: ID!) { network(id: $id) { id name } }"
AUDIT_LOG = "{ auditLog(first: 1) { totalCount } }"
FIRST_CONTRACT = "{ contracts(first: 1) { edges { node { id title } } } }"
WATCHED_CONTRACTS = "query($ids: [ID!]!) { watchedContracts(ids: $ids) { id title } }"


def org_number(key: str) -> str:
    return next(org.number for org in DEMO_ORGS if org.key == key)


def error_codes(body: dict[str, Any]) -> list[str | None]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors") or []]


# --- the watchlist subgraph ----------------------------------------------------


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class Contract:
    """kjede's Contract, by key only: the gateway asks kjede for every other field."""

    id: strawberry.ID


@strawberry.type(name="Query")
class WatchlistQuery:
    @strawberry.field
    def watched_contracts(self, ids: list[strawberry.ID]) -> list[Contract | None]:
        return [Contract(id=contract_id) for contract_id in ids]


class HeaderLog:
    """ASGI middleware keeping the headers of every request the subgraph received."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.received: list[dict[str, str]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = scope["headers"]
            self.received.append({name.decode(): value.decode() for name, value in headers})
        await self.app(scope, receive, send)


@contextlib.contextmanager
def serving_in_a_thread(app: ASGIApp) -> Iterator[str]:
    """uvicorn in a thread of this process, on a socket bound here (no port race)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the watchlist did not start"
        time.sleep(POLL_SECONDS)
    try:
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        thread.join(STOP_GRACE)
        sock.close()


# --- the deployment --------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    data_dir: Path
    env: dict[str, str]  # the replicas' KJEDE_* settings
    database_url: str
    tokens: dict[str, str]  # "email ROLE" -> the dev token `kjede demo` printed
    replicas: list[str]  # base URLs
    gateway: str  # the gateway's GraphQL URL
    watchlist_headers: list[dict[str, str]]
    http: httpx.Client

    def graphql(self, replica: int) -> str:
        return f"{self.replicas[replica]}/graphql"

    def ask(
        self,
        url: str,
        query: str,
        *,
        who: str | None = None,
        variables: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """POST a GraphQL operation to `url` as the demo user `who` (anonymous if None)."""
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        response = self.http.post(
            url, json={"query": query, "variables": variables or {}}, headers=headers
        )
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="module")
def database_url(postgres_server_url: str) -> Iterator[str]:
    with fresh_database(postgres_server_url, "kjede_gateway") as url:
        yield url


@pytest.fixture(scope="module")
def deployment(
    gateway_dir: Path, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    directory = tmp_path_factory.mktemp("gateway-replicas")
    data_dir = directory / "data"
    env = {"KJEDE_DATABASE_URL": database_url, "KJEDE_GATEWAY_SECRET": GATEWAY_SECRET}
    tokens = run_demo(data_dir, env)
    schema = strawberry.federation.Schema(
        query=WatchlistQuery, federation_version=FEDERATION_VERSION
    )
    watchlist = HeaderLog(GraphQL(schema))
    with (
        running_servers(data_dir, 2, env) as replicas,
        serving_in_a_thread(watchlist) as watchlist_url,
        running_gateway(gateway_dir, directory / "gateway", replicas, watchlist_url) as gateway,
        httpx.Client(timeout=HTTP_TIMEOUT) as http,
    ):
        yield Deployment(
            data_dir, env, database_url, tokens, replicas, gateway, watchlist.received, http
        )


@contextlib.contextmanager
def running_gateway(
    gateway_dir: Path, directory: Path, replicas: list[str], watchlist_url: str
) -> Iterator[str]:
    """`hive-gateway supergraph` in `directory`, where it finds the deployed config as
    in the gateway image; yields its GraphQL URL once /readiness reports the
    supergraph composed."""
    directory.mkdir()
    shutil.copyfile(GATEWAY_CONFIG, directory / "gateway.config.mjs")
    (directory / "node_modules").symlink_to(gateway_dir / "node_modules", target_is_directory=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("KJEDE_")}
    env |= {
        "KJEDE_SUBGRAPH_URLS": ",".join(f"{replica}/graphql" for replica in replicas),
        "KJEDE_OTHER_SUBGRAPHS": f"watchlist={watchlist_url}",
        "KJEDE_GATEWAY_SECRET": GATEWAY_SECRET,
        "KJEDE_COMPOSE_INTERVAL_MS": str(COMPOSE_INTERVAL_MS),
    }
    executable = directory / "node_modules" / ".bin" / "hive-gateway"
    with running_on_free_port(
        "hive-gateway",
        lambda port: [str(executable), "supergraph", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        log_path=lambda port: directory / f"gateway-{port}.log",
        health_path="/readiness",
        cwd=directory,
    ) as base_url:
        yield f"{base_url}/graphql"


# --- which replica answered ------------------------------------------------------


def request_counts(deployment: Deployment) -> list[float]:
    """Each replica's count of /graphql requests answered, from its /metrics."""
    counts = []
    for replica in deployment.replicas:
        metrics = deployment.http.get(f"{replica}/metrics")
        assert metrics.status_code == 200, metrics.text
        counts.append(sum(float(count) for count in GRAPHQL_REQUESTS.findall(metrics.text)))
    return counts


def answered_since(deployment: Deployment, before: list[float], total: int) -> list[int]:
    """How many /graphql requests each replica answered since `before`, once they add
    up to `total` (a replica counts a request just after it has sent the response)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        now = request_counts(deployment)
        answered = [int(after - earlier) for after, earlier in zip(now, before, strict=True)]
        assert sum(answered) <= total, f"the replicas answered {answered}, not {total} in all"
        if sum(answered) == total:
            return answered
        assert time.monotonic() < deadline, f"the replicas answered only {answered} of {total}"
        time.sleep(POLL_SECONDS)


def test_the_gateway_spreads_requests_over_both_replicas(deployment: Deployment) -> None:
    before = request_counts(deployment)
    for _ in range(4):
        assert deployment.ask(deployment.gateway, ME, who=OSLO_BUYER) == {
            "data": {
                "me": {
                    "user": {"email": "innkjop@oslo.kommune.no"},
                    "roles": ["PROCUREMENT_OFFICER"],
                }
            }
        }
    assert answered_since(deployment, before, 4) == [2, 2]


def test_a_write_through_one_replica_is_read_at_once_through_the_other(
    deployment: Deployment,
) -> None:
    name = f"Replicated {uuid.uuid4().hex[:8]}"
    before = request_counts(deployment)
    created = deployment.ask(
        deployment.gateway, CREATE_NETWORK, who=OSLO_BUYER, variables={"name": name}
    )
    assert "errors" not in created, created
    network = created["data"]["createNetwork"]
    writer = answered_since(deployment, before, 1).index(1)
    reader = 1 - writer
    by_id = {"id": network["id"]}

    directly = deployment.ask(deployment.graphql(reader), NETWORK, who=OSLO_BUYER, variables=by_id)
    assert directly == {"data": {"network": network}}
    before = request_counts(deployment)
    through_gateway = deployment.ask(deployment.gateway, NETWORK, who=OSLO_BUYER, variables=by_id)
    assert through_gateway == {"data": {"network": network}}
    assert answered_since(deployment, before, 1)[reader] == 1  # round-robin: the other one


# --- revocation ------------------------------------------------------------------


def reads_the_audit_log(deployment: Deployment, replica: int) -> bool:
    """May the Trondheim viewer read the audit log on this replica (ADMIN only by default)?"""
    body = deployment.ask(deployment.graphql(replica), AUDIT_LOG, who=TRONDHEIM_VIEWER)
    if error_codes(body) == ["FORBIDDEN"]:
        return False
    assert "errors" not in body, body
    return True


@contextlib.contextmanager
def policy_changed(deployment: Deployment, *args: str) -> Iterator[float]:
    """Run `kjede policy ARGS`; yields the moment (time.monotonic) its change committed,
    which is when this test's own LISTEN hears the trigger's NOTIFY, as every
    replica's policy watcher does. The command's exit is checked after the block."""
    url = make_url(deployment.database_url).set(drivername="postgresql")
    with (
        psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as listener,
        subprocess.Popen(
            [str(kjede_executable()), "policy", *args],
            env=kjede_env(deployment.data_dir, deployment.env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as command,
    ):
        listener.execute(f"LISTEN {CHANNEL}")
        heard = False
        while not heard and command.poll() is None:
            heard = any(True for _ in listener.notifies(timeout=0.1, stop_after=1))
        if not heard:  # the command has finished: its NOTIFY, if any, is on its way
            heard = any(True for _ in listener.notifies(timeout=1.0, stop_after=1))
        committed = time.monotonic()
        try:
            assert heard, f"no NOTIFY on {CHANNEL} from `kjede policy {' '.join(args)}`"
            yield committed
        finally:
            stdout, stderr = command.communicate(timeout=COMMAND_TIMEOUT)
        assert command.returncode == 0, f"kjede policy {' '.join(args)}:\n{stdout}\n{stderr}"


def seconds_until_every_replica(
    deployment: Deployment, since: float, condition: Callable[[Deployment, int], bool]
) -> list[float]:
    """Seconds after `since` until each replica first met `condition`, counted when its
    response arrived; fails as soon as WITHIN has passed with a replica still not."""
    replicas = range(len(deployment.replicas))
    reached: dict[int, float] = {}
    while len(reached) < len(replicas):
        for replica in replicas:
            if replica not in reached and condition(deployment, replica):
                reached[replica] = time.monotonic() - since
        waited = time.monotonic() - since
        assert len(reached) == len(replicas) or waited <= WITHIN, (
            f"after {waited:.2f} s only replicas {sorted(reached)} agree"
        )
        time.sleep(POLL_SECONDS)
    assert max(reached.values()) <= WITHIN, f"seconds until each replica agreed: {reached}"
    return [reached[replica] for replica in replicas]


def test_a_policy_grant_and_its_revocation_reach_both_replicas_within_a_second(
    deployment: Deployment,
) -> None:
    grant = (
        *("--org", org_number("trondheim"), "--role", "VIEWER"),
        *("--resource", "audit_log", "--action", "read"),
    )
    for replica in (0, 1):
        # The query's first run in a process imports and compiles; an admin's run
        # does that, so the timings below are the policy sync's.
        warm = deployment.ask(deployment.graphql(replica), AUDIT_LOG, who=OSLO_ADMIN)
        assert "errors" not in warm, warm
        assert not reads_the_audit_log(deployment, replica)

    with policy_changed(deployment, "grant", *grant) as committed:
        granted = seconds_until_every_replica(deployment, committed, reads_the_audit_log)
    with policy_changed(deployment, "revoke", *grant) as committed:
        revoked = seconds_until_every_replica(
            deployment, committed, lambda d, replica: not reads_the_audit_log(d, replica)
        )
    print(
        "\npolicy change enforced on (replica A, replica B) after: grant "
        f"{', '.join(f'{s * 1000:.0f} ms' for s in granted)}; revoke "
        f"{', '.join(f'{s * 1000:.0f} ms' for s in revoked)}"
    )


def test_a_revoked_role_is_refused_by_both_replicas_on_the_next_request(
    deployment: Deployment,
) -> None:
    email, role = KRISTIANSAND_BUYER.split()
    for replica in (0, 1):
        assert "errors" not in deployment.ask(
            deployment.graphql(replica), ME, who=KRISTIANSAND_BUYER
        )

    run_kjede(
        *("user", "revoke", "--email", email, "--org", org_number("kristiansand")),
        *("--role", role),
        data_dir=deployment.data_dir,
        env=deployment.env,
    )
    for url in (deployment.graphql(0), deployment.graphql(1), deployment.gateway):
        refused = deployment.ask(url, ME, who=KRISTIANSAND_BUYER)
        assert error_codes(refused) == ["UNAUTHENTICATED"], (url, refused)


# --- direct uploads ----------------------------------------------------------------

SUPPLIERS = "{ auditReports(first: 20) { edges { node { supplier { id } } } } }"
CREATE_REPORT = """
  mutation($s: ID!) {
    createAuditReport(
      input: {title: "Replicated upload", reportType: INSPECTION_ABROAD, supplierId: $s}
    ) { id }
  }
"""
BEGIN_UPLOAD = """
  mutation($r: ID!, $size: Int!) {
    beginDocumentUpload(reportId: $r, filename: "notes.txt", size: $size, classification: SHARED) {
      id uploadUrl
    }
  }
"""
FINISH_UPLOAD = "mutation($id: ID!) { finishDocumentUpload(id: $id) { status } }"
READ_UPLOAD = "query($id: ID!) { documentUpload(id: $id) { status document { sha256 } } }"


def test_a_direct_upload_begun_on_one_replica_is_sent_and_finished_through_the_other(
    deployment: Deployment,
) -> None:
    """The upload's row, its bytes and the URL's signing secret are shared: the URL one
    replica signed takes the bytes on the other, which finishes and checks it."""
    first, second = deployment.graphql(0), deployment.graphql(1)
    reports = deployment.ask(first, SUPPLIERS, who=OSLO_BUYER)["data"]["auditReports"]
    supplier = reports["edges"][0]["node"]["supplier"]["id"]
    created = deployment.ask(first, CREATE_REPORT, who=OSLO_BUYER, variables={"s": supplier})
    content = b"Site visit notes, sent once\n" * 1000
    variables = {"r": created["data"]["createAuditReport"]["id"], "size": len(content)}
    began = deployment.ask(first, BEGIN_UPLOAD, who=OSLO_BUYER, variables=variables)
    upload = began["data"]["beginDocumentUpload"]
    assert upload["uploadUrl"].startswith(deployment.replicas[0] + "/uploads/")
    other_url = deployment.replicas[1] + upload["uploadUrl"].removeprefix(deployment.replicas[0])
    assert deployment.http.put(other_url, content=content).status_code == 200

    by_id = {"id": upload["id"]}
    finished = deployment.ask(second, FINISH_UPLOAD, who=OSLO_BUYER, variables=by_id)
    assert finished == {"data": {"finishDocumentUpload": {"status": "CHECKING"}}}
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        read = deployment.ask(first, READ_UPLOAD, who=OSLO_BUYER, variables=by_id)
        if read["data"]["documentUpload"]["status"] != "CHECKING":
            break
        assert time.monotonic() < deadline, read
        time.sleep(POLL_SECONDS)
    stored = {"status": "STORED", "document": {"sha256": hashlib.sha256(content).hexdigest()}}
    assert read == {"data": {"documentUpload": stored}}


# --- entity joins ----------------------------------------------------------------


def test_an_entity_join_through_the_gateway_forwards_the_viewers_token(
    deployment: Deployment,
) -> None:
    listed = deployment.ask(deployment.graphql(0), FIRST_CONTRACT, who=OSLO_BUYER)
    contract = listed["data"]["contracts"]["edges"][0]["node"]
    ids = {"ids": [contract["id"]]}

    joined = deployment.ask(deployment.gateway, WATCHED_CONTRACTS, who=OSLO_BUYER, variables=ids)
    assert joined == {"data": {"watchedContracts": [contract]}}
    for who, code in ((AUDITOR, "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        refused = deployment.ask(deployment.gateway, WATCHED_CONTRACTS, who=who, variables=ids)
        assert error_codes(refused) == [code], refused
        assert refused["errors"][0]["extensions"]["serviceName"] == "kjede"
        assert refused["data"] == {"watchedContracts": [None]}

    # The watchlist got the caller's token too, and never kjede's gateway secret.
    oslo = f"Bearer {deployment.tokens[OSLO_BUYER]}"
    assert any(headers.get("authorization") == oslo for headers in deployment.watchlist_headers)
    assert not any(GATEWAY_SECRET_HEADER in headers for headers in deployment.watchlist_headers)


def test_clients_cannot_ask_for_entities_through_the_gateway(deployment: Deployment) -> None:
    entities = "{ _entities(representations: []) { __typename } }"
    body = deployment.ask(deployment.gateway, entities, who=OSLO_BUYER)
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"], body
