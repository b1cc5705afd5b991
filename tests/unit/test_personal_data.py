"""Personal data in shared audit reports: what is flagged, what is not, and what is said.

Valid numbers come from small reference implementations written here from the
published rules, independently of domain.personal_data, so a shared mistake in
the check-digit arithmetic cannot make both sides agree.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.personal_data import PersonalDataHit, PersonalDataKind, describe, find_personal_data

NATIONAL_ID: PersonalDataKind = "NORWEGIAN_NATIONAL_ID"
PERSONNUMMER: PersonalDataKind = "SWEDISH_PERSONAL_IDENTITY_NUMBER"


# --- reference implementations -------------------------------------------------------


def mod11(digits: str, weights: list[int]) -> int | None:
    """Norwegian mod 11: 11 - remainder, where 11 means 0 and 10 means no such number."""
    check = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def with_fnr_check_digits(first9: str) -> str | None:
    k1 = mod11(first9, [3, 7, 6, 1, 8, 9, 4, 5, 2])
    if k1 is None:
        return None
    k2 = mod11(first9 + str(k1), [5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
    return None if k2 is None else f"{first9}{k1}{k2}"


def fnr(birth: dt.date, individual: int, *, d_number: bool = False) -> str | None:
    day = birth.day + 40 if d_number else birth.day
    return with_fnr_check_digits(f"{day:02}{birth.month:02}{birth.year % 100:02}{individual:03}")


def valid_fnr(birth: dt.date, *, d_number: bool = False) -> str:
    """The first individual number that gives valid check digits."""
    for individual in range(1000):
        number = fnr(birth, individual, d_number=d_number)
        if number is not None:
            return number
    raise AssertionError("no individual number works")


def with_account_check_digit(first10: str) -> str | None:
    check = mod11(first10, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
    return None if check is None else first10 + str(check)


def luhn_check_digit(payload: str) -> str:
    """Weights 2, 1, 2, ... from the digit next to the check digit, digit sums added."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)


def personnummer(
    birth: dt.date, serial: int, *, coordination: bool = False, style: str = "YYMMDD-NNNN"
) -> str:
    day = birth.day + 60 if coordination else birth.day
    yymmdd = f"{birth.year % 100:02}{birth.month:02}{day:02}"
    tail = f"{serial:03}" + luhn_check_digit(f"{yymmdd}{serial:03}")
    century = f"{birth.year // 100}"
    return {
        "YYMMDD-NNNN": f"{yymmdd}-{tail}",
        "YYMMDD+NNNN": f"{yymmdd}+{tail}",
        "YYMMDDNNNN": f"{yymmdd}{tail}",
        "YYYYMMDDNNNN": f"{century}{yymmdd}{tail}",
        "YYYYMMDD-NNNN": f"{century}{yymmdd}-{tail}",
    }[style]


def iban_is_valid(iban: str) -> bool:
    compact = iban.replace(" ", "")
    moved = compact[4:] + compact[:4]
    numeric = "".join(str(ord(c) - ord("A") + 10) if c.isalpha() else c for c in moved)
    return int(numeric) % 97 == 1


def make_iban(country: str, bban: str) -> str:
    numeric = "".join(str(ord(c) - ord("A") + 10) if c.isalpha() else c for c in bban + country)
    return f"{country}{98 - int(numeric + '00') % 97:02}{bban}"


def only(text: str) -> PersonalDataHit:
    hits = find_personal_data(text)
    assert len(hits) == 1, [(h.kind, text[h.start : h.end]) for h in hits]
    return hits[0]


def kinds(text: str) -> list[str]:
    return [hit.kind for hit in find_personal_data(text)]


# --- Norwegian national identity numbers ------------------------------------------------


@pytest.mark.parametrize(
    "birth", [dt.date(1985, 5, 17), dt.date(2001, 2, 28), dt.date(1960, 12, 31)]
)
def test_fodselsnummer_found_plain_and_with_space(birth: dt.date) -> None:
    number = valid_fnr(birth)
    for written in (number, f"{number[:6]} {number[6:]}"):
        text = f"Arbeider med fnr. {written} ble intervjuet."
        hit = only(text)
        assert hit.kind == NATIONAL_ID
        assert text[hit.start : hit.end] == written


def test_d_number_found() -> None:
    number = valid_fnr(dt.date(1990, 3, 9), d_number=True)
    assert number[0] == "4"
    assert kinds(f"D-nummer {number}") == [NATIONAL_ID]


def test_fodselsnummer_with_wrong_check_digits_not_flagged() -> None:
    number = valid_fnr(dt.date(1985, 5, 17))
    for position in (9, 10):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            lookalike = number[:position] + digit + number[position + 1 :]
            assert NATIONAL_ID not in kinds(lookalike), lookalike


@pytest.mark.parametrize("ddmmyy", ["310285", "011385", "320185", "000185", "290201", "720185"])
def test_valid_check_digits_on_an_impossible_date_not_flagged(ddmmyy: str) -> None:
    numbers = [
        number
        for individual in range(100, 200)
        if (number := with_fnr_check_digits(f"{ddmmyy}{individual}")) is not None
    ]
    assert numbers
    for number in numbers:
        assert NATIONAL_ID not in kinds(number), number


def test_random_eleven_digit_numbers_are_rarely_national_ids() -> None:
    rng = random.Random(20261121)
    numbers = [f"{rng.randrange(10**11):011}" for _ in range(5000)]
    flagged = sum(NATIONAL_ID in kinds(number) for number in numbers)
    assert flagged < 5000 * 0.01


def test_number_that_is_both_fnr_and_account_is_reported_once_as_national_id() -> None:
    both = next(
        number
        for individual in range(1000)
        if (number := fnr(dt.date(1978, 6, 1), individual)) is not None
        and with_account_check_digit(number[:10]) == number
    )
    assert kinds(f"konto/fnr {both}") == [NATIONAL_ID]


# --- Swedish personal identity numbers -------------------------------------------------


@pytest.mark.parametrize(
    "style", ["YYMMDD-NNNN", "YYMMDD+NNNN", "YYMMDDNNNN", "YYYYMMDDNNNN", "YYYYMMDD-NNNN"]
)
def test_personnummer_formats(style: str) -> None:
    number = personnummer(dt.date(1964, 8, 23), 323, style=style)
    text = f"Personnummer: {number}."
    hit = only(text)
    assert (hit.kind, text[hit.start : hit.end]) == (PERSONNUMMER, number)


@pytest.mark.parametrize("number", ["811218-9876", "121212-1212", "19121212-1212"])
def test_public_example_personnummer(number: str) -> None:
    assert number.replace("-", "")[-10:][-1] == luhn_check_digit(number.replace("-", "")[-10:-1])
    assert kinds(number) == [PERSONNUMMER]


def test_samordningsnummer_found() -> None:
    number = personnummer(dt.date(1990, 1, 5), 123, coordination=True)
    assert number[4:6] == "65"
    assert kinds(number) == [PERSONNUMMER]


def test_personnummer_with_wrong_check_digit_not_flagged() -> None:
    number = personnummer(dt.date(1964, 8, 23), 323)
    for digit in "0123456789":
        if digit != number[-1]:
            assert kinds(number[:-1] + digit) == []


def test_swedish_organisation_number_not_flagged() -> None:
    """Org numbers pass Luhn but have 20+ where the month would be."""
    orgnr = "556036079" + luhn_check_digit("556036079")
    assert kinds(f"Org.nr {orgnr[:6]}-{orgnr[6:]}") == []


# --- IBANs and bank accounts -------------------------------------------------------------


@pytest.mark.parametrize(
    "iban", ["NO93 8601 1117 947", "SE45 5000 0000 0583 9825 7466", "GB82 WEST 1234 5698 7654 32"]
)
def test_public_example_ibans(iban: str) -> None:
    assert iban_is_valid(iban)
    for written in (iban, iban.replace(" ", "")):
        text = f"Lønn utbetales til {written} hver måned."
        hit = only(text)
        assert (hit.kind, text[hit.start : hit.end]) == ("IBAN", written)


def test_iban_followed_by_an_upper_case_word() -> None:
    text = "Konto SE45 5000 0000 0583 9825 7466 SEK"
    hit = only(text)
    assert text[hit.start : hit.end] == "SE45 5000 0000 0583 9825 7466"


def test_generated_iban_found_and_broken_one_not() -> None:
    iban = make_iban("DE", "370400440532013000")
    assert iban_is_valid(iban)
    assert kinds(iban) == ["IBAN"]
    broken = iban[:-1] + str((int(iban[-1]) + 1) % 10)
    assert not iban_is_valid(broken)
    assert kinds(broken) == []


@pytest.mark.parametrize("written", ["8601.11.17947", "8601 11 17947", "86011117947"])
def test_norwegian_account_formats(written: str) -> None:
    assert with_account_check_digit("8601111794") == "86011117947"
    assert kinds(f"Kontonummer {written}.") == ["BANK_ACCOUNT"]


def test_account_with_wrong_check_digit_not_flagged() -> None:
    assert kinds("Kontonummer 8601.11.17948") == []


@pytest.mark.parametrize("keyword", ["Bankgiro", "bankgironr.", "BG:", "Bg"])
@pytest.mark.parametrize("number", ["5050-1055", "123-4" + "56" + luhn_check_digit("123456")])
def test_bankgiro_after_its_keyword(keyword: str, number: str) -> None:
    digits = number.replace("-", "")
    assert digits[-1] == luhn_check_digit(digits[:-1])
    text = f"Betalas till {keyword} {number}."
    hit = only(text)
    assert (hit.kind, text[hit.start : hit.end]) == ("BANK_ACCOUNT", number)


def test_bankgiro_shaped_numbers_without_keyword_or_checksum_not_flagged() -> None:
    """One in ten year ranges like 2019-2023 passes Luhn; the keyword keeps them out."""
    assert kinds("Perioden 5050-1055") == []
    assert kinds("Bankgiro 5050-1056") == []


# --- e-mail addresses ------------------------------------------------------------------


@pytest.mark.parametrize(
    "address", ["ola.nordmann@example.no", "kari+revisjon@sub.example.co.uk", "bjørn_ås@firma.no"]
)
def test_emails_found(address: str) -> None:
    text = f"Kontakt ({address}), takk."
    hit = only(text)
    assert (hit.kind, text[hit.start : hit.end]) == ("EMAIL", address)


@pytest.mark.parametrize("text", ["@handle", "ola at firma.no", "a@b", "user@localhost"])
def test_not_emails(text: str) -> None:
    assert kinds(text) == []


# --- phone numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        # Norway
        "22 33 44 55",
        "412 34 567",
        "4123 4567",
        "41234567",
        "+47 412 34 567",
        "+47 22 33 44 55",
        "0047 22 33 44 55",
        "+4741234567",
        # Sweden
        "070-123 45 67",
        "0701234567",
        "08-123 456 78",
        "031-12 34 56",
        "+46 70 123 45 67",
        "+46 (0)70-123 45 67",
        "0046 8 123 456 78",
        # elsewhere
        "+44 20 7946 0958",
        "+1 (555) 123-4567",
        "+49 30 1234567",
        "+358 40 123 4567",
        "+86 138 0013 8000",
    ],
)
def test_phone_numbers_found(number: str) -> None:
    text = f"Ring tlf. {number} etter kl. 16."
    hit = only(text)
    assert (hit.kind, text[hit.start : hit.end]) == ("PHONE", number)


@pytest.mark.parametrize(
    "text",
    [
        "2026",
        "Revisjonen ble gjennomført 2026-11-21.",
        "Dato 21.11.2026 og 20261121",
        "Kontraktsverdi NOK 1 250 000",
        "1 250 000 kr",
        "Verdi NOK 25000000 og 12 345 678 enheter",
        "Andel 25 % og 12,5 %",
        "ILO C138 og C182",
        "ISO 3166, ISO 45001:2018, SA8000",
        "Org.nr. 974760673",
        "Org.nr. 974 760 673 MVA",
        "0150 Oslo",
        "Arbeidstid 08:00-16:00, uke 12-13",
        "Perioden 2019-2023",
        "05-11-2026",
        "Timelønn NOK 193,50",
        "Faktor 3,14159265 og saksnr. 2024-41234567",
        "Beløp 25000000 kr, vekst +1 250 000 NOK",
        "Punktene 21 22 23 24 25 og 01 02 03 04 05 06",
    ],
)
def test_non_personal_numbers_not_flagged(text: str) -> None:
    assert kinds(text) == []


def test_valid_org_number_is_not_a_phone() -> None:
    check = mod11("97476067", [3, 2, 7, 6, 5, 4, 3, 2])
    assert check == 3  # 974760673 is a valid Norwegian organisation number
    assert kinds("974760673") == []


# --- several kinds, overlaps, messages ---------------------------------------------------


def several_kinds_text() -> str:
    return (
        f"Intervjuet arbeider (fnr {valid_fnr(dt.date(1992, 4, 3))}) oppga e-post "
        "ola.nordmann@example.no, mobil +47 412 34 567 og lønnskonto NO93 8601 1117 947. "
        f"Svensk kollega {personnummer(dt.date(1988, 10, 30), 457)} nås på 070-123 45 67. "
        "Kontraktsverdi NOK 1 250 000, ILO C138, org.nr. 974 760 673."
    )


def test_text_with_several_kinds() -> None:
    text = several_kinds_text()
    hits = find_personal_data(text)
    assert [h.kind for h in hits] == [
        NATIONAL_ID,
        "EMAIL",
        "PHONE",
        "IBAN",
        PERSONNUMMER,
        "PHONE",
    ]
    assert [h.start for h in hits] == sorted(h.start for h in hits)
    assert all(a.end <= b.start for a, b in itertools.pairwise(hits))


def test_iban_swallows_the_phone_shaped_groups_inside_it() -> None:
    assert kinds("NO93 8601 1117 947") == ["IBAN"]


def test_phone_shaped_digits_inside_an_email_give_one_hit() -> None:
    text = "Skriv til ola.41234567@firma.no i dag"
    hit = only(text)
    assert (hit.kind, text[hit.start : hit.end]) == ("EMAIL", "ola.41234567@firma.no")


def test_describe_names_kinds_but_never_the_data() -> None:
    text = several_kinds_text()
    hits = find_personal_data(text)
    message = describe(hits)
    assert message == (
        "contains a Norwegian national identity number (fødselsnummer or D-number), "
        "a Swedish personal identity number (personnummer or samordningsnummer), an IBAN, "
        "an e-mail address and 2 phone numbers; remove them before sharing"
    )
    for hit in hits:
        assert text[hit.start : hit.end] not in message
        assert text[hit.start : hit.end] not in repr(hit)
        assert hit.masked == text[hit.start : hit.start + 2] + "…"


def test_describe_single_and_none() -> None:
    assert describe(find_personal_data("ola@example.no")) == (
        "contains an e-mail address; remove it before sharing"
    )
    assert describe([]) == "contains no personal data"


# --- properties ------------------------------------------------------------------------

words = st.lists(st.text(alphabet=string.ascii_letters + "æøåÆØÅ", min_size=1, max_size=12))
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2039, 12, 31))


@st.composite
def embedded_ids(draw: st.DrawFn) -> tuple[str, PersonalDataKind]:
    """A valid fødselsnummer, D-number, personnummer or samordningsnummer, and its kind."""
    birth = draw(births)
    if draw(st.booleans()):
        number = fnr(birth, draw(st.integers(0, 999)), d_number=draw(st.booleans()))
        assume(number is not None)
        assert number is not None
        if draw(st.booleans()):
            number = f"{number[:6]} {number[6:]}"
        return number, NATIONAL_ID
    style = draw(
        st.sampled_from(
            ["YYMMDD-NNNN", "YYMMDD+NNNN", "YYMMDDNNNN", "YYYYMMDDNNNN", "YYYYMMDD-NNNN"]
        )
    )
    number = personnummer(
        birth, draw(st.integers(0, 999)), coordination=draw(st.booleans()), style=style
    )
    return number, PERSONNUMMER


@settings(max_examples=300, deadline=None)
@given(
    before=words,
    after=words,
    embedded=embedded_ids(),
    left=st.sampled_from([" ", ": ", " (", "\n", " «"]),
    right=st.sampled_from([" ", ". ", ") ", ", ", "\n", "»"]),
)
def test_any_valid_identity_number_in_words_is_found(
    before: list[str],
    after: list[str],
    embedded: tuple[str, PersonalDataKind],
    left: str,
    right: str,
) -> None:
    number, kind = embedded
    head = " ".join(before) + left
    text = head + number + right + " ".join(after)
    hits = find_personal_data(text)
    assert PersonalDataHit(kind, len(head), len(head) + len(number)) in hits
    assert number not in describe(hits)


@settings(max_examples=300, deadline=None)
@given(birth=births, individual=st.integers(0, 999), wrong=st.integers(1, 9))
def test_fodselsnummer_with_any_other_last_digit_is_not_a_national_id(
    birth: dt.date, individual: int, wrong: int
) -> None:
    number = fnr(birth, individual)
    assume(number is not None)
    assert number is not None
    lookalike = number[:10] + str((int(number[10]) + wrong) % 10)
    assert NATIONAL_ID not in kinds(lookalike)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        # Ps (opening brackets) is left out, or "(at)" would make an at sign; so are
        # the full-width and small at signs, which read as one.
        alphabet=st.characters(
            categories=("L", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Zs"),
            exclude_characters="@\uff20\ufe6b",
        ),
        max_size=200,
    )
)
def test_text_without_digits_or_at_signs_has_no_hits(text: str) -> None:
    assert find_personal_data(text) == []
