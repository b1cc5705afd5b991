"""The whole stack over real HTTP: `kjede demo`, `kjede serve` (uvicorn), `kjede token`.

One server per module serves every check; the CLI-only checks need no server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from services.demo import DEMO_ORGS, FRAMEWORK_NAME
from tests.live import mint_token, run_demo, run_kjede, running_server

pytestmark = pytest.mark.http

OSLO_NUMBER = "958935420"
OSLO_BUYER = "innkjop@oslo.kommune.no"
DEMO_NAMES = {org.key: org.name for org in DEMO_ORGS}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh data dir seeded by `kjede demo --no-serve` (embedded SQLite), and
    the tokens it printed."""
    directory = tmp_path_factory.mktemp("http") / "data"
    return directory, run_demo(directory)


@pytest.fixture(scope="module")
def data_dir(demo: tuple[Path, dict[str, str]]) -> Path:
    return demo[0]


@pytest.fixture(scope="module")
def base_url(data_dir: Path) -> Iterator[str]:
    with running_server(data_dir) as url:
        yield url


@pytest.fixture(scope="module")
def oslo_token(data_dir: Path) -> str:
    return mint_token(data_dir, OSLO_BUYER, OSLO_NUMBER, "PROCUREMENT_OFFICER")


def post_graphql(
    base_url: str,
    query: str,
    token: str | None = None,
    variables: dict[str, Any] | None = None,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.post(
        f"{base_url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=10.0,
    )


def error_codes(body: dict[str, Any]) -> list[str | None]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors") or []]


def test_me_answers_for_the_token_holder(base_url: str, oslo_token: str) -> None:
    response = post_graphql(
        base_url, "{ me { user { email } organization { name } roles } }", oslo_token
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "data": {
            "me": {
                "user": {"email": OSLO_BUYER},
                "organization": {"name": "Oslo kommune"},
                "roles": ["PROCUREMENT_OFFICER"],  # the token narrows ADMIN away
            }
        }
    }


def test_networks_show_the_framework_agreement_in_priority_order(
    base_url: str, oslo_token: str
) -> None:
    query = """
      { networks { totalCount edges { node { name suppliers { rank supplier { name } } } } } }
    """
    body = post_graphql(base_url, query, oslo_token).json()
    assert "errors" not in body, body
    networks = body["data"]["networks"]
    assert networks["totalCount"] == len(networks["edges"]) == 2
    by_name = {edge["node"]["name"]: edge["node"] for edge in networks["edges"]}
    assert by_name[FRAMEWORK_NAME]["suppliers"] == [
        {"rank": rank, "supplier": {"name": DEMO_NAMES[f"consult_{rank}"]}} for rank in range(1, 6)
    ]


def test_every_token_the_demo_prints_answers_me(
    base_url: str, demo: tuple[Path, dict[str, str]]
) -> None:
    tokens = demo[1]
    assert f"{OSLO_BUYER} PROCUREMENT_OFFICER" in tokens
    assert len(tokens) >= 5
    for key, token in tokens.items():
        email, role = key.split()
        body = post_graphql(base_url, "{ me { user { email } roles } }", token).json()
        assert body["data"]["me"] == {"user": {"email": email}, "roles": [role]}, key


def test_healthz_and_readyz(base_url: str) -> None:
    health = httpx.get(f"{base_url}/healthz", timeout=5.0)
    assert (health.status_code, health.text) == (200, "ok")
    ready = httpx.get(f"{base_url}/readyz", timeout=5.0)
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"ready": True, "database": "ok", "objectStore": "ok"}


def test_no_token_is_unauthenticated(base_url: str) -> None:
    response = post_graphql(base_url, "{ me { user { email } } }")
    assert response.status_code == 200  # anonymous is a valid request; `me` refuses it
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


def test_garbage_token_is_401(base_url: str) -> None:
    response = post_graphql(base_url, "{ me { user { email } } }", token="not-a-jwt")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["data"] is None
    assert error_codes(body) == ["UNAUTHENTICATED"]


def test_a_subscription_streams_over_uvicorns_websocket(base_url: str, oslo_token: str) -> None:
    """selfReportVersions from an old `since` sends what selfReportChanges answers."""
    since = {"since": "2000-01-01T00:00:00Z"}
    changes = post_graphql(
        base_url,
        "query($since: DateTime!) { selfReportChanges(since: $since) { id } }",
        oslo_token,
        since,
    ).json()["data"]["selfReportChanges"]
    assert changes, "the demo's Oslo buyer reads no self-report"
    url = base_url.replace("http://", "ws://") + "/graphql"
    with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")], open_timeout=10) as ws:
        ws.send(
            json.dumps(
                {"type": "connection_init", "payload": {"Authorization": f"Bearer {oslo_token}"}}
            )
        )
        assert json.loads(ws.recv(timeout=10)) == {"type": "connection_ack"}
        query = "subscription($since: DateTime) { selfReportVersions(since: $since) { id } }"
        ws.send(
            json.dumps(
                {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": since}}
            )
        )
        streamed = [
            json.loads(ws.recv(timeout=10))["payload"]["data"]["selfReportVersions"]["id"]
            for _ in changes
        ]
    assert streamed == [change["id"] for change in changes]


def test_token_for_a_role_not_held_names_the_roles_held(data_dir: Path) -> None:
    completed = run_kjede(
        "token",
        "--user",
        OSLO_BUYER,
        "--org",
        OSLO_NUMBER,
        "--role",
        "VIEWER",
        data_dir=data_dir,
        check=False,
    )
    assert completed.returncode != 0
    assert completed.stdout.strip() == ""  # no token printed
    message = " ".join(completed.stderr.split())
    assert "ADMIN" in message, message
    assert "PROCUREMENT_OFFICER" in message, message
    assert "not VIEWER" in message, message


def test_token_is_refused_in_prod(data_dir: Path) -> None:
    completed = run_kjede(
        "token",
        "--user",
        OSLO_BUYER,
        "--org",
        OSLO_NUMBER,
        "--role",
        "PROCUREMENT_OFFICER",
        data_dir=data_dir,
        env={"KJEDE_ENVIRONMENT": "prod"},
        check=False,
    )
    assert completed.returncode != 0
    assert completed.stdout.strip() == ""
    assert "prod" in completed.stderr, completed.stderr
