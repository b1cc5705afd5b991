"""Screenshots of the main pages for the README (docs/screenshots/*.png):

    .venv/bin/python -m tests.web.screenshots

Seeds a demo world in a temporary directory, serves it, and photographs the
pages in Debian's Chromium through Playwright."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from tests.live import run_demo, running_server
from tests.web.browser import CHROMIUM_ARGS, chromium_path

OUT = Path(__file__).parents[2] / "docs" / "screenshots"
GLOVES = "Inspection of the nitrile glove factory in Perak, Malaysia"


def sign_in(page: Any, email: str) -> None:
    page.goto("/signin")
    page.locator(f'form:has(input[name="email"][value="{email}"])').first.get_by_role(
        "button"
    ).click()
    page.wait_for_url(lambda url: "/signin" not in url)


def shoot(page: Any, name: str) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
    print(f"docs/screenshots/{name}.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        data_dir = Path(temporary) / "data"
        run_demo(data_dir)
        with running_server(data_dir, {"KJEDE_WORKERS": "1"}) as base_url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            viewport = {"width": 1280, "height": 860}

            def context(locale: str) -> Any:
                return browser.new_context(base_url=base_url, locale=locale, viewport=viewport)

            page = context("en-GB").new_page()
            page.goto("/signin")
            shoot(page, "signin")
            sign_in(page, "innkjop@bergen.kommune.no")
            page.goto("/reports?text=glove")
            shoot(page, "reports")
            page.get_by_role("link", name=GLOVES).first.click()
            page.locator("#commercial-notes").scroll_into_view_if_needed()
            shoot(page, "report-withheld")

            author = context("nb-NO").new_page()
            sign_in(author, "innkjop@oslo.kommune.no")
            author.goto("/reports/new")
            shoot(author, "new-report-nb")
            author.goto("/audit-log")
            shoot(author, "audit-log-nb")

            supplier = context("sv-SE").new_page()
            sign_in(supplier, "rapportering@nordiskmedisinsk.no")
            shoot(supplier, "supplier-home-sv")
            browser.close()


if __name__ == "__main__":
    main()
