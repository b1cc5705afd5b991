"""`Idempotency-Key`: a retry returns the first response, another body with the
same key is CONFLICT, keys expire, and a retry never repeats committed work."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from api.app import Services, create_app
from services import idempotency
from settings import Settings
from storage import models
from tests.conftest import World
from tests.reports_world import CREATE, ReportsWorld, build_reports_world, engage_auditor


def report_input(w: ReportsWorld, title: str = "Inspection") -> dict[str, Any]:
    return {
        "title": title,
        "reportType": "INSPECTION_ABROAD",
        "supplierId": w.supplier,
        "commissionedById": w.oslo,
    }


def post(client: TestClient, token: str, key: str, variables: dict[str, Any]) -> httpx.Response:
    return client.post(
        "/graphql",
        json={"query": CREATE, "variables": variables},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )


def report_count(world: World) -> int:
    with world.factory() as session:
        return int(session.scalar(select(func.count()).select_from(models.AuditReport)) or 0)


@pytest.fixture
def w(client: TestClient, world: World) -> ReportsWorld:
    w = build_reports_world(client, world)
    engage_auditor(client, w, w.oslo)
    return w


def test_retry_returns_the_first_response(
    client: TestClient, world: World, w: ReportsWorld
) -> None:
    variables = {"input": report_input(w)}
    first = post(client, w.tokens["auditor"], "k-1", variables)
    assert first.json()["data"], first.json()
    again = post(client, w.tokens["auditor"], "k-1", variables)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert report_count(world) == 1
    # Another user's key of the same name is its own.
    other = post(client, w.tokens["oslo"], "k-1", {"input": {**report_input(w)}})
    assert other.headers.get("Idempotent-Replayed") is None


def test_same_key_other_body_is_conflict(client: TestClient, world: World, w: ReportsWorld) -> None:
    assert post(client, w.tokens["auditor"], "k-2", {"input": report_input(w)}).json()["data"]
    clash = post(client, w.tokens["auditor"], "k-2", {"input": report_input(w, "Other")})
    assert clash.status_code == 409
    assert clash.json()["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert "another request" in clash.json()["errors"][0]["message"]
    assert report_count(world) == 1


def test_keys_expire(engine: Any, settings: Settings, world: World) -> None:
    short = settings.model_copy(update={"idempotency_key_ttl_seconds": 0})
    with TestClient(create_app(short, Services.from_settings(short))) as client:
        w = build_reports_world(client, world)
        engage_auditor(client, w, w.oslo)
        first = post(client, w.tokens["auditor"], "k-3", {"input": report_input(w)}).json()
        again = post(client, w.tokens["auditor"], "k-3", {"input": report_input(w)}).json()
    assert first["data"] and again["data"]
    assert again["data"] != first["data"]  # expired: run afresh
    assert report_count(world) == 2


def test_committed_but_unanswered_is_not_repeated(
    client: TestClient, world: World, w: ReportsWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mutation commits, the response is lost (the server fails before storing
    it): the retry gets CONFLICT, not a second report."""

    async def lost(*_: Any) -> None:
        raise RuntimeError("connection lost")

    monkeypatch.setattr(idempotency, "record", lost)
    with TestClient(client.app, raise_server_exceptions=False) as failing:
        broken = post(failing, w.tokens["auditor"], "k-4", {"input": report_input(w)})
    assert broken.status_code == 500
    assert report_count(world) == 1
    monkeypatch.undo()
    retry = post(client, w.tokens["auditor"], "k-4", {"input": report_input(w)})
    assert retry.status_code == 409, retry.json()
    assert retry.json()["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert report_count(world) == 1


def test_concurrent_retries_run_once(
    client: TestClient, world: World, settings: Settings, w: ReportsWorld
) -> None:
    """30 copies of one request with one key at once: one report; every answer is
    the first response or CONFLICT (still being answered), never a 500."""

    async def send() -> list[httpx.Response]:
        services = Services.from_settings(settings)
        try:
            transport = httpx.ASGITransport(app=create_app(settings, services))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                return list(
                    await asyncio.gather(
                        *(
                            http.post(
                                "/graphql",
                                json={"query": CREATE, "variables": {"input": report_input(w)}},
                                headers={
                                    "Authorization": f"Bearer {w.tokens['auditor']}",
                                    "Idempotency-Key": "k-5",
                                },
                            )
                            for _ in range(30)
                        )
                    )
                )
        finally:
            await services.close()

    responses = asyncio.run(send())
    assert all(response.status_code < 500 for response in responses)
    ok = {str(r.json()["data"]) for r in responses if r.json().get("data")}
    codes = {
        r.json()["errors"][0]["extensions"]["code"] for r in responses if r.json().get("errors")
    }
    assert len(ok) == 1 and codes <= {"CONFLICT"}, (ok, codes)
    assert report_count(world) == 1
