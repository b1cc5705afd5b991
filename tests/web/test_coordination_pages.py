"""The coordinator's board in a real browser (Swedish): every focus area of the
national network with its responsible region and counts; a body outside the
network sees none of them."""

from __future__ import annotations

from typing import Any

COORDINATOR = "samordnare@hallbarupphandling.se"
OUTSIDER = "innkjop@oslo.kommune.no"  # not in the Swedish national network


def test_the_coordinators_board(visitor_factory: Any) -> None:
    coordinator = visitor_factory("sv")
    coordinator.sign_in(COORDINATOR)
    page = coordinator.page
    menu = page.get_by_role("navigation", name="Huvudmeny")
    menu.get_by_role("link", name="Fokusområden").click()
    page.get_by_role("heading", level=1, name="Fokusområden").wait_for()
    gloves = page.get_by_role("row").filter(has_text="Surgical gloves 2026")
    cells = [cell.inner_text().strip() for cell in gloves.get_by_role("cell").all()]
    assert cells[1] == "Region Stockholm"
    assert cells[2:5] == ["3", "0", "1"]  # planned, under way, done
    assert "Tvångsarbete (ILO C29)" in cells[5]
    unassigned = page.get_by_role("row").filter(has_text="Surgical instruments 2027")
    assert "Inte tilldelat" in unassigned.inner_text()
    workwear = page.get_by_role("row").filter(has_text="Workwear and textiles 2027")
    assert "Västra Götalandsregionen" in workwear.inner_text()
    coordinator.assert_accessible()

    outsider = visitor_factory("nb")
    outsider.sign_in(OUTSIDER)
    outsider.goto("/coordination")
    assert "Surgical gloves 2026" not in outsider.page.content()
    assert "Ingen fokusområder" in outsider.page.locator("main").inner_text()
    outsider.assert_accessible()
