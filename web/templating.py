"""Jinja2 templates (`web/templates`), autoescaped. A template translates with
`_("English text", name=value)` and formats with `lang.date`, `lang.number` ...;
`label(kind, value)` names an enum value in the page's language."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from web.labels import label

ENVIRONMENT = Environment(
    loader=PackageLoader("web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, **context: Any) -> str:
    language = context["lang"]
    return ENVIRONMENT.get_template(template).render(
        _=language.gettext,
        ngettext=language.ngettext,
        label=lambda kind, value: label(language, kind, value),
        **context,
    )
