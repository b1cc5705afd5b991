"""Personal data as a reader sees it: the variants an office program, a PDF reader
or a browser shows that must be caught, the near misses that must not, and a
corpus of ordinary audit-report text that must give no hits at all.

The numbers used are checked against the independent reference implementations
in test_personal_data, so a table entry cannot pass by sharing a mistake with
the module under test.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
import uuid

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.personal_data import PersonalDataKind, describe, find_personal_data
from tests.unit.test_personal_data import (
    fnr,
    iban_is_valid,
    luhn_check_digit,
    make_iban,
    personnummer,
    with_account_check_digit,
    with_fnr_check_digits,
)

NATIONAL_ID: PersonalDataKind = "NORWEGIAN_NATIONAL_ID"
PERSONNUMMER: PersonalDataKind = "SWEDISH_PERSONAL_IDENTITY_NUMBER"

FNR = "15076500565"  # fødselsnummer, 15 July 1965
D_NUMBER = "41076500027"  # D-number, 1 July 1965 (day + 40)
PNR = "8112189876"  # personnummer, 18 December 1981 (Skatteverket's example)
SAMORDNING = "9001651232"  # samordningsnummer, 5 January 1990 (day + 60)
ACCOUNT = "86011117947"
IBAN_NO = "NO9386011117947"
IBAN_SE = "SE4550000000058398257466"
IBAN_DE = "DE89370400440532013000"

ZWSP, ZWNJ, ZWJ, WJ, BOM = "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"
SHY, NBSP, THIN, NNBSP, FIGURE = "\u00ad", "\u00a0", "\u2009", "\u202f", "\u2007"
EN, EM, MINUS, NB_HYPHEN = "\u2013", "\u2014", "\u2212", "\u2011"
LRM, RLM, LRE, PDF_, LRI, PDI = "\u200e", "\u200f", "\u202a", "\u202c", "\u2066", "\u2069"


def fullwidth(text: str) -> str:
    """ASCII letters, digits and punctuation as their full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def digits_as(text: str, zero: int) -> str:
    """Digits in another script whose zero is at code point `zero`."""
    return "".join(chr(zero + int(c)) if c.isdigit() else c for c in text)


def between(text: str, separator: str) -> str:
    return separator.join(text)


def test_the_numbers_used_are_valid_by_the_reference_implementations() -> None:
    assert with_fnr_check_digits(FNR[:9]) == FNR
    assert with_fnr_check_digits(D_NUMBER[:9]) == D_NUMBER
    assert int(D_NUMBER[0]) >= 4
    assert PNR[-1] == luhn_check_digit(PNR[:-1])
    assert SAMORDNING[-1] == luhn_check_digit(SAMORDNING[:-1])
    assert int(SAMORDNING[4:6]) > 60
    assert with_account_check_digit(ACCOUNT[:10]) == ACCOUNT
    assert all(iban_is_valid(iban) for iban in (IBAN_NO, IBAN_SE, IBAN_DE))


# --- caught: (id, before, written, after, kind); the hit must span exactly `written` ---

CAUGHT: list[tuple[str, str, str, str, PersonalDataKind]] = [
    # Norwegian fødselsnummer and D-number
    ("fnr plain", "Arbeideren (fnr ", FNR, ") ble intervjuet.", NATIONAL_ID),
    ("fnr zero-width spaces", "Fnr: ", between(FNR[:6], ZWSP) + ZWSP + FNR[6:], ".", NATIONAL_ID),
    ("fnr ZWJ ZWNJ WJ BOM", "fnr ", f"15{ZWJ}07{ZWNJ}65{WJ}005{BOM}65", " oppgitt", NATIONAL_ID),
    ("fnr soft hyphens", "fnr ", f"150{SHY}765{SHY}005{SHY}65", ".", NATIONAL_ID),
    ("fnr full-width digits", "Fødselsnummer ", fullwidth(FNR), "。", NATIONAL_ID),
    ("fnr full-width digits and space", "fnr ", fullwidth("150765 00565"), "", NATIONAL_ID),
    ("fnr Arabic-Indic digits", "fnr ", digits_as(FNR, 0x0660), " ", NATIONAL_ID),
    ("fnr mathematical bold digits", "fnr ", digits_as(FNR, 0x1D7CE), ".", NATIONAL_ID),
    ("fnr no-break space", "Fnr. ", f"150765{NBSP}00565", " ble", NATIONAL_ID),
    ("fnr thin space", "fnr ", f"150765{THIN}00565", ".", NATIONAL_ID),
    ("fnr narrow no-break space", "fnr ", f"150765{NNBSP}00565", ".", NATIONAL_ID),
    ("fnr figure space", "fnr ", f"150765{FIGURE}00565", ".", NATIONAL_ID),
    ("fnr split at a line break", "Arbeideren har fnr ", "150765\n00565", ".", NATIONAL_ID),
    ("fnr wrapped mid-number", "fnr ", "1507650\n0565", " (kopi)", NATIONAL_ID),
    ("fnr wrapped at CR LF", "fnr ", "150765\r\n00565", "\r\n", NATIONAL_ID),
    ("fnr hyphenated at a wrap", "fnr ", "15076-\n500565", ".", NATIONAL_ID),
    ("fnr wrapped after a space", "fnr ", "150765 \n00565", ".", NATIONAL_ID),
    ("fnr glued to letters", "fnr", FNR, "abc", NATIONAL_ID),
    ("fnr after ID colon", "ID:", FNR, "", NATIONAL_ID),
    ("fnr dotted like a date", "født/fnr ", "15.07.65.00565", ".", NATIONAL_ID),
    ("fnr slash after the date", "fnr ", "150765/00565", ".", NATIONAL_ID),
    ("fnr slashes throughout", "fnr ", "15/07/65/00565", ".", NATIONAL_ID),
    ("fnr spaced by date parts", "fnr ", "15 07 65 00565", ".", NATIONAL_ID),
    ("fnr hyphen", "fnr ", "150765-00565", ".", NATIONAL_ID),
    ("fnr en dash", "fnr ", f"150765{EN}00565", ".", NATIONAL_ID),
    ("fnr em dash", "fnr ", f"150765{EM}00565", ".", NATIONAL_ID),
    ("fnr minus sign", "fnr ", f"150765{MINUS}00565", ".", NATIONAL_ID),
    ("fnr non-breaking hyphen", "fnr ", f"150765{NB_HYPHEN}00565", ".", NATIONAL_ID),
    (
        "fnr as a spreadsheet number",
        "Ansattliste: ",
        f"15{NBSP}076{NBSP}500{NBSP}565",
        "",
        NATIONAL_ID,
    ),
    ("fnr with bidi controls", f"fnr {LRI}", f"1507{LRM}65{RLM}00565", f"{PDI}.", NATIONAL_ID),
    ("fnr with embedding controls", f"fnr {LRE}", FNR, f"{PDF_}.", NATIONAL_ID),
    ("fnr struck-through digits", "fnr ", "".join(c + "\u0336" for c in FNR), ".", NATIONAL_ID),
    ("fnr keycap digit", "fnr ", "1\ufe0f\u20e3" + FNR[1:], ".", NATIONAL_ID),
    ("fnr variation selectors", "fnr ", "1507\ufe0e6500565", ".", NATIONAL_ID),
    ("D-number plain", "D-nummer ", D_NUMBER, ".", NATIONAL_ID),
    ("D-number zero-width and glued", "dnr", f"410765{ZWSP}00027", "", NATIONAL_ID),
    ("D-number full-width", "D-nr. ", fullwidth(D_NUMBER), "", NATIONAL_ID),
    # Swedish personnummer and samordningsnummer
    ("pnr with hyphen", "Personnummer ", "811218-9876", ".", PERSONNUMMER),
    ("pnr centenarian plus", "Personnummer ", "811218+9876", ".", PERSONNUMMER),
    ("pnr ten digits", "pnr ", PNR, ".", PERSONNUMMER),
    ("pnr with century and hyphen", "pnr ", "19811218-9876", ".", PERSONNUMMER),
    ("pnr with century", "pnr ", "19" + PNR, ".", PERSONNUMMER),
    ("pnr en dash", "pnr ", f"811218{EN}9876", ".", PERSONNUMMER),
    ("pnr full-width", "pnr ", fullwidth("811218-9876"), "", PERSONNUMMER),
    ("pnr glued to letters", "pnr", "811218-9876", "x", PERSONNUMMER),
    ("pnr zero-width inside", "pnr ", f"8112{ZWSP}18-98{ZWSP}76", ".", PERSONNUMMER),
    ("pnr hyphen at a wrap", "pnr ", "811218-\n9876", ".", PERSONNUMMER),
    ("pnr spaced hyphen", "pnr ", f"811218{NBSP}-{NBSP}9876", ".", PERSONNUMMER),
    ("samordningsnummer", "Samordningsnummer ", "900165-1232", ".", PERSONNUMMER),
    ("samordningsnummer with century", "snr ", "19900165-1232", ".", PERSONNUMMER),
    # IBANs
    ("IBAN lower-case compact", "Lønn til ", IBAN_NO.lower(), ".", "IBAN"),
    ("IBAN lower-case spaced", "Lønn til ", "no93 8601 1117 947", ".", "IBAN"),
    ("IBAN mixed case", "Konto ", "Se45 5000 0000 0583 9825 7466", ".", "IBAN"),
    (
        "IBAN no-break spaces",
        "IBAN ",
        NBSP.join(["DE89", "3704", "0044", "0532", "0130", "00"]),
        "",
        "IBAN",
    ),
    ("IBAN across a line", "IBAN ", "SE45 5000 0000\n0583 9825 7466", ".", "IBAN"),
    ("IBAN full-width", "IBAN ", fullwidth(IBAN_NO), "", "IBAN"),
    ("IBAN zero-width inside", "IBAN ", f"NO93{ZWSP}8601{ZWSP}1117{ZWSP}947", "", "IBAN"),
    ("IBAN glued to its label", "IBAN:", IBAN_NO, "", "IBAN"),
    ("IBAN glued to a word", "IBAN", IBAN_NO, "", "IBAN"),
    # Norwegian bank accounts
    ("account dotted", "Kontonr. ", "8601.11.17947", ".", "BANK_ACCOUNT"),
    ("account spaced", "Konto ", "8601 11 17947", "", "BANK_ACCOUNT"),
    ("account no-break spaces", "Konto ", f"8601{NBSP}11{NBSP}17947", "", "BANK_ACCOUNT"),
    ("account full-width dots", "Konto ", fullwidth("8601.11.17947"), "", "BANK_ACCOUNT"),
    ("account glued to letters", "konto", ACCOUNT, "", "BANK_ACCOUNT"),
    ("account wrapped", "Konto ", "8601.11.\n17947", ".", "BANK_ACCOUNT"),
    ("account en dashes", "Konto ", f"8601{EN}11{EN}17947", ".", "BANK_ACCOUNT"),
    # e-mail addresses
    ("e-mail full-width at", "Kontakt ", "kari\uff20firma.no", ".", "EMAIL"),
    ("e-mail small at", "Kontakt ", "kari\ufe6bfirma.no", ".", "EMAIL"),
    ("e-mail all full-width", "E-post ", fullwidth("kari@firma.no"), "", "EMAIL"),
    ("e-mail zero-width in name", "E-post ", f"kari.nord{ZWSP}mann@firma.no", ".", "EMAIL"),
    ("e-mail soft hyphen in domain", "E-post ", f"kari@fir{SHY}ma.no", ".", "EMAIL"),
    ("e-mail in single quotes", "Skriv til '", "kari.nordmann@example.no", "'.", "EMAIL"),
    ("e-mail word joiner at the at", "E-post ", f"kari{WJ}@{WJ}firma.no", ".", "EMAIL"),
    ("e-mail broken after the at", "E-post: ", "kari.nordmann@\nexample.no", ".", "EMAIL"),
    ("e-mail broken before the at", "E-post: ", "kari.nordmann\n@example.no", ".", "EMAIL"),
    ("e-mail broken after a dot", "E-post: ", "kari@example.\nno", ".", "EMAIL"),
    ("e-mail (at)", "Skriv til ", "kari (at) firma.no", ".", "EMAIL"),
    ("e-mail [at] [dot]", "Skriv til ", "kari[at]firma[dot]no", ".", "EMAIL"),
    ("e-mail {at}", "Skriv til ", "kari{at}firma.se", ".", "EMAIL"),
    ("e-mail <AT>", "Write to ", "kari <AT> firma.co.uk", ".", "EMAIL"),
    # phones: no check digits, but the same normalisation
    ("phone narrow no-break spaces", "Ring ", f"412{NNBSP}34{NNBSP}567", ".", "PHONE"),
    ("phone en dash", "Ring ", f"070{EN}123 45 67", ".", "PHONE"),
    ("phone full-width", "Ring ", fullwidth("412 34 567"), ".", "PHONE"),
    ("phone zero-width inside", "Ring ", f"412{ZWSP}34{ZWSP}567", ".", "PHONE"),
]


@pytest.mark.parametrize(
    ("before", "written", "after", "kind"),
    [row[1:] for row in CAUGHT],
    ids=[row[0] for row in CAUGHT],
)
def test_caught(before: str, written: str, after: str, kind: PersonalDataKind) -> None:
    text = before + written + after
    hits = find_personal_data(text)
    assert [(hit.kind, text[hit.start : hit.end]) for hit in hits] == [(kind, written)]
    (hit,) = hits
    visible = "".join(unicodedata.normalize("NFKC", written).split())
    assert hit.masked.endswith("…") and len(hit.masked) == 3
    assert visible not in describe(hits) + repr(hit) + hit.masked


def test_caught_table_is_big_and_covers_every_kind() -> None:
    assert len(CAUGHT) >= 40
    assert {row[4] for row in CAUGHT} == {
        NATIONAL_ID,
        PERSONNUMMER,
        "IBAN",
        "BANK_ACCOUNT",
        "EMAIL",
        "PHONE",
    }


def test_masked_value_is_what_a_reader_sees_never_the_number() -> None:
    text = f"fnr {fullwidth(FNR[:2])}{ZWSP}{FNR[2:]}"
    (hit,) = find_personal_data(text)
    assert hit.masked == "15…"
    assert FNR not in repr(hit)


# --- not caught: near misses, and what reads as something else -------------------------

NOT_CAUGHT: list[tuple[str, str]] = [
    ("fnr wrong second check digit", "fnr 15076500566"),
    ("fnr wrong first check digit", "fnr 15076500575"),
    ("fnr wrong check digit behind zero-width", f"fnr 150765{ZWSP}00566"),
    ("fnr wrong check digit full-width", "fnr " + fullwidth("15076500566")),
    ("D-number wrong check digit", "D-nummer 41076500028"),
    ("date then another number", "Levert 15.07.65 00565 stk"),
    ("date at a line end, number on the next", "Levert 15.07.65\n00565 stk"),
    ("marks mixed", "Ref 15-07-65/00565"),
    ("split where nobody splits it", "Ref 150 765 00565"),
    ("paragraph break between the parts", "fnr 150765\n\n00565"),
    ("glued to a longer number by a hyphen", "Saksnr. 2024-15076500565"),
    ("glued to a longer number by a dot", "Versjon 3.15076500565"),
    ("decimals", "Faktor 0,15076500565"),
    ("spreadsheet amount with currency", f"NOK 15{NBSP}076{NBSP}500{NBSP}565"),
    ("grouped amount that goes on", "Omsetning 1 150 765 005 650"),
    ("superscript digits are not digits", "Fotnote ¹⁵⁰⁷⁶⁵⁰⁰⁵⁶⁵"),
    (
        "inside a long hex id",
        "sha256 3f7a15076500565c9e0d1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e",
    ),
    ("pnr wrong check digit", "Personnummer 811218-9875"),
    ("pnr impossible date", "Personnummer 811318-" + "987" + luhn_check_digit("811318987")),
    ("samordningsnummer wrong check digit", "Samordningsnummer 900165-1233"),
    ("pnr with a space reads as a compact date and a number", "Leverans 811218 9876"),
    ("ISO date then four digits", "Intervju 2025-07-15 1005"),
    ("century not 18-20", "Lot 21811218-9876"),
    ("IBAN wrong check", "Konto no94 8601 1117 947"),
    ("IBAN one digit too many", "Konto NO93 8601 1117 9471"),
    ("IBAN unknown country", "Konto QQ93 8601 1117 947"),
    ("lower-case IBAN glued to a word", "kontono9386011117947"),
    ("account wrong check digit", "Kontonummer 8601.11.17948"),
    ("account split where nobody splits it", "Kontonummer 86.01.11.17947"),
    ("bare at", "kari at firma.no"),
    ("no top-level domain", "kari@firma"),
    ("(at) without a domain", "Møtet (at) kl. 10"),
    ("handle", "Følg @revisjon på nett"),
    ("order number labelled", "Ordrenr. 41234567 ble levert"),
    ("purchase order labelled", "PO#23456789"),
    ("invoice labelled", "Faktura 412 34 567"),
]


@pytest.mark.parametrize("text", [row[1] for row in NOT_CAUGHT], ids=[row[0] for row in NOT_CAUGHT])
def test_not_caught(text: str) -> None:
    assert [(hit.kind, text[hit.start : hit.end]) for hit in find_personal_data(text)] == []


# Every number with valid fødselsnummer check digits is also a valid account number
# (the second check digit uses the account weights): on an impossible date it is
# reported as an account. A plus in front makes a phone number.
NOT_AN_IDENTITY_NUMBER: list[tuple[str, str, list[str]]] = [
    (
        "fnr impossible date, valid check digits",
        "fnr " + str(with_fnr_check_digits("310265001")),
        ["BANK_ACCOUNT"],
    ),
    (
        "fnr month 13, valid check digits",
        "fnr " + str(with_fnr_check_digits("151365003")),
        ["BANK_ACCOUNT"],
    ),
    ("a phone's country code", "+15076500565", ["PHONE"]),
    ("a phone's country code and a space", "+1 5076500565", ["PHONE"]),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [row[1:] for row in NOT_AN_IDENTITY_NUMBER],
    ids=[row[0] for row in NOT_AN_IDENTITY_NUMBER],
)
def test_not_an_identity_number(text: str, expected: list[str]) -> None:
    assert [hit.kind for hit in find_personal_data(text)] == expected


# --- ordinary report text: no hits at all ----------------------------------------------

CORPUS = [
    # Norwegian
    "Revisjonen ble gjennomført 15.07.2025 ved fabrikken i Sialkot, Pakistan.",
    "Kontraktsverdi NOK\u00a01\u00a0234\u00a0567,50 eks. mva., jf. rammeavtale 2023/0456.",
    "Leverandøren (org.nr. 974 760 673) leverte 1 250 000 hansker i perioden 2024\u20132025.",
    "Org.nr. 923609016 MVA er registrert i Enhetsregisteret.",
    "Ordre 4500123456 av 12.03.2025 gjelder 12\u2009345 stk nitrilhansker.",
    "Ordrenr. 41234567 og bestillingsnr. 23456789 er kontrollert mot pakkseddel.",
    "Faktura 2025-00815 på NOK 193 250,00 forfalt 30.09.2025.",
    "Timelønn NOK 193,50 og overtidstillegg 40 % ble betalt for uke 12\u201313.",
    "Arbeidstiden var 08:00\u201316:00, med 30 minutters pause kl. 12.00.",
    "Kravene i ILO C29, C105, C138 og C182 samt SA8000:2014 ble gjennomgått.",
    "Fabrikken er sertifisert etter ISO 45001:2018 og ISO 14001:2015.",
    "Avvik 3.2.1 og 4.1.5 i revisjonsrapport RR-2025-017 er lukket.",
    "Besøksadresse: Storgata 12, 0155 Oslo. Postadresse: Postboks 4, 0101 Oslo.",
    "Stikkprøven omfattet 25 av 1 240 ansatte (2,0 %) fordelt på tre skift.",
    "Lønnslister for 2024-01 til 2024-06 ble sammenlignet med timelister.",
    "Levert 15.07.25 00471 kartonger á 144 par, jf. følgeseddel.",
    "Sak 25/01234-7 ble avsluttet 01.10.2025 etter korrigerende tiltak.",
    "Dokumentet har id 0192f4c1-7b3e-7cc2-8a41-5c2e9f0d1a2b i arkivet.",
    "Vedlegg 2 har sjekksum 3f7a15076500565c9e0d1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e.",
    "Samlet verdi i 2024 var NOK 15 076 500 565 for hele kategorien.",
    "Avtalen løper fra 1. januar 2025 til 31. desember 2027 med opsjon 1+1 år.",
    "Temperaturen i lageret målt til 31,5 °C; grenseverdi 28 °C.",
    # Swedish
    "Uppföljningen genomfördes vecka 11 hos leverantören i Kuala Lumpur.",
    "Leverans 2025-03-12 omfattade 4 800 par handskar à 12,40 kr.",
    "Leverantören har organisationsnummer 556036-0793.",
    "Avtalsnummer 23/0456 och diarienummer RS 2024-0123 gäller.",
    "Beställningsnr 4501123456 levererades den 12 mars 2025.",
    "Region Stockholm, Drottninggatan 45, 111 21 Stockholm.",
    "Arbetstiden översteg 60 timmar under veckorna 32\u201335.",
    "Ersättningen höjdes med 3,5 % från 1 april 2025 (SEK 28 500 per månad).",
    "Intervjuerna hölls 2025-07-15 1005\u20131200 i personalmatsalen.",
    "Produkten uppfyller EN ISO 374-1:2016 och EN 455-2:2015.",
    "Momsregistreringsnummer SE556036079301 anges på fakturan.",
    "Av 312 anställda var 41 inhyrda via bemanningsföretag.",
    # English
    "The audit took place on 15 July 2025 at the Suzhou plant, No. 88 Huaxia Road, 215000.",
    "The factory employs 1,240 workers on three shifts; 58% are women.",
    "Corrective action plan CAP-2025-044 is due 30 September 2025.",
    "Invoice INV-10023-2025 for USD 1,250,000.00 was paid on 2025-08-01.",
    "Wage records for January-June 2024 were sampled (n = 25).",
    "Overtime exceeded the 60-hour limit in weeks 32-35 (ETI Base Code 6.1).",
    "Purchase order PO 4500123456, line 10, quantity 12,000 boxes of 100.",
    "The supplier holds amfori BSCI rating B (audit 2024-11-05, valid to 2026-11-04).",
    "Plot 7, Sector 18, Gurugram 122015, Haryana, India.",
    "Batch 20250715 was produced on line 3 between 06:00 and 14:00.",
    "Order number 41234567 was shipped in container MSKU 1234565.",
    "The dormitory housed 240 workers in 30 rooms (8 per room, 3.2 m² each).",
    "Coordinates 59.9139, 10.7522 were recorded for the warehouse.",
    "Report version 2.14.3, page 12 of 48, printed 2025-10-01 14:32.",
]


@pytest.mark.parametrize("sentence", CORPUS)
def test_ordinary_report_text_has_no_hits(sentence: str) -> None:
    assert [(h.kind, sentence[h.start : h.end]) for h in find_personal_data(sentence)] == []


@pytest.mark.parametrize("separator", ["\n", " ", "\n\n", "\r\n"])
def test_ordinary_report_text_has_no_hits_as_one_document(separator: str) -> None:
    text = separator.join(CORPUS)
    assert [(h.kind, text[h.start : h.end]) for h in find_personal_data(text)] == []


def test_corpus_is_big_enough() -> None:
    assert len(CORPUS) >= 40


# --- properties ------------------------------------------------------------------------

INVISIBLES = [ZWSP, ZWNJ, ZWJ, WJ, BOM, SHY, LRM, RLM, LRI, PDI, "\u180e", "\ufe0f", "\u034f"]
births = st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2019, 12, 31))


@st.composite
def numbers(draw: st.DrawFn) -> tuple[str, PersonalDataKind, frozenset[int], list[str]]:
    """A valid number, its kind, where it may be split and with which marks."""
    birth = draw(births)
    choice = draw(st.sampled_from(["fnr", "d", "pnr10", "pnr12", "account"]))
    if choice in ("fnr", "d"):
        number = fnr(birth, draw(st.integers(0, 999)), d_number=choice == "d")
        assume(number is not None)
        assert number is not None
        return number, NATIONAL_ID, frozenset({2, 4, 6}), [" ", ".", "/", "-", EN, NBSP, THIN]
    if choice == "account":
        number = with_account_check_digit(f"{draw(st.integers(0, 10**10 - 1)):010}")
        assume(number is not None and find_personal_data(number)[0].kind == "BANK_ACCOUNT")
        assert number is not None
        return number, "BANK_ACCOUNT", frozenset({4, 6}), [" ", ".", NBSP, "-"]
    coordination = draw(st.booleans())
    serial = draw(st.integers(0, 999))
    if choice == "pnr10":
        written = personnummer(birth, serial, coordination=coordination, style="YYMMDDNNNN")
        return written, PERSONNUMMER, frozenset({6}), ["-", "+", EN, MINUS]
    written = personnummer(birth, serial, coordination=coordination, style="YYYYMMDDNNNN")
    return written, PERSONNUMMER, frozenset({8}), ["-", EN, NB_HYPHEN]


@settings(max_examples=250, deadline=None)
@given(
    number=numbers(),
    data=st.data(),
    before=st.sampled_from(["", " ", "fnr ", "ID:", "x", "(", "\n"]),
    after=st.sampled_from(["", " ", ".", "abc", ")", "\n"]),
)
def test_separators_and_invisible_characters_never_hide_a_number(
    number: tuple[str, PersonalDataKind, frozenset[int], list[str]],
    data: st.DataObject,
    before: str,
    after: str,
) -> None:
    """Split where people split it, with one mark throughout, the line maybe wrapped
    after one of those marks or forced anywhere else; invisible characters
    anywhere; full-width or not: still found, as the same kind."""
    digits, kind, splits, marks = number
    mark = data.draw(st.sampled_from(marks))
    used = data.draw(st.sets(st.sampled_from(sorted(splits))))
    elsewhere = [index for index in range(1, len(digits)) if index not in splits]
    wrap = data.draw(st.one_of(st.none(), st.sampled_from(sorted(used | set(elsewhere)))))
    line_break = data.draw(st.sampled_from(["\n", "\r\n"] if wrap in used else ["\n", "-\n"]))
    hidden: dict[int, str] = {}
    for index, char in data.draw(
        st.lists(st.tuples(st.integers(0, len(digits) - 2), st.sampled_from(INVISIBLES)))
    ):
        hidden[index] = hidden.get(index, "") + char
    pieces: list[str] = []
    for index, digit in enumerate(digits):
        pieces.append(mark if index in used else "")
        pieces.append(line_break if index == wrap else "")
        pieces.append(digit)
        pieces.append(hidden.get(index, ""))
    if data.draw(st.booleans()):
        pieces = [fullwidth(piece) for piece in pieces]
    written = "".join(pieces)
    text = before + written + after
    hits = find_personal_data(text)
    assert (kind, len(before), len(before) + len(written)) in [
        (hit.kind, hit.start, hit.end) for hit in hits
    ], [(hit.kind, text[hit.start : hit.end]) for hit in hits]


@settings(max_examples=200, deadline=None)
@given(
    address=st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,8})?@[a-z]{2,8}\.(no|se|com|org)", fullmatch=True),
    invisible=st.lists(st.tuples(st.integers(0, 40), st.sampled_from(INVISIBLES)), max_size=4),
    full=st.booleans(),
)
def test_invisible_characters_never_hide_an_address(
    address: str, invisible: list[tuple[int, str]], full: bool
) -> None:
    written = address
    for position, char in invisible:
        cut = min(position, len(written) - 1)
        written = written[:cut] + char + written[cut:]
    if full:
        written = fullwidth(written)
    text = f"Kontakt {written} i dag."
    assert [hit.kind for hit in find_personal_data(text)] == ["EMAIL"]


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2049, 12, 31)),
    number=st.integers(0, 99999),
    mark=st.sampled_from([".", "/", "-"]),
    gap=st.sampled_from([" ", "\n", NBSP, THIN, "\t", ", "]),
)
def test_a_date_followed_by_a_number_is_never_an_identity_number(
    day: dt.date, number: int, mark: str, gap: str
) -> None:
    for written in (
        day.strftime(f"%d{mark}%m{mark}%y") + gap + f"{number:05}",
        day.strftime(f"%Y{mark}%m{mark}%d") + gap + f"{number % 10000:04}",
        day.strftime(f"%d{mark}%m{mark}%Y") + gap + f"{number:05}",
    ):
        kinds = [hit.kind for hit in find_personal_data(f"Levert {written} stk")]
        assert NATIONAL_ID not in kinds and PERSONNUMMER not in kinds, written


@settings(max_examples=300, deadline=None)
@given(
    amount=st.integers(10**9, 10**12 - 1),
    currency=st.sampled_from(["NOK ", "SEK ", "kr ", "€ ", "USD "]),
    space=st.sampled_from([" ", NBSP, THIN, NNBSP, "."]),
    cents=st.sampled_from(["", ",00", ",50"]),
)
def test_a_grouped_amount_with_its_currency_is_never_personal_data(
    amount: int, currency: str, space: str, cents: str
) -> None:
    grouped = f"{amount:,}".replace(",", space)
    for text in (f"Verdi {currency}{grouped}{cents}.", f"Verdi {grouped}{cents} {currency}i alt."):
        assert find_personal_data(text) == [], text


def test_random_uuids_and_digests_are_never_personal_data() -> None:
    rng = random.Random(20251201)
    for _ in range(3000):
        ids = [
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            f"{rng.getrandbits(256):064x}",
            # UUIDv7: 48-bit milliseconds, version 7, variant 10
            str(uuid.UUID(int=(rng.getrandbits(48) << 80) | (0x7 << 76) | rng.getrandbits(76))),
        ]
        for identifier in ids:
            text = f"Dokument {identifier} arkivert."
            assert find_personal_data(text) == [], identifier
            assert find_personal_data(identifier.upper()) == [], identifier


def test_uuid_whose_first_groups_read_as_a_personnummer_is_still_an_id() -> None:
    text = "Objekt 19811218-9876-4abc-9def-0123456789ab"
    assert find_personal_data(text) == []


def test_iban_from_make_iban_lower_case_and_grouped() -> None:
    iban = make_iban("FI", "12345600000785")
    grouped = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)).lower()
    assert [hit.kind for hit in find_personal_data(f"Tilisiirto {grouped}.")] == ["IBAN"]
