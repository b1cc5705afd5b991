"""Keyboard only: the skip link comes first, every control is reached with Tab and
shows where the focus is, and a report is written and filed without a mouse."""

from __future__ import annotations

from typing import Any

AUTHOR = "innkjop@oslo.kommune.no"
MAX_TABS = 80


def focused(page: Any) -> dict[str, Any]:
    return dict(
        page.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return {id: el.id, tag: el.tagName, text: (el.innerText || '').trim(),
                        outline: style.outlineStyle, name: el.getAttribute('name')};
            }"""
        )
    )


def tab_to(page: Any, matches: Any) -> dict[str, Any]:
    """Press Tab until the focused element satisfies MATCHES."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        current = focused(page)
        if matches(current):
            assert current["outline"] != "none", f"no visible focus on {current}"
            return current
    raise AssertionError("Tab never reached the element")


def test_a_report_is_written_with_the_keyboard_alone(visitor_factory: Any) -> None:
    author = visitor_factory("en")
    page = author.page
    author.goto("/signin")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    author.sign_in(AUTHOR)
    author.goto("/reports/new")
    tab_to(page, lambda el: el["id"] == "field-title")
    page.keyboard.type("Keyboard-only supplier meeting")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "field-reportType"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "field-supplierId"
    page.keyboard.press("ArrowDown")
    tab_to(page, lambda el: el["id"] == "field-summary")
    page.keyboard.type("Written without a mouse.")
    tab_to(page, lambda el: el["tag"] == "BUTTON" and el["text"] == "Create draft")
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name="Keyboard-only supplier meeting").wait_for()
    assert "Written without a mouse." in page.locator("#summary").inner_text()

    # The finding form on the new draft, by keyboard too.
    tab_to(page, lambda el: el["name"] == "requirement")
    page.keyboard.press("ArrowDown")
    tab_to(page, lambda el: el["name"] == "description")
    page.keyboard.type("Found by keyboard.")
    tab_to(page, lambda el: el["tag"] == "BUTTON" and el["text"] == "Add the finding")
    page.keyboard.press("Enter")
    page.locator("#findings .finding").first.wait_for()
    assert "Found by keyboard." in page.locator("#findings").inner_text()
