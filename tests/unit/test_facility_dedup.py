"""Facility deduplication, table-driven: near-duplicate names across countries
match exactly what they should (the same OS ID, or the same country with a close
name and address; numbers in a name must agree)."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.facilities import Known, Site, find_match, validate_os_id

THRESHOLD = 88.0
KAMUNTING = "Kamunting Industrial Estate, 34600 Kamunting"
STORED = [
    Known(
        "perak2",
        "Perak Nitrile Gloves Sdn Bhd, Plant 2",
        "MY",
        f"Lot 12, {KAMUNTING}",
        "MY2024123ABCDEF",
    ),
    Known("perak3", "Perak Nitrile Gloves Sdn Bhd, Plant 3", "MY", f"Lot 14, {KAMUNTING}", None),
    Known("songkhla", "Songkhla Latex Works Co., Ltd.", "TH", "Hat Yai, Songkhla 90110", None),
    Known("songkhla_vn", "Songkhla Latex Works", "VN", "Binh Duong", None),
    Known("dhaka", "Dhaka Knit Composite Ltd", "BD", "Plot 7, Ashulia, Savar, Dhaka", None),
    Known("noaddr", "Hanoi Garment Factory", "VN", None, None),
]

CASES = [
    # (label, incoming site, the stored facility it is, or None for a new one)
    ("same OS ID, another name", Site("PNG Plant 2", "MY", None, "MY2024123ABCDEF"), "perak2"),
    (
        "same name and address, other spelling",
        Site(
            "PERAK NITRILE GLOVES SDN. BHD. PLANT 2",
            "MY",
            "Lot 12 Kamunting Industrial Estate 34600 Kamunting",
        ),
        "perak2",
    ),
    (
        "plant 3 is not plant 2",
        Site("Perak Nitrile Gloves Sdn Bhd Plant 3", "MY", f"Lot 14, {KAMUNTING}"),
        "perak3",
    ),
    (
        "a plant with another number is a new site",
        Site("Perak Nitrile Gloves Sdn Bhd, Plant 4", "MY", "Lot 20, Kamunting Industrial Estate"),
        None,
    ),
    ("legal form left out", Site("Songkhla Latex Works", "TH", "Hat Yai, Songkhla"), "songkhla"),
    (
        "the same name in another country",
        Site("Songkhla Latex Works Co Ltd", "MY", "Hat Yai"),
        None,
    ),
    (
        "the Vietnamese namesake",
        Site("Songkhla Latex Works", "VN", "Binh Duong Province"),
        "songkhla_vn",
    ),
    (
        "close name, far address",
        Site("Dhaka Knit Composite Ltd", "BD", "Road 3, Gazipur, Chittagong"),
        None,
    ),
    (
        "typo in the name",
        Site("Dhaka Knitt Composite Ltd", "BD", "Plot 7, Ashulia, Savar, Dhaka"),
        "dhaka",
    ),
    (
        "a different factory in the same town",
        Site("Dhaka Denim Mills Ltd", "BD", "Plot 7, Ashulia, Savar, Dhaka"),
        None,
    ),
    ("no address: the name decides", Site("Hanoi Garment Factory", "VN", "12 Tran Phu"), "noaddr"),
    (
        "another OS ID is another site, however close the name",
        Site(
            "Perak Nitrile Gloves Sdn Bhd, Plant 2", "MY", f"Lot 12, {KAMUNTING}", "MY2025001ZZZZZZ"
        ),
        None,
    ),
]


@pytest.mark.parametrize(("label", "site", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_site_matches_exactly_what_it_should(
    label: str, site: Site, expected: str | None
) -> None:
    found = find_match(site, STORED, THRESHOLD)
    assert (found.id if found else None) == expected


@pytest.mark.parametrize("os_id", ["CN2019303BQ3FZP", " my2024123abcdef "])
def test_os_ids_of_the_right_shape_are_kept_upper_case(os_id: str) -> None:
    assert validate_os_id("osId", os_id) == os_id.strip().upper()


@pytest.mark.parametrize(
    "os_id", ["CN2019303", "1N2019303BQ3FZP", "CN2019303BQ3FZP1", "CN-2019303BQ3F"]
)
def test_os_ids_of_another_shape_are_refused_naming_the_field(os_id: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_os_id("productionSites.0.osId", os_id)
    assert refused.value.field == "productionSites.0.osId"
    assert "Open Supply Hub OS ID" in refused.value.message
