"""Fixtures of the web UI's tests: one demo world served by uvicorn per session and
one Chromium per module; each test opens its own browser contexts (one per user)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import run_kjede, running_server
from tests.web.browser import CHROMIUM_ARGS, LANGUAGES, axe_source, axe_violations, chromium_path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that open the browser are marked `browser` (-m "not browser" leaves them)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) or "visitor_factory" in getattr(
            item, "fixturenames", ()
        ):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`kjede demo --no-serve` once per session: the data dir and what it printed."""
    directory = tmp_path_factory.mktemp("web-demo") / "data"
    return directory, run_kjede("demo", "--no-serve", data_dir=directory).stdout


@pytest.fixture(scope="session")
def demo_world(demo_run: tuple[Path, str]) -> tuple[Path, dict[str, str]]:
    """The data dir and the dev tokens the demo printed, by "email ROLE"."""
    directory, output = demo_run
    tokens: dict[str, str] = {}
    for heading, line in itertools.pairwise(output.splitlines()):
        if line.startswith("  eyJ"):
            email, *_, role = heading.split()
            tokens[f"{email} {role}"] = line.strip()
    return directory, tokens


@pytest.fixture(scope="session")
def demo_data_dir(demo_world: tuple[Path, dict[str, str]]) -> Path:
    return demo_world[0]


@pytest.fixture(scope="session")
def demo_ids(demo_world: tuple[Path, dict[str, str]], demo_url: str) -> dict[str, str]:
    """Report ids by title, network and organisation ids by name, as Oslo's officer sees them."""
    token = demo_world[1]["innkjop@oslo.kommune.no PROCUREMENT_OFFICER"]
    response = httpx.post(
        f"{demo_url}/graphql",
        json={
            "query": "{ auditReports(first: 50) { edges { node { id title } } }"
            " networks(first: 50) { edges { node { id name } } }"
            " organizations(first: 200) { edges { node { id name } } } }"
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    data = response.json()["data"]
    reports = {edge["node"]["title"]: edge["node"]["id"] for edge in data["auditReports"]["edges"]}
    networks = {edge["node"]["name"]: edge["node"]["id"] for edge in data["networks"]["edges"]}
    organizations = {
        edge["node"]["name"]: edge["node"]["id"] for edge in data["organizations"]["edges"]
    }
    return reports | networks | organizations


@pytest.fixture(scope="session")
def demo_url(demo_data_dir: Path) -> Iterator[str]:
    """`kjede serve` (uvicorn) on a free port over the seeded demo world."""
    # One worker: the browser tests are sequential, and a second process only costs startup.
    with running_server(demo_data_dir, {"KJEDE_WORKERS": "1"}) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one module: Playwright's sync API keeps an event loop running
    in the worker's main thread while it is open, and the worker goes on to other
    groups' tests after the browser tests (asyncio.run would refuse to start)."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("BROWSER TESTS SKIPPED: playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def axe() -> str:
    return axe_source()


class Visitor:
    """One person in one browser context (its own cookies), in one language."""

    def __init__(self, browser: Any, base_url: str, axe: str, language: str = "en") -> None:
        self.context = browser.new_context(
            base_url=base_url, locale=LANGUAGES[language], accept_downloads=True
        )
        self.page = self.context.new_page()
        self.base_url = base_url
        self.axe = axe
        self.checked: list[str] = []

    def goto(self, path: str) -> Any:
        response = self.page.goto(path)
        return response

    def sign_in(self, email: str, organization: str | None = None) -> None:
        """The dev sign-in page: the button for EMAIL (at ORGANIZATION, if several)."""
        self.goto("/signin")
        forms = self.page.locator(f'form:has(input[name="email"][value="{email}"])')
        if organization is not None:
            forms = forms.filter(has_text=organization)
        forms.first.get_by_role("button").click()
        self.page.wait_for_url(lambda url: "/signin" not in url)

    def assert_accessible(self) -> None:
        violations = axe_violations(self.page, self.axe)
        self.checked.append(self.page.url)
        assert violations == [], "\n".join(violations)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visitor_factory(browser: Any, demo_url: str, axe: str) -> Iterator[Any]:
    opened: list[Visitor] = []

    def open_visitor(language: str = "en") -> Visitor:
        visitor = Visitor(browser, demo_url, axe, language)
        opened.append(visitor)
        return visitor

    yield open_visitor
    for visitor in opened:
        visitor.close()
