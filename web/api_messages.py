"""The API's refusals as a page shows them.

The API speaks English (`domain.errors`: the message says what to fix, after
the input it names: "purpose: must not be empty"). A page in bokmål or Swedish
translates the refusals its forms meet most, listed here (marked for
extraction, translated in web/locale); a template's `%(name)s` placeholders
match any text and carry it into the translation. The input's name is left
out of a translated refusal: the page shows it at that input, under its label.
Any other message is shown as it is, marked as English (`lang="en"`), so that
a screen reader reads it in English (WCAG 2.1 success criterion 3.1.2,
language of parts). Personal data found in a text is told from what the error
counts (`extensions.personalData`), kind by kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup

from web.i18n import Language
from web.labels import N_

__all__ = ["TRANSLATED", "shown"]

TRANSLATED = (
    N_("must not be empty"),
    N_("must be at most %(limit)s characters"),
    N_("is larger than the limit of %(limit)s bytes"),
    N_("the file is empty"),
    N_("only the audited supplier answers a report's corrective actions"),
    N_("only the report's commissioning body verifies its corrective actions"),
    N_("the commissioning body has verified this corrective action already"),
    N_("say what is missing when you reopen a corrective action"),
    N_("only a supplier grants access to its self-reports"),
    N_("your own organisation reads its self-reports already"),
    N_("your organisation has no unrevoked grant to that organisation"),
    N_("an auditor names the body that commissioned it"),
    N_("the commissioning body is not a member of that network"),
    N_("no organisation with that id"),
)


def _pattern(template: str) -> re.Pattern[str]:
    """The messages `template` makes: its text, any text for each placeholder."""
    parts = re.split(r"%\((\w+)\)s", template)  # text, name, text, name, ..., text
    return re.compile(
        "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
        )
    )


_PATTERNS = [(template, _pattern(template)) for template in TRANSLATED]


def shown(message: str, extensions: Mapping[str, Any] | None, language: Language) -> str:
    """An error's `message` (its `extensions` name the input and what was found) in
    `language` where it is translated; else the English message, marked as English
    on a page that is not."""
    if language.code == "en":
        return message
    extensions = extensions or {}
    field = extensions.get("field")
    found = extensions.get("personalData")
    if isinstance(found, dict) and isinstance(field, str):
        told = _personal_data(found, language)
        if told is not None:
            return told
    said = message.removeprefix(f"{field}: ") if isinstance(field, str) else message
    for template, pattern in _PATTERNS:
        match = pattern.fullmatch(said)
        if match is not None:
            return language.gettext(template, **match.groupdict())
    return Markup('<span lang="en">{}</span>').format(message)


# What `domain.personal_data` finds, most sensitive first, as counted in a refusal.
_KINDS: dict[str, Callable[[Language, int], str]] = {
    "NORWEGIAN_NATIONAL_ID": lambda language, count: language.ngettext(
        "a Norwegian national identity number (fødselsnummer or D-number)",
        "%(count)s Norwegian national identity numbers (fødselsnummer or D-number)",
        count,
    ),
    "SWEDISH_PERSONAL_IDENTITY_NUMBER": lambda language, count: language.ngettext(
        "a Swedish personal identity number (personnummer or samordningsnummer)",
        "%(count)s Swedish personal identity numbers (personnummer or samordningsnummer)",
        count,
    ),
    "IBAN": lambda language, count: language.ngettext("an IBAN", "%(count)s IBANs", count),
    "BANK_ACCOUNT": lambda language, count: language.ngettext(
        "a bank account number", "%(count)s bank account numbers", count
    ),
    "EMAIL": lambda language, count: language.ngettext(
        "an e-mail address", "%(count)s e-mail addresses", count
    ),
    "PHONE": lambda language, count: language.ngettext(
        "a phone number", "%(count)s phone numbers", count
    ),
}


def _personal_data(found: Mapping[str, Any], language: Language) -> str | None:
    """'contains an e-mail address and 2 phone numbers, which must be removed
    before sharing', in `language`; None unless every kind is one this page knows."""
    if not found or not all(
        kind in _KINDS and isinstance(count, int) for kind, count in found.items()
    ):
        return None
    parts = [_KINDS[kind](language, count) for kind, count in found.items()]
    listed = (
        parts[0]
        if len(parts) == 1
        else language.gettext("%(first)s and %(last)s", first=", ".join(parts[:-1]), last=parts[-1])
    )
    return language.gettext(
        "contains %(found)s, which must be removed before sharing", found=listed
    )
