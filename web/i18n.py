"""Languages: Norwegian bokmål, Swedish and English (Babel).

The language is the `kjede_lang` cookie (the switcher), else the best match of
Accept-Language, else bokmål. Catalogs are the `.po` files under `web/locale`,
compiled in memory when this module is imported (no build step, nothing stale).
Dates and numbers are formatted for the page's locale."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from importlib import resources

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LANGUAGES: tuple[str, ...] = ("nb", "sv", "en")
DEFAULT = "nb"
COOKIE = "kjede_lang"
NAMES = {"nb": "Norsk bokmål", "sv": "Svenska", "en": "English"}
FORMATS = {"nb": "nb_NO", "sv": "sv_SE", "en": "en_GB"}
"""Dates and numbers: English pages use British conventions (day before month)."""
ALIASES = {"no": "nb", "nn": "nb", "nb": "nb", "sv": "sv", "en": "en"}


def load_catalog(language: str) -> Translations:
    po = resources.files("web").joinpath("locale", language, "LC_MESSAGES", "messages.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


CATALOGS: dict[str, Translations] = {language: load_catalog(language) for language in LANGUAGES}


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGUAGES:
        return cookie
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in ALIASES and quality > 0:
            ranked.append((-quality, index, ALIASES[primary]))
    return min(ranked)[2] if ranked else DEFAULT


@dataclass(frozen=True)
class Language:
    """One page's language: its messages and its formats."""

    code: str

    @property
    def translations(self) -> Translations:
        return CATALOGS[self.code]

    @property
    def locale(self) -> Locale:
        return Locale.parse(FORMATS[self.code])

    def gettext(self, message: str, **values: object) -> str:
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        text = self.translations.ngettext(singular, plural, count)
        return text % {"count": count, **values}

    def date(self, value: str | dt.date | None) -> str:
        if value is None or value == "":
            return ""
        parsed = dt.date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(parsed, format="medium", locale=self.locale)

    def datetime(self, value: str | dt.datetime | None) -> str:
        if value is None or value == "":
            return ""
        parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        return format_datetime(parsed, format="medium", locale=self.locale)

    def number(self, value: float | int | None) -> str:
        return "" if value is None else format_decimal(value, locale=self.locale)

    def filesize(self, size: int) -> str:
        for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
            if size >= scale:
                return f"{format_decimal(round(size / scale, 1), locale=self.locale)} {unit}"
        return f"{format_decimal(size, locale=self.locale)} B"
