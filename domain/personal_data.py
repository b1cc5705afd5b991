"""Finding workers' personal data in text, so that shared audit reports carry none.

Reports shared between Norwegian and Swedish public bodies must not identify the
workers interviewed. This module flags the identifiers that most often slip into
report text: national identity numbers, e-mail addresses, phone numbers and bank
accounts. It reports *where* they are and *what kind* they are, never the text
itself, so callers can build error messages without echoing personal data.

**What is read is what a reader sees.** Before matching, the text is normalised
the way an office program, a PDF reader or a browser would show it; hits still
point into the original text.

* Unicode NFKC, so full-width and other compatibility forms (full-width digits
  and at sign, mathematical digits) read as plain ones, and every decimal digit
  (Arabic-Indic, Devanagari, ...) reads as its ASCII digit. Superscripts,
  subscripts, circled numbers and fractions (category No) are kept as they are:
  a footnote mark ``¹`` after a number is not one more digit.
* Invisible characters are dropped: format characters (category Cf: zero-width
  space and joiners, soft hyphen, word joiner, BOM, bidi controls, ...), the
  other default-ignorable code points (variation selectors, Hangul fillers,
  combining grapheme joiner, ...), control characters other than tab and line
  breaks, and combining marks on a digit (a struck-through or keycap digit is
  still that digit).
* Every kind of space reads as a space, every line break (CR LF, CR, LS, PS, VT,
  FF, NEL) as one line break, every dash (hyphen, non-breaking hyphen, figure,
  en and em dash, minus, ...) as ``-``, division and fraction slashes as ``/``,
  and middle dots as ``.``.

**Numbers written with separators.** A number may be split into groups of
digits by a *join*: spaces (at most one line break and four characters in all)
around at most one mark ``.``, ``/``, ``-`` or ``+``. An identity or account
number counts only if its groups fit a layout people actually write:

* *typed*: split only where people split that kind of number, with one and the
  same mark throughout -- a fødselsnummer ``DD MM YY IIIKK`` after the day, the
  month and the year (space, ``.``, ``/`` or ``-``: ``150765 00565``,
  ``15.07.65.00565``, ``15/07/65/00565``); a Norwegian account ``AAAA.BB.CCCCC``
  (space, ``.`` or ``-``); a Swedish personnummer ``YYMMDD-NNNN`` or
  ``YYMMDD+NNNN``, or ``YYYYMMDD-NNNN`` (``-`` or ``+`` only: a Swedish compact
  date followed by a four-digit number, ``240115 1200``, is too common);
* *grouped*: in threes from the right with spaces or dots, as a spreadsheet shows
  a number (``15 076 500 565``), unless a currency or ``%`` stands next to it or
  the groups go on beyond it;
* a line break may also fall anywhere inside a number, bare or after a ``-``: a
  line wrapped there. At a splitting place it stands for the space the writer
  typed.

So mixing marks does not join: ``15.07.65 00565`` reads as a date followed by
another number, and so does ``2024-10-15 1234`` or ``15.07.65`` at the end of a
line with a number on the next. A number glued to another number by a mark or a
decimal comma (``12-01020312345``, ``3,14159265358``), or following a ``+`` (a
phone's country code), is part of something else and ignored. A number glued to
letters still counts (``fnr15076500565abc``, ``ID:15076500565``), except inside a
UUID or a run of 24 or more hex digits, which are ids, not people.

Trade-offs, chosen so that the check is strict without crying wolf:

* Identity numbers, IBANs and account numbers count only with valid check digits
  and (for identity numbers) a valid date, so most random numbers of the right
  length are not flagged. Norwegian D-numbers (day + 40), synthetic test numbers
  (month + 80) and H-numbers (month + 40), and Swedish samordningsnummer (day +
  60) are flagged like the numbers they stand for; FH-numbers and the relaxed
  check digit planned for Norwegian numbers issued from 2032 are not recognised.
  A fødselsnummer with a leading zero that a spreadsheet dropped is not one. The
  second fødselsnummer check digit uses the account-number weights, so eleven
  digits with valid fødselsnummer check digits on an impossible date are reported
  as a bank account.
* Check digits leave a residue: one in ten compact timestamps ``YYYYMMDDhhmm``
  (``scan_202507151030.pdf``) passes as a personnummer, as does one in ten
  ``YYMMDDNNNN`` order numbers that start with a valid date; about one in 120
  eleven-digit numbers that start with a valid date passes as a fødselsnummer.
* A Norwegian phone number is 8 digits starting 2-9, written plain or grouped
  2-2-2-2, 3-2-3 or 4-4 with spaces; amounts are grouped in threes
  (``12 345 678``), so they do not match, and a 9-digit organisation number never
  does. Plain 8-digit runs that read as dates (``20261121``, ``21112026``),
  numbers next to a currency or ``%`` and numbers right after an order, invoice,
  case, article or similar label (``ordrenr. 41234567``, ``PO#41234567``) are not
  phones. Any other plain 8-digit number starting 2-9 *is* flagged: a false alarm
  the user can fix is cheaper than a leaked phone number. Phone numbers have no
  check digits, so they must stand apart from letters, and one broken across a
  line is caught only where a part still reads as a phone number.
* A Swedish phone number starts with 0 and has 8-10 digits; an international one
  starts with ``+`` (or ``0047``/``0046``) and has 7-15 digits, so a signed amount
  like ``+1 250 000`` without a currency reads as a phone number. A grouped number
  inside a longer run of digit groups (``21 22 23 24 25``) is not a phone.
* A plain 10-digit Swedish mobile number that happens to be a valid personnummer
  is reported as one; either way it is flagged.
* Swedish bankgiro numbers (7-8 digits, Luhn) are so short that one in ten year
  ranges like ``2019-2023`` would pass, so they count only right after the word
  "bankgiro" or "BG". Swedish clearing/account numbers are not recognised.
* An IBAN is read in any case, written compact or in groups of four (a line
  break may stand for a space), and must have its country's length from the
  IBAN registry and pass mod 97. A lower-case one must not be glued to letters
  before it; none may run on into more letters or digits.
* An e-mail address is also caught where a reader still sees one: with a
  full-width or small at sign (U+FF20, U+FE6B, folded by NFKC), broken across a
  line at the ``@`` or after a dot, or written ``kari (at) firma.no`` or
  ``kari[at]firma[dot]no`` (round, square, curly or angle brackets). A bare
  ``kari at firma.no`` is not: ``at`` is an ordinary word in English and Swedish.
* Not detected at all: names and postal addresses.
* Where hits overlap, the most specific kind wins (identity number, then IBAN,
  e-mail, bank account, phone), then the longest. An 11-digit number that is both
  a valid fødselsnummer and a valid account number is reported as the former.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from operator import mul
from typing import Literal, TypeAlias

from domain.errors import PersonalDataDetected

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


def find_personal_data(text: str) -> list[PersonalDataHit]:
    """Every piece of personal data in `text`, sorted by position, without overlaps.

    Offsets point into `text` as given; the masked prefix is taken from what a
    reader sees (without invisible characters, full-width digits folded)."""
    seen = _normalise(text)
    kept: list[_Candidate] = []
    for candidate in sorted(_candidates(seen.text), key=_precedence):
        _, start, end = candidate
        index = bisect_left(kept, start, key=lambda kept_one: kept_one[1])
        if index > 0 and kept[index - 1][2] > start:
            continue
        if index < len(kept) and kept[index][1] < end:
            continue
        kept.insert(index, candidate)
    return [_hit(seen, candidate) for candidate in kept]


def _candidates(text: str) -> set[_Candidate]:
    return {candidate for scan in _SCANNERS for candidate in scan(text)}


def _precedence(candidate: _Candidate) -> tuple[int, int, int]:
    kind, start, end = candidate
    return -_RANK[kind], start - end, start


def _hit(seen: _Normalised, candidate: _Candidate) -> PersonalDataHit:
    kind, start, end = candidate
    original_start, original_end = seen.original_span(start, end)
    prefix = "".join(seen.text[start:end].split())[:_PREFIX_LENGTH]
    return PersonalDataHit(kind, original_start, original_end, prefix)


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


def counted(hits: Iterable[PersonalDataHit]) -> dict[PersonalDataKind, int]:
    """How many hits of each kind, in the order `describe` names them."""
    counts = Counter(hit.kind for hit in hits)
    return {kind: counts[kind] for kind in _LABELS if kind in counts}


def refusal(field: str, hits: Iterable[PersonalDataHit]) -> PersonalDataDetected:
    """Refuse the text of `field` that holds `hits`: the message names the kinds,
    `found` counts them (clients read it as `extensions.personalData`)."""
    counts = counted(hits)
    found: dict[str, int] = {kind: count for kind, count in counts.items()}
    return PersonalDataDetected(f"{field} {_described(counts)}", field=field, found=found)


def describe(hits: Iterable[PersonalDataHit]) -> str:
    """A message for the uploader that names the kinds found but none of the data."""
    return _described(counted(hits))


def _described(counts: Mapping[PersonalDataKind, int]) -> str:
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


# --- what a reader sees ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Piece:
    """A stretch of the original text and what it reads as in the normalised one."""

    seen_start: int
    original_start: int
    original_end: int
    verbatim: bool  # copied character for character, so offsets map one to one


@dataclass(frozen=True, slots=True)
class _Normalised:
    """The text as a reader sees it, and the way back to the original offsets."""

    text: str
    pieces: tuple[_Piece, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original stretch that reads as `self.text[start:end]` (end > start)."""
        first = self._piece_at(start)
        last = self._piece_at(end - 1)
        original_start = first.original_start
        if first.verbatim:
            original_start += start - first.seen_start
        original_end = last.original_end
        if last.verbatim:
            original_end = last.original_start + end - last.seen_start
        return original_start, original_end

    def _piece_at(self, position: int) -> _Piece:
        index = bisect_right(self.pieces, position, key=lambda piece: piece.seen_start)
        return self.pieces[index - 1]


# Default-ignorable code points outside category Cf (DerivedCoreProperties.txt):
# rendered as nothing, so they must not split a number or an address.
_IGNORABLE_RANGES = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong and jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors and vowel separator
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # half-width Hangul filler
    (0xFFF0, 0xFFF8),  # unassigned specials
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol format controls
    (0xE0000, 0xE0FFF),  # tags and variation selectors supplement
)
_LINE_BREAKS = frozenset("\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_FOLDS = {
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2e3a\u2e3b\ufe58", "-"),
    **dict.fromkeys("\u2044\u2215", "/"),
    **dict.fromkeys("\u00b7\u2027\u2219", "."),
}
_DIGITS = frozenset("0123456789")
# Anything that is not printable ASCII, tab or line feed needs a closer look.
_SPECIAL_RE = re.compile(r"[^\t\n\x20-\x7e]+")


def _normalise(text: str) -> _Normalised:
    """NFKC, invisible characters dropped, spaces, breaks, dashes and digits folded."""
    parts: list[str] = []
    pieces: list[_Piece] = []
    seen_length = 0

    def take(seen: str, start: int, end: int, *, verbatim: bool) -> None:
        nonlocal seen_length
        if seen:
            pieces.append(_Piece(seen_length, start, end, verbatim))
            parts.append(seen)
            seen_length += len(seen)

    copied_to = 0  # text[copied_to:] is not taken yet; unchanged stretches are copied whole
    for start, end in _special_clusters(text):
        if text[start] == "\r" and text[end : end + 1] == "\n":
            seen = ""  # CR LF is one line break
        else:
            seen = _read_cluster(text[start:end])
        if seen != text[start:end]:
            take(text[copied_to:start], copied_to, start, verbatim=True)
            take(seen, start, end, verbatim=False)
            copied_to = end
    take(text[copied_to:], copied_to, len(text), verbatim=True)
    return _Normalised("".join(parts), tuple(pieces))


def _special_clusters(text: str) -> Iterator[tuple[int, int]]:
    """Each character other than printable ASCII, tab and line feed, with the
    combining marks that follow it (and the printable character they sit on)."""
    for run in _SPECIAL_RE.finditer(text):
        start, end = run.span()
        if start > 0 and _is_mark(text[start]):
            start -= 1  # the mark belongs with the printable character before it
        cluster_start = start
        for index in range(start + 1, end):
            if not _is_mark(text[index]):
                yield cluster_start, index
                cluster_start = index
        yield cluster_start, end


def _is_mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")


@lru_cache(maxsize=4096)
def _read_cluster(cluster: str) -> str:
    """What a character with its combining marks reads as."""
    base = cluster[0]
    if base in _LINE_BREAKS:
        return "\n"
    if unicodedata.category(base) == "No":  # ¹ ½ ①: not a digit to a reader
        return "".join(char for char in cluster if not _is_invisible(char))
    seen = "".join(_fold(char) for char in unicodedata.normalize("NFKC", cluster))
    if seen[:1] in _DIGITS:  # a struck-through or keycap digit is still that digit
        return seen[0] + "".join(char for char in seen[1:] if not _is_mark(char))
    return seen


def _fold(char: str) -> str:
    if _is_invisible(char):
        return ""
    if char in _FOLDS:
        return _FOLDS[char]
    category = unicodedata.category(char)
    if category == "Zs":
        return " "
    if category in ("Zl", "Zp"):
        return "\n"
    if category == "Nd":
        return str(unicodedata.decimal(char))
    return char


def _is_invisible(char: str) -> bool:
    if char in "\t\n":
        return False
    if unicodedata.category(char) in ("Cf", "Cc"):
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _IGNORABLE_RANGES)


# --- check digits and dates -------------------------------------------------------


def _mod11_check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    """The Norwegian mod-11 check digit; None where no valid number can exist."""
    remainder = sum(map(mul, map(int, digits), weights)) % 11
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


def _is_short_personnummer(digits: str) -> bool:
    return _is_swedish_personal_identity_number("", digits)


def _is_long_personnummer(digits: str) -> bool:
    century = digits[:2]
    return century in ("18", "19", "20") and _is_swedish_personal_identity_number(
        century, digits[2:]
    )


def _is_norwegian_account(digits: str) -> bool:
    return _mod11_check_digit(digits[:10], _ACCOUNT_WEIGHTS) == int(digits[10])


def _iban_ok(compact: str) -> bool:
    """ISO 13616: move the first four characters to the end, read letters as 10-35."""
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


# --- identity and account numbers, however they are split --------------------------


@dataclass(frozen=True, slots=True)
class _Join:
    """What stands between two groups of digits of one number."""

    mark: str  # ".", "/", "-", "+", or "" for spaces and line breaks only
    wraps: bool  # holds a line break


@dataclass(frozen=True, slots=True)
class _Chunk:
    """Groups of digits, each joined to the next: joins[i] follows groups[i]."""

    groups: tuple[tuple[int, int], ...]
    joins: tuple[_Join, ...]


@dataclass(frozen=True, slots=True)
class _Shape:
    """How one kind of number is written: its length, where people split it and
    with what, and its check."""

    kind: PersonalDataKind
    length: int
    splits: frozenset[int]
    marks: frozenset[str]
    valid: Callable[[str], bool]


_SHAPES = (
    _Shape(
        "NORWEGIAN_NATIONAL_ID",
        11,
        frozenset({2, 4, 6}),
        frozenset({"", ".", "/", "-"}),
        _is_norwegian_national_id,
    ),
    _Shape("BANK_ACCOUNT", 11, frozenset({4, 6}), frozenset({"", ".", "-"}), _is_norwegian_account),
    _Shape(
        "SWEDISH_PERSONAL_IDENTITY_NUMBER",
        10,
        frozenset({6}),
        frozenset({"-", "+"}),
        _is_short_personnummer,
    ),
    _Shape(
        "SWEDISH_PERSONAL_IDENTITY_NUMBER",
        12,
        frozenset({8}),
        frozenset({"-"}),
        _is_long_personnummer,
    ),
)
_MIN_LENGTH = min(shape.length for shape in _SHAPES)
_MAX_LENGTH = max(shape.length for shape in _SHAPES)
_SHAPES_BY_LENGTH = {
    length: tuple(shape for shape in _SHAPES if shape.length == length)
    for length in range(_MIN_LENGTH, _MAX_LENGTH + 1)
}
# Most joins without a line break a layout can hold: one at every split (threes
# from the right: at most three). A line break may come on top.
_MAX_SPLITS = max(3, *(len(shape.splits) for shape in _SHAPES))
_GROUPING_MARKS = frozenset({"", "."})  # how a spreadsheet groups thousands
_JOIN_MARKS = frozenset({"", ".", "/", "-", "+"})
_MAX_JOIN_LENGTH = 4
_WRAP_MARKS = frozenset({"", "-"})  # a line wrapped inside a number, maybe hyphenated

_Layout: TypeAlias = Literal["typed", "grouped"]
_Placed: TypeAlias = tuple[tuple[int, _Join], ...]  # each join with the digit count before it

# A group of digits and what follows it up to the next group.
_GROUP_RE = re.compile(r"(?P<digits>[0-9]+)(?P<gap>[ \n./+\-]*)")
# A first cut at _chunks: digits with anything between them that might be a join,
# at least as long as the shortest number.
_CHUNK_RE = re.compile(
    rf"(?<![0-9])(?=[0-9][0-9 \n./+\-]{{{_MIN_LENGTH - 1}}})"
    rf"[0-9]+(?:[ \n./+\-]{{1,{_MAX_JOIN_LENGTH}}}[0-9]+)*"
)
# UUIDs and long hex strings (hashes, object ids) are ids, whatever digits they hold.
_OPAQUE_ID_RE = re.compile(
    r"(?i:[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}"
    r"|(?<![0-9a-z])[0-9a-f]{24,}(?![0-9a-z]))"
)
_OPAQUE_REACH = 64


def _scan_split_numbers(text: str) -> Iterator[_Candidate]:
    """Identity and account numbers, compact or split by joins."""
    for chunk in _chunks(text):
        for first, last in _windows(chunk):
            start, end = chunk.groups[first][0], chunk.groups[last][1]
            if _glued_by_a_mark(chunk, first, last) or not _stands_alone(text, start, end):
                continue
            digits = "".join(text[a:b] for a, b in chunk.groups[first : last + 1])
            for shape in _SHAPES_BY_LENGTH[len(digits)]:
                if (
                    shape.valid(digits)
                    and _is_written_as(shape, text, chunk, first, last)
                    and not _inside_opaque_id(text, start, end)
                ):
                    yield shape.kind, start, end


def _is_written_as(shape: _Shape, text: str, chunk: _Chunk, first: int, last: int) -> bool:
    """The groups first..last fit a layout of the shape (grouped in threes: not
    going on beyond them, and not an amount)."""
    layout = _layout(shape, _placed_joins(chunk, first, last))
    if layout is None:
        return False
    how, mark = layout
    if how == "typed":
        return True
    start, end = chunk.groups[first][0], chunk.groups[last][1]
    goes_on = any(join.mark == mark for join in _neighbours(chunk, first, last))
    return not goes_on and not _is_amount(text, start, end)


def _chunks(text: str) -> Iterator[_Chunk]:
    """Groups of digits joined into numbers, where they have digits enough for one."""
    for candidate in _CHUNK_RE.finditer(text):
        yield from _split_chunk(text, candidate.start(), candidate.end())


def _split_chunk(text: str, start: int, end: int) -> Iterator[_Chunk]:
    groups: list[tuple[int, int]] = []
    joins: list[_Join] = []
    for run in _GROUP_RE.finditer(text, start, end):
        groups.append(run.span("digits"))
        join = _join(run["gap"]) if run.end() < end else None
        if join is None:
            yield _Chunk(tuple(groups), tuple(joins))
            groups, joins = [], []
        else:
            joins.append(join)


@lru_cache(maxsize=256)
def _join(gap: str) -> _Join | None:
    """The join that `gap` is between two groups of digits, or None if it is none."""
    if len(gap) > _MAX_JOIN_LENGTH or gap.count("\n") > 1:
        return None
    mark = gap.strip(" \n")
    if mark not in _JOIN_MARKS:
        return None
    return _Join(mark, "\n" in gap)


def _windows(chunk: _Chunk) -> Iterator[tuple[int, int]]:
    """Runs of whole groups (first, last) with as many digits as some kind has, no
    more joins than a layout holds, and at most one line break."""
    for first in range(len(chunk.groups)):
        length = line_breaks = splits = 0
        for last in range(first, len(chunk.groups)):
            if last > first:
                wraps = chunk.joins[last - 1].wraps
                line_breaks += wraps
                splits += not wraps
                if line_breaks > 1 or splits > _MAX_SPLITS:
                    break
            start, end = chunk.groups[last]
            length += end - start
            if length > _MAX_LENGTH:
                break
            if length >= _MIN_LENGTH:
                yield first, last


def _glued_by_a_mark(chunk: _Chunk, first: int, last: int) -> bool:
    """Joined by a mark to more digits before or after: part of a bigger number."""
    joins = chunk.joins
    return (first > 0 and joins[first - 1].mark != "") or (
        last < len(joins) and joins[last].mark != ""
    )


def _placed_joins(chunk: _Chunk, first: int, last: int) -> _Placed:
    placed: list[tuple[int, _Join]] = []
    length = 0
    for index in range(first, last):
        start, end = chunk.groups[index]
        length += end - start
        placed.append((length, chunk.joins[index]))
    return tuple(placed)


def _layout(shape: _Shape, placed: _Placed) -> tuple[_Layout, str] | None:
    """How the joins fit the shape -- as people type it, or grouped in threes as a
    spreadsheet shows a number -- and with which mark; None if neither."""
    typed = _fits(placed, shape.splits, shape.marks, complete=False)
    if typed is not None:
        return "typed", typed
    thousands = frozenset(range(shape.length % 3 or 3, shape.length, 3))
    grouped = _fits(placed, thousands, _GROUPING_MARKS, complete=True)
    if grouped is not None:
        return "grouped", grouped
    return None


def _fits(
    placed: _Placed, splits: frozenset[int], marks: frozenset[str], *, complete: bool
) -> str | None:
    """The one mark used if every join is at a split with that mark or is a line
    wrapped elsewhere (and, if `complete`, every split has a join); else None."""
    used_marks: set[str] = set()
    used_splits: set[int] = set()
    for position, join in placed:
        if position in splits and join.mark in marks:
            used_marks.add(join.mark)
            used_splits.add(position)
        elif position in splits or not (join.wraps and join.mark in _WRAP_MARKS):
            return None
    if len(used_marks) > 1 or (complete and used_splits != splits):
        return None
    return next(iter(used_marks), "")


def _neighbours(chunk: _Chunk, first: int, last: int) -> list[_Join]:
    """The joins to the groups just before and after groups first..last."""
    joins = []
    if first > 0:
        joins.append(chunk.joins[first - 1])
    if last < len(chunk.joins):
        joins.append(chunk.joins[last])
    return joins


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Not a phone's country code, not glued to digits by a decimal comma."""
    before = text[max(0, start - 2) : start]
    after = text[end : end + 2]
    if before.endswith("+"):
        return False
    return not (
        (len(before) == 2 and before[1] == "," and before[0] in _DIGITS)
        or (len(after) == 2 and after[0] == "," and after[1] in _DIGITS)
    )


def _inside_opaque_id(text: str, start: int, end: int) -> bool:
    """Part of a UUID or a long hex string, looking only at the word around it."""
    left, right = start, end
    while left > max(0, start - _OPAQUE_REACH) and _in_id(text[left - 1]):
        left -= 1
    while right < min(len(text), end + _OPAQUE_REACH) and _in_id(text[right]):
        right += 1
    return any(
        left + found.start() < end and left + found.end() > start
        for found in _OPAQUE_ID_RE.finditer(text[left:right])
    )


def _in_id(char: str) -> bool:
    return char.isalnum() or char == "-"


# --- IBANs --------------------------------------------------------------------------

# Lengths from the SWIFT IBAN registry, plus the IBAN-like formats banks publish for
# a few more countries.
_IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AO": 25, "AT": 20, "AZ": 28, "BA": 20, "BE": 16,
    "BF": 27, "BG": 22, "BH": 22, "BI": 27, "BJ": 28, "BR": 29, "BY": 28, "CG": 27,
    "CH": 21, "CI": 28, "CM": 27, "CR": 22, "CV": 25, "CY": 28, "CZ": 24, "DE": 22,
    "DJ": 27, "DK": 18, "DO": 28, "DZ": 24, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FK": 18, "FO": 18, "FR": 27, "GA": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18,
    "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23,
    "IR": 26, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MG": 27, "MK": 19, "ML": 28, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "MZ": 25,
    "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25,
    "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24,
    "SI": 19, "SK": 24, "SM": 27, "SN": 28, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip
_IBAN_GAP = r"(?: ?\n ?| )"
# Every place an IBAN could start, compact or in groups of four; overlapping.
_IBAN_RE = re.compile(
    r"(?=(?P<iban>[A-Za-z]{2}[0-9]{2}"
    r"(?:[A-Za-z0-9]{11,30}"
    rf"|(?:{_IBAN_GAP}[A-Za-z0-9]{{4}}){{2,8}}(?:{_IBAN_GAP}[A-Za-z0-9]{{1,3}})?)))"
)


def _scan_ibans(text: str) -> Iterator[_Candidate]:
    for match in _IBAN_RE.finditer(text):
        start = match.start()
        written = match["iban"]
        country = written[:2].upper()
        length = _IBAN_LENGTHS.get(country)
        if length is None or not _iban_may_start(text, start, written[:2]):
            continue
        end = _iban_end(written, length)
        if end is None or text[start + end : start + end + 1].isalnum():
            continue
        if written[:end].count("\n") <= 1 and _iban_ok(_compact(written[:end]).upper()):
            yield "IBAN", start, start + end


def _iban_may_start(text: str, start: int, country: str) -> bool:
    """Not glued to a digit; glued to a letter only with an upper-case country code."""
    before = text[start - 1 : start]
    if before in _DIGITS:
        return False
    return not (before.isalpha() and not country.isupper())


def _iban_end(written: str, length: int) -> int | None:
    """Where the first `length` letters and digits of `written` end."""
    count = 0
    for index, char in enumerate(written):
        if char.isalnum():
            count += 1
            if count == length:
                return index + 1
    return None


def _compact(written: str) -> str:
    return "".join(char for char in written if char.isalnum())


# --- e-mail addresses ----------------------------------------------------------------

_BREAK = r"(?: ?\n ?)"
_AT = rf"(?:{_BREAK}?@{_BREAK}?| ?[(\[{{<] ?at ?[)\]}}>] ?)"
_DOT = rf"(?:\.{_BREAK}?| ?[(\[{{<] ?dot ?[)\]}}>] ?)"
_EMAIL_RE = re.compile(
    rf"(?i:(?<![\w.%+\-])\w[\w.%+'\-]*{_AT}(?:[\w\-]+{_DOT})+[^\W\d_]{{2,}}(?!\w))"
)


def _scan_emails(text: str) -> Iterator[_Candidate]:
    for match in _EMAIL_RE.finditer(text):
        yield "EMAIL", match.start(), match.end()


# --- bankgiro -------------------------------------------------------------------------

# A number stands alone: no letter or digit next to it, and not glued to another
# number by a dot, comma or hyphen.
_BEFORE = r"(?<![\w+])(?<![0-9][.,\-])"
_AFTER = r"(?!\w)(?![.,\-][0-9])"
_BANKGIRO_RE = re.compile(
    r"(?i:\b(?:bankgiro(?:nummer|nr)?|bg(?:[ \-]?nr)?))[.:#]?[ ]{0,2}"
    r"(?P<number>[0-9]{3,4}-[0-9]{4})" + _AFTER
)


def _scan_bankgiro(text: str) -> Iterator[_Candidate]:
    for match in _BANKGIRO_RE.finditer(text):
        if _luhn_ok(match["number"].replace("-", "")):
            yield "BANK_ACCOUNT", match.start("number"), match.end("number")


# --- phone numbers --------------------------------------------------------------------

# A grouped number is not the tail or head of a longer run of digit groups.
_RUN_BEFORE = r"(?<![0-9] )"
_RUN_AFTER = r"(?! [0-9])"
_NORWEGIAN_PHONE_RE = re.compile(
    _BEFORE
    + _RUN_BEFORE
    + r"(?:[2-9][0-9](?: [0-9]{2}){3}"
    + r"|[2-9][0-9]{2} [0-9]{2} [0-9]{3}"
    + r"|[2-9][0-9]{3} [0-9]{4}"
    + r"|(?P<plain>[2-9][0-9]{7}))"
    + _AFTER
    + _RUN_AFTER
)
_SWEDISH_PHONE_RE = re.compile(
    _BEFORE
    + _RUN_BEFORE
    + r"0[1-9][0-9]{0,2}(?: ?[\-/] ?| )?"
    + r"(?:[0-9]{5,8}|[0-9]{2,3}(?: [0-9]{2,3}){1,3})"
    + _AFTER
    + _RUN_AFTER
)
_INTERNATIONAL_PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+|00(?= ?4[67])) ?[1-9](?:[ .\-/()]{0,3}[0-9]){6,16}" + _AFTER
)
_CURRENCY = r"(?:NOK|SEK|EUR|USD|DKK|GBP|kr|kroner|kronor|[€$£])"
_CURRENCY_BEFORE_RE = re.compile(rf"(?i:(?<!\w){_CURRENCY}\.? *)$")
_AMOUNT_AFTER_RE = re.compile(rf"(?i: *(?:{_CURRENCY}(?!\w)|%|,-))")
_REFERENCE_WORDS = (
    "ordre|order|bestilling|beställning|best|faktura|invoice|inv|po|innkjøp|inköp"
    "|artikkel|artikel|art|vare|produkt|sak|ärende|diarie|referanse|referens|ref"
    "|lot|batch|parti|serie|serial|kunde|kund|kontrakt|avtale|avtal|prosjekt|projekt|project"
)
# An order, invoice, case, article ... label right before a number.
_REFERENCE_BEFORE_RE = re.compile(
    rf"(?i:(?<!\w)(?:{_REFERENCE_WORDS})s?(?:[ .\-]?(?:nr|no|nummer|number|num|id))?"
    r"\.? ?[:#]? ?)$"
)
_LOOK_BEHIND = 40


def _is_amount(text: str, start: int, end: int) -> bool:
    return bool(
        _CURRENCY_BEFORE_RE.search(text, max(0, start - 12), start)
        or _AMOUNT_AFTER_RE.match(text, end)
    )


def _is_reference(text: str, start: int) -> bool:
    return bool(_REFERENCE_BEFORE_RE.search(text, max(0, start - _LOOK_BEHIND), start))


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
    for start, end in _phone_shaped(text):
        if not _is_amount(text, start, end) and not _inside_opaque_id(text, start, end):
            yield "PHONE", start, end


def _phone_shaped(text: str) -> Iterator[tuple[int, int]]:
    for match in _NORWEGIAN_PHONE_RE.finditer(text):
        if not (match["plain"] and _reads_as_date(match["plain"])) and not _is_reference(
            text, match.start()
        ):
            yield match.span()
    for match in _SWEDISH_PHONE_RE.finditer(text):
        digit_count = sum(char in _DIGITS for char in match.group())
        if 8 <= digit_count <= 10 and not _is_reference(text, match.start()):
            yield match.span()
    for match in _INTERNATIONAL_PHONE_RE.finditer(text):
        number = match.group().replace("(0)", "")
        digit_count = sum(char in _DIGITS for char in number)
        if number.startswith("00"):
            digit_count -= 2
        if 7 <= digit_count <= 15:
            yield match.span()


_SCANNERS: tuple[_Scanner, ...] = (
    _scan_split_numbers,
    _scan_emails,
    _scan_ibans,
    _scan_bankgiro,
    _scan_phones,
)
