"""Mini-competition pages in a real browser, on the demo world: the buyer of the
awarded competition reads its scored bids (bokmål); the buyer of the open one
sees that its bids are sealed until the deadline, and no price (English)."""

from __future__ import annotations

from typing import Any

from services.demo.frameworks import AWARDED_BIDS, AWARDED_TITLE, OPEN_TITLE

OSLO = "innkjop@oslo.kommune.no"  # buyer of the awarded competition
BERGEN = "innkjop@bergen.kommune.no"  # buyer of the open one


def test_mini_competition_pages(visitor_factory: Any) -> None:
    oslo = visitor_factory("nb")
    oslo.sign_in(OSLO)
    page = oslo.page
    page.get_by_role("navigation").get_by_role("link", name="Minikonkurranser").click()
    page.get_by_role("heading", level=1, name="Minikonkurranser").wait_for()
    oslo.assert_accessible()
    page.get_by_role("link", name=AWARDED_TITLE).click()
    page.get_by_role("heading", level=1, name=AWARDED_TITLE).wait_for()
    bids = page.get_by_role("region", name="Tilbud").get_by_role("row")
    assert bids.count() == 1 + len(AWARDED_BIDS)  # the header and one row per bid
    assert "Tildelt" in page.locator("main").inner_text()
    assert "best total score of 3 bid(s)" in page.locator("main").inner_text()
    oslo.assert_accessible()

    bergen = visitor_factory("en")
    bergen.sign_in(BERGEN)
    bergen.goto("/mini-competitions")
    bergen.page.get_by_role("link", name=OPEN_TITLE).click()
    main = bergen.page.locator("main")
    bergen.page.get_by_role("heading", level=1, name=OPEN_TITLE).wait_for()
    assert "Bids are sealed until the deadline." in main.inner_text()
    assert "1,210" not in main.inner_text() and "1210" not in main.inner_text()
    bergen.assert_accessible()
