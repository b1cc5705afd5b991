"""The browser harness for web/: Debian's Chromium driven by Playwright for Python
(`executable_path`: Playwright's own browser download cannot work here), and
axe-core (tests/web/node_modules, `npm ci`) run on every page visited."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

WEB_TESTS = Path(__file__).parent
AXE = WEB_TESTS / "node_modules" / "axe-core" / "axe.min.js"
NPM_TIMEOUT = 300
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGUAGES = {"nb": "nb-NO", "sv": "sv-SE", "en": "en-GB"}


def chromium_path() -> str:
    """Debian's chromium, or a loud skip saying how to get it."""
    found = (
        os.environ.get("KJEDE_CHROMIUM")
        or shutil.which("chromium")
        or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    )
    if found is None:
        pytest.skip(
            "BROWSER TESTS SKIPPED: no Chromium found (install Debian's `chromium`: "
            "`apt-get install -y chromium`, as .ci/run does, or set KJEDE_CHROMIUM)"
        )
    return found


def axe_source() -> str:
    """axe-core's script, installed with `npm ci` in tests/web when missing."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("BROWSER TESTS SKIPPED: `npm` is needed to install axe-core (tests/web)")
        completed = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=WEB_TESTS,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT,
            check=False,
        )
        if completed.returncode != 0:
            pytest.fail(f"npm ci in {WEB_TESTS} failed:\n{completed.stdout}\n{completed.stderr}")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Any, source: str) -> list[str]:
    """WCAG 2.1 A/AA violations axe-core finds on PAGE, one line each."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    results = page.evaluate(
        "async (tags) => await window.axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    return [
        f"{page.url}: {violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:5])
        for violation in results["violations"]
    ]
