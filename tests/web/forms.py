"""In-process helpers for the web UI's HTTP tests (no browser): read a page's CSRF
token, sign in through the dev sign-in page."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def csrf_token(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def dev_sign_in(client: TestClient, email: str, organization_id: str, next_path: str = "/") -> str:
    """Sign in on /signin as EMAIL for ORGANIZATION_ID; returns the session token."""
    page = client.get("/signin")
    assert page.status_code == 200
    response = client.post(
        "/signin/dev",
        data={
            "csrf_token": csrf_token(page.text),
            "email": email,
            "organization": organization_id,
            "next": next_path,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    token = client.cookies.get("kjede_session")
    assert token
    return token
