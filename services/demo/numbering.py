"""Valid organisation numbers for demo and benchmark organisations, by arithmetic."""

from __future__ import annotations

from collections.abc import Iterator

from domain.orgnumbers import NORWAY, SWEDEN, luhn_check_digit, mod11_check_digit


def org_numbers(country: str, prefix: str, taken: frozenset[str] = frozenset()) -> Iterator[str]:
    """Valid organisation numbers beginning with `prefix`, in increasing order, skipping
    those in `taken`: pure arithmetic, so a million cost no queries. Norway: 9 digits
    (mod-11), Sweden: 10 digits (Luhn), elsewhere 10 digits without a check digit."""
    width = {NORWAY: 8, SWEDEN: 9}.get(country, 10) - len(prefix)
    for n in range(10**width):
        number = f"{prefix}{n:0{width}d}"
        if country == NORWAY:
            check = mod11_check_digit(number)
            if check is None:
                continue
            number += str(check)
        elif country == SWEDEN:
            number += str(luhn_check_digit(number))
        if number not in taken:
            yield number


def norwegian_number(base8: str) -> str:
    """The 9-digit Norwegian number for 8 digits whose mod-11 check digit exists."""
    check = mod11_check_digit(base8)
    assert check is not None, base8
    return f"{base8}{check}"


def swedish_number(base9: str) -> str:
    """The 10-digit Swedish number for 9 digits, with its Luhn check digit."""
    return f"{base9}{luhn_check_digit(base9)}"
