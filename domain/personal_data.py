"""Finding workers' personal data in text, so that shared audit reports carry none.

Reports shared between Norwegian and Swedish public bodies must not identify the
workers interviewed. This module flags the identifiers that most often slip into
report text: national identity numbers, e-mail addresses, phone numbers and bank
accounts. It reports *where* they are and *what kind* they are, never the text
itself, so callers can build error messages without echoing personal data.

Trade-offs, chosen so that the check is strict without crying wolf:

* Identity numbers, IBANs and account numbers count only with valid check digits
  and (for identity numbers) a valid date, so most random numbers of the right
  length are not flagged. Norwegian synthetic test numbers (month + 80) and
  H-numbers (month + 40) are flagged like real ones; FH-numbers and the relaxed
  check digit planned for Norwegian numbers issued from 2032 are not recognised.
* Numbers glued to other digits (``12-01020312345``, ``3.14``) are treated as part
  of a bigger number and ignored.
* A Norwegian phone number is 8 digits starting 2-9, written plain or grouped
  2-2-2-2, 3-2-3 or 4-4 with spaces; amounts are grouped in threes
  (``12 345 678``), so they do not match, and a 9-digit organisation number never
  does. Plain 8-digit runs that read as dates (``20261121``, ``21112026``) and
  numbers next to a currency or ``%`` are not phones. Any other plain 8-digit
  number starting 2-9 (an order number, say) *is* flagged: a false alarm the
  user can fix is cheaper than a leaked phone number.
* A Swedish phone number starts with 0 and has 8-10 digits; an international one
  starts with ``+`` (or ``0047``/``0046``) and has 7-15 digits, so a signed amount
  like ``+1 250 000`` without a currency reads as a phone number. A grouped number
  inside a longer run of digit groups (``21 22 23 24 25``) is not a phone.
* A plain 10-digit Swedish mobile number that happens to be a valid personnummer
  is reported as one; either way it is flagged.
* Swedish bankgiro numbers (7-8 digits, Luhn) are so short that one in ten year
  ranges like ``2019-2023`` would pass, so they count only right after the word
  "bankgiro" or "BG". Swedish clearing/account numbers are not recognised.
* IBANs must have an upper-case country code and be written compact or in groups
  of four.
* Not detected at all: names, addresses, e-mail addresses written as
  ``ola [at] firma.no``, and digits other than ASCII 0-9.
* Where hits overlap, the most specific kind wins (identity number, then IBAN,
  e-mail, bank account, phone), then the longest. An 11-digit number that is both
  a valid fødselsnummer and a valid account number is reported as the former.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

PersonalDataKind: TypeAlias = Literal[
    "NORWEGIAN_NATIONAL_ID",
    "SWEDISH_PERSONAL_IDENTITY_NUMBER",
    "EMAIL",
    "PHONE",
    "BANK_ACCOUNT",
    "IBAN",
]


@dataclass(frozen=True, slots=True)
class PersonalDataHit:
    """One piece of personal data: its kind and where it is, never its text."""

    kind: PersonalDataKind
    start: int
    end: int
    prefix: str = field(default="", repr=False, compare=False)

    @property
    def masked(self) -> str:
        """Enough to find the hit in the document, too little to identify anyone."""
        return f"{self.prefix}…"


_Candidate: TypeAlias = tuple[PersonalDataKind, int, int]
_Scanner: TypeAlias = Callable[[str], Iterator[_Candidate]]

# How specific (and sensitive) a kind is; the higher wins an overlap.
_RANK: dict[PersonalDataKind, int] = {
    "NORWEGIAN_NATIONAL_ID": 5,
    "SWEDISH_PERSONAL_IDENTITY_NUMBER": 5,
    "IBAN": 4,
    "EMAIL": 3,
    "BANK_ACCOUNT": 2,
    "PHONE": 1,
}

_PREFIX_LENGTH = 2

# A number stands alone: no letter or digit next to it, and not glued to another
# number by a dot, comma or hyphen.
_BEFORE = r"(?<![\w+])(?<![0-9][.,\-])"
_AFTER = r"(?!\w)(?![.,\-][0-9])"
# A grouped number is not the tail or head of a longer run of digit groups.
_RUN_BEFORE = r"(?<![0-9][ \u00a0])"
_RUN_AFTER = r"(?![ \u00a0][0-9])"
_SPACE = r"[ \u00a0]"


def find_personal_data(text: str) -> list[PersonalDataHit]:
    """Every piece of personal data in `text`, sorted by position, without overlaps."""
    candidates = {candidate for scan in _SCANNERS for candidate in scan(text)}
    kept: list[PersonalDataHit] = []
    for kind, start, end in sorted(candidates, key=lambda c: (-_RANK[c[0]], c[1] - c[2], c[1])):
        index = bisect_left(kept, start, key=lambda hit: hit.start)
        if index > 0 and kept[index - 1].end > start:
            continue
        if index < len(kept) and kept[index].start < end:
            continue
        kept.insert(index, PersonalDataHit(kind, start, end, text[start:end][:_PREFIX_LENGTH]))
    return kept


# Labels in the order describe() lists them: most sensitive first.
_LABELS: dict[PersonalDataKind, tuple[str, str]] = {
    "NORWEGIAN_NATIONAL_ID": (
        "a Norwegian national identity number (fødselsnummer or D-number)",
        "Norwegian national identity numbers (fødselsnummer or D-number)",
    ),
    "SWEDISH_PERSONAL_IDENTITY_NUMBER": (
        "a Swedish personal identity number (personnummer or samordningsnummer)",
        "Swedish personal identity numbers (personnummer or samordningsnummer)",
    ),
    "IBAN": ("an IBAN", "IBANs"),
    "BANK_ACCOUNT": ("a bank account number", "bank account numbers"),
    "EMAIL": ("an e-mail address", "e-mail addresses"),
    "PHONE": ("a phone number", "phone numbers"),
}


def describe(hits: Iterable[PersonalDataHit]) -> str:
    """A message for the uploader that names the kinds found but none of the data."""
    counts: dict[PersonalDataKind, int] = {}
    for hit in hits:
        counts[hit.kind] = counts.get(hit.kind, 0) + 1
    if not counts:
        return "contains no personal data"
    parts = [
        singular if counts[kind] == 1 else f"{counts[kind]} {plural}"
        for kind, (singular, plural) in _LABELS.items()
        if kind in counts
    ]
    listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    pronoun = "it" if sum(counts.values()) == 1 else "them"
    return f"contains {listed}; remove {pronoun} before sharing"


# --- check digits and dates -------------------------------------------------------


def _mod11_check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    """The Norwegian mod-11 check digit; None where no valid number can exist."""
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    check = (11 - remainder) % 11
    return None if check == 10 else check


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _is_two_digit_year_date(yy: int, month: int, day: int) -> bool:
    """Century unknown: 2000 + yy is a leap year whenever 19yy or 20yy can be."""
    return _is_date(2000 + yy, month, day)


_FNR_K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_FNR_K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_ACCOUNT_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _is_norwegian_national_id(digits: str) -> bool:
    """Fødselsnummer, D-number (day + 40), H-number (month + 40), synthetic (month + 80)."""
    k1 = _mod11_check_digit(digits[:9], _FNR_K1_WEIGHTS)
    if k1 is None or k1 != int(digits[9]):
        return False
    k2 = _mod11_check_digit(digits[:10], _FNR_K2_WEIGHTS)
    if k2 is None or k2 != int(digits[10]):
        return False
    day, month, yy = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    if day > 40:
        day -= 40
    if month > 80:
        month -= 80
    elif month > 40:
        month -= 40
    return _is_two_digit_year_date(yy, month, day)


def _is_swedish_personal_identity_number(century: str, digits: str) -> bool:
    """Personnummer or samordningsnummer (day + 60); Luhn over the 10-digit form."""
    if not _luhn_ok(digits):
        return False
    yy, month, day = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    if day > 60:
        day -= 60
    if century:
        return _is_date(int(century + digits[0:2]), month, day)
    return _is_two_digit_year_date(yy, month, day)


def _is_norwegian_account(digits: str) -> bool:
    return _mod11_check_digit(digits[:10], _ACCOUNT_WEIGHTS) == int(digits[10])


def _iban_ok(compact: str) -> bool:
    """ISO 13616: move the first four characters to the end, read letters as 10-35."""
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


# --- scanners -----------------------------------------------------------------------

_FNR_RE = re.compile(_BEFORE + r"(?P<date>[0-9]{6})[ \u00a0\-]?(?P<rest>[0-9]{5})" + _AFTER)


def _scan_norwegian_national_ids(text: str) -> Iterator[_Candidate]:
    for match in _FNR_RE.finditer(text):
        if _is_norwegian_national_id(match["date"] + match["rest"]):
            yield "NORWEGIAN_NATIONAL_ID", match.start(), match.end()


_PNR_RE = re.compile(
    _BEFORE
    + r"(?:(?P<century>1[89]|20)(?P<long>[0-9]{6})-?(?P<long_tail>[0-9]{4})"
    + r"|(?P<short>[0-9]{6})[-+]?(?P<short_tail>[0-9]{4}))"
    + _AFTER
)


def _scan_swedish_personal_identity_numbers(text: str) -> Iterator[_Candidate]:
    for match in _PNR_RE.finditer(text):
        if match["long"]:
            century, digits = match["century"], match["long"] + match["long_tail"]
        else:
            century, digits = "", match["short"] + match["short_tail"]
        if _is_swedish_personal_identity_number(century, digits):
            yield "SWEDISH_PERSONAL_IDENTITY_NUMBER", match.start(), match.end()


_EMAIL_RE = re.compile(r"(?<![\w.%+'\-])\w[\w.%+'\-]*@(?:[\w\-]+\.)+[^\W\d_]{2,}(?!\w)")


def _scan_emails(text: str) -> Iterator[_Candidate]:
    for match in _EMAIL_RE.finditer(text):
        yield "EMAIL", match.start(), match.end()


_IBAN_RE = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}"
    r"(?:[A-Z0-9]{11,30}|(?:[ \u00a0][A-Z0-9]{4}){2,7}(?:[ \u00a0][A-Z0-9]{1,4})?)"
    r"(?![A-Za-z0-9])"
)
_IBAN_MIN_LENGTH = 15  # Norway's, the shortest in use


def _scan_ibans(text: str) -> Iterator[_Candidate]:
    for match in _IBAN_RE.finditer(text):
        groups = match.group().replace("\u00a0", " ").split(" ")
        # A trailing upper-case word ("... 7466 SEK") may have been taken for a group.
        while len(compact := "".join(groups)) >= _IBAN_MIN_LENGTH:
            if _iban_ok(compact):
                length = len(" ".join(groups))
                yield "IBAN", match.start(), match.start() + length
                break
            groups.pop()


_ACCOUNT_RE = re.compile(
    _BEFORE + r"(?P<a>[0-9]{4})(?P<sep>[. \u00a0]?)(?P<b>[0-9]{2})(?P=sep)(?P<c>[0-9]{5})" + _AFTER
)
_BANKGIRO_RE = re.compile(
    r"(?i:\b(?:bankgiro(?:nummer|nr)?|bg(?:[ \-]?nr)?))[.:#]?[ \u00a0]{0,2}"
    r"(?P<number>[0-9]{3,4}-[0-9]{4})" + _AFTER
)


def _scan_bank_accounts(text: str) -> Iterator[_Candidate]:
    for match in _ACCOUNT_RE.finditer(text):
        if _is_norwegian_account(match["a"] + match["b"] + match["c"]):
            yield "BANK_ACCOUNT", match.start(), match.end()
    for match in _BANKGIRO_RE.finditer(text):
        if _luhn_ok(match["number"].replace("-", "")):
            yield "BANK_ACCOUNT", match.start("number"), match.end("number")


_NORWEGIAN_PHONE_RE = re.compile(
    _BEFORE
    + _RUN_BEFORE
    + rf"(?:[2-9][0-9](?:{_SPACE}[0-9]{{2}}){{3}}"
    + rf"|[2-9][0-9]{{2}}{_SPACE}[0-9]{{2}}{_SPACE}[0-9]{{3}}"
    + rf"|[2-9][0-9]{{3}}{_SPACE}[0-9]{{4}}"
    + r"|(?P<plain>[2-9][0-9]{7}))"
    + _AFTER
    + _RUN_AFTER
)
_SWEDISH_PHONE_RE = re.compile(
    _BEFORE
    + _RUN_BEFORE
    + rf"0[1-9][0-9]{{0,2}}(?:{_SPACE}?[\-/]{_SPACE}?|{_SPACE})?"
    + rf"(?:[0-9]{{5,8}}|[0-9]{{2,3}}(?:{_SPACE}[0-9]{{2,3}}){{1,3}})"
    + _AFTER
    + _RUN_AFTER
)
_INTERNATIONAL_PHONE_RE = re.compile(
    rf"(?<![\w+])(?:\+|00(?={_SPACE}?4[67])){_SPACE}?[1-9](?:[ \u00a0.\-/()]{{0,3}}[0-9]){{6,16}}"
    + _AFTER
)
_CURRENCY = r"(?:NOK|SEK|EUR|USD|DKK|GBP|kr|kroner|kronor|[€$£])"
_CURRENCY_BEFORE_RE = re.compile(rf"(?i:(?<!\w){_CURRENCY}\.?{_SPACE}*)$")
_AMOUNT_AFTER_RE = re.compile(rf"(?i:{_SPACE}*(?:{_CURRENCY}(?!\w)|%|,-))")


def _is_amount(text: str, start: int, end: int) -> bool:
    return bool(
        _CURRENCY_BEFORE_RE.search(text, max(0, start - 12), start)
        or _AMOUNT_AFTER_RE.match(text, end)
    )


def _reads_as_date(digits: str) -> bool:
    """YYYYMMDD or DDMMYYYY in the 1900s or 2000s."""
    as_iso = digits[:2] in ("19", "20") and _is_date(
        int(digits[:4]), int(digits[4:6]), int(digits[6:])
    )
    as_nordic = digits[4:6] in ("19", "20") and _is_date(
        int(digits[4:]), int(digits[2:4]), int(digits[:2])
    )
    return as_iso or as_nordic


def _scan_phones(text: str) -> Iterator[_Candidate]:
    for match in _NORWEGIAN_PHONE_RE.finditer(text):
        if match["plain"] and _reads_as_date(match["plain"]):
            continue
        if not _is_amount(text, match.start(), match.end()):
            yield "PHONE", match.start(), match.end()
    for match in _SWEDISH_PHONE_RE.finditer(text):
        digit_count = sum(char.isdigit() for char in match.group())
        if 8 <= digit_count <= 10 and not _is_amount(text, match.start(), match.end()):
            yield "PHONE", match.start(), match.end()
    for match in _INTERNATIONAL_PHONE_RE.finditer(text):
        number = match.group().replace("(0)", "")
        digit_count = sum(char.isdigit() for char in number)
        if number.startswith("00"):
            digit_count -= 2
        if 7 <= digit_count <= 15 and not _is_amount(text, match.start(), match.end()):
            yield "PHONE", match.start(), match.end()


_SCANNERS: tuple[_Scanner, ...] = (
    _scan_norwegian_national_ids,
    _scan_swedish_personal_identity_numbers,
    _scan_emails,
    _scan_ibans,
    _scan_bank_accounts,
    _scan_phones,
)
