"""The self-report questionnaire as pages show it. Its questions are data in
`domain/questionnaire.py` (the form's shape, like an enum's values); their texts are
translated in web/locale, found there by `extract_questions` (web/babel.cfg).

A posted form is read back as the API's `SelfReportInput` without judging it: a
value that does not parse goes to the API as typed, and the API names what is wrong."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from starlette.datastructures import FormData

from domain.questionnaire import CURRENT, QUESTIONNAIRES, AnswerKind, Question, Questionnaire
from web.forms import text
from web.labels import LABELS, N_

ROWS: dict[str, tuple[str, ...]] = {
    "productionSites": ("name", "country", "address", "osId"),
    "subSuppliers": ("orgNumber", "name", "country", "productCategory", "tierParentOrgNumber"),
}
"""The repeated groups of the form (named as the API's inputs) and their fields."""

YES_NO = {"yes": True, "no": False}


def sections(form: Questionnaire) -> list[tuple[str, list[Question]]]:
    """The questions section by section, in the questionnaire's order."""
    grouped: dict[str, list[Question]] = {}
    for question in form.questions:
        grouped.setdefault(question.section.value, []).append(question)
    return list(grouped.items())


def answers_from(form: FormData, questionnaire: Questionnaire = CURRENT) -> dict[str, Any]:
    """The posted answers (inputs named `answers.<question id>`); unanswered ones left out."""
    answers: dict[str, Any] = {}
    for question in questionnaire.questions:
        name = f"answers.{question.id}"
        if question.kind is AnswerKind.CHOICES:
            chosen = [value for value in form.getlist(name) if isinstance(value, str)]
            if chosen:
                answers[question.id] = chosen
        elif value := text(form, name):
            answers[question.id] = typed(question.kind, value)
    return answers


def typed(kind: AnswerKind, value: str) -> Any:
    if kind is AnswerKind.YES_NO:
        return YES_NO.get(value, value)
    if kind is AnswerKind.COUNT and value.isascii() and value.isdigit():
        return int(value)
    return value


def rows_from(form: FormData, group: str) -> list[dict[str, str]]:
    """The filled rows of GROUP (inputs named `productionSites.<n>.name` ...), in order;
    empty rows are dropped, so the API's item numbers are those of the rows shown again.
    A blank field is sent as "": the API names a missing required one."""
    pattern = re.compile(rf"{group}\.(\d+)\.\w+")
    numbers = sorted({int(found[1]) for key in form if (found := pattern.fullmatch(key))})
    rows = [{name: text(form, f"{group}.{n}.{name}") for name in ROWS[group]} for n in numbers]
    return [row for row in rows if any(row.values())]


def options(question: Question) -> list[tuple[str, str]]:
    """(value as posted, English label) of each choice of a question with choices."""
    if question.kind is AnswerKind.YES_NO:
        return [("yes", N_("Yes")), ("no", N_("No"))]
    return [(option, LABELS["AnswerOption"][option]) for option in question.options]


def chosen(question: Question, answer: Any) -> list[str]:
    """The posted values an answer selects (a value the API refused stays as typed)."""
    if answer is None:
        return []
    if question.kind is AnswerKind.YES_NO and isinstance(answer, bool):
        return ["yes" if answer else "no"]
    return [str(item) for item in answer] if isinstance(answer, list) else [str(answer)]


def error_target(field: str) -> str:
    """The element an error of the API's FIELD links to: a row's first input for a row."""
    group, _, rest = field.partition(".")
    if group in ROWS and rest.isdigit():
        return f"field-{field}.{ROWS[group][0]}"
    return f"field-{field}"


def extract_questions(
    fileobj: object, keywords: object, comment_tags: object, options: object
) -> Iterator[tuple[int, str, str, list[str]]]:
    """A Babel extractor for domain/questionnaire.py: the text of every question of
    every version, read from the data itself (some texts are built, not literals)."""
    for form in QUESTIONNAIRES.values():
        for question in form.questions:
            yield 0, "_", question.text, []
