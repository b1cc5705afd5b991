"""One page request: its language, its database session, who is signed in, the
CSRF check of a posted form, and the GraphQL operations it runs.

A page handler is `async def handler(page: Page) -> Response`, registered with
`page_route(path, handler)`; see docs/web.md."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from authz.principal import Principal
from domain.enums import OrganizationKind, Role
from storage.db import Timeouts, bounded_connection
from web import csrf, executor, navigation, sessions
from web.backend import Backend
from web.forms import FormTooLarge, read_form
from web.i18n import COOKIE as LANGUAGE_COOKIE
from web.i18n import Language, negotiate
from web.templating import render

ANON_COOKIE = "kjede_anon"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def session_cookie_name(secure: bool) -> str:
    """`__Host-` binds the cookie to this host, path / and Secure (browsers enforce it)."""
    return "__Host-kjede_session" if secure else "kjede_session"


class Page:
    def __init__(
        self, backend: Backend, request: Request, db: AsyncSession, language: Language
    ) -> None:
        self.backend = backend
        self.request = request
        self.db = db
        self.language = language
        self.secure = not backend.settings.is_dev or request.url.scheme == "https"
        self.signed_in: sessions.SignedIn | None = None
        self.principal: Principal | None = None
        self.form: FormData = FormData()
        self._anon = request.cookies.get(ANON_COOKIE) or ""
        self._new_anon = ""
        self._cookies: list[tuple[str, str, int | None]] = []
        self._clear: list[str] = []
        self._me: dict[str, Any] | None = None

    # who ------------------------------------------------------------------
    @property
    def session_cookie(self) -> str:
        return session_cookie_name(self.secure)

    async def identify(self) -> None:
        token = self.request.cookies.get(self.session_cookie)
        self.signed_in = await sessions.load(self.db, token)
        if self.signed_in is not None:
            self.principal = await self.backend.principal(
                self.db, self.signed_in.user_id, self.signed_in.organization_id, None
            )

    @property
    def roles(self) -> frozenset[Role]:
        return self.principal.roles if self.principal else frozenset()

    @property
    def is_supplier(self) -> bool:
        return (
            self.principal is not None
            and self.principal.organization_kind == OrganizationKind.SUPPLIER
        )

    async def me(self) -> dict[str, Any]:
        """`me` through the API (the header shows it)."""
        if self._me is None:
            outcome = await self.run("Me")
            self._me = outcome.data.get("me") or {}
        return self._me

    # CSRF -----------------------------------------------------------------
    @property
    def csrf_binding(self) -> str:
        if self.signed_in is not None:
            return "session:" + self.signed_in.token
        if not self._anon:
            self._new_anon = self._anon = secrets.token_urlsafe(24)
        return "anon:" + self._anon

    @property
    def csrf_token(self) -> str:
        return csrf.token_for(self.backend.url_secret, self.csrf_binding)

    def csrf_ok(self) -> bool:
        presented = self.form.get(csrf.FIELD)
        if not isinstance(presented, str):
            presented = self.request.headers.get(csrf.HEADER)
        binding = (
            "session:" + self.signed_in.token
            if self.signed_in is not None
            else ("anon:" + self._anon if self._anon else None)
        )
        return csrf.valid(self.backend.url_secret, binding, presented)

    # data -----------------------------------------------------------------
    async def run(self, name: str, variables: dict[str, Any] | None = None) -> executor.Outcome:
        """Run the trusted document NAME as the signed-in user."""
        return await executor.run(
            self.backend, self.request, self.db, self.principal, name, variables, self.language
        )

    # answers ----------------------------------------------------------------
    def t(self, message: str, **values: object) -> str:
        return self.language.gettext(message, **values)

    async def render(self, template: str, status_code: int = 200, **context: Any) -> Response:
        me = await self.me() if self.principal is not None else None
        memberships = (
            await sessions.memberships(self.db, self.signed_in.user_id)
            if self.signed_in is not None and self.principal is not None
            else []
        )
        html = render(
            template,
            page=self,
            me=me,
            memberships=memberships,
            navigation=navigation.items(self) if self.principal is not None else [],
            lang=self.language,
            **context,
        )
        return HTMLResponse(html, status_code=status_code)

    def redirect(self, url: str) -> Response:
        return RedirectResponse(url, status_code=303)

    async def not_found(self) -> Response:
        return await self.render("not_found.html", status_code=404)

    async def refused(self, message: str, status_code: int = 403) -> Response:
        return await self.render("refused.html", status_code=status_code, message=message)

    def set_cookie(self, name: str, value: str, max_age: int | None = None) -> None:
        self._cookies.append((name, value, max_age))

    def clear_cookie(self, name: str) -> None:
        self._clear.append(name)

    def finish(self, response: Response) -> Response:
        if self._new_anon:
            self._cookies.append((ANON_COOKIE, self._new_anon, None))
        for name, value, max_age in self._cookies:
            response.set_cookie(
                name,
                value,
                max_age=max_age,
                path="/",
                httponly=True,
                secure=self.secure,
                samesite="lax",
            )
        for name in self._clear:
            response.delete_cookie(name, path="/", secure=self.secure, httponly=True)
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        return response


Handler = Callable[[Page], Awaitable[Response]]


def page_route(
    backend: Backend,
    path: str,
    handler: Handler,
    *,
    methods: Sequence[str] = ("GET",),
    signed_in: bool = True,
) -> Route:
    """A page: signed-in pages send anonymous visitors to /signin; every POST must
    carry the CSRF token of its browser, or it is refused (403) before the handler."""

    async def endpoint(request: Request) -> Response:
        language = Language(
            negotiate(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
        )
        settings = backend.settings
        async with (
            bounded_connection(backend.async_engine, Timeouts.from_settings(settings)) as conn,
            backend.sessions(bind=conn) as db,
        ):
            page = Page(backend, request, db, language)
            await page.identify()
            if request.method == "POST":
                try:
                    page.request, page.form = await read_form(request, settings)
                except FormTooLarge as exc:
                    return page.finish(await page.refused(str(exc), status_code=413))
                if not page.csrf_ok():
                    return page.finish(
                        await page.refused(
                            page.t(
                                "This form has expired or did not come from kjede. "
                                "Go back, reload the page and try again."
                            )
                        )
                    )
            if signed_in and page.principal is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return page.finish(page.redirect(f"/signin?next={quote(target, safe='')}"))
            return page.finish(await handler(page))

    return Route(path, endpoint, methods=list(methods))


def local_path(target: str | None, default: str = "/") -> str:
    """Only same-site paths are followed after sign-in or a language switch."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
