"""Sign-in, sessions and CSRF over HTTP (in-process, SQLite): a form POST without its
token is refused, a session cookie is worthless after sign-out, cookies are
HttpOnly/SameSite (and Secure over https), the organisation switcher only
switches to organisations the user belongs to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from api.app import Services, create_app
from domain.enums import OrganizationKind, Role
from settings import Settings
from tests.conftest import World
from tests.web.forms import csrf_token, dev_sign_in
from web import csrf

EMAIL = "kari@oslo.kommune.no"


@pytest.fixture
def app_client(engine: object, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, Services.from_settings(settings))) as client:
        yield client


@pytest.fixture
def orgs(world: World) -> tuple[str, str, str]:
    oslo = world.org("Oslo kommune")
    bergen = world.org("Bergen kommune")
    stranger = world.org("Annen AS", OrganizationKind.SUPPLIER)
    world.user(EMAIL, oslo, Role.PROCUREMENT_OFFICER)
    world.user(EMAIL, bergen, Role.VIEWER)
    world.user("other@annen.no", stranger, Role.SUPPLIER_REPORTER)
    return oslo, bergen, stranger


def test_a_form_post_without_its_csrf_token_is_refused(
    app_client: TestClient, orgs: tuple[str, str, str]
) -> None:
    oslo, _, _ = orgs
    app_client.get("/signin")
    for data in (
        {"email": EMAIL, "organization": oslo},
        {"email": EMAIL, "organization": oslo, "csrf_token": "0" * 64},
    ):
        response = app_client.post("/signin/dev", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "kjede_session" not in response.cookies
    token = dev_sign_in(app_client, EMAIL, oslo)
    # Signed in: a token from the anonymous page no longer fits the session either.
    response = app_client.post("/signout", data={"csrf_token": "f" * 64}, follow_redirects=False)
    assert response.status_code == 403
    assert app_client.get("/", follow_redirects=False).status_code == 200
    assert token


def test_a_session_cookie_does_not_work_after_sign_out(
    app_client: TestClient, orgs: tuple[str, str, str]
) -> None:
    oslo, _, _ = orgs
    token = dev_sign_in(app_client, EMAIL, oslo)
    home = app_client.get("/")
    assert home.status_code == 200 and EMAIL in home.text
    response = app_client.post(
        "/signout", data={"csrf_token": csrf_token(home.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert "kjede_session" in response.headers["set-cookie"]  # cleared in the browser
    # A copy of the cookie kept elsewhere is dead too: the session is gone server-side.
    replay = TestClient(app_client.app, cookies={"kjede_session": token})
    answer = replay.get("/", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/signin")


def test_session_cookie_flags(app_client: TestClient, orgs: tuple[str, str, str]) -> None:
    oslo, _, _ = orgs
    page = app_client.get("/signin")
    response = app_client.post(
        "/signin/dev",
        data={"csrf_token": csrf_token(page.text), "email": EMAIL, "organization": oslo},
        follow_redirects=False,
    )
    cookie = next(
        value
        for value in response.headers.get_list("set-cookie")
        if value.startswith("kjede_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain-http dev only


def test_over_https_the_cookie_is_secure_and_host_bound(
    engine: object, settings: Settings, orgs: tuple[str, str, str]
) -> None:
    oslo, _, _ = orgs
    with TestClient(
        create_app(settings, Services.from_settings(settings)), base_url="https://testserver"
    ) as client:
        page = client.get("/signin")
        response = client.post(
            "/signin/dev",
            data={"csrf_token": csrf_token(page.text), "email": EMAIL, "organization": oslo},
            follow_redirects=False,
        )
        cookie = next(
            value
            for value in response.headers.get_list("set-cookie")
            if value.startswith("__Host-kjede_session=")
        )
        assert "Secure" in cookie and "HttpOnly" in cookie


def test_the_organisation_switcher(app_client: TestClient, orgs: tuple[str, str, str]) -> None:
    oslo, bergen, stranger = orgs
    dev_sign_in(app_client, EMAIL, oslo)
    home = app_client.get("/")
    assert "Oslo kommune" in home.text and 'id="organization-switcher"' in home.text
    token = csrf_token(home.text)
    refused = app_client.post(
        "/session/organization",
        data={"csrf_token": token, "organization": stranger},
        follow_redirects=False,
    )
    assert refused.status_code == 400
    switched = app_client.post(
        "/session/organization",
        data={"csrf_token": token, "organization": bergen, "next": "/"},
        follow_redirects=False,
    )
    assert switched.status_code == 303
    assert "Welcome, Bergen kommune" in app_client.get("/", headers={"accept-language": "en"}).text


def test_dev_sign_in_refuses_a_user_without_a_role_there(
    app_client: TestClient, orgs: tuple[str, str, str]
) -> None:
    _, _, stranger = orgs
    page = app_client.get("/signin")
    response = app_client.post(
        "/signin/dev",
        data={"csrf_token": csrf_token(page.text), "email": EMAIL, "organization": stranger},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert "kjede_session" not in response.cookies


def test_sign_in_sends_only_to_local_paths(
    app_client: TestClient, orgs: tuple[str, str, str]
) -> None:
    oslo, _, _ = orgs
    page = app_client.get("/signin")
    response = app_client.post(
        "/signin/dev",
        data={
            "csrf_token": csrf_token(page.text),
            "email": EMAIL,
            "organization": oslo,
            "next": "//evil.example/steal",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_an_expired_session_signs_nobody_in_and_is_swept(
    app_client: TestClient, orgs: tuple[str, str, str], world: World
) -> None:
    import datetime as dt

    from sqlalchemy import select, update

    from storage import db
    from storage.models import WebSession
    from web.sessions import token_hash

    oslo, _, _ = orgs
    token = dev_sign_in(app_client, EMAIL, oslo)
    with db.transaction(world.factory) as session:
        session.execute(
            update(WebSession).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    answer = app_client.get("/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")
    fresh = TestClient(app_client.app)
    dev_sign_in(fresh, EMAIL, oslo)
    with db.transaction(world.factory) as session:
        rows = session.scalars(select(WebSession)).all()
    assert len(rows) == 1 and rows[0].id != token_hash(token)


def test_in_prod_there_is_no_dev_sign_in(
    engine: object, settings: Settings, orgs: tuple[str, str, str]
) -> None:
    oslo, _, _ = orgs
    prod = settings.model_copy(
        update={"environment": "prod", "token_jwks_url": "http://127.0.0.1:9/jwks"}
    )
    services = Services.from_settings(prod)
    with TestClient(create_app(prod, services), cookies={"kjede_anon": "browser-1"}) as client:
        page = client.get("/signin", headers={"accept-language": "en"})
        assert page.status_code == 200
        assert EMAIL not in page.text and "No sign-in is configured" in page.text
        token = csrf.token_for(services.url_secret, "anon:browser-1")  # a valid token
        response = client.post(
            "/signin/dev",
            data={"csrf_token": token, "email": EMAIL, "organization": oslo},
            follow_redirects=False,
        )
        assert response.status_code == 404
        assert not any("session" in value for value in response.headers.get_list("set-cookie"))
