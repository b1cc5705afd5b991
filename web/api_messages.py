"""The API's refusals as a page shows them.

The API speaks English (`domain.errors`: the message says what to fix, after
the input it names: "purpose: must not be empty"). A page in bokmål or Swedish
translates the refusals its forms meet most, listed here (marked for
extraction, translated in web/locale); a template's `%(name)s` placeholders
match any text and carry it into the translation. The input's name is left
out of a translated refusal: the page shows it at that input, under its label.
Any other message is shown as it is, marked as English (`lang="en"`), so that
a screen reader reads it in English (WCAG 2.1 success criterion 3.1.2,
language of parts).
"""

from __future__ import annotations

import re

from markupsafe import Markup

from web.i18n import Language
from web.labels import N_

__all__ = ["TRANSLATED", "shown"]

TRANSLATED = (
    N_("must not be empty"),
    N_("must be at most %(limit)s characters"),
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


def shown(message: str, field: str | None, language: Language) -> str:
    """`message` (an error's, about the input `field`) in `language` where it is
    translated; else the English message, marked as English on a page that is not."""
    if language.code == "en":
        return message
    said = message.removeprefix(f"{field}: ") if field else message
    for template, pattern in _PATTERNS:
        match = pattern.fullmatch(said)
        if match is not None:
            return language.gettext(template, **match.groupdict())
    return Markup('<span lang="en">{}</span>').format(message)
