"""Sign-in (dev: pick a demo user; prod: the OIDC provider), sign-out, the
organisation switcher and the language switcher."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from web import sessions
from web.backend import Backend
from web.forms import text
from web.i18n import COOKIE as LANGUAGE_COOKIE
from web.i18n import LANGUAGES
from web.oidc import FLOW_COOKIE, FLOW_SECONDS, SignInFailed, seal, unseal
from web.page import Page, local_path, page_route


async def sign_in_page(page: Page) -> Response:
    if page.principal is not None:
        return page.redirect(local_path(page.request.query_params.get("next")))
    users = await sessions.dev_users(page.db) if page.backend.settings.is_dev else []
    return await page.render(
        "signin.html",
        users=users,
        oidc=page.backend.oidc is not None,
        next=local_path(page.request.query_params.get("next")),
    )


async def start_session(page: Page, user_id: str, organization_id: str, next_path: str) -> Response:
    if page.signed_in is not None:  # a new token on every sign-in
        await sessions.end(page.db, page.signed_in.token)
    token = await sessions.create(
        page.db, user_id, organization_id, page.backend.config.session_ttl_seconds
    )
    page.set_cookie(page.session_cookie, token, page.backend.config.session_ttl_seconds)
    return page.redirect(next_path)


async def dev_sign_in(page: Page) -> Response:
    """Dev only: sign in as a listed user, for the organisation picked."""
    if not page.backend.settings.is_dev:
        return await page.not_found()
    email = text(page.form, "email")
    organization_id = text(page.form, "organization")
    user_id = await sessions.user_id_by_email(page.db, email)
    principal = (
        await page.backend.principal(page.db, user_id, organization_id, None) if user_id else None
    )
    if user_id is None or principal is None:
        return await page.refused(page.t("That user holds no role in that organisation."), 400)
    return await start_session(page, user_id, organization_id, local_path(text(page.form, "next")))


def callback_url(page: Page) -> str:
    return page.backend.config.oidc_redirect_url or str(page.request.url_for("oidc_callback"))


async def oidc_login(page: Page) -> Response:
    provider = page.backend.oidc
    if provider is None:
        return await page.not_found()
    next_path = local_path(page.request.query_params.get("next"))
    url, flow = await provider.start(callback_url(page), next_path)
    page.set_cookie(FLOW_COOKIE, seal(flow, page.backend.url_secret), FLOW_SECONDS)
    return page.redirect(url)


async def oidc_callback(page: Page) -> Response:
    provider = page.backend.oidc
    if provider is None:
        return await page.not_found()
    page.clear_cookie(FLOW_COOKIE)
    params = page.request.query_params
    try:
        flow = unseal(page.request.cookies.get(FLOW_COOKIE), page.backend.url_secret)
        email = await provider.finish(
            flow, params.get("state"), params.get("code"), callback_url(page)
        )
    except SignInFailed as exc:
        return await page.refused(page.t("Sign-in failed: %(reason)s", reason=str(exc)), 400)
    user_id = await sessions.user_id_by_email(page.db, email)
    choices = await sessions.memberships(page.db, user_id) if user_id else []
    if user_id is None or not choices:
        return await page.refused(
            page.t(
                "You are signed in with your provider, but hold no role in kjede. "
                "Ask your organisation's administrator for access."
            ),
            403,
        )
    return await start_session(page, user_id, choices[0].organization_id, flow.next)


async def sign_out(page: Page) -> Response:
    if page.signed_in is not None:
        await sessions.end(page.db, page.signed_in.token)
    page.clear_cookie(page.session_cookie)
    return page.redirect("/signin")


async def switch_organization(page: Page) -> Response:
    assert page.signed_in is not None
    if not await sessions.switch(page.db, page.signed_in, text(page.form, "organization")):
        return await page.refused(page.t("You hold no role in that organisation."), 400)
    return page.redirect(local_path(text(page.form, "next")))


async def choose_language(page: Page) -> Response:
    code = page.request.path_params["code"]
    if code in LANGUAGES:
        page.set_cookie(LANGUAGE_COOKIE, code, 365 * 86400)
    return page.redirect(local_path(page.request.query_params.get("next")))


def routes(backend: Backend) -> list[BaseRoute]:
    callback = page_route(backend, "/auth/oidc/callback", oidc_callback, signed_in=False)
    return [
        page_route(backend, "/signin", sign_in_page, signed_in=False),
        page_route(backend, "/signin/dev", dev_sign_in, methods=["POST"], signed_in=False),
        page_route(backend, "/auth/oidc/login", oidc_login, signed_in=False),
        Route(callback.path, callback.endpoint, name="oidc_callback"),
        page_route(backend, "/signout", sign_out, methods=["POST"], signed_in=False),
        page_route(backend, "/session/organization", switch_organization, methods=["POST"]),
        page_route(backend, "/language/{code}", choose_language, signed_in=False),
    ]
