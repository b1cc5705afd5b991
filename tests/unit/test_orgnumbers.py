"""Organisation numbers and country codes: real numbers, typos, and check-digit properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.orgnumbers import (
    luhn_check_digit,
    mod11_check_digit,
    normalize_country,
    normalize_org_number,
)


def reference_mod11(base: str) -> int | None:
    """Straight from Brønnøysundregistrene's description, independent of the module."""
    weights = [3, 2, 7, 6, 5, 4, 3, 2]
    remainder = sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 11
    return {0: 0, 1: None}.get(remainder, 11 - remainder)


def reference_luhn_valid(number: str) -> bool:
    doubled = [int(d) * (2 if i % 2 else 1) for i, d in enumerate(reversed(number))]
    return sum(d - 9 if d > 9 else d for d in doubled) % 10 == 0


# --- Norway -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("974760673", "974760673", id="bronnoysundregistrene"),
        pytest.param("923609016", "923609016", id="equinor"),
        pytest.param("971526920", "971526920", id="ssb"),
        pytest.param("974 760 673", "974760673", id="spaces"),
        pytest.param(" 974760673 ", "974760673", id="surrounding-space"),
        pytest.param("974760-673", "974760673", id="one-hyphen"),
    ],
)
def test_valid_norwegian_numbers(value: str, expected: str) -> None:
    assert normalize_org_number("NO", value) == expected


def test_country_is_case_insensitive() -> None:
    assert normalize_org_number("no", "974760673") == "974760673"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        pytest.param("974760674", "fails the mod-11 check digit", id="wrong-check-digit"),
        pytest.param("923609015", "fails the mod-11 check digit", id="typo-last"),
        pytest.param("974706673", "fails the mod-11 check digit", id="swapped-digits"),
        pytest.param("97476067", "must be 9 digits", id="8-digits"),
        pytest.param("9747606733", "must be 9 digits", id="10-digits"),
        pytest.param("97476067A", "must be 9 digits", id="letter"),
        pytest.param("974-760-673", "more than one hyphen", id="two-hyphens"),
        pytest.param(
            "".join(chr(0xFF10 + int(d)) for d in "974760673"),
            "must be 9 digits",
            id="fullwidth-digits",
        ),
        pytest.param("", "is empty", id="empty"),
        pytest.param("   ", "is empty", id="blank"),
    ],
)
def test_invalid_norwegian_numbers(value: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_org_number("NO", value)
    assert caught.value.field == "orgNumber"
    assert caught.value.code == "BAD_USER_INPUT"
    assert fragment in caught.value.message


def test_norwegian_base_without_check_digit_says_so() -> None:
    base = next(
        f"{n:08d}" for n in range(10_000_000, 10_001_000) if reference_mod11(f"{n:08d}") is None
    )
    for last in "0123456789":
        with pytest.raises(InvalidInput, match="no valid number starts with"):
            normalize_org_number("NO", base + last)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_mod11_property(base: str) -> None:
    check = reference_mod11(base)
    assert mod11_check_digit(base) == check
    for last in range(10):
        number = f"{base}{last}"
        if last == check:
            assert normalize_org_number("NO", number) == number
        else:
            with pytest.raises(InvalidInput):
                normalize_org_number("NO", number)


# --- Sweden -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("5560125790", "5560125790", id="ab-volvo"),
        pytest.param("556012-5790", "5560125790", id="ab-volvo-hyphen"),
        pytest.param("2021005448", "2021005448", id="skatteverket"),
        pytest.param("202100-5448", "2021005448", id="skatteverket-hyphen"),
        pytest.param("5560360793", "5560360793", id="example-ab"),
        pytest.param("16556012-5790", "5560125790", id="prefix-16"),
        pytest.param("165560125790", "5560125790", id="prefix-16-compact"),
    ],
)
def test_valid_swedish_numbers(value: str, expected: str) -> None:
    assert reference_luhn_valid(expected)
    assert normalize_org_number("SE", value) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        pytest.param("5560125791", "fails the Luhn check digit", id="wrong-check-digit"),
        # Luhn misses a 09 <-> 90 swap (5560125709 passes), so swap other digits.
        pytest.param("5560127590", "fails the Luhn check digit", id="swapped-digits"),
        pytest.param("556012579", "must be 10 digits", id="9-digits"),
        pytest.param("55601257900", "must be 10 digits", id="11-digits"),
        pytest.param("195560125790", "does not start with 16", id="12-digits-wrong-prefix"),
        pytest.param("165560125791", "fails the Luhn check digit", id="prefix-16-wrong-check"),
        pytest.param("556012-579O", "must be 10 digits", id="letter-O"),
        pytest.param("55-6012-5790", "more than one hyphen", id="two-hyphens"),
    ],
)
def test_invalid_swedish_numbers(value: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_org_number("SE", value)
    assert caught.value.field == "orgNumber"
    assert fragment in caught.value.message


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_luhn_property(base: str) -> None:
    check = luhn_check_digit(base)
    assert reference_luhn_valid(f"{base}{check}")
    for last in range(10):
        number = f"{base}{last}"
        if last == check:
            assert normalize_org_number("SE", number) == number
            assert normalize_org_number("SE", f"16{number}") == number
        else:
            with pytest.raises(InvalidInput):
                normalize_org_number("SE", number)


# --- other countries --------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "value", "expected"),
    [
        pytest.param("DK", "10 15 08 17", "10150817", id="dk-cvr"),
        pytest.param("GB", "sc123456", "SC123456", id="gb-upper-cased"),
        pytest.param("CN", "91350100M000100Y43", "91350100M000100Y43", id="cn-uscc"),
        pytest.param("DE", "HRB-12345", "HRB12345", id="de-one-hyphen"),
        pytest.param("FI", "1" * 32, "1" * 32, id="32-chars"),
    ],
)
def test_other_countries_are_format_checked_only(country: str, value: str, expected: str) -> None:
    assert normalize_org_number(country, value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("1" * 33, id="33-chars"),
        pytest.param("HRB/12345", id="slash"),
        pytest.param("12.345.678", id="dots"),
        pytest.param("ÆØÅ123", id="non-ascii-letters"),
    ],
)
def test_other_countries_reject_bad_format(value: str) -> None:
    with pytest.raises(InvalidInput, match="letters A-Z or digits"):
        normalize_org_number("DE", value)


# --- countries --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("NO", "NO", id="alpha-2"),
        pytest.param("se", "SE", id="alpha-2-lower"),
        pytest.param(" dk ", "DK", id="padded"),
        pytest.param("NOR", "NO", id="alpha-3"),
        pytest.param("swe", "SE", id="alpha-3-lower"),
        pytest.param("CHN", "CN", id="alpha-3-china"),
    ],
)
def test_normalize_country(value: str, expected: str) -> None:
    assert normalize_country(value) == expected


@pytest.mark.parametrize(
    "value",
    ["", "N", "XX", "NORWAY", "Norway", "578", "UK", "XK", "N0", "ÅL"],
)
def test_normalize_country_rejects(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_country(value)
    assert caught.value.field == "country"
    assert "is not an ISO 3166-1 country code; use alpha-2 such as NO or SE" in caught.value.message
