"""Organisation numbers and country codes, validated and normalised before storage.

Pure functions without I/O. Organisations are unique on (country, org_number),
so every spelling of one number must normalise to the same string: digits
only for Norway and Sweden, upper-case alphanumerics elsewhere.
"""

from __future__ import annotations

import pycountry

from domain.errors import InvalidInput

NORWAY = "NO"
SWEDEN = "SE"

ORG_NUMBER_FIELD = "orgNumber"
COUNTRY_FIELD = "country"

# Brønnøysundregistrene's weights for the first eight digits.
_MOD11_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
# Swedish organisations may be written with the century-like prefix "16".
_SWEDISH_ORG_PREFIX = "16"
# The width of organizations.org_number.
_MAX_LENGTH = 32


def normalize_country(value: str) -> str:
    """Return the ISO 3166-1 alpha-2 code (upper case) for an alpha-2 or alpha-3 code."""
    code = value.strip().upper()
    country = None
    if code.isascii() and code.isalpha():
        if len(code) == 2:
            country = pycountry.countries.get(alpha_2=code)
        elif len(code) == 3:
            country = pycountry.countries.get(alpha_3=code)
    if country is None:
        raise InvalidInput(
            COUNTRY_FIELD,
            f"{value[:40]!r} is not an ISO 3166-1 country code; use alpha-2 such as NO or SE",
        )
    return str(country.alpha_2)


def normalize_org_number(country: str, value: str) -> str:
    """Validate `value` for `country` (alpha-2, see `normalize_country`) and normalise it.

    Spaces and one hyphen are ignored, as people copy numbers as "974 760 673"
    or "556012-5790". Norway and Sweden are checked against their check digit;
    other countries only against the storage format.
    """
    compact = _compact(value)
    code = country.strip().upper()
    if code == NORWAY:
        return _norwegian(compact, value)
    if code == SWEDEN:
        return _swedish(compact, value)
    if not (compact.isascii() and compact.isalnum() and len(compact) <= _MAX_LENGTH):
        raise InvalidInput(
            ORG_NUMBER_FIELD,
            f"organisation number {value!r} must be 1 to {_MAX_LENGTH} letters A-Z or "
            "digits (spaces and one hyphen are ignored)",
        )
    return compact.upper()


def mod11_check_digit(base: str) -> int | None:
    """The Norwegian check digit for eight digits, or None when no number can start so."""
    if len(base) != 8 or not _is_digits(base):
        raise ValueError(f"expected 8 digits, got {base!r}")
    remainder = sum(int(d) * w for d, w in zip(base, _MOD11_WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        return None
    return 11 - remainder


def luhn_check_digit(base: str) -> int:
    """The Luhn check digit to append to `base` (Swedish numbers: nine digits)."""
    if not base or not _is_digits(base):
        raise ValueError(f"expected digits, got {base!r}")
    # The appended digit takes the undoubled position, so the base's last digit doubles.
    return (10 - _luhn_sum(base + "0")) % 10


def _compact(value: str) -> str:
    compact = "".join(value.split())
    if not compact:
        raise InvalidInput(
            ORG_NUMBER_FIELD,
            "organisation number is empty; enter the number from the national business register",
        )
    if compact.count("-") > 1:
        raise InvalidInput(
            ORG_NUMBER_FIELD,
            f"organisation number {value!r} has more than one hyphen; "
            "write the digits with at most one hyphen",
        )
    return compact.replace("-", "")


def _norwegian(digits: str, value: str) -> str:
    if not _is_digits(digits) or len(digits) != 9:
        raise InvalidInput(
            ORG_NUMBER_FIELD,
            f"Norwegian organisation number {value!r} must be 9 digits, such as 974760673 "
            "(spaces and one hyphen are ignored)",
        )
    check = mod11_check_digit(digits[:8])
    if check is None:
        raise InvalidInput(
            ORG_NUMBER_FIELD,
            f"Norwegian organisation number {digits} fails the mod-11 check: no valid "
            f"number starts with {digits[:8]}; check for typos",
        )
    if check != int(digits[8]):
        raise InvalidInput(
            ORG_NUMBER_FIELD,
            f"Norwegian organisation number {digits} fails the mod-11 check digit; check for typos",
        )
    return digits


def _swedish(digits: str, value: str) -> str:
    if not _is_digits(digits):
        raise InvalidInput(
            ORG_NUMBER_FIELD,
            f"Swedish organisation number {value!r} must be 10 digits, such as 556012-5790",
        )
    if len(digits) == 12:
        if not digits.startswith(_SWEDISH_ORG_PREFIX):
            raise InvalidInput(
                ORG_NUMBER_FIELD,
                f"Swedish organisation number {value!r} has 12 digits but does not start "
                "with 16; enter the 10-digit number, such as 556012-5790",
            )
        digits = digits[2:]
    if len(digits) != 10:
        raise InvalidInput(
            ORG_NUMBER_FIELD,
            f"Swedish organisation number {value!r} must be 10 digits, such as 556012-5790 "
            "(or 12 digits starting with 16)",
        )
    if _luhn_sum(digits) % 10 != 0:
        raise InvalidInput(
            ORG_NUMBER_FIELD,
            f"Swedish organisation number {digits} fails the Luhn check digit; check for typos",
        )
    return digits


def _luhn_sum(digits: str) -> int:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total


def _is_digits(value: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts "²" and Arabic-Indic digits."""
    return value.isascii() and value.isdigit()
